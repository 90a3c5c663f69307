import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { fromBase64 } from 'lib0/buffer';
import { addTeam, readResults, ROOTS, setTeamField } from '../../shared/doc.ts';
import { BUILTIN_TEMPLATES } from '../../shared/templates/index.ts';
import { createWorkshop, join, post, request } from '../helpers/api.ts';
import { useServer } from '../helpers/server.ts';
import { synced, until, useClients } from '../helpers/yclient.ts';

// PRODUCT.md "Public interface", endpoint by endpoint, as a script with fetch or curl meets it,
// error cases first: what every documented endpoint answers to a wrong method, a body that is not
// JSON or is too large, a missing or wrong credential, another role's credential, an unknown id.

const srv = useServer();
const { open } = useClients(srv);

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const observerToken = (observerUrl: string) => new URL(observerUrl).hash.replace('#token=', '');

const call = (method: string, path: string, opts: { headers?: Record<string, string>; body?: string | Blob } = {}) =>
  request(method, `${srv.url}${path}`, opts);

/** A workshop with a participant, an open stage vote and every credential there is. */
async function setup() {
  const w = await createWorkshop(srv.url);
  const p = await join(srv.url, w.joinCode, 'Pat');
  const other = await createWorkshop(srv.url, 'Another workshop');
  const vote = await post(`${srv.url}/api/workshops/${w.id}/votes`, { question: 'Where are we?', kind: 'stage' }, bearer(w.facilitatorKey));
  expect(vote.status).toBe(201);
  return { w, p, other, voteId: vote.json.voteId as string, observer: observerToken(w.observerUrl) };
}

type Setup = Awaited<ReturnType<typeof setup>>;

/** Every documented endpoint: its method, path, a valid body, and who may call it. */
function endpoints(s: Setup) {
  const ws = `/api/workshops/${s.w.id}`;
  return [
    { method: 'POST', path: '/api/workshops', body: { title: 'Q3' }, who: 'anyone' },
    { method: 'POST', path: '/api/join', body: { code: s.w.joinCode, name: 'Jo' }, who: 'anyone' },
    { method: 'POST', path: `${ws}/votes`, body: { question: 'q', kind: 'stage' }, who: 'facilitator' },
    { method: 'POST', path: `${ws}/votes/${s.voteId}/close`, who: 'facilitator' },
    { method: 'POST', path: `${ws}/votes/${s.voteId}/reveal`, who: 'facilitator' },
    { method: 'POST', path: `${ws}/votes/${s.voteId}/ballots`, body: { stage: 2 }, who: 'participant' },
    { method: 'POST', path: `${ws}/rotate-code`, who: 'facilitator' },
    { method: 'POST', path: `${ws}/rotate-observer`, who: 'facilitator' },
    { method: 'GET', path: `${ws}/export`, who: 'facilitator' },
    { method: 'GET', path: `${ws}/history`, who: 'facilitator' },
  ] as const;
}

describe('a wrong method', () => {
  it('gets 405 with a JSON error and an Allow header naming the method, on every documented endpoint', async () => {
    const s = await setup();
    for (const e of endpoints(s)) {
      const wrong = e.method === 'GET' ? 'POST' : 'GET';
      const r = await call(wrong, e.path, { headers: bearer(s.w.facilitatorKey) });
      expect(r.status, `${wrong} ${e.path}`).toBe(405);
      expect(r.json, `${wrong} ${e.path}`).toMatchObject({ error: `use ${e.method}`, code: 'method_not_allowed' });
      // Broke: no Allow header, which RFC 9110 asks of every 405.
      expect(r.headers.get('allow'), `${wrong} ${e.path}`).toBe(e.method === 'GET' ? 'GET, HEAD' : e.method);
    }
  });
});

