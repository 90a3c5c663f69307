import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { TEXT, VOTE_LIMITS } from '../../shared/limits.ts';
import { createWorkshop, join, post } from '../helpers/api.ts';
import { startServer, useServer } from '../helpers/server.ts';

// Each HTTP limit at its edge: exactly the limit is taken, one more is refused with a JSON answer.

const LIMITS = { maxJsonBodyBytes: 300, maxImportBytes: 256 * 1024, historyPageSize: 5 };

const srv = useServer({ limits: LIMITS });

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
/** `value` as JSON, padded with spaces (still valid JSON) to exactly `bytes` bytes. */
const padded = (value: unknown, bytes: number) => {
  const json = JSON.stringify(value);
  expect(Buffer.byteLength(json)).toBeLessThanOrEqual(bytes);
  return json.padEnd(bytes);
};
const tooLarge = (limit: number) => ({ error: `body is larger than ${limit} bytes`, code: 'payload_too_large' });

/** POSTs `chunks` as a chunked body (no Content-Length), each written on its own. */
function postChunked(url: string, chunks: string[]): Promise<{ status: number; json: any }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (d) => parts.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(parts).toString()) }));
    });
    // Broke: the server hung up without an answer (socket hang up).
    req.on('error', reject);
    for (const c of chunks) req.write(c);
    req.end();
  });
}

describe('maxJsonBodyBytes', () => {
  it('takes a body of exactly maxJsonBodyBytes and answers 413 with JSON to one byte more', async () => {
    const at = await post(`${srv.url}/api/workshops`, padded({ title: 'Edge' }, LIMITS.maxJsonBodyBytes));
    expect(at.status).toBe(201);
    const over = await post(`${srv.url}/api/workshops`, padded({ title: 'Edge' }, LIMITS.maxJsonBodyBytes + 1));
    expect(over.status).toBe(413);
    expect(over.json).toEqual(tooLarge(LIMITS.maxJsonBodyBytes));
  });

  it('answers 413 with JSON to a chunked body that grows past maxJsonBodyBytes', async () => {
    const body = padded({ title: 'Chunked' }, LIMITS.maxJsonBodyBytes + 1);
    const third = Math.ceil(body.length / 3);
    const r = await postChunked(`${srv.url}/api/workshops`, [body.slice(0, third), body.slice(third, 2 * third), body.slice(2 * third)]);
    expect(r).toEqual({ status: 413, json: tooLarge(LIMITS.maxJsonBodyBytes) });
    // Exactly the limit, chunked, is taken.
    const at = padded({ title: 'Chunked' }, LIMITS.maxJsonBodyBytes);
    expect((await postChunked(`${srv.url}/api/workshops`, [at.slice(0, 100), at.slice(100)])).status).toBe(201);
  });
});

describe('maxImportBytes', () => {
  it('imports a file of exactly maxImportBytes and answers 413 with JSON to one byte more', async () => {
    const w = await createWorkshop(srv.url, 'Import edge');
    const file = JSON.parse(await (await fetch(`${srv.url}/api/workshops/${w.id}/export`, { headers: bearer(w.facilitatorKey) })).text());
    const at = await post(`${srv.url}/api/workshops/import`, padded(file, LIMITS.maxImportBytes));
    expect(at.status).toBe(201);
    const over = await post(`${srv.url}/api/workshops/import`, padded(file, LIMITS.maxImportBytes + 1));
    expect(over.status).toBe(413);
    expect(over.json).toEqual(tooLarge(LIMITS.maxImportBytes));
  });
});

describe('text sizes', () => {
  it(`takes a workshop title of ${TEXT.title} characters and refuses ${TEXT.title + 1} with 400`, async () => {
    expect((await post(`${srv.url}/api/workshops`, { title: 't'.repeat(TEXT.title) })).status).toBe(201);
    const over = await post(`${srv.url}/api/workshops`, { title: 't'.repeat(TEXT.title + 1) });
    expect(over.status).toBe(400);
    expect(over.json).toEqual({ error: `title: must be at most ${TEXT.title} characters`, code: 'bad_request' });
  });

  it(`takes a display name of ${TEXT.displayName} characters and refuses ${TEXT.displayName + 1} with 400`, async () => {
    const w = await createWorkshop(srv.url);
    expect((await post(`${srv.url}/api/join`, { code: w.joinCode, name: 'n'.repeat(TEXT.displayName) })).status).toBe(200);
    const over = await post(`${srv.url}/api/join`, { code: w.joinCode, name: 'n'.repeat(TEXT.displayName + 1) });
    expect(over.status).toBe(400);
    expect(over.json).toEqual({ error: `name: must be at most ${TEXT.displayName} characters`, code: 'bad_request' });
  });
});

