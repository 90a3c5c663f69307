import { request, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPgStore } from '../../server/pg-store.ts';
import { createWorkshop, post } from '../helpers/api.ts';
import { freshDatabase, testDatabaseUrl } from '../helpers/pg.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { connect, synced } from '../helpers/yclient.ts';

/**
 * The join limits under concurrency: `joinFailuresPerWindow` (wrong codes per
 * address) and `maxParticipantsPerWorkshop`, on SQLite and on PostgreSQL shared
 * by two servers, as a cluster's processes share it.
 */
const LIMITS = { joinFailuresPerWindow: 5, maxParticipantsPerWorkshop: 4 };

interface Answer {
  status: number;
  retryAfter: string | undefined;
  json: { error?: string; code?: string; participantId?: string };
}

/** Resolves once `servers` have received `n` requests' headers between them. */
function headersArrived(servers: Server[], n: number): Promise<void> {
  return new Promise((resolve) => {
    let seen = 0;
    const count = () => {
      if (++seen < n) return;
      for (const s of servers) s.off('request', count);
      resolve();
    };
    for (const s of servers) s.on('request', count);
  });
}

/**
 * Sends every join's headers at once and their bodies only once all headers
 * have arrived (and the servers have had time to look at them): the shape of
 * the burst that used to get a 404 for every guess.
 */
async function burst(targets: TestServer[], bodies: object[], headers: Record<string, string> = {}): Promise<Answer[]> {
  const arrived = headersArrived(
    targets.map((t) => t.server.http),
    bodies.length,
  );
  const pending = bodies.map((body, i) => {
    const target = targets[i % targets.length]!;
    const text = JSON.stringify(body);
    const req = request(`${target.url}/api/join`, {
      method: 'POST',
      agent: false,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers },
    });
    req.flushHeaders();
    const answer = new Promise<Answer>((resolve, reject) => {
      req.on('error', reject);
      req.on('response', (res) => {
        let data = '';
        res.on('data', (c: Buffer) => (data += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, retryAfter: res.headers['retry-after'], json: JSON.parse(data) }));
      });
    });
    return { req, text, answer };
  });
  await arrived;
  await new Promise((r) => setTimeout(r, 200));
  for (const p of pending) p.req.end(p.text);
  return Promise.all(pending.map((p) => p.answer));
}

const count = (answers: Answer[], status: number) => answers.filter((a) => a.status === status).length;

