import Database from 'better-sqlite3';
import * as decoding from 'lib0/decoding';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { addTeam, readMembers, readResults, setTeamField } from '../../shared/doc.ts';
import { CLOSE } from '../../shared/errors.ts';
import type { Logger } from '../../server/log.ts';
import { openSqliteStore } from '../../server/sqlite-store.ts';
import type { Store } from '../../server/store.ts';
import { createWorkshop, join as joinWorkshop, post } from '../helpers/api.ts';
import { openSocket, syncFrame } from '../helpers/frames.ts';
import { startServer } from '../helpers/server.ts';
import { connect, synced, until, type Client } from '../helpers/yclient.ts';

const cleanup: (() => unknown)[] = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
});

const teamValue = (doc: Y.Doc, team: string, key: string) => (doc.getMap('teams').get(team) as Y.Map<unknown> | undefined)?.get(key);

/** Whether `have` holds everything `want` has from every Yjs client except `skip`. */
function covers(have: Y.Doc, want: Y.Doc, skip: number): boolean {
  const haveSv = Y.decodeStateVector(Y.encodeStateVector(have));
  for (const [client, clock] of Y.decodeStateVector(Y.encodeStateVector(want))) {
    if (client !== skip && (haveSv.get(client) ?? 0) < clock) return false;
  }
  return true;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createNetServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** The server as its own process (`node --import tsx server/main.ts`), so it can be killed for real. */
async function serverProcess(port: number, dataDir: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'silent' },
    stdio: 'ignore',
  });
  cleanup.push(() => child.kill('SIGKILL'));
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/api/health`)).ok) return child;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('server did not start');
}

describe('kill -9', () => {
  it('keeps every update any other client had received, and the clients converge without reload', async () => {
    const port = await freePort();
    const dataDir = mkdtempSync(join(tmpdir(), 'stageboard-kill-'));
    cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
    let child = await serverProcess(port, dataDir);
    const base = `http://127.0.0.1:${port}`;
    const wsBase = `ws://127.0.0.1:${port}/ws`;
    const w = await createWorkshop(base);
    const f = connect(wsBase, w.id, w.facilitatorKey);
    cleanup.push(() => f.destroy());
    await synced(f);
    const N = 20;
    f.doc.transact(() => {
      for (let i = 0; i < N; i++) addTeam(f.doc, `t${i}`, { name: `Team ${i}`, color: '#2563eb', stageCurrent: 1 });
    });
    const writers: Client[] = [];
    for (let i = 0; i < N; i++) {
      const p = await joinWorkshop(base, w.joinCode, `Writer ${i}`);
      const c = connect(wsBase, w.id, p.token);
      cleanup.push(() => c.destroy());
      writers.push(c);
    }
    await Promise.all(writers.map(synced));
    await Promise.all(writers.map((c, i) => until(c.doc, () => teamValue(c.doc, `t${i}`, 'name') !== undefined, 'teams')));

    let n = 0;
    const writing = setInterval(() => {
      n++;
      writers.forEach((c, i) => setTeamField(c.doc, `t${i}`, 'stageCurrent', 1 + ((n * 0.01 + i * 0.001) % 2)));
    }, 5);
    // Kill mid-stream, once the writers have been at it for a while.
    await until(f.doc, () => n >= 40, 'writes under way');
    child.kill('SIGKILL');
    clearInterval(writing);
    await new Promise<void>((r) => child.once('exit', () => r()));

    // What the store holds, read straight from the file before anyone reconnects.
    const store = openSqliteStore(join(dataDir, 'stageboard.sqlite'));
    const stored = new Y.Doc();
    for (const e of await store.history(w.id, 0, 1_000_000)) Y.applyUpdate(stored, e.data);
    await store.close();
    // Every client's document minus its own writes is what it received from the server.
    for (const c of [f, ...writers]) expect(covers(stored, c.doc, c.doc.clientID)).toBe(true);
    expect(n).toBeGreaterThan(0);

    child = await serverProcess(port, dataDir);
    // The same providers reconnect by themselves; a last value from each must reach everyone.
    writers.forEach((c, i) => setTeamField(c.doc, `t${i}`, 'stageTarget', 3));
    const done = (doc: Y.Doc) => writers.every((_, i) => teamValue(doc, `t${i}`, 'stageTarget') === 3);
    await Promise.all([f, ...writers].map((c) => until(c.doc, () => done(c.doc), 'final values', 15_000)));
    const fresh = connect(wsBase, w.id, w.facilitatorKey);
    cleanup.push(() => fresh.destroy());
    await synced(fresh);
    await until(fresh.doc, () => done(fresh.doc), 'final values on a fresh client');
    const teamsOf = (doc: Y.Doc) => JSON.stringify(doc.getMap('teams').toJSON());
    await Promise.all([f, ...writers].map((c) => until(c.doc, () => teamsOf(c.doc) === teamsOf(fresh.doc), 'converged', 10_000)));
  }, 60_000);
});

