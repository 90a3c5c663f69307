import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { addTeam, ROOTS, setTeamField } from '../../shared/doc.ts';
import { CLOSE } from '../../shared/errors.ts';
import type { Logger } from '../../server/log.ts';
import { openSqliteStore } from '../../server/sqlite-store.ts';
import type { Store } from '../../server/store.ts';
import { createWorkshop, join } from '../helpers/api.ts';
import { isStep2, openSocket, syncFrame } from '../helpers/frames.ts';
import { rawClient } from '../helpers/rawyjs.ts';
import { startServer } from '../helpers/server.ts';
import { connect, synced, until } from '../helpers/yclient.ts';

// The WebSocket limits at their edges: maxMessagesBeforeReady, snapshotEveryUpdates,
// roomIdleUnloadMs, maxUpdateBytesPerSecond and pingIntervalMs.

const cleanup: (() => unknown)[] = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
});
const started = async (opts: Parameters<typeof startServer>[0]) => {
  const srv = await startServer(opts);
  cleanup.push(() => srv.close());
  return srv;
};
/** Slack past a limit for a busy machine. */
const LATE = 1500;
const step1 = () => syncFrame(0, new Uint8Array([0]));

/** A SQLite store whose workshop loads wait until `release()`: the socket stays "not ready" meanwhile. */
function gatedStore() {
  const dir = mkdtempSync(joinPath(tmpdir(), 'stageboard-gated-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  const inner = openSqliteStore(joinPath(dir, 'stageboard.sqlite'));
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const store: Store = {
    ...inner,
    async loadDocument(id) {
      await gate;
      return inner.loadDocument(id);
    },
  };
  return { store, release };
}

describe('maxMessagesBeforeReady', () => {
  it('keeps maxMessagesBeforeReady frames while the workshop loads and closes the socket that sends one more with 1008', async () => {
    const maxMessagesBeforeReady = 8;
    const { store, release } = gatedStore();
    const srv = await started({ store, limits: { maxMessagesBeforeReady } });
    const [a, b] = await Promise.all([createWorkshop(srv.url), createWorkshop(srv.url)]);
    const atLimit = await openSocket(`${srv.wsUrl}/${a.id}?token=${a.facilitatorKey}`);
    const over = await openSocket(`${srv.wsUrl}/${b.id}?token=${b.facilitatorKey}`);
    cleanup.push(
      () => atLimit.ws.terminate(),
      () => over.ws.terminate(),
    );
    for (let i = 0; i < maxMessagesBeforeReady; i++) atLimit.ws.send(step1());
    // The pong comes after the server has read every frame before the ping.
    await new Promise((r) => atLimit.ws.once('pong', r).ping());
    for (let i = 0; i <= maxMessagesBeforeReady; i++) over.ws.send(step1());
    expect(await over.closed).toEqual({ code: CLOSE.policyViolation, reason: 'too many messages before the session was ready' });
    release();
    // Once loaded, every kept frame is answered.
    await atLimit.received(isStep2, maxMessagesBeforeReady);
    expect(atLimit.ws.readyState).toBe(atLimit.ws.OPEN);
  });
});

describe('snapshotEveryUpdates', () => {
  it('writes a snapshot at the snapshotEveryUpdates-th logged update, not before', async () => {
    const snapshotEveryUpdates = 4;
    const srv = await started({ limits: { snapshotEveryUpdates } });
    const w = await createWorkshop(srv.url);
    const f = connect(srv.wsUrl, w.id, w.facilitatorKey);
    cleanup.push(() => f.destroy());
    await synced(f);
    const { store } = srv.server;
    const room = srv.server.rooms.get(w.id)!;
    const loaded = await store.loadDocument(w.id);
    const snapshotSeq = async () => (await store.loadDocument(w.id)).snapshot?.seq ?? 0;
    const first = await snapshotSeq();
    /** One logged update; resolves once the room has stored and applied it (a due snapshot is written in the same turn). */
    const change = async (value: number) => {
      setTeamField(f.doc, 't', 'stageCurrent', value);
      await until(room.doc, () => (room.doc.getMap(ROOTS.teams).get('t') as Y.Map<unknown>).get('stageCurrent') === value, `${value}`);
    };
    addTeam(f.doc, 't', { name: 'Payments', color: '#2563eb', stageCurrent: 1 });
    await until(room.doc, () => room.doc.getMap(ROOTS.teams).has('t'), 'team');
    // Updates since the last snapshot: those the room loaded with, and the team.
    let since = loaded.tail.length + 1;
    expect(since).toBeLessThan(snapshotEveryUpdates);
    for (let value = 2; since < snapshotEveryUpdates - 1; value++, since++) await change(value);
    expect(await snapshotSeq()).toBe(first);
    await change(1.5);
    expect(await snapshotSeq()).toBe(room.lastSeq);
    expect(room.lastSeq).toBe(loaded.lastSeq + snapshotEveryUpdates - loaded.tail.length);
  });
});

describe('roomIdleUnloadMs', () => {
  it('keeps a room for roomIdleUnloadMs after its last socket leaves, then unloads it', async () => {
    const roomIdleUnloadMs = 400;
    const unloaded = new Map<string, () => void>();
    const log: Logger = (_level, msg, fields) => void (msg === 'room unloaded' && unloaded.get(String(fields?.workshop))?.());
    const srv = await started({ log, limits: { roomIdleUnloadMs } });
    const w = await createWorkshop(srv.url);
    const gone = new Promise<number>((r) => unloaded.set(w.id, () => r(performance.now())));
    const s = await openSocket(`${srv.wsUrl}/${w.id}?token=${w.facilitatorKey}`);
    s.ws.send(step1());
    await s.received(isStep2);
    // Timed from before the close: the server counts from when it sees the socket go, later.
    const left = performance.now();
    s.ws.close();
    const at = (await gone) - left;
    expect(at).toBeGreaterThanOrEqual(roomIdleUnloadMs);
    expect(at).toBeLessThan(roomIdleUnloadMs + LATE);
    expect(srv.server.rooms.get(w.id)).toBeUndefined();
  });
});

describe('maxUpdateBytesPerSecond', () => {
  /** A participant's change that adds a team with a name of `chars` characters, from a client of its own. */
  const newTeam = (clientID: number, id: string, chars: number) => {
    const doc = new Y.Doc();
    doc.clientID = clientID;
    addTeam(doc, id, { name: 'n'.repeat(chars), color: '#123456' });
    return Y.encodeStateAsUpdate(doc);
  };

  it('takes one change of exactly maxUpdateBytesPerSecond bytes and closes the socket that sends one byte more with 1008', async () => {
    const budget = newTeam(1001, 'edge', 50).length;
    expect(newTeam(1002, 'egde', 51).length).toBe(budget + 1);
    const srv = await started({ limits: { maxUpdateBytesPerSecond: budget } });
    const w = await createWorkshop(srv.url);
    const at = rawClient(srv.wsUrl, w.id, (await join(srv.url, w.joinCode, 'At')).token, { autoSend: false });
    const over = rawClient(srv.wsUrl, w.id, (await join(srv.url, w.joinCode, 'Over')).token, { autoSend: false });
    cleanup.push(
      () => at.ws.terminate(),
      () => over.ws.terminate(),
    );
    await Promise.all([at.synced, over.synced]);
    const room = srv.server.rooms.get(w.id)!;
    // The bucket holds one second's worth, so it is also the largest single change.
    at.sendUpdate(newTeam(1001, 'edge', 50));
    await until(room.doc, () => room.doc.getMap(ROOTS.teams).has('edge'), 'the change of exactly the budget');
    over.sendUpdate(newTeam(1002, 'egde', 51));
    expect((await over.closed).code).toBe(CLOSE.policyViolation);
    expect(room.doc.getMap(ROOTS.teams).has('egde')).toBe(false);
    expect(at.ws.readyState).toBe(at.ws.OPEN);
  });
});

describe('liveness', () => {
  it('drops a socket that leaves two pings unanswered when the third is due, and keeps one that answers', async () => {
    const pingIntervalMs = 200;
    const own = await started({ limits: { pingIntervalMs } });
    const w = await createWorkshop(own.url);
    const target = `${own.wsUrl}/${w.id}?token=${w.facilitatorKey}`;
    const t = performance.now();
    const silent = new WebSocket(target, { autoPong: false });
    const honest = new WebSocket(target);
    cleanup.push(
      () => silent.terminate(),
      () => honest.terminate(),
    );
    let pings = 0;
    silent.on('ping', () => pings++);
    silent.on('open', () => silent.send(syncFrame(0, new Uint8Array([0]))));
    honest.on('open', () => honest.send(syncFrame(0, new Uint8Array([0]))));
    const code = await new Promise<number>((r) => silent.on('close', r));
    const ms = performance.now() - t;
    // Terminated, not closed: a socket that does not answer pings would not answer a close frame either.
    expect(code).toBe(1006);
    expect(pings).toBe(2);
    expect(ms).toBeGreaterThanOrEqual(3 * pingIntervalMs);
    expect(ms).toBeLessThan(3 * pingIntervalMs + LATE);
    expect(honest.readyState).toBe(WebSocket.OPEN);
    honest.close();
  });
});
