import { connect as connectTcp, createServer as createTcpServer, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addTeam } from '../../shared/doc.ts';
import { CLOSE } from '../../shared/errors.ts';
import { createLogger } from '../../server/log.ts';
import { openPgOwnership } from '../../server/ownership.ts';
import { openPgStore } from '../../server/pg-store.ts';
import { createWorkshop, join, post } from '../helpers/api.ts';
import { freshDatabase, testDatabaseUrl } from '../helpers/pg.ts';
import { rawSocket } from '../helpers/raw.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { updateFrame } from '../helpers/frames.ts';
import * as Y from 'yjs';

/**
 * A TCP relay in front of PostgreSQL that can stall: paused, it passes nothing either way and
 * holds new connections unanswered, as a stopped (SIGSTOP) database does, without stopping the
 * PostgreSQL the other test files share.
 */
async function stallingRelay(target: URL) {
  let paused = false;
  const waiting: (() => void)[] = [];
  const sockets = new Set<Socket>();
  const pipe = (from: Socket, to: Socket) =>
    from.on('data', (d) => {
      if (!paused) return void to.write(d);
      from.pause();
      waiting.push(() => (to.write(d), from.resume()));
    });
  const relay = createTcpServer((client) => {
    const open = () => {
      const server = connectTcp(Number(target.port), target.hostname);
      for (const s of [client, server]) {
        sockets.add(s);
        s.on('error', () => {});
        s.on('close', () => (client.destroy(), server.destroy(), sockets.delete(s)));
      }
      pipe(client, server);
      pipe(server, client);
    };
    const start = () => {
      open();
      client.resume();
    };
    client.pause();
    if (paused) waiting.push(start);
    else start();
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  const url = new URL(target);
  url.hostname = '127.0.0.1';
  url.port = String((relay.address() as { port: number }).port);
  return {
    url: url.toString(),
    pause: () => void (paused = true),
    resume() {
      paused = false;
      for (const go of waiting.splice(0)) go();
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => relay.close(() => resolve()));
    },
  };
}

const adminUrl = testDatabaseUrl();
const LIMITS = { pgConnectTimeoutMs: 500, pgQueryTimeoutMs: 800, pgHealthTimeoutMs: 400 };

describe.skipIf(!adminUrl)('a PostgreSQL that stops answering', () => {
  let srv: TestServer;
  let relay: Awaited<ReturnType<typeof stallingRelay>>;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    const db = await freshDatabase(adminUrl!);
    drop = db.drop;
    relay = await stallingRelay(new URL(db.url));
    srv = await startServer({ store: await openPgStore(relay.url, { limits: LIMITS }) });
  });
  afterAll(async () => {
    relay?.resume();
    await srv?.close();
    await relay?.close();
    await drop?.();
  });

  it('answers a join 503, tells a writing socket 4503 and fails the health check within seconds, then recovers', async () => {
    const w = await createWorkshop(srv.url);
    await join(srv.url, w.joinCode, 'Early');
    const { ws, frames, closed } = await rawSocket(`${srv.wsUrl}/${w.id}?token=${w.facilitatorKey}`);
    ws.on('error', () => {});
    for (let i = 0; i < 100 && frames.length === 0; i++) await sleep(20);
    expect((await fetch(`${srv.url}/api/health`)).status).toBe(200);

    relay.pause();
    const t0 = Date.now();
    const joining = post(`${srv.url}/api/join`, { code: w.joinCode, name: 'Late' }).then((r) => ({ ...r, after: Date.now() - t0 }));
    const doc = new Y.Doc();
    addTeam(doc, 't1', { name: 'Payments', color: '#2563eb', stageCurrent: 1 });
    ws.send(updateFrame(Y.encodeStateAsUpdate(doc)));

    const joined = await joining;
    expect(joined.status).toBe(503);
    expect(joined.json).toMatchObject({ code: 'storage_unavailable' });
    expect(joined.after).toBeLessThan(4_000);
    const socket = await closed;
    expect(socket.code).toBe(CLOSE.storageUnavailable);
    expect(Date.now() - t0).toBeLessThan(4_000);

    let health = 0;
    for (let i = 0; i < 40 && health !== 503; i++) {
      const r = await fetch(`${srv.url}/api/health`);
      health = r.status;
      if (health === 503) expect(await r.json()).toMatchObject({ code: 'storage_unavailable' });
      else await sleep(100);
    }
    expect(health).toBe(503);

    relay.resume();
    for (let i = 0; i < 40 && health !== 200; i++) {
      await sleep(100);
      health = (await fetch(`${srv.url}/api/health`)).status;
    }
    expect(health).toBe(200);
    expect((await join(srv.url, w.joinCode, 'After')).participantId).toEqual(expect.any(String));
  });

  it('reports a healthy database as healthy on every check', async () => {
    const statuses = await Promise.all(Array.from({ length: 20 }, () => fetch(`${srv.url}/api/health`).then((r) => r.status)));
    expect(new Set(statuses)).toEqual(new Set([200]));
  });
});

describe.skipIf(!adminUrl)('join_failures on PostgreSQL', () => {
  it('deletes the rows of ended windows as failures come in, and keeps the running ones', async () => {
    const db = await freshDatabase(adminUrl!);
    const store = await openPgStore(db.url);
    try {
      const window = 60_000;
      const now = 10 * window;
      // 1500 addresses whose windows have ended, and one blocked in a window still running.
      await store.pool.query(
        `INSERT INTO join_failures (address, window_start, count) SELECT 'old-' || i, $1, 20 FROM generate_series(1, 1500) AS i`,
        [now - window],
      );
      await store.pool.query(`INSERT INTO join_failures (address, window_start, count) VALUES ('running', $1, 20)`, [now - 1000]);
      for (let i = 0; i < 100; i++) await store.recordJoinFailure(`new-${i % 5}`, 20, window, now);
      const count = async (like: string) =>
        Number((await store.pool.query('SELECT count(*) AS n FROM join_failures WHERE address LIKE $1', [like])).rows[0].n);
      expect(await count('old-%')).toBe(0);
      expect(await count('new-%')).toBe(5);
      expect(await store.joinBlockedFor('running', 20, window, now)).toBe(window - 1000);
    } finally {
      await store.close();
      await db.drop();
    }
  });
});

describe.skipIf(!adminUrl)('the ownership lock connection when PostgreSQL stops answering', () => {
  it('gives up within the timeout, lets go of every workshop it held, and takes locks again once the database is back', async () => {
    const db = await freshDatabase(adminUrl!);
    const relay = await stallingRelay(new URL(db.url));
    const ownership = await openPgOwnership(relay.url, createLogger('silent'), 'stageboard:stall', { connectMs: 500, queryMs: 800 });
    try {
      const lost: string[] = [];
      ownership.on((event, id) => void (event === 'lost' && lost.push(id)));
      expect(await ownership.acquire('w1', false)).toBe(true);
      relay.pause();
      const started = performance.now();
      // Broke: the lock connection had no timeout, and a socket for a new workshop waited as long as the database did.
      await expect(ownership.acquire('w2', false)).rejects.toMatchObject({ code: 'storage_unavailable' });
      expect(performance.now() - started).toBeLessThan(3_000);
      // Whether w2's lock was taken is unknown: the session is ended, which lets go of all of them.
      await expect.poll(() => lost).toEqual(['w1']);
      relay.resume();
      expect(await ownership.acquire('w2', false)).toBe(true);
    } finally {
      relay.resume();
      await ownership.close();
      await relay.close();
      await db.drop();
    }
  });
});
