import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../server/sqlite-store.ts';
import { addTeam, readControl, readResults } from '../../shared/doc.ts';
import { createWorkshop, join, post } from '../helpers/api.ts';
import { startServer, useServer, type TestServer } from '../helpers/server.ts';
import { connect, synced, until, useClients } from '../helpers/yclient.ts';

const srv = useServer();
const { track } = useClients(srv);

const auth = (token: string) => ({ authorization: `Bearer ${token}` });

async function del(url: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, { method: 'DELETE', headers });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined };
}

/** A workshop with one team, two participants and a facilitator's and a participant's document. */
async function workshop(s: TestServer = srv) {
  const w = await createWorkshop(s.url, 'Cancel drill');
  const f = connect(s.wsUrl, w.id, w.facilitatorKey);
  track(f);
  await synced(f);
  addTeam(f.doc, 'team-1', { name: 'Payments', color: '#2563eb', stageCurrent: 1.4 });
  const people = await Promise.all(['Ana', 'Ben'].map((n) => join(s.url, w.joinCode, n)));
  const p = connect(s.wsUrl, w.id, people[0]!.token);
  track(p);
  await synced(p);
  const votes = `${s.url}/api/workshops/${w.id}/votes`;
  const open = async (question = 'Where is Payments?') => {
    const r = await post(votes, { question, kind: 'stage', teamId: 'team-1' }, auth(w.facilitatorKey));
    expect(r.status).toBe(201);
    return r.json.voteId as string;
  };
  return { w, f, p, people, votes, open };
}

