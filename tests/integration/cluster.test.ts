import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';
import { addTeam, ROOTS } from '../../shared/doc.ts';
import { CLOSE } from '../../shared/errors.ts';
import { createWorkshop, join, post } from '../helpers/api.ts';
import { clusterPrerequisites, startTestCluster, type TestCluster } from '../helpers/cluster.ts';
import { openRaw } from '../helpers/raw.ts';
import { connect, synced, until, type Client } from '../helpers/yclient.ts';

/**
 * Issue 10: two Stageboard processes on PostgreSQL behind HAProxy, as
 * `npm run cluster` starts them. Clients use the stock y-websocket provider.
 */
const pre = clusterPrerequisites();

describe.skipIf(!pre)('two processes behind HAProxy', () => {
  let cluster: TestCluster;
  const open: Client[] = [];
  beforeAll(async () => {
    cluster = await startTestCluster(pre!, { processes: 2, env: { STAGEBOARD_JOIN_FAILURES_PER_WINDOW: '5' } });
  });
  afterAll(async () => {
    for (const c of open) c.destroy();
    await cluster?.close();
  });
  const client = (id: string, token: string, url = cluster.wsUrl) => {
    const c = connect(url, id, token);
    open.push(c);
    return c;
  };
  const teams = (doc: Y.Doc) => [...doc.getMap(ROOTS.teams).keys()].sort();
  const history = async (id: string) =>
    (await cluster.db.query<{ seq: number; data: Buffer }>('SELECT seq, data FROM updates WHERE workshop_id = $1 ORDER BY seq', [id])).rows;

  it('puts two clients of one workshop in one process, for every workshop', async () => {
    for (let i = 0; i < 6; i++) {
      const w = await createWorkshop(cluster.url, `Offsite ${i}`);
      const p = await join(cluster.url, w.joinCode, `Lead ${i}`);
      const a = client(w.id, w.facilitatorKey);
      const b = client(w.id, p.token);
      await Promise.all([synced(a), synced(b)]);
      addTeam(a.doc, `t${i}`, { name: 'Platform', color: '#0a7' });
      await until(b.doc, () => b.doc.getMap(ROOTS.teams).has(`t${i}`), 'the team on the other client');
      const owner = await cluster.ownerOf(w.id);
      expect(owner).toBeGreaterThanOrEqual(0);
      // The join went to any process; the owner wrote the roster.
      await until(a.doc, () => a.doc.getMap(ROOTS.groups).toJSON().members?.[p.participantId]?.name === `Lead ${i}`, 'the roster');
      a.destroy();
      b.destroy();
    }
  });

  it('closes a socket sent to the wrong process with 4421; after reconnecting it lands on the owner', async () => {
    const w = await createWorkshop(cluster.url);
    const a = client(w.id, w.facilitatorKey);
    await synced(a);
    const owner = await cluster.ownerOf(w.id);
    const wrong = cluster.processes[1 - owner]!;
    const refused = await openRaw(`ws://127.0.0.1:${wrong.port}/ws/${w.id}?token=${w.facilitatorKey}`);
    expect(refused.code).toBe(CLOSE.ownedElsewhere);
    expect(refused.frames).toEqual([]);

    // A stock provider whose first socket goes to the wrong process (as after a
    // routing change); it reconnects on its own, this time through HAProxy.
    let attempts = 0;
    const closes: number[] = [];
    const Routed = function (url: string) {
      const to = attempts++ === 0 ? url.replace(new URL(cluster.url).host, `127.0.0.1:${wrong.port}`) : url;
      return new WebSocket(to);
    } as unknown as typeof globalThis.WebSocket;
    const doc = new Y.Doc();
    const provider = new WebsocketProvider(cluster.wsUrl, w.id, doc, {
      params: { token: w.facilitatorKey },
      WebSocketPolyfill: Routed,
      disableBc: true,
      maxBackoffTime: 200,
    });
    provider.on('connection-close', (e: CloseEvent | null) => void (e && closes.push(e.code)));
    open.push({ doc, provider, destroy: () => provider.destroy() });
    await synced({ doc, provider, destroy() {} });
    expect(closes[0]).toBe(CLOSE.ownedElsewhere);
    addTeam(doc, 'moved', { name: 'Moved', color: '#333' });
    await until(a.doc, () => a.doc.getMap(ROOTS.teams).has('moved'), 'the change on the first client');
    expect(await cluster.ownerOf(w.id)).toBe(owner);
  });

  it('survives kill -9 of the owner during writes: failover, nothing lost, no gap, no duplicate, replay intact', async () => {
    const w = await createWorkshop(cluster.url);
    const observerToken = new URL(w.observerUrl).hash.replace('#token=', '');
    const writers = [client(w.id, w.facilitatorKey), client(w.id, (await join(cluster.url, w.joinCode, 'Writer')).token)];
    const observer = client(w.id, observerToken);
    await Promise.all([...writers, observer].map(synced));
    const owner = await cluster.ownerOf(w.id);
    const victim = cluster.processes[owner]!;

    // Each write adds one team, so a lost write is a missing key.
    let n = 0;
    const write = () => writers.forEach((c, k) => addTeam(c.doc, `w${k}_${n++}`, { name: `T${n}`, color: '#123' }));
    for (let i = 0; i < 20; i++) write();
    await until(observer.doc, () => teams(observer.doc).length === 40, 'the first writes on the observer');
    const timer = setInterval(write, 20);
    await until(observer.doc, () => teams(observer.doc).length >= 80, 'writes under way');

    const exited = new Promise((r) => victim.child.once('exit', r));
    victim.child.kill('SIGKILL');
    await exited;
    const killedAt = Date.now();
    // The observer writes nothing, so what it holds came from the server: all of it must be in the log.
    const seenByObserver = new Set(teams(observer.doc));
    const down = cluster.waitForState(victim.name, 'DOWN');

    await until(observer.doc, () => teams(observer.doc).some((t) => !seenByObserver.has(t)), 'writes through the new owner', 15_000);
    const failoverMs = Date.now() - killedAt;
    clearInterval(timer);
    expect(await down).toBeLessThan(2_000);
    const survivor = await cluster.ownerOf(w.id);
    expect(survivor).toBe(1 - owner);

    // Every writer's every team reaches everyone.
    const all = teams(writers[0]!.doc).concat(teams(writers[1]!.doc));
    const expected = [...new Set(all)].sort();
    expect(expected.length).toBe(n);
    for (const c of [...writers, observer]) await until(c.doc, () => teams(c.doc).length === n, 'every write everywhere', 10_000);

    const log = await history(w.id);
    expect(log.map((e) => e.seq)).toEqual(log.map((_, i) => i + 1));
    const replay = new Y.Doc();
    for (const e of log) Y.applyUpdate(replay, e.data);
    expect(teams(replay)).toEqual(expected);
    for (const t of seenByObserver) expect(replay.getMap(ROOTS.teams).has(t)).toBe(true);
    expect(replay.getMap(ROOTS.teams).toJSON()).toEqual(observer.doc.getMap(ROOTS.teams).toJSON());
    console.info(`failover: ${failoverMs} ms from kill -9 to the next write through the new owner; ${log.length} log entries`);

    await cluster.restart(owner);
  });

  it('keeps the join failure limit for the whole cluster, not per process', async () => {
    const wrong = { code: 'ZZZZZZ', name: 'Guess' };
    const from = { 'x-forwarded-for': '203.0.113.7' };
    const [p1, p2] = cluster.processes;
    // Five failures spread over both processes (the processes trust the proxy's header).
    for (const p of [p1, p2, p1, p2, p1]) expect((await post(`${p!.url}/api/join`, wrong, from)).status).toBe(404);
    expect((await post(`${p2!.url}/api/join`, wrong, from)).status).toBe(429);
    expect((await post(`${p1!.url}/api/join`, wrong, from)).status).toBe(429);
    // Through HAProxy the address is HAProxy's view of the client, whatever header it sends.
    for (let i = 0; i < 5; i++)
      expect((await post(`${cluster.url}/api/join`, wrong, { 'x-forwarded-for': `198.51.100.${i}` })).status).toBe(404);
    expect((await post(`${cluster.url}/api/join`, wrong, { 'x-forwarded-for': '198.51.100.99' })).status).toBe(429);
  });
});