describe('renaming a participant', () => {
  it('takes the same names a join does: at most the display-name length, no control characters', async () => {
    const w = await createWorkshop(srv.url);
    const p = await join(srv.url, w.joinCode, 'Ada');
    const rename = async (name: string) => {
      const res = await fetch(`${srv.url}/api/workshops/${w.id}/participants/${p.participantId}`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json', ...bearer(w.facilitatorKey) },
        body: JSON.stringify({ name }),
      });
      return { status: res.status, json: await res.json() };
    };
    expect(await rename('r'.repeat(TEXT.displayName))).toEqual({
      status: 200,
      json: { id: p.participantId, name: 'r'.repeat(TEXT.displayName) },
    });
    expect(await rename('r'.repeat(TEXT.displayName + 1))).toEqual({
      status: 400,
      json: { error: `name: must be at most ${TEXT.displayName} characters`, code: 'bad_request' },
    });
    // Broke: a rename took what a join refuses, a name with a line break or a NUL in it.
    for (const bad of ['Ada\nLovelace', 'Ada\u0000', 'Ada\u007f'])
      expect(await rename(bad), JSON.stringify(bad)).toEqual({
        status: 400,
        json: { error: 'name: must not contain control characters', code: 'bad_request' },
      });
  });
});

describe('TRUST_PROXY', () => {
  it('counts limits against the right-most X-Forwarded-For entry, the one the proxy added', async () => {
    const own = await startServer({ trustProxy: true, limits: { joinFailuresPerWindow: 2 } });
    try {
      const w = await createWorkshop(own.url);
      const attempt = async (forwardedFor: string, code = 'ZZZZZZ') =>
        (await post(`${own.url}/api/join`, { code, name: 'Guess' }, { 'x-forwarded-for': forwardedFor })).status;
      // A client that makes up a new left-hand entry each time is still one address.
      expect(await attempt('1.1.1.1, 203.0.113.9')).toBe(404);
      expect(await attempt('2.2.2.2, 203.0.113.9')).toBe(404);
      expect(await attempt('3.3.3.3, 203.0.113.9', w.joinCode)).toBe(429);
      // Another address (a proxy that replaces the header sends just one) is not.
      expect(await attempt('198.51.100.7', w.joinCode)).toBe(200);
    } finally {
      await own.close();
    }
  });
});

describe('join codes typed wrong', () => {
  it('does not count a code no join code could be against the address: a room behind one address keeps its tries', async () => {
    const own = await startServer({ limits: { joinFailuresPerWindow: 2 } });
    try {
      const w = await createWorkshop(own.url);
      const attempt = async (code: string) => post(`${own.url}/api/join`, { code, name: 'Typist' });
      // A letter short, one too many, an O for a 0: typos, each told what a code looks like.
      for (const typo of [w.joinCode.slice(0, 5), w.joinCode + 'A', 'O' + w.joinCode.slice(1), 'ABC', '']) {
        const r = await attempt(typo);
        expect(r.status).toBe(404);
        expect(r.json.error).toMatch(/a code has 6 letters and digits/);
      }
      // Broke: five typos had used up the two tries, and the right code got 429 for a minute.
      expect((await attempt(w.joinCode)).status).toBe(200);
      // Well-formed wrong codes, the kind a guess is, still count: two, then 429 even for the right one.
      expect((await attempt('ZZZZZZ')).status).toBe(404);
      expect((await attempt('ZZZZZY')).status).toBe(404);
      expect((await attempt(w.joinCode)).status).toBe(429);
    } finally {
      await own.close();
    }
  });
});