describe('HEAD', () => {
  it('answers as GET does, headers only, on the health check and every GET endpoint', async () => {
    const s = await setup();
    const gets = [{ path: '/api/health' }, { path: '/api/templates' }, ...endpoints(s).filter((e) => e.method === 'GET')];
    for (const e of gets) {
      const get = await fetch(`${srv.url}${e.path}`, { headers: bearer(s.w.facilitatorKey) });
      const head = await fetch(`${srv.url}${e.path}`, { method: 'HEAD', headers: bearer(s.w.facilitatorKey) });
      expect(get.status, e.path).toBe(200);
      expect(head.status, e.path).toBe(200);
      expect(head.headers.get('content-type'), e.path).toBe(get.headers.get('content-type'));
      expect(await head.text(), e.path).toBe('');
    }
    // Without credentials HEAD is refused as GET is, and a POST-only path still says what it takes.
    expect((await fetch(`${srv.url}/api/workshops/${s.w.id}/export`, { method: 'HEAD' })).status).toBe(401);
    const post = await fetch(`${srv.url}/api/join`, { method: 'HEAD' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('POST');
  });
});

describe('a body the server cannot take', () => {
  it('gets 415 with a JSON error when it is not sent as application/json, on every documented body', async () => {
    const s = await setup();
    for (const e of endpoints(s).filter((x) => 'body' in x)) {
      const token = e.who === 'participant' ? s.p.token : s.w.facilitatorKey;
      // What `curl -d` sends, and what fetch sends for a string body.
      for (const type of ['application/x-www-form-urlencoded', 'text/plain;charset=UTF-8']) {
        const r = await call(e.method, e.path, { headers: { ...bearer(token), 'content-type': type }, body: JSON.stringify(e.body) });
        expect(r.status, `${e.path} as ${type}`).toBe(415);
        expect(r.json).toMatchObject({ error: 'send the body as application/json', code: 'unsupported_media_type' });
      }
    }
  });

  it('gets 415 for a JSON-like media type or a compressed body, and 400 for bytes that are not UTF-8', async () => {
    const s = await setup();
    const join = (headers: Record<string, string>, body: string | Blob) =>
      call('POST', '/api/join', { headers: { 'content-type': 'application/json', ...headers }, body });
    const body = JSON.stringify({ code: s.w.joinCode, name: 'Jo' });
    const patch = await join({ 'content-type': 'application/json-patch+json' }, body);
    expect([patch.status, patch.json]).toEqual([415, { error: 'send the body as application/json', code: 'unsupported_media_type' }]);
    const gzip = await join({ 'content-encoding': 'gzip' }, body);
    expect([gzip.status, gzip.json]).toEqual([
      415,
      { error: 'send the body uncompressed (no Content-Encoding)', code: 'unsupported_media_type' },
    ]);
    const latin1 = await join({}, new Blob([Buffer.from(`{"code":"${s.w.joinCode}","name":"Jos\xe9"}`, 'latin1')]));
    expect([latin1.status, latin1.json]).toEqual([400, { error: 'body is not valid UTF-8', code: 'bad_request' }]);
    // With a charset, and as UTF-8, the same join goes through.
    const ok = await join(
      { 'content-type': 'application/json; charset=utf-8', 'content-encoding': 'identity' },
      `{"code":"${s.w.joinCode}","name":"José"}`,
    );
    expect(ok.status).toBe(200);
  });

  it('gets 413 with a JSON error when it is larger than maxJsonBodyBytes, on every documented body', async () => {
    const s = await setup();
    const huge = JSON.stringify({ title: 'x'.repeat(srv.server.limits.maxJsonBodyBytes) });
    for (const e of endpoints(s).filter((x) => 'body' in x)) {
      const token = e.who === 'participant' ? s.p.token : s.w.facilitatorKey;
      const r = await call(e.method, e.path, { headers: { ...bearer(token), 'content-type': 'application/json' }, body: huge });
      expect(r.status, e.path).toBe(413);
      expect(r.json).toMatchObject({ error: expect.stringMatching(/larger than/), code: 'payload_too_large' });
    }
  });

  it('gets 400 naming the field for a missing or mistyped field, on every documented body', async () => {
    const s = await setup();
    const ws = `/api/workshops/${s.w.id}`;
    const cases: [string, string, unknown, RegExp][] = [
      ['/api/workshops', s.w.facilitatorKey, {}, /^title: /],
      ['/api/workshops', s.w.facilitatorKey, { title: 'x', template: 7 }, /^template: /],
      ['/api/join', s.w.facilitatorKey, { code: 123456, name: 'Jo' }, /^code: /],
      ['/api/join', s.w.facilitatorKey, { code: s.w.joinCode, name: '   ' }, /^name: /],
      [`${ws}/votes`, s.w.facilitatorKey, { kind: 'stage' }, /^question: /],
      [`${ws}/votes`, s.w.facilitatorKey, { question: 'q', kind: 'poll' }, /^kind: /],
      [`${ws}/votes`, s.w.facilitatorKey, { question: 'q', kind: 'choice', choices: ['only one'] }, /^choices: /],
      [`${ws}/votes`, s.w.facilitatorKey, { question: 'q', kind: 'stage', groups: 'g1' }, /^groups: /],
      [`${ws}/votes/${s.voteId}/ballots`, s.p.token, { stage: '2' }, /^stage: /],
      [`${ws}/votes/${s.voteId}/ballots`, s.p.token, { stage: 3.5 }, /^stage: /],
      [`${ws}/votes/${s.voteId}/ballots`, s.p.token, { choice: 'a' }, /^stage: /],
    ];
    for (const [path, token, body, message] of cases) {
      const r = await post(`${srv.url}${path}`, body, bearer(token));
      expect(r.status, `${path} ${JSON.stringify(body)}`).toBe(400);
      expect(r.json.error, `${path} ${JSON.stringify(body)}`).toMatch(message);
    }
  });
});

describe('credentials', () => {
  it('are asked for on every endpoint that needs one: none or a wrong one 401, another role’s 403', async () => {
    const s = await setup();
    for (const e of endpoints(s).filter((x) => x.who !== 'anyone')) {
      const body = 'body' in e ? JSON.stringify(e.body) : undefined;
      const as = (headers: Record<string, string>) =>
        call(e.method, e.path, { headers: { ...headers, 'content-type': 'application/json' }, body });
      const where = `${e.method} ${e.path}`;
      expect((await as({})).json, where).toMatchObject({ code: 'unauthorized' });
      expect((await as(bearer('not-a-token'))).status, where).toBe(401);
      // Another workshop's facilitator key is no key here.
      expect((await as(bearer(s.other.facilitatorKey))).status, where).toBe(401);
      // The key sent as the token query parameter the socket takes is not a header.
      expect((await call(e.method, `${e.path}?token=${s.w.facilitatorKey}`, { body })).status, where).toBe(401);
      const wrongRoles = e.who === 'facilitator' ? [s.p.token, s.observer] : [s.w.facilitatorKey, s.observer];
      for (const token of wrongRoles) {
        const r = await as(bearer(token));
        expect(r.status, where).toBe(403);
        expect(r.json.code).toBe('forbidden');
      }
    }
  });
});

describe('unknown ids', () => {
  it('get 404 with a JSON error: an unknown workshop on every endpoint, an unknown vote on every vote endpoint', async () => {
    const s = await setup();
    for (const e of endpoints(s).filter((x) => x.path.includes(s.w.id))) {
      const body = 'body' in e ? JSON.stringify(e.body) : undefined;
      const token = e.who === 'participant' ? s.p.token : s.w.facilitatorKey;
      const headers = { ...bearer(token), 'content-type': 'application/json' };
      const noWorkshop = await call(e.method, e.path.replace(s.w.id, 'noSuchWorkshop'), { headers, body });
      expect(noWorkshop.json, e.path).toMatchObject({ error: 'no such workshop', code: 'not_found' });
      if (!e.path.includes(s.voteId)) continue;
      const noVote = await call(e.method, e.path.replace(s.voteId, 'v_noSuchVote'), { headers, body });
      expect(noVote.json, e.path).toMatchObject({ error: 'no such vote', code: 'not_found' });
    }
    expect((await call('GET', '/api/no-such-endpoint')).json).toMatchObject({ code: 'not_found' });
  });
});

describe('POST /api/workshops', () => {
  it('takes every built-in template by id, and the document carries it in meta', async () => {
    for (const template of BUILTIN_TEMPLATES) {
      const w = await createWorkshop(srv.url, `On ${template.id}`, template.id);
      const c = open(w.id, w.facilitatorKey);
      await synced(c);
      expect(c.doc.getMap(ROOTS.meta).get('template')).toMatchObject({ id: template.id });
      c.destroy();
    }
  });
});

describe('votes', () => {
  it('refuse a ballot once revealed with 409, and keep a revealed value at full precision', async () => {
    const s = await setup();
    const ws = `${srv.url}/api/workshops/${s.w.id}`;
    expect((await post(`${ws}/votes/${s.voteId}/ballots`, { stage: 2.123456789 }, bearer(s.p.token))).status).toBe(202);
    const revealed = await post(`${ws}/votes/${s.voteId}/reveal`, {}, bearer(s.w.facilitatorKey));
    expect(revealed.status).toBe(200);
    expect(revealed.json.result.overall.stage.median).toBe(2.123456789);
    const late = await post(`${ws}/votes/${s.voteId}/ballots`, { stage: 1 }, bearer(s.p.token));
    expect(late).toMatchObject({ status: 409, json: { code: 'conflict' } });
    // The document's results hold the same unrounded value.
    const c = open(s.w.id, s.p.token);
    await synced(c);
    await until(c.doc, () => readResults(c.doc).length === 1, 'results');
    expect(readResults(c.doc)[0]!.overall.stage!.median).toBe(2.123456789);
  });
});

describe('GET /api/workshops/<id>/history', () => {
  it('names each author as PRODUCT.md says: the participant id, "facilitator" or "server", with ms times and Yjs v1 updates', async () => {
    const w = await createWorkshop(srv.url);
    const p = await join(srv.url, w.joinCode, 'Author');
    const f = open(w.id, w.facilitatorKey);
    const pc = open(w.id, p.token);
    await Promise.all([synced(f), synced(pc)]);
    addTeam(f.doc, 't1', { name: 'Core', color: '#16a34a', stageCurrent: 1 });
    await until(pc.doc, () => pc.doc.getMap(ROOTS.teams).has('t1'), 'team reaches the participant');
    setTeamField(pc.doc, 't1', 'stageCurrent', 2.5);
    await until(f.doc, () => (f.doc.getMap(ROOTS.teams).get('t1') as Y.Map<unknown>).get('stageCurrent') === 2.5, 'move');
    const before = Date.now();
    const r = await call('GET', `/api/workshops/${w.id}/history`, { headers: bearer(w.facilitatorKey) });
    expect(r.status).toBe(200);
    expect(r.json.next).toBeUndefined();
    const entries = r.json.entries as { seq: number; at: number; author: string; update: string }[];
    expect(new Set(entries.map((e) => e.author))).toEqual(new Set(['server', 'facilitator', p.participantId]));
    const doc = new Y.Doc();
    for (const e of entries) {
      expect(e.at).toBeGreaterThan(before - 60_000);
      expect(e.at).toBeLessThanOrEqual(before);
      Y.applyUpdate(doc, fromBase64(e.update));
    }
    expect(entries.map((e) => e.seq)).toEqual([...entries.map((e) => e.seq)].sort((a, b) => a - b));
    expect((doc.getMap(ROOTS.teams).get('t1') as Y.Map<unknown>).get('stageCurrent')).toBe(2.5);
  });
});