/** A store whose writes (or loads) fail on demand, as a full disk would make them. */
function faultyStore(inner: Store) {
  const faults = { append: false, loads: 0, loadGate: null as Promise<void> | null, appendGate: null as Promise<void> | null };
  const full = () => Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
  const store: Store = {
    ...inner,
    appendUpdate(id, entry) {
      // A gate makes the write take a while, as PostgreSQL's do.
      if (faults.appendGate) {
        return faults.appendGate.then(() => {
          if (faults.append) throw full();
          return inner.appendUpdate(id, entry);
        });
      }
      if (faults.append) throw full();
      return inner.appendUpdate(id, entry);
    },
    async loadDocument(id) {
      if (faults.loadGate) await faults.loadGate;
      if (faults.loads > 0) {
        faults.loads--;
        throw Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR' });
      }
      return inner.loadDocument(id);
    },
  };
  return { store, faults };
}

function capturingLog() {
  const lines: { level: string; msg: string; fields?: Record<string, unknown> }[] = [];
  const log: Logger = (level, msg, fields) => void lines.push({ level, msg, fields });
  return { log, lines };
}

describe('storage failures', () => {
  async function setup(opts: { store?: Store; log: Logger }) {
    const srv = await startServer(opts);
    cleanup.push(() => srv.close());
    const w = await createWorkshop(srv.url);
    const writer = connect(srv.wsUrl, w.id, w.facilitatorKey);
    const watcher = connect(srv.wsUrl, w.id, w.facilitatorKey);
    cleanup.push(
      () => writer.destroy(),
      () => watcher.destroy(),
    );
    await Promise.all([synced(writer), synced(watcher)]);
    addTeam(writer.doc, 't', { name: 'Payments', color: '#2563eb', stageCurrent: 1.25 });
    await until(watcher.doc, () => teamValue(watcher.doc, 't', 'stageCurrent') === 1.25, 'team on watcher');
    return { srv, w, writer, watcher };
  }

  /** setup() on a SQLite store in a fresh folder whose writes or loads fail on demand (`faults`). */
  async function faultySetup(name: string) {
    const { log, lines } = capturingLog();
    const dataDir = mkdtempSync(join(tmpdir(), `stageboard-${name}-`));
    cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const { store, faults } = faultyStore(openSqliteStore(join(dataDir, 'stageboard.sqlite')));
    return { ...(await setup({ store, log })), store, faults, lines };
  }

  /** The writer's change is refused with 4503, nobody receives it, the server answers, and it lands once storage is back. */
  async function expectLoudFailure(
    s: Awaited<ReturnType<typeof setup>>,
    heal: () => void,
    lines: { level: string; msg: string; fields?: Record<string, unknown> }[],
    why: RegExp,
    restart: boolean,
  ) {
    const closed = new Promise<number>((r) => s.writer.provider.once('connection-close', (e: CloseEvent | null) => r(e?.code ?? 0)));
    setTeamField(s.writer.doc, 't', 'stageCurrent', 2.75);
    expect(await closed).toBe(CLOSE.storageUnavailable);
    const logged = lines.find((l) => l.level === 'error' && l.msg === 'could not store update');
    expect(String(logged?.fields?.error)).toMatch(why);
    expect((await fetch(`${s.srv.url}/api/health`)).status).toBe(200);
    expect(teamValue(s.watcher.doc, 't', 'stageCurrent')).toBe(1.25);
    // Nothing of the refused change was stored, and what was stored is intact.
    const stored = new Y.Doc();
    for (const e of await s.srv.server.store.history(s.w.id, 0, 1_000_000)) Y.applyUpdate(stored, e.data);
    expect(teamValue(stored, 't', 'stageCurrent')).toBe(1.25);
    expect(teamValue(stored, 't', 'name')).toBe('Payments');
    heal();
    // The client kept its change and sends it again on reconnect.
    await until(s.watcher.doc, () => teamValue(s.watcher.doc, 't', 'stageCurrent') === 2.75, 'change after recovery', 10_000);
    if (!restart) return;
    await s.srv.restart();
    const after = connect(s.srv.wsUrl, s.w.id, s.w.facilitatorKey);
    cleanup.push(() => after.destroy());
    await synced(after);
    await until(
      after.doc,
      () => teamValue(after.doc, 't', 'stageCurrent') === 2.75 && teamValue(after.doc, 't', 'name') === 'Payments',
      'stored',
    );
  }

  it('fails writes loudly while another connection holds the database lock, and stays up', async () => {
    const { log, lines } = capturingLog();
    const s = await setup({ log });
    const locker = new Database(join(s.srv.dataDir, 'stageboard.sqlite'));
    locker.exec('BEGIN EXCLUSIVE');
    await expectLoudFailure(
      s,
      () => {
        locker.exec('ROLLBACK');
        locker.close();
      },
      lines,
      /locked|busy/i,
      true,
    );
  });

  it('fails writes loudly when the disk is full, and stays up', async () => {
    const s = await faultySetup('full');
    s.faults.append = true;
    await expectLoudFailure(s, () => (s.faults.append = false), s.lines, /disk is full/, false);
  });

  it('answers 503 to a reveal whose results cannot be stored, and reveals on the next try', async () => {
    const s = await faultySetup('reveal');
    const { store, faults } = s;
    const facilitator = { authorization: `Bearer ${s.w.facilitatorKey}` };
    const votes = `${s.srv.url}/api/workshops/${s.w.id}/votes`;
    const p = await joinWorkshop(s.srv.url, s.w.joinCode, 'Voter');
    const { voteId } = (await post(votes, { question: 'Where?', kind: 'stage', teamId: 't' }, facilitator)).json;
    expect((await post(`${votes}/${voteId}/ballots`, { stage: 2.5 }, { authorization: `Bearer ${p.token}` })).status).toBe(202);

    faults.append = true;
    const failed = await post(`${votes}/${voteId}/reveal`, {}, facilitator);
    expect(failed.status).toBe(503);
    expect(failed.json.code).toBe('storage_unavailable');
    // Broke: the vote stayed "revealed" with no results anywhere, and every retry answered 409.
    expect(await store.getVote(s.w.id, voteId)).toMatchObject({ state: 'closed', revealedAt: null });
    faults.append = false;
    const revealed = await post(`${votes}/${voteId}/reveal`, {}, facilitator);
    expect(revealed.status).toBe(200);
    expect(revealed.json.result.overall.n).toBe(1);
    const again = connect(s.srv.wsUrl, s.w.id, s.w.facilitatorKey);
    cleanup.push(() => again.destroy());
    await synced(again);
    await until(again.doc, () => readResults(again.doc).some((r) => r.voteId === voteId), 'the result on the board');
  });

  it('takes back a vote whose opening could not be stored, so the next try opens it', async () => {
    const s = await faultySetup('vote-open');
    const facilitator = { authorization: `Bearer ${s.w.facilitatorKey}` };
    const votes = `${s.srv.url}/api/workshops/${s.w.id}/votes`;
    s.faults.append = true;
    const failed = await post(votes, { question: 'Where?', kind: 'stage', teamId: 't' }, facilitator);
    expect(failed.status).toBe(503);
    s.faults.append = false;
    // Broke: the vote stayed open in the store, invisible on the board, and every try answered 409.
    const opened = await post(votes, { question: 'Where?', kind: 'stage', teamId: 't' }, facilitator);
    expect(opened.status).toBe(201);
    expect((await s.store.listVotes(s.w.id)).map((v) => v.id)).toEqual([opened.json.voteId]);
  });

  it('keeps no trace of a server change it could not log: what loads is what the log replays to, and later changes replay', async () => {
    const s = await faultySetup('rename');
    const { store, faults } = s;
    const p = await joinWorkshop(s.srv.url, s.w.joinCode, 'Ann');
    const rename = (name: string) =>
      fetch(`${s.srv.url}/api/workshops/${s.w.id}/participants/${p.participantId}`, {
        method: 'PATCH',
        headers: { authorization: `Bearer ${s.w.facilitatorKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name }),
      });
    const nameIn = (doc: Y.Doc) => readMembers(doc).find((m) => m.id === p.participantId)?.name;
    const replayed = async () => {
      const doc = new Y.Doc();
      for (const e of await store.history(s.w.id, 0, 1_000_000)) Y.applyUpdate(doc, e.data);
      return doc;
    };
    const loaded = async () => {
      const stored = await store.loadDocument(s.w.id);
      const doc = new Y.Doc();
      if (stored.snapshot) Y.applyUpdate(doc, stored.snapshot.data);
      for (const e of stored.tail) Y.applyUpdate(doc, e.data);
      return doc;
    };

    faults.append = true;
    expect((await rename('Renamed')).status).toBe(503);
    faults.append = false;
    // The room closes and reloads; its closing snapshot must not hold the change the log lacks.
    await s.srv.server.rooms.get(s.w.id)?.close();
    expect(nameIn(await loaded())).toBe('Ann');
    expect(nameIn(await replayed())).toBe('Ann');

    expect((await rename('Third')).status).toBe(200);
    // Broke: the next change built on the unlogged one, so the log no longer replayed (and its export no longer imported).
    const log = await replayed();
    expect(log.store.pendingStructs).toBeNull();
    expect(nameIn(log)).toBe('Third');
    expect(nameIn(await loaded())).toBe('Third');
  });

  it('answers a sync after a server change still being written, so it never hands out a change the log then fails to store', async () => {
    const s = await faultySetup('sync-order');
    const { faults } = s;
    const p = await joinWorkshop(s.srv.url, s.w.joinCode, 'Ann');
    const nameIn = (doc: Y.Doc) => readMembers(doc).find((m) => m.id === p.participantId)?.name;
    let release!: () => void;
    faults.appendGate = new Promise<void>((r) => (release = r));
    faults.append = true;
    const renamed = fetch(`${s.srv.url}/api/workshops/${s.w.id}/participants/${p.participantId}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${s.w.facilitatorKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Renamed' }),
    });
    // The server has applied its change and is writing it.
    const room = s.srv.server.rooms.get(s.w.id)!;
    await expect.poll(() => nameIn(room.doc)).toBe('Renamed');

    const late = await openSocket(`${s.srv.wsUrl}/${s.w.id}?token=${s.w.facilitatorKey}`);
    cleanup.push(() => late.ws.terminate());
    late.ws.send(syncFrame(0, Y.encodeStateVector(new Y.Doc())));
    // Frames are handled in order: once the awareness query is answered, the sync step 1 has been too.
    late.ws.send(new Uint8Array([3]));
    await late.received((f) => f[0] === 1);
    release();
    expect((await renamed).status).toBe(503);
    await late.closed;
    const seen = new Y.Doc();
    for (const f of late.frames) {
      const d = decoding.createDecoder(f);
      if (decoding.readVarUint(d) !== 0 || decoding.readVarUint(d) === 0) continue;
      Y.applyUpdate(seen, decoding.readVarUint8Array(d));
    }
    // Broke (on PostgreSQL): the answer went out at once, with the change the log then failed to store.
    // Now it waits its turn, and the room closes (to reload from the store) before that comes.
    expect(nameIn(seen)).not.toBe('Renamed');
  });

  it('refuses a socket whose observer link was revoked while its workshop loaded', async () => {
    const s = await faultySetup('revoke');
    const { faults } = s;
    const facilitator = { authorization: `Bearer ${s.w.facilitatorKey}` };
    const observer = new URL(
      (await (await fetch(`${s.srv.url}/api/workshops/${s.w.id}/session`, { headers: facilitator })).json()).observerUrl,
    );
    const observerToken = new URLSearchParams(observer.hash.slice(1)).get('token')!;
    s.writer.destroy();
    s.watcher.destroy();
    await s.srv.server.rooms.get(s.w.id)!.close();

    // The observer's socket passes the token check, then waits for the workshop to load…
    let open!: () => void;
    faults.loadGate = new Promise<void>((r) => (open = r));
    const late = await openSocket(`${s.srv.wsUrl}/${s.w.id}?token=${observerToken}`);
    late.ws.send(syncFrame(0, new Uint8Array([0])));
    // …while the facilitator revokes the link.
    expect((await post(`${s.srv.url}/api/workshops/${s.w.id}/rotate-observer`, {}, facilitator)).status).toBe(200);
    faults.loadGate = null;
    open();
    expect((await late.closed).code).toBe(CLOSE.badToken);
    expect(late.frames).toEqual([]);
  });

  it('never serves an empty document when a load fails, and serves the real one after', async () => {
    const s = await faultySetup('load');
    const { store, faults } = s;
    const before = (await store.history(s.w.id, 0, 1_000_000)).length;
    s.writer.destroy();
    s.watcher.destroy();
    await s.srv.server.rooms.get(s.w.id)!.close();

    faults.loads = 1;
    const refused = await openSocket(`${s.srv.wsUrl}/${s.w.id}?token=${s.w.facilitatorKey}`);
    refused.ws.send(syncFrame(0, new Uint8Array([0])));
    expect((await refused.closed).code).toBe(CLOSE.storageUnavailable);
    expect(refused.frames).toEqual([]);
    expect((await store.history(s.w.id, 0, 1_000_000)).length).toBe(before);

    const again = connect(s.srv.wsUrl, s.w.id, s.w.facilitatorKey);
    cleanup.push(() => again.destroy());
    await synced(again);
    await until(again.doc, () => teamValue(again.doc, 't', 'stageCurrent') === 1.25, 'the real document');
  });
});
