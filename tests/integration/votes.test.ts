import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { addTeam, ensureGroupMaps, readControl, readResults, ROOTS } from '../../shared/doc.ts';
import { createWorkshop, join, post } from '../helpers/api.ts';
import { useServer } from '../helpers/server.ts';
import { connect, synced, until, useClients } from '../helpers/yclient.ts';

const srv = useServer();
const { track } = useClients(srv);

const auth = (token: string) => ({ authorization: `Bearer ${token}` });

/** The p-quantile by linear interpolation, written out independently of the server's code. */
function byHand(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  const pos = (s.length - 1) * p;
  const i = Math.floor(pos);
  return i + 1 < s.length ? s[i]! + (pos - i) * (s[i + 1]! - s[i]!) : s[i]!;
}

async function workshopWithGroups(people: number, groups: number) {
  const w = await createWorkshop(srv.url, 'Vote drill');
  const f = connect(srv.wsUrl, w.id, w.facilitatorKey);
  track(f);
  await synced(f);
  addTeam(f.doc, 'team-1', { name: 'Payments', color: '#2563eb', stageCurrent: 1.4, autonomy: 0.6, controls: 0.3 });
  const joined = await Promise.all(Array.from({ length: people }, (_, i) => join(srv.url, w.joinCode, `Person ${i}`)));
  await until(
    f.doc,
    () => ((f.doc.getMap(ROOTS.groups).get('members') as Y.Map<unknown>)?.size ?? 0) === people,
    'everyone in the roster',
    10_000,
  );
  const groupIds = Array.from({ length: groups }, (_, g) => `g${g + 1}`);
  f.doc.transact(() => {
    const { list, members } = ensureGroupMaps(f.doc);
    for (const id of groupIds) list.set(id, { name: `Group ${id.slice(1)}`, teamIds: ['team-1'] });
    joined.forEach((p, i) => members.set(p.participantId, { name: `Person ${i}`, group: groupIds[i % groups]! }));
  });
  // The server must see the groups before ballots are checked against them.
  await expect.poll(() => srv.server.rooms.get(w.id)!.doc.getMap(ROOTS.groups).toJSON().list?.g1 !== undefined).toBe(true);
  return { w, f, joined, groupIds };
}

describe('a vote with 100 participants in 5 groups', () => {
  it('shows only counts while open, then the medians and quartiles computed by hand', async () => {
    const { w, f, joined, groupIds } = await workshopWithGroups(100, 5);
    const open = await post(
      `${srv.url}/api/workshops/${w.id}/votes`,
      { question: 'Where is Payments?', kind: 'stage', teamId: 'team-1' },
      auth(w.facilitatorKey),
    );
    expect(open.status).toBe(201);
    const voteId = open.json.voteId as string;

    // Everyone votes at once; person i votes 1 + (i * 37 % 200) / 100.
    const valueOf = (i: number) => 1 + ((i * 37) % 200) / 100;
    const answers = await Promise.all(
      joined.map((p, i) => post(`${srv.url}/api/workshops/${w.id}/votes/${voteId}/ballots`, { stage: valueOf(i) }, auth(p.token))),
    );
    expect(answers.map((a) => a.status)).toEqual(joined.map(() => 202));

    await until(f.doc, () => readControl(f.doc).vote?.count === 100, 'count of 100', 5_000);
    const live = readControl(f.doc).vote!;
    expect(live.countsByGroup).toEqual(Object.fromEntries(groupIds.map((g) => [g, 20])));
    expect(readResults(f.doc)).toEqual([]);

    const closed = await post(`${srv.url}/api/workshops/${w.id}/votes/${voteId}/close`, {}, auth(w.facilitatorKey));
    expect(closed.json).toMatchObject({ state: 'closed', ballots: 100 });
    const late = await post(`${srv.url}/api/workshops/${w.id}/votes/${voteId}/ballots`, { stage: 2 }, auth(joined[0]!.token));
    expect(late.status).toBe(409);

    const revealed = await post(`${srv.url}/api/workshops/${w.id}/votes/${voteId}/reveal`, {}, auth(w.facilitatorKey));
    expect(revealed.status).toBe(200);
    await until(f.doc, () => readResults(f.doc).length === 1, 'results in the document');
    const [result] = readResults(f.doc);
    const all = joined.map((_, i) => valueOf(i));
    expect(result!.overall.stage).toMatchObject({ n: 100, median: byHand(all, 0.5), q1: byHand(all, 0.25), q3: byHand(all, 0.75) });
    for (const [g, id] of groupIds.entries()) {
      const mine = joined
        .map((_, i) => i)
        .filter((i) => i % 5 === g)
        .map(valueOf);
      expect(result!.byGroup[id]!.stage).toMatchObject({
        n: 20,
        median: byHand(mine, 0.5),
        q1: byHand(mine, 0.25),
        q3: byHand(mine, 0.75),
      });
      expect([...(result!.byGroup[id]!.values as number[])].sort()).toEqual([...mine].sort());
    }
    expect(result!.self).toEqual({ stage: 1.4, autonomy: 0.6, controls: 0.3 });
    expect(readControl(f.doc).vote).toMatchObject({ state: 'revealed', count: 100 });
  }, 60_000);
});