function expectTooMany(answers: Answer[]) {
  for (const a of answers.filter((x) => x.status === 429)) {
    expect(Number(a.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(a.json).toMatchObject({ code: 'too_many_requests', error: expect.stringMatching(/too many/) });
  }
}

/** The join tests, against one server or several sharing one database. */
function joinLimitSuite(servers: () => TestServer[]) {
  const wrong = (i: number) => ({ code: 'ZZZZZZ', name: `Guess ${i}` });
  let n = 0;
  // Each test guesses from its own address (the servers trust X-Forwarded-For), so windows never overlap.
  const from = () => ({ 'x-forwarded-for': `203.0.113.${++n}` });

  it('answers at most joinFailuresPerWindow of a burst of wrong codes with 404, the rest with 429', async () => {
    const answers = await burst(
      servers(),
      Array.from({ length: 30 }, (_, i) => wrong(i)),
      from(),
    );
    // Broke: the block was checked before the body was read and the failure counted after the
    // lookup, so all 30 guesses passed the check and got 404.
    expect(count(answers, 404)).toBe(LIMITS.joinFailuresPerWindow);
    expect(count(answers, 429)).toBe(30 - LIMITS.joinFailuresPerWindow);
    expectTooMany(answers);
  });

  it('does not tell a right code by its answer once the burst has used up the tries', async () => {
    const [first] = servers();
    const w = await createWorkshop(first!.url);
    // Three right codes, at even places: they all go to the first server, so one process writes the roster.
    const bodies = Array.from({ length: 30 }, (_, i) => (i % 10 === 0 ? { code: w.joinCode, name: `Right ${i}` } : wrong(i)));
    const answers = await burst(servers(), bodies, from());
    expect(count(answers, 404)).toBeLessThanOrEqual(LIMITS.joinFailuresPerWindow);
    // A right code is answered 200 only while the address still had tries: never more answers
    // telling right from wrong than wrong codes allowed plus the right codes themselves.
    expect(count(answers, 404) + count(answers, 200)).toBeLessThanOrEqual(LIMITS.joinFailuresPerWindow + 3);
    expect(count(answers, 429)).toBeGreaterThanOrEqual(30 - LIMITS.joinFailuresPerWindow - 3);
    expectTooMany(answers);
  });

  it('seats maxParticipantsPerWorkshop joiners and answers the next with 409 and the reason', async () => {
    const [first] = servers();
    const w = await createWorkshop(first!.url);
    const joinAs = (name: string) => post(`${first!.url}/api/join`, { code: w.joinCode, name });
    for (let i = 1; i < LIMITS.maxParticipantsPerWorkshop; i++) expect((await joinAs(`Lead ${i}`)).status).toBe(200);
    expect((await joinAs('The last seat')).status).toBe(200);
    const full = await joinAs('One too many');
    expect(full.status).toBe(409);
    expect(full.json).toMatchObject({ code: 'conflict', error: expect.stringMatching(/full/) });
  });

  it('never seats more than maxParticipantsPerWorkshop when everyone joins at once', async () => {
    const [first] = servers();
    const w = await createWorkshop(first!.url);
    // Broke: the route counted seats, then inserted, in two steps: joins at once all saw a free seat.
    const answers = await burst(
      [first!],
      Array.from({ length: 12 }, (_, i) => ({ code: w.joinCode, name: `Lead ${i}` })),
      from(),
    );
    expect(count(answers, 200)).toBe(LIMITS.maxParticipantsPerWorkshop);
    expect(count(answers, 409)).toBe(12 - LIMITS.maxParticipantsPerWorkshop);
    const list = await fetch(`${first!.url}/api/workshops/${w.id}/participants`, {
      headers: { authorization: `Bearer ${w.facilitatorKey}` },
    });
    expect(((await list.json()) as { participants: unknown[] }).participants).toHaveLength(LIMITS.maxParticipantsPerWorkshop);
  });
}

describe('join limits on SQLite', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startServer({ limits: LIMITS, trustProxy: true });
  });
  afterAll(async () => {
    await srv.close();
  });
  joinLimitSuite(() => [srv]);
});

const adminUrl = testDatabaseUrl();

describe.skipIf(!adminUrl)('join limits on PostgreSQL, two servers sharing it', () => {
  const servers: TestServer[] = [];
  let drop: () => Promise<void>;
  beforeAll(async () => {
    const db = await freshDatabase(adminUrl!);
    drop = db.drop;
    for (let i = 0; i < 2; i++) servers.push(await startServer({ limits: LIMITS, trustProxy: true, store: await openPgStore(db.url) }));
  });
  afterAll(async () => {
    for (const s of servers) await s.close();
    await drop?.();
  });
  joinLimitSuite(() => servers);
});

describe('a join the server cannot finish', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startServer({ limits: { maxRoomsInMemory: 1, maxParticipantsPerWorkshop: 2, roomIdleUnloadMs: 50 } });
  });
  afterAll(async () => {
    await srv.close();
  });

  it('keeps no seat when it is answered 503, so the workshop still seats its real participants', async () => {
    const busy = await createWorkshop(srv.url);
    const w = await createWorkshop(srv.url);
    // The one room the server may hold is taken by another workshop: joining w cannot write its roster.
    const holder = connect(srv.wsUrl, busy.id, busy.facilitatorKey);
    await synced(holder);
    for (let i = 0; i < 3; i++) {
      const refused = await post(`${srv.url}/api/join`, { code: w.joinCode, name: `Early ${i}` });
      expect(refused.status).toBe(503);
    }
    holder.destroy();
    await expect.poll(() => srv.server.rooms.size).toBe(0);
    // Broke: each 503 had taken a seat, so the workshop answered "full (2 participants)" to everyone.
    for (const name of ['Ana', 'Bo']) expect((await post(`${srv.url}/api/join`, { code: w.joinCode, name })).status).toBe(200);
    const list = await fetch(`${srv.url}/api/workshops/${w.id}/participants`, { headers: { authorization: `Bearer ${w.facilitatorKey}` } });
    expect(((await list.json()) as { participants: { name: string }[] }).participants.map((p) => p.name)).toEqual(['Ana', 'Bo']);
  });
});
