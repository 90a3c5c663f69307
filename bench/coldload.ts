import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as Y from 'yjs';
import { addTeam } from '../shared/doc.ts';
import { LIMITS } from '../shared/limits.ts';
import { createLogger } from '../server/log.ts';
import { Room, type Peer } from '../server/room.ts';
import { openSqliteStore } from '../server/sqlite-store.ts';
import type { Store } from '../server/store.ts';
import { postJson, syncedSocket } from './load.ts';
import { startServer } from './servers.ts';
import { STEP2, wsUrl } from './wire.ts';

/**
 * A workshop with `updates` stored updates, written through the server's own
 * write path (Room: inspect, append, apply, snapshot every
 * `snapshotEveryUpdates`) in this process, without sockets. Returns the data
 * folder (to copy for each measurement), the credentials, and the measured
 * cost of one SQLite append.
 */
const DRAG = 25;

export async function buildLongWorkshop(updates: number) {
  const dataDir = mkdtempSync(join(tmpdir(), 'stageboard-cold-'));
  const server = await startServer('stageboard', { dataDir });
  const w = await postJson(`${server.http}/api/workshops`, { title: 'A long session' });
  const p = await postJson(`${server.http}/api/join`, { code: w.joinCode, name: 'Mover' });
  await server.stop();

  const inner = openSqliteStore(join(dataDir, 'stageboard.sqlite'));
  let appendNs = 0n;
  let appends = 0;
  const store: Store = {
    ...inner,
    appendUpdate(id, entry) {
      const t = process.hrtime.bigint();
      const r = inner.appendUpdate(id, entry);
      appendNs += process.hrtime.bigint() - t;
      appends++;
      return r;
    },
  };
  const room = await Room.load({ id: w.id, store, limits: { ...LIMITS }, log: createLogger('silent'), now: Date.now, onUnload: () => {} });
  const peer = (role: 'facilitator' | 'participant', author: string): Peer => ({
    role,
    author,
    closed: false,
    awarenessClients: new Set(),
    unresolved: 0,
    send: () => {},
    close: (code, reason) => {
      throw new Error(`closed ${code} ${reason}`);
    },
  });
  const facilitator = peer('facilitator', 'facilitator');
  const mover = peer('participant', p.participantId);
  const doc = new Y.Doc();
  Y.applyUpdate(doc, Y.encodeStateAsUpdate(room.doc));
  let as = facilitator;
  doc.on('update', (u: Uint8Array) => room.receiveUpdate(as, u));
  const teams = 10;
  doc.transact(() => {
    for (let i = 0; i < teams; i++) addTeam(doc, `t${i}`, { name: `Team ${i}`, color: '#2563eb', stageCurrent: 1 });
  });
  as = mover;
  const map = doc.getMap('teams');
  const started = Date.now();
  // Moves arrive as drags: a marker sends DRAG positions in a row (20 Hz for
  // about a second), then someone drags another team's current or target.
  for (let i = 1; i < updates; i++) {
    const drag = Math.floor(i / DRAG);
    (map.get(`t${(drag * 7) % teams}`) as Y.Map<unknown>).set(drag % 3 === 0 ? 'stageTarget' : 'stageCurrent', 1 + ((i * 0.37) % 2));
  }
  const generateMs = Date.now() - started;
  await room.flush();
  const expected = JSON.stringify(doc.getMap('teams').toJSON());
  // Not room.close(): that would write a final snapshot and leave no tail to replay.
  await inner.close();
  room.awareness.destroy();
  doc.destroy();
  return {
    dataDir,
    workshopId: w.id as string,
    key: w.facilitatorKey as string,
    expected,
    appendUs: Number(appendNs / BigInt(appends)) / 1000,
    generateMs,
    lastSeq: room.lastSeq,
  };
}

export type LongWorkshop = Awaited<ReturnType<typeof buildLongWorkshop>>;

/**
 * Starts a server on a copy of the data and times the first client's sync:
 * from socket open to the arrival of sync step 2 (the server's load: read,
 * apply snapshot and tail, answer), and to the client having applied it too.
 */
export async function coldLoad(w: LongWorkshop): Promise<{ ms: number; appliedMs: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'stageboard-cold-run-'));
  cpSync(w.dataDir, dir, { recursive: true });
  const server = await startServer('stageboard', { dataDir: dir });
  try {
    const doc = new Y.Doc();
    const t = performance.now();
    let arrived = 0;
    const ws = await syncedSocket('stageboard', wsUrl('stageboard', server.ws, w.workshopId, w.key), w.workshopId, doc, (sub) => {
      if (sub === STEP2 && !arrived) arrived = performance.now();
    });
    const appliedMs = performance.now() - t;
    ws.terminate();
    const got = JSON.stringify(doc.getMap('teams').toJSON());
    if (got !== w.expected) throw new Error('cold load served a different document');
    return { ms: arrived - t, appliedMs };
  } finally {
    await server.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}