describe('ballots', () => {
  it('replace each other while open, count once, and ignore an older retry', async () => {
    const { w, f, joined } = await workshopWithGroups(3, 1);
    const { json } = await post(
      `${srv.url}/api/workshops/${w.id}/votes`,
      { question: 'Risk?', kind: 'risk', teamId: 'team-1' },
      auth(w.facilitatorKey),
    );
    const url = `${srv.url}/api/workshops/${w.id}/votes/${json.voteId}/ballots`;
    const p = joined[0]!;
    expect((await post(url, { autonomy: 0.2, controls: 0.9, seq: 1 }, auth(p.token))).status).toBe(202);
    const second = await post(url, { autonomy: 0.8, controls: 0.1, seq: 2 }, auth(p.token));
    expect(second.status).toBe(202);
    // The same request retried after a flaky connection gets the same answer, receipt and all
    // (broke: a retry stored a fresh salt, and the receipt the voter kept no longer matched).
    expect((await post(url, { autonomy: 0.8, controls: 0.1, seq: 2 }, auth(p.token))).json).toEqual(second.json);
    // An older one arriving late changes nothing.
    expect((await post(url, { autonomy: 0.2, controls: 0.9, seq: 1 }, auth(p.token))).json.status).toBe('stale');
    const mine = await fetch(`${url.replace(/ballots$/, 'ballot')}`, { headers: auth(p.token) });
    expect((await mine.json()).value).toEqual({ autonomy: 0.8, controls: 0.1 });
    await until(f.doc, () => readControl(f.doc).vote?.count === 1);
    await post(`${srv.url}/api/workshops/${w.id}/votes/${json.voteId}/reveal`, {}, auth(w.facilitatorKey));
    await until(f.doc, () => readResults(f.doc).length === 1);
    expect(readResults(f.doc)[0]!.overall).toMatchObject({ n: 1, values: [[0.8, 0.1]] });
  });

  it('are refused with clear errors: wrong kind, out of range, another group, another workshop, not a participant', async () => {
    const { w, f, joined, groupIds } = await workshopWithGroups(4, 2);
    const { json } = await post(
      `${srv.url}/api/workshops/${w.id}/votes`,
      { question: 'Next bottleneck?', kind: 'choice', choices: ['Review', 'Trust'], groups: [groupIds[0]] },
      auth(w.facilitatorKey),
    );
    const url = `${srv.url}/api/workshops/${w.id}/votes/${json.voteId}/ballots`;
    const inGroup1 = joined[0]!; // person 0 → g1
    const inGroup2 = joined[1]!; // person 1 → g2
    expect((await post(url, { choice: 'Speed' }, auth(inGroup1.token))).status).toBe(400);
    expect((await post(url, { stage: 2 }, auth(inGroup1.token))).status).toBe(400);
    expect((await post(url, { choice: 'Trust', extra: 1 }, auth(inGroup1.token))).status).toBe(400);
    const other = await post(url, { choice: 'Trust' }, auth(inGroup2.token));
    expect(other).toMatchObject({ status: 403, json: { error: 'this vote is for other groups' } });
    expect((await post(url, { choice: 'Trust' }, auth(w.facilitatorKey))).status).toBe(403);
    const elsewhere = await createWorkshop(srv.url);
    const stranger = await join(srv.url, elsewhere.joinCode, 'Stranger');
    expect((await post(url, { choice: 'Trust' }, auth(stranger.token))).status).toBe(401);
    expect((await post(url, { choice: 'Trust' }, auth(inGroup1.token))).status).toBe(202);
    await until(f.doc, () => readControl(f.doc).vote?.count === 1);
    expect(readControl(f.doc).vote!.countsByGroup).toEqual({ [groupIds[0]!]: 1 });
  });

  it('stay secret until the reveal: nothing a participant can reach holds another ballot value', async () => {
    const { w, joined } = await workshopWithGroups(3, 1);
    const { json } = await post(
      `${srv.url}/api/workshops/${w.id}/votes`,
      { question: 'Stage?', kind: 'stage', teamId: 'team-1' },
      auth(w.facilitatorKey),
    );
    const url = `${srv.url}/api/workshops/${w.id}/votes/${json.voteId}`;
    const secret = 2.718281828;
    await post(`${url}/ballots`, { stage: secret }, auth(joined[1]!.token));
    await post(`${url}/ballots`, { stage: secret }, auth(joined[2]!.token));
    const spy = joined[0]!;
    const c = connect(srv.wsUrl, w.id, spy.token);
    track(c);
    await synced(c);
    await until(c.doc, () => readControl(c.doc).vote?.count === 2, 'spy sees the count');
    const reachable = [
      JSON.stringify(c.doc.toJSON()),
      JSON.stringify([...c.provider.awareness.getStates().values()]),
      await (await fetch(`${srv.url}/api/workshops/${w.id}/session`, { headers: auth(spy.token) })).text(),
      await (await fetch(`${url}/ballot`, { headers: auth(spy.token) })).text(),
      await (await fetch(`${srv.url}/api/workshops/${w.id}/participants`, { headers: auth(spy.token) })).text(),
      await (await fetch(`${srv.url}/api/workshops/${w.id}/history`, { headers: auth(spy.token) })).text(),
      await (await fetch(`${srv.url}/api/workshops/${w.id}/export`, { headers: auth(spy.token) })).text(),
      (await post(`${url}/close`, {}, auth(spy.token))).json && '',
      JSON.stringify((await post(`${url}/reveal`, {}, auth(spy.token))).json),
    ].join('\n');
    expect(reachable).not.toContain('2.718');
    expect(readResults(c.doc)).toEqual([]);
    await post(`${url}/reveal`, {}, auth(w.facilitatorKey));
    await until(c.doc, () => readResults(c.doc).length === 1, 'revealed to the spy too');
    expect(JSON.stringify(c.doc.toJSON())).toContain('2.718281828');
  });

  it('keep both rounds when the same question is asked again', async () => {
    const { w, f, joined } = await workshopWithGroups(2, 1);
    for (const stage of [1.5, 2.5]) {
      const { json } = await post(
        `${srv.url}/api/workshops/${w.id}/votes`,
        { question: 'Again?', kind: 'stage', teamId: 'team-1' },
        auth(w.facilitatorKey),
      );
      await post(`${srv.url}/api/workshops/${w.id}/votes/${json.voteId}/ballots`, { stage }, auth(joined[0]!.token));
      await post(`${srv.url}/api/workshops/${w.id}/votes/${json.voteId}/reveal`, {}, auth(w.facilitatorKey));
    }
    await until(f.doc, () => readResults(f.doc).length === 2);
    expect(readResults(f.doc).map((r) => [r.round, r.overall.stage?.median])).toEqual([
      [1, 1.5],
      [2, 2.5],
    ]);
  });

  it('allow one open vote at a time', async () => {
    const { w } = await workshopWithGroups(1, 1);
    // Choices belong to a choice vote only: a stage vote that lists them is refused, not silently cut.
    const confused = await post(
      `${srv.url}/api/workshops/${w.id}/votes`,
      { question: 'One', kind: 'stage', choices: ['A', 'B'] },
      auth(w.facilitatorKey),
    );
    expect(confused.status).toBe(400);
    expect(confused.json.error).toContain('only a choice vote takes choices');
    const body = { question: 'One', kind: 'stage' };
    expect((await post(`${srv.url}/api/workshops/${w.id}/votes`, body, auth(w.facilitatorKey))).status).toBe(201);
    const second = await post(`${srv.url}/api/workshops/${w.id}/votes`, body, auth(w.facilitatorKey));
    expect(second).toMatchObject({ status: 409, json: { error: 'a vote is already open; close it first' } });
  });
});