describe('vote caps', () => {
  /** Opens a vote in a fresh workshop (one vote is open at a time). */
  const open = async (body: Record<string, unknown>) => {
    const w = await createWorkshop(srv.url);
    return post(`${srv.url}/api/workshops/${w.id}/votes`, body, bearer(w.facilitatorKey));
  };
  const choices = (n: number, chars = 8) => Array.from({ length: n }, (_, i) => `${i}`.padEnd(chars, 'c'));

  it(`takes ${VOTE_LIMITS.maxChoices} choices and refuses ${VOTE_LIMITS.maxChoices + 1} with 400`, async () => {
    expect((await open({ question: 'Which?', kind: 'choice', choices: choices(VOTE_LIMITS.maxChoices) })).status).toBe(201);
    const over = await open({ question: 'Which?', kind: 'choice', choices: choices(VOTE_LIMITS.maxChoices + 1) });
    expect(over.status).toBe(400);
    expect(over.json).toMatchObject({ code: 'bad_request', error: expect.stringMatching(/^choices: /) });
    expect((await open({ question: 'Which?', kind: 'choice', choices: choices(VOTE_LIMITS.minChoices - 1) })).status).toBe(400);
  });

  it('refuses "__proto__" as a choice with 400 (a result keyed by it would lose it), and takes "constructor"', async () => {
    const bad = await open({ question: 'Which?', kind: 'choice', choices: ['__proto__', 'other'] });
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ code: 'bad_request', error: 'choices: "__proto__" cannot be a choice' });
    expect((await open({ question: 'Which?', kind: 'choice', choices: ['constructor', 'toString'] })).status).toBe(201);
  });

  it(`takes choices of ${VOTE_LIMITS.choiceChars} characters and refuses ${VOTE_LIMITS.choiceChars + 1}`, async () => {
    expect((await open({ question: 'Which?', kind: 'choice', choices: choices(2, VOTE_LIMITS.choiceChars) })).status).toBe(201);
    const over = await open({ question: 'Which?', kind: 'choice', choices: choices(2, VOTE_LIMITS.choiceChars + 1) });
    expect(over.status).toBe(400);
    expect(over.json.error).toMatch(/^choices\.0: /);
  });

  it(`takes a question of ${VOTE_LIMITS.questionChars} characters and refuses ${VOTE_LIMITS.questionChars + 1} with 400`, async () => {
    // The body of a long question is larger than this file's small maxJsonBodyBytes.
    const own = await startServer();
    try {
      const w = await createWorkshop(own.url);
      const votes = `${own.url}/api/workshops/${w.id}/votes`;
      const over = await post(votes, { question: 'q'.repeat(VOTE_LIMITS.questionChars + 1), kind: 'stage' }, bearer(w.facilitatorKey));
      expect(over.status).toBe(400);
      expect(over.json).toMatchObject({ code: 'bad_request', error: expect.stringMatching(/^question: /) });
      const at = await post(votes, { question: 'q'.repeat(VOTE_LIMITS.questionChars), kind: 'stage' }, bearer(w.facilitatorKey));
      expect(at.status).toBe(201);
    } finally {
      await own.close();
    }
  });
});

describe('historyPageSize', () => {
  const page = async (id: string, key: string, since?: number | string) => {
    const res = await fetch(`${srv.url}/api/workshops/${id}/history${since === undefined ? '' : `?since=${since}`}`, {
      headers: bearer(key),
    });
    return (await res.json()) as { entries: { seq: number }[]; next?: number };
  };

  it('holds exactly historyPageSize entries, and a log of exactly that many is one page', async () => {
    const w = await createWorkshop(srv.url);
    // The workshop's first entry, then one roster change per join.
    for (let i = 1; i < LIMITS.historyPageSize; i++) await join(srv.url, w.joinCode, `P${i}`);
    const whole = await page(w.id, w.facilitatorKey);
    expect(whole.entries.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(whole.next).toBeUndefined();
    await join(srv.url, w.joinCode, 'One more');
    const first = await page(w.id, w.facilitatorKey);
    expect(first.entries).toHaveLength(LIMITS.historyPageSize);
    expect(first.next).toBe(LIMITS.historyPageSize);
    expect((await page(w.id, w.facilitatorKey, first.next)).entries.map((e) => e.seq)).toEqual([6]);
  });

  it('takes a since of at most 32 digits', async () => {
    const w = await createWorkshop(srv.url);
    expect(await page(w.id, w.facilitatorKey, '9'.repeat(32))).toEqual({ entries: [] });
    const res = await fetch(`${srv.url}/api/workshops/${w.id}/history?since=${'9'.repeat(33)}`, { headers: bearer(w.facilitatorKey) });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'since must be a non-negative integer (a seq) of at most 32 digits', code: 'bad_request' });
  });
});

describe('joinFailureWindowMs', () => {
  it('lets joins from an address through again once joinFailureWindowMs has passed since its first failure', async () => {
    let now = 1_000_000;
    const windowMs = 60_000;
    const own = await startServer({ now: () => now, limits: { joinFailuresPerWindow: 2, joinFailureWindowMs: windowMs } });
    try {
      const w = await createWorkshop(own.url);
      const attempt = async (code: string) => (await post(`${own.url}/api/join`, { code, name: 'Guess' })).status;
      expect(await attempt('ZZZZZZ')).toBe(404);
      now += 1000;
      expect(await attempt('ZZZZZZ')).toBe(404);
      expect(await attempt(w.joinCode)).toBe(429);
      // The window runs from the first failure.
      now += windowMs - 1000 - 1;
      expect(await attempt(w.joinCode)).toBe(429);
      now += 1;
      expect(await attempt(w.joinCode)).toBe(200);
    } finally {
      await own.close();
    }
  });
});