describe('cancelling a vote', () => {
  it('removes an open vote and its ballots, leaves no result, and the next vote is round 1 again', async () => {
    const { w, f, p, people, votes, open } = await workshop();
    const voteId = await open();
    for (const [i, who] of people.entries()) {
      expect((await post(`${votes}/${voteId}/ballots`, { stage: 1 + i }, auth(who.token))).status).toBe(202);
    }
    await until(f.doc, () => readControl(f.doc).vote?.count === 2, 'both ballots counted');
    await until(p.doc, () => readControl(p.doc).vote?.id === voteId, 'the participant sees the vote');

    const cancelled = await del(`${votes}/${voteId}`, auth(w.facilitatorKey));
    expect(cancelled).toEqual({ status: 200, json: { voteId, cancelled: true } });
    // Gone from every document: nobody has a ballot card for it any more.
    await until(p.doc, () => readControl(p.doc).vote === null, 'the participant’s vote card gone');
    await until(f.doc, () => readControl(f.doc).vote === null, 'the facilitator’s vote gone');
    expect(readResults(f.doc)).toEqual([]);
    // Gone from the store, ballots included.
    const store = srv.server.store;
    expect(await store.getVote(w.id, voteId)).toBeUndefined();
    expect(await store.listBallots(voteId)).toEqual([]);
    expect((await fetch(`${votes}/${voteId}/ballot`, { headers: auth(people[0]!.token) })).status).toBe(404);
    expect((await post(`${votes}/${voteId}/ballots`, { stage: 2 }, auth(people[1]!.token))).status).toBe(404);
    // Cancelling twice: the second finds nothing.
    expect(await del(`${votes}/${voteId}`, auth(w.facilitatorKey))).toMatchObject({ status: 404, json: { error: 'no such vote' } });

    // Broke: the mistaken vote stayed as round 1 and the real question became round 2.
    const real = await open();
    await until(f.doc, () => readControl(f.doc).vote?.id === real, 'the real vote open');
    expect(readControl(f.doc).vote).toMatchObject({ round: 1, count: 0, state: 'open' });
  });

  it('cancels a closed vote, but not a revealed one: its result stays (409)', async () => {
    const { w, f, people, votes, open } = await workshop();
    const first = await open();
    await post(`${votes}/${first}/ballots`, { stage: 2 }, auth(people[0]!.token));
    await post(`${votes}/${first}/reveal`, {}, auth(w.facilitatorKey));
    await until(f.doc, () => readResults(f.doc).length === 1, 'round 1 revealed');
    const refused = await del(`${votes}/${first}`, auth(w.facilitatorKey));
    expect(refused).toMatchObject({ status: 409, json: { error: 'the vote is revealed: its result stays', code: 'conflict' } });
    expect(readControl(f.doc).vote).toMatchObject({ id: first, state: 'revealed' });
    expect(await srv.server.store.listBallots(first)).toHaveLength(1);

    // Round 2, asked and closed, then cancelled: the next one is round 2 again.
    const second = await open();
    await post(`${votes}/${second}/close`, {}, auth(w.facilitatorKey));
    await until(f.doc, () => readControl(f.doc).vote?.state === 'closed', 'round 2 closed');
    expect(readControl(f.doc).vote).toMatchObject({ id: second, round: 2 });
    expect((await del(`${votes}/${second}`, auth(w.facilitatorKey))).status).toBe(200);
    await until(f.doc, () => readControl(f.doc).vote === null, 'round 2 gone');
    expect(readResults(f.doc).map((r) => r.voteId)).toEqual([first]);
    const third = await open();
    await until(f.doc, () => readControl(f.doc).vote?.id === third, 'the next round open');
    expect(readControl(f.doc).vote!.round).toBe(2);
  });

  it('numbers the next round past a later round when an earlier one is cancelled', async () => {
    const { w, f, votes, open } = await workshop();
    const first = await open();
    await post(`${votes}/${first}/close`, {}, auth(w.facilitatorKey));
    const second = await open();
    await post(`${votes}/${second}/close`, {}, auth(w.facilitatorKey));
    // The earlier round, no longer on the board, cancelled through the API: the board keeps the later one.
    expect((await del(`${votes}/${first}`, auth(w.facilitatorKey))).status).toBe(200);
    await until(f.doc, () => readControl(f.doc).vote?.id === second && readControl(f.doc).vote?.state === 'closed');
    const third = await open();
    await until(f.doc, () => readControl(f.doc).vote?.id === third, 'the next round open');
    // Broke (counting rounds): it was numbered 2, like the round still standing.
    expect(readControl(f.doc).vote!.round).toBe(3);
  });

  it('is the facilitator’s alone: a participant or the projector gets 403, no credential 401', async () => {
    const { w, f, people, votes, open } = await workshop();
    const voteId = await open();
    const observer = new URL(w.observerUrl).hash.replace('#token=', '');
    expect(await del(`${votes}/${voteId}`, auth(people[0]!.token))).toMatchObject({ status: 403, json: { code: 'forbidden' } });
    expect((await del(`${votes}/${voteId}`, auth(observer))).status).toBe(403);
    expect((await del(`${votes}/${voteId}`)).status).toBe(401);
    expect((await del(`${votes}/v_nosuchvote`, auth(w.facilitatorKey))).status).toBe(404);
    // Another workshop's facilitator cannot reach it either.
    const other = await createWorkshop(srv.url);
    expect((await del(`${srv.url}/api/workshops/${other.id}/votes/${voteId}`, auth(other.facilitatorKey))).status).toBe(404);
    expect(await srv.server.store.getVote(w.id, voteId)).toMatchObject({ state: 'open' });
    expect(readControl(f.doc).vote?.id).toBe(voteId);
  });
});

describe('a cancel racing a publish of the same vote', () => {
  it('is not undone when the publish read the vote before the cancel and writes after it', async () => {
    // A store whose ballot reads wait while `slow` is set: a close publishes the vote it read, late.
    const dir = mkdtempSync(joinPath(tmpdir(), 'stageboard-cancel-'));
    const inner = openSqliteStore(joinPath(dir, 'stageboard.sqlite'));
    let slow = false;
    const store = {
      ...inner,
      listBallots: async (voteId: string) => {
        if (slow) await new Promise((r) => setTimeout(r, 300));
        return inner.listBallots(voteId);
      },
    };
    const s = await startServer({ store });
    try {
      const { w, f, votes, open } = await workshop(s);
      const voteId = await open();
      await until(f.doc, () => readControl(f.doc).vote?.id === voteId, 'the vote open');
      slow = true;
      const closing = post(`${votes}/${voteId}/close`, {}, auth(w.facilitatorKey));
      await new Promise((r) => setTimeout(r, 50));
      expect((await del(`${votes}/${voteId}`, auth(w.facilitatorKey))).status).toBe(200);
      await closing;
      slow = false;
      await s.server.rooms.get(w.id)!.flush();
      // Broke: the close's late write put the cancelled vote back on every board.
      await new Promise((r) => setTimeout(r, 100));
      expect(readControl(f.doc).vote).toBeNull();
      expect(readControl(s.server.rooms.get(w.id)!.doc).vote).toBeNull();
    } finally {
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