describe('receipts', () => {
  it('let each voter find its ballot in the reveal and anyone recompute the tally', async () => {
    const { createHash } = await import('node:crypto');
    const { receiptInput } = await import('../../shared/votes.ts');
    const { tally } = await import('../../shared/tally.ts');
    const { w, f, joined } = await workshopWithGroups(5, 1);
    const { json } = await post(`${srv.url}/api/workshops/${w.id}/votes`, { question: 'Stage?', kind: 'stage' }, auth(w.facilitatorKey));
    const receipts = await Promise.all(
      joined.map(
        async (p, i) =>
          (await post(`${srv.url}/api/workshops/${w.id}/votes/${json.voteId}/ballots`, { stage: 1 + i / 4 }, auth(p.token))).json
            .receipt as string,
      ),
    );
    expect(new Set(receipts).size).toBe(5);
    await post(`${srv.url}/api/workshops/${w.id}/votes/${json.voteId}/reveal`, {}, auth(w.facilitatorKey));
    await until(f.doc, () => readResults(f.doc).length === 1);
    const result = readResults(f.doc)[0]!;
    expect(result.ballots!.map((b) => b.receipt).sort()).toEqual([...receipts].sort());
    for (const b of result.ballots!) {
      const expected = createHash('sha256')
        .update(receiptInput(json.voteId, b.salt, b.value))
        .digest('base64url');
      expect(b.receipt).toBe(expected);
    }
    const recomputed = tally(
      'stage',
      result.ballots!.map((b) => ({ group: null, value: b.value })),
      null,
    );
    expect(recomputed.overall.stage).toEqual(result.overall.stage);
  });
});

