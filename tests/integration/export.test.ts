import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkshop, join, post } from '../helpers/api.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

let srv: TestServer;

beforeAll(async () => {
  srv = await startServer({ limits: { maxImportBytes: 64 * 1024 } });
});
afterAll(async () => {
  await srv.close();
});

const importFile = (body: unknown) =>
  fetch(`${srv.url}/api/workshops/import`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

async function exportOf(): Promise<any> {
  const w = await createWorkshop(srv.url, 'Import drill');
  const res = await fetch(`${srv.url}/api/workshops/${w.id}/export`, { headers: { authorization: `Bearer ${w.facilitatorKey}` } });
  expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="stageboard-[\w-]+\.json"$/);
  return res.json();
}

describe('import', () => {
  it('refuses a file that is not a Stageboard export, and says why', async () => {
    const bad = await importFile({ hello: 'world' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/not a Stageboard export/);
    expect((await importFile('{not json')).status).toBe(400);
  });

  it('refuses a log that does not replay: a bad update, a gap in seq, or no workshop in it', async () => {
    const exp = await exportOf();
    const garbage = structuredClone(exp);
    garbage.log[0].update = Buffer.from('not a yjs update').toString('base64');
    expect((await importFile(garbage)).status).toBe(400);

    const gap = structuredClone(exp);
    gap.log[0].seq = 2;
    const answer = await importFile(gap);
    expect(answer.status).toBe(400);
    expect(((await answer.json()) as { error: string }).error).toMatch(/seq/);

    const empty = structuredClone(exp);
    // A valid but empty Yjs update: replays to a document with no workshop in it.
    empty.log = [{ seq: 1, at: 1, author: 'server', update: Buffer.from([0, 0]).toString('base64') }];
    expect((await importFile(empty)).status).toBe(400);
  });

  it('refuses a file over maxImportBytes with 413 before reading it all', async () => {
    const exp = await exportOf();
    exp.participants = Array.from({ length: 2000 }, (_, i) => ({ id: `p_${i}`, name: `Person ${i}`, joinedAt: 1, removedAt: null }));
    expect((await importFile(exp)).status).toBe(413);
  });

  it('imports a valid export as a new workshop the facilitator can open', async () => {
    const exp = await exportOf();
    const res = await importFile(exp);
    expect(res.status).toBe(201);
    const w = (await res.json()) as { id: string; facilitatorKey: string; facilitatorUrl: string };
    expect(w.facilitatorUrl).toContain(`/w/${w.id}#key=`);
    const session = await fetch(`${srv.url}/api/workshops/${w.id}/session`, { headers: { authorization: `Bearer ${w.facilitatorKey}` } });
    expect((await session.json()) as { title: string; role: string }).toMatchObject({ title: 'Import drill', role: 'facilitator' });
  });
});

describe('votes in the export', () => {
  it('lists revealed ballots without naming voters, and keeps unrevealed ones out', async () => {
    const w = await createWorkshop(srv.url, 'Vote drill');
    const fac = { authorization: `Bearer ${w.facilitatorKey}` };
    const people = await Promise.all(['Ana', 'Ben', 'Chen'].map((n) => join(srv.url, w.joinCode, n)));
    const open = async (question: string) => {
      const r = await post(`${srv.url}/api/workshops/${w.id}/votes`, { question, kind: 'stage' }, fac);
      expect(r.status).toBe(201);
      return r.json.voteId as string;
    };
    const revealed = await open('=HYPERLINK("http://evil")');
    for (const [i, p] of people.entries()) {
      const r = await post(
        `${srv.url}/api/workshops/${w.id}/votes/${revealed}/ballots`,
        { stage: 1 + i / 2 },
        { authorization: `Bearer ${p.token}` },
      );
      expect(r.status).toBe(202);
    }
    expect((await post(`${srv.url}/api/workshops/${w.id}/votes/${revealed}/close`, {}, fac)).status).toBe(200);
    expect((await post(`${srv.url}/api/workshops/${w.id}/votes/${revealed}/reveal`, {}, fac)).status).toBe(200);
    const hidden = await open('Still secret');
    await post(`${srv.url}/api/workshops/${w.id}/votes/${hidden}/ballots`, { stage: 3 }, { authorization: `Bearer ${people[0]!.token}` });

    const exp = (await (await fetch(`${srv.url}/api/workshops/${w.id}/export`, { headers: fac })).json()) as any;
    expect(exp.votes.map((v: { id: string }) => v.id)).toEqual([revealed]);
    expect(exp.ballots.map((b: { stage: number }) => b.stage).sort()).toEqual([1, 1.5, 2]);
    expect(exp.ballots.map((b: { voter: string }) => b.voter).sort()).toEqual(['voter 1', 'voter 2', 'voter 3']);
    const text = JSON.stringify(exp.ballots);
    for (const p of people) expect(text).not.toContain(p.participantId);

    const csv = await (await fetch(`${srv.url}/api/workshops/${w.id}/export/votes.csv`, { headers: fac })).text();
    const rows = csv.trim().split('\r\n');
    expect(rows).toHaveLength(4);
    expect(rows.slice(1).every((r) => r.startsWith(`${revealed},"'=HYPERLINK(""http://evil"")",stage,`))).toBe(true);
    expect(csv).not.toContain('Still secret');
  });

  it('names the voters of a vote the facilitator opened as named', async () => {
    const w = await createWorkshop(srv.url, 'Named vote');
    const fac = { authorization: `Bearer ${w.facilitatorKey}` };
    const ana = await join(srv.url, w.joinCode, 'Ana');
    const r = await post(`${srv.url}/api/workshops/${w.id}/votes`, { question: 'Named?', kind: 'stage', named: true }, fac);
    await post(`${srv.url}/api/workshops/${w.id}/votes/${r.json.voteId}/ballots`, { stage: 2 }, { authorization: `Bearer ${ana.token}` });
    await post(`${srv.url}/api/workshops/${w.id}/votes/${r.json.voteId}/reveal`, {}, fac);
    const exp = (await (await fetch(`${srv.url}/api/workshops/${w.id}/export`, { headers: fac })).json()) as any;
    expect(exp.votes[0].visibility).toBe('named');
    expect(exp.ballots).toMatchObject([{ voter: ana.participantId, stage: 2 }]);
  });
});
