import { randomBytes } from 'node:crypto';
import { connect, createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPgStore } from '../../server/pg-store.ts';
import { IDEMPOTENCY_WINDOW_MS } from '../../server/idempotency.ts';
import { LIMITS } from '../../shared/limits.ts';
import { createWorkshop, join, post } from '../helpers/api.ts';
import { freshDatabase, testDatabaseUrl } from '../helpers/pg.ts';
import { startServer, useServer, type TestServer } from '../helpers/server.ts';

/*
 * Idempotency-Key on create, join and open-vote. A phone gives up on a request after
 * REQUEST_TIMEOUT_MS and the user presses the button again; when the server had answered late,
 * the first try had already made a seat (the room showed the person twice), a workshop or a vote.
 */

/**
 * A TCP relay that passes requests to the server and drops its answers: once a whole response has
 * come back it closes the client's side without passing it on, as a phone's lost network does. The
 * dropped answers are kept, to check what became of the credentials in them.
 */
async function droppingRelay(port: number): Promise<{ url: string; dropped: any[]; close(): Promise<void> }> {
  const dropped: any[] = [];
  const relay: Server = createServer((client) => {
    const server = connect(port, '127.0.0.1');
    let answer = Buffer.alloc(0);
    for (const s of [client, server]) s.on('error', () => {});
    client.pipe(server);
    server.on('data', (chunk: Buffer) => {
      answer = Buffer.concat([answer, chunk]);
      const end = answer.indexOf('\r\n\r\n');
      const length = Number(/content-length: (\d+)/i.exec(answer.subarray(0, end).toString())?.[1] ?? NaN);
      if (end < 0 || answer.length < end + 4 + length) return;
      dropped.push(JSON.parse(answer.subarray(end + 4).toString()));
      client.destroy();
      server.destroy();
    });
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  const address = relay.address() as { port: number };
  return {
    url: `http://127.0.0.1:${address.port}`,
    dropped,
    close: () => new Promise((resolve) => relay.close(() => resolve())),
  };
}

const newKey = () => randomBytes(16).toString('base64url');
const keyed = (key: string, token?: string) => ({ 'idempotency-key': `"${key}"`, ...(token ? { authorization: `Bearer ${token}` } : {}) });
const session = (base: string, id: string, token: string) =>
  fetch(`${base}/api/workshops/${id}/session`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status);
const seats = async (base: string, id: string, key: string) =>
  (await (await fetch(`${base}/api/workshops/${id}/participants`, { headers: { authorization: `Bearer ${key}` } })).json()).participants;
/** Sends through the relay; the answer never arrives. */
async function lost(relayUrl: string, path: string, body: unknown, headers: Record<string, string>) {
  await expect(post(`${relayUrl}${path}`, body, headers)).rejects.toThrow();
}

describe('a request repeated with its Idempotency-Key', () => {
  let now = Date.now();
  const srv = useServer({ now: () => now, limits: { joinFailuresPerWindow: 3, maxParticipantsPerWorkshop: 2 } });
  let relay: Awaited<ReturnType<typeof droppingRelay>>;
  beforeAll(async () => {
    relay = await droppingRelay(srv.port);
  });
  afterAll(() => relay.close());

  it('joins once: the retry of a join whose answer was lost gets the same seat, with a token that works', async () => {
    const w = await createWorkshop(srv.url);
    const key = newKey();
    await lost(relay.url, '/api/join', { code: w.joinCode, name: 'Ana' }, keyed(key));
    const first = relay.dropped.at(-1);
    expect(first).toMatchObject({ workshopId: w.id });

    const retry = await post(`${srv.url}/api/join`, { code: w.joinCode, name: 'Ana' }, keyed(key));
    expect(retry.status).toBe(200);
    expect(retry.json.participantId).toBe(first.participantId);
    // Broke: the room showed Ana twice.
    expect((await seats(srv.url, w.id, w.facilitatorKey)).map((p: { name: string }) => p.name)).toEqual(['Ana']);
    expect(await session(srv.url, w.id, retry.json.token)).toBe(200);
    // The store keeps one token hash per seat: the lost answer's token was replaced, and nobody holds it.
    expect(await session(srv.url, w.id, first.token)).toBe(401);
  });

  it('gives the seat back even once the workshop has filled', async () => {
    const w = await createWorkshop(srv.url);
    const key = newKey();
    await lost(relay.url, '/api/join', { code: w.joinCode, name: 'Ben' }, keyed(key));
    await join(srv.url, w.joinCode, 'Cleo');
    expect((await post(`${srv.url}/api/join`, { code: w.joinCode, name: 'Dan' })).status).toBe(409);
    const retry = await post(`${srv.url}/api/join`, { code: w.joinCode, name: 'Ben' }, keyed(key));
    expect(retry.status).toBe(200);
    expect(retry.json.participantId).toBe(relay.dropped.at(-1).participantId);
  });

  it('creates one workshop: the retry gets the same workshop with a fresh key, and the lost key opens nothing', async () => {
    const key = newKey();
    await lost(relay.url, '/api/workshops', { title: 'Offsite' }, keyed(key));
    const first = relay.dropped.at(-1);
    const retry = await post(`${srv.url}/api/workshops`, { title: 'Offsite' }, keyed(key));
    expect(retry.status).toBe(201);
    expect(retry.json).toMatchObject({ id: first.id, joinCode: first.joinCode });
    expect(retry.json.facilitatorKey).not.toBe(first.facilitatorKey);
    expect(await session(srv.url, first.id, retry.json.facilitatorKey)).toBe(200);
    expect(await session(srv.url, first.id, first.facilitatorKey)).toBe(401);
    // The observer link is derived from the key: the retry's works, the lost one's does not.
    const token = (url: string) => new URL(url).hash.replace('#token=', '');
    expect(await session(srv.url, first.id, token(retry.json.observerUrl))).toBe(200);
    expect(await session(srv.url, first.id, token(first.observerUrl))).toBe(401);
  });

  it('opens one vote: the retry gets the vote its lost answer opened, not "a vote is already open"', async () => {
    const w = await createWorkshop(srv.url);
    const key = newKey();
    const path = `/api/workshops/${w.id}/votes`;
    const body = { question: 'Which bottleneck first?', kind: 'choice', choices: ['Data', 'Skills'] };
    await lost(relay.url, path, body, keyed(key, w.facilitatorKey));
    const retry = await post(`${srv.url}${path}`, body, keyed(key, w.facilitatorKey));
    expect(retry.status).toBe(201);
    expect(retry.json.voteId).toBe(relay.dropped.at(-1).voteId);
    expect((await srv.server.store.listVotes(w.id)).map((v) => v.id)).toEqual([retry.json.voteId]);
    // A new action, with a new key, is one: the vote is still open.
    expect((await post(`${srv.url}${path}`, body, keyed(newKey(), w.facilitatorKey))).status).toBe(409);
    // The key is this workshop's: another workshop's facilitator using the same key opens its own.
    const other = await createWorkshop(srv.url);
    const elsewhere = await post(`${srv.url}/api/workshops/${other.id}/votes`, body, keyed(key, other.facilitatorKey));
    expect(elsewhere.status).toBe(201);
    expect(elsewhere.json.voteId).not.toBe(retry.json.voteId);
  });

  it('refuses a key sent again with another body, making nothing', async () => {
    const w = await createWorkshop(srv.url);
    const key = newKey();
    expect((await post(`${srv.url}/api/join`, { code: w.joinCode, name: 'Eve' }, keyed(key))).status).toBe(200);
    const other = await post(`${srv.url}/api/join`, { code: w.joinCode, name: 'Frank' }, keyed(key));
    expect(other.status).toBe(422);
    expect(other.json).toEqual({
      code: 'idempotency_key_reused',
      error: expect.stringContaining('Idempotency-Key was used for a different request'),
    });
    expect((await seats(srv.url, w.id, w.facilitatorKey)).map((p: { name: string }) => p.name)).toEqual(['Eve']);
  });

  it('refuses a malformed key with 400 and JSON, on each of the three', async () => {
    const w = await createWorkshop(srv.url);
    const bad = ['short', 'x'.repeat(129), 'has spaces in it, sixteen+', '"unbalanced-quote-1234', 'käse-käse-käse-käse'];
    for (const value of bad) {
      for (const [path, body, token] of [
        ['/api/workshops', { title: 'T' }, undefined],
        ['/api/join', { code: w.joinCode, name: 'Gil' }, undefined],
        [`/api/workshops/${w.id}/votes`, { question: 'Q', kind: 'stage' }, w.facilitatorKey],
      ] as const) {
        const res = await post(`${srv.url}${path}`, body, {
          'idempotency-key': value,
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        });
        expect(res.status, `${path} ${value}`).toBe(400);
        expect(res.json).toEqual({ code: 'bad_request', error: expect.stringContaining('Idempotency-Key') });
      }
    }
    expect(await seats(srv.url, w.id, w.facilitatorKey)).toEqual([]);
    expect(await srv.server.store.listVotes(w.id)).toEqual([]);
  });

  it('changes nothing without the header: two joins are two seats', async () => {
    const w = await createWorkshop(srv.url);
    await join(srv.url, w.joinCode, 'Hal');
    await join(srv.url, w.joinCode, 'Hal');
    expect(await seats(srv.url, w.id, w.facilitatorKey)).toHaveLength(2);
  });

  it('counts wrong codes against the address as without a key', async () => {
    const key = newKey();
    const tries = [];
    for (let i = 0; i < 4; i++) tries.push((await post(`${srv.url}/api/join`, { code: 'ZZZZ22', name: 'Ivy' }, keyed(key))).status);
    expect(tries).toEqual([404, 404, 404, 429]);
    // The address is blocked, right codes too, until the failure window has passed.
    now += LIMITS.joinFailureWindowMs;
  });

  it('forgets a key after IDEMPOTENCY_WINDOW_MS: a join repeated later is a new seat', async () => {
    const w = await createWorkshop(srv.url);
    const key = newKey();
    const first = await post(`${srv.url}/api/join`, { code: w.joinCode, name: 'Jo' }, keyed(key));
    now += IDEMPOTENCY_WINDOW_MS + 1;
    const later = await post(`${srv.url}/api/join`, { code: w.joinCode, name: 'Jo' }, keyed(key));
    expect(later.status).toBe(200);
    expect(later.json.participantId).not.toBe(first.json.participantId);
    expect(await session(srv.url, w.id, first.json.token)).toBe(200);
  });
});

const adminUrl = testDatabaseUrl();

describe.skipIf(!adminUrl)('a request repeated with its Idempotency-Key, in a cluster', () => {
  const servers: TestServer[] = [];
  let drop: () => Promise<void>;
  beforeAll(async () => {
    const db = await freshDatabase(adminUrl!);
    drop = db.drop;
    for (let i = 0; i < 2; i++) servers.push(await startServer({ store: await openPgStore(db.url) }));
  });
  afterAll(async () => {
    for (const s of servers) await s.close();
    await drop?.();
  });

  it('joins once when the retry reaches another process', async () => {
    const [a, b] = servers as [TestServer, TestServer];
    const w = await createWorkshop(a.url);
    const relay = await droppingRelay(a.port);
    try {
      const key = newKey();
      await lost(relay.url, '/api/join', { code: w.joinCode, name: 'Kim' }, keyed(key));
      const retry = await post(`${b.url}/api/join`, { code: w.joinCode, name: 'Kim' }, keyed(key));
      expect(retry.status).toBe(200);
      expect(retry.json.participantId).toBe(relay.dropped[0].participantId);
      expect(await seats(a.url, w.id, w.facilitatorKey)).toHaveLength(1);
      expect(await session(a.url, w.id, retry.json.token)).toBe(200);
    } finally {
      await relay.close();
    }
  });

  it('creates once when the same key arrives at both processes at once', async () => {
    const key = newKey();
    const [one, two] = await Promise.all(servers.map((s) => post(`${s.url}/api/workshops`, { title: 'Twice' }, keyed(key))));
    expect([one!.status, two!.status]).toEqual([201, 201]);
    expect(one!.json.id).toBe(two!.json.id);
  });
});