describe('auto-reveal', () => {
  it('fires exactly when the last member of the voting groups votes', async () => {
    const { w, f, joined, groupIds } = await workshopWithGroups(4, 2);
    const { json } = await post(
      `${srv.url}/api/workshops/${w.id}/votes`,
      { question: 'Auto?', kind: 'stage', groups: [groupIds[0]], autoReveal: true },
      auth(w.facilitatorKey),
    );
    const url = `${srv.url}/api/workshops/${w.id}/votes/${json.voteId}/ballots`;
    // Persons 0 and 2 are in the first group.
    await post(url, { stage: 2 }, auth(joined[0]!.token));
    await until(f.doc, () => readControl(f.doc).vote?.count === 1);
    expect(readControl(f.doc).vote!.state).toBe('open');
    expect(readResults(f.doc)).toEqual([]);
    const last = await post(url, { stage: 3 }, auth(joined[2]!.token));
    expect(last.status).toBe(202);
    await until(f.doc, () => readResults(f.doc).length === 1, 'auto-revealed');
    expect(readControl(f.doc).vote!.state).toBe('revealed');
    expect(readResults(f.doc)[0]!.overall.stage!.median).toBe(2.5);
    // The result says whom the vote asked, so every screen can name the group rather than "everyone".
    expect(readResults(f.doc)[0]!.groups).toEqual([groupIds[0]]);
    expect((await post(url, { stage: 1 }, auth(joined[0]!.token))).status).toBe(409);
  });
});

describe('breakout groups', () => {
  it('place late joiners in the smallest group when the facilitator chose "auto"', async () => {
    const { w, f, groupIds } = await workshopWithGroups(3, 2); // g1: 2 people, g2: 1
    f.doc.getMap(ROOTS.groups).set('mode', 'auto');
    await expect.poll(() => srv.server.rooms.get(w.id)!.doc.getMap(ROOTS.groups).get('mode')).toBe('auto');
    const late = await join(srv.url, w.joinCode, 'Late Lou');
    const members = () => f.doc.getMap(ROOTS.groups).get('members') as Y.Map<{ group: string | null }>;
    await until(f.doc, () => members().get(late.participantId)?.group === groupIds[1], 'placed in the smaller group');
  });

  it('let participants pick their own group only while the facilitator allows it', async () => {
    const { w, f, joined, groupIds } = await workshopWithGroups(2, 2);
    const pick = (token: string, group: string | null) => post(`${srv.url}/api/workshops/${w.id}/groups/pick`, { group }, auth(token));
    expect(await pick(joined[0]!.token, groupIds[1]!)).toMatchObject({
      status: 409,
      json: { error: 'the facilitator has not opened group picking' },
    });
    f.doc.getMap(ROOTS.groups).set('mode', 'pick');
    await expect.poll(() => srv.server.rooms.get(w.id)!.doc.getMap(ROOTS.groups).get('mode')).toBe('pick');
    expect((await pick(joined[0]!.token, 'nope')).status).toBe(400);
    expect((await pick(w.facilitatorKey, groupIds[1]!)).status).toBe(403);
    expect((await pick(joined[0]!.token, groupIds[1]!)).status).toBe(200);
    const members = () => f.doc.getMap(ROOTS.groups).get('members') as Y.Map<{ group: string | null }>;
    await until(f.doc, () => members().get(joined[0]!.participantId)?.group === groupIds[1], 'picked group');
  });
});
