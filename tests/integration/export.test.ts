import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { addTeam, ensureGroupMaps, readControl, ROOTS, setTeamField } from '../../shared/doc.ts';
import { createWorkshop, join, post } from '../helpers/api.ts';
import { useServer } from '../helpers/server.ts';
import { connect, synced, until, useClients } from '../helpers/yclient.ts';

const srv = useServer({ limits: { maxImportBytes: 64 * 1024 } });
const { track } = useClients(srv);

const importFile = (body: unknown) =>
  fetch(`${srv.url}/api/workshops/import`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

/** A new workshop and its facilitator's client, synced. */
async function facilitated(title: string) {
  const w = await createWorkshop(srv.url, title);
  const f = connect(srv.wsUrl, w.id, w.facilitatorKey);
  track(f);
  await synced(f);
  return { w, f };
}

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
    const names = ['Ana', 'Ben', 'Chen'];
    const people = await Promise.all(names.map((n) => join(srv.url, w.joinCode, n)));
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

/** Ana and Ben in "Group 1", Chen in "Group 2", one team; a revealed anonymous stage vote and a revealed named risk vote. */
async function workshopWithVotes(team: { stageCurrent?: number } = {}) {
  const { w, f } = await facilitated('Round trip');
  const fac = { authorization: `Bearer ${w.facilitatorKey}` };
  addTeam(f.doc, 'team-1', {
    name: 'Payments platform',
    color: '#2563eb',
    stageCurrent: team.stageCurrent ?? 1.4,
    autonomy: 0.6,
    controls: 0.3,
  });
  const names = ['Ana', 'Ben', 'Chen'];
  const people = await Promise.all(names.map((n) => join(srv.url, w.joinCode, n)));
  await until(f.doc, () => ((f.doc.getMap(ROOTS.groups).get('members') as Y.Map<unknown>)?.size ?? 0) === 3, 'everyone in the roster');
  f.doc.transact(() => {
    const { list, members } = ensureGroupMaps(f.doc);
    list.set('g1', { name: 'Group 1', teamIds: ['team-1'] });
    list.set('g2', { name: 'Group 2', teamIds: ['team-1'] });
    people.forEach((p, i) => members.set(p.participantId, { name: names[i]!, group: i < 2 ? 'g1' : 'g2' }));
  });
  await expect.poll(() => srv.server.rooms.get(w.id)!.doc.getMap(ROOTS.groups).toJSON().list?.g2 !== undefined).toBe(true);
  const vote = async (body: object, values: object[]) => {
    const r = await post(`${srv.url}/api/workshops/${w.id}/votes`, body, fac);
    expect(r.status).toBe(201);
    for (const [i, p] of people.entries()) {
      const b = await post(`${srv.url}/api/workshops/${w.id}/votes/${r.json.voteId}/ballots`, values[i], {
        authorization: `Bearer ${p.token}`,
      });
      expect(b.status).toBe(202);
    }
    expect((await post(`${srv.url}/api/workshops/${w.id}/votes/${r.json.voteId}/reveal`, {}, fac)).status).toBe(200);
    return r.json.voteId as string;
  };
  const stage = await vote({ question: 'Where is Payments?', kind: 'stage', teamId: 'team-1' }, [
    { stage: 1 },
    { stage: 1.5 },
    { stage: 2 },
  ]);
  const risk = await vote({ question: 'How risky?', kind: 'risk', teamId: 'team-1', named: true }, [
    { autonomy: 0.2, controls: 0.8 },
    { autonomy: 0.4, controls: 0.6 },
    { autonomy: 0.6, controls: 0.4 },
  ]);
  return { w, fac, people, stage, risk, f };
}

const download = async (id: string, key: string, what: 'export' | 'export/votes.csv') =>
  fetch(`${srv.url}/api/workshops/${id}/${what}`, { headers: { authorization: `Bearer ${key}` } });

/** CSV rows as header-keyed records (the test data has no commas or quotes in it). */
function records(csv: string): Record<string, string>[] {
  const [head, ...rows] = csv.trim().split('\r\n');
  const cols = head!.split(',');
  return rows.map((r) => Object.fromEntries(r.split(',').map((cell, i) => [cols[i]!, cell])));
}

describe('teams.csv', () => {
  it("gives positions to 2 decimals (stages) and 3 (autonomy, controls), not a drag's float noise", async () => {
    const { w, f } = await facilitated('Rounding');
    addTeam(f.doc, 't', {
      name: 'Payments',
      color: '#2563eb',
      stageCurrent: 2.345678,
      stageTarget: 3,
      autonomy: 0.6981132075471698,
      controls: 0.1,
    });
    await until(srv.server.rooms.get(w.id)!.doc, () => srv.server.rooms.get(w.id)!.doc.getMap(ROOTS.teams).has('t'), 'team stored');
    const res = await fetch(`${srv.url}/api/workshops/${w.id}/export/teams.csv`, {
      headers: { authorization: `Bearer ${w.facilitatorKey}` },
    });
    expect(res.status).toBe(200);
    const [, row] = (await res.text()).trim().split('\r\n');
    expect(row).toBe('t,Payments,2.35,3,0.698,0.1,,,,,yes');
  });
});

describe('votes.csv', () => {
  it("names each ballot's group and team in the last columns, and gives times only for named votes", async () => {
    const { w, stage, risk, people } = await workshopWithVotes();
    const csv = await (await download(w.id, w.facilitatorKey, 'export/votes.csv')).text();
    // The documented columns stay where they were; additions go at the end.
    expect(csv.split('\r\n')[0]).toBe(
      'vote_id,question,kind,team_id,group,voter,stage,autonomy,controls,choice,at,group_name,team_name,round,vote_groups',
    );
    const rows = records(csv);
    expect(
      rows
        .filter((r) => r.vote_id === stage)
        .map((r) => `${r.stage} ${r.group_name}`)
        .sort(),
    ).toEqual(['1 Group 1', '1.5 Group 1', '2 Group 2']);
    expect(rows.filter((r) => r.vote_id === stage).every((r) => r.group === 'g1' || r.group === 'g2')).toBe(true);
    // And the team each vote was about, by name, beside its id.
    expect(new Set(rows.map((r) => `${r.team_id} ${r.team_name}`))).toEqual(new Set(['team-1 Payments platform']));
    // Anonymous ballots carry no time: their order and times could name the voter.
    expect(rows.filter((r) => r.vote_id === stage).map((r) => r.at)).toEqual(['', '', '']);
    const named = rows.filter((r) => r.vote_id === risk);
    expect(named.map((r) => r.voter).sort()).toEqual(people.map((p) => p.participantId).sort());
    expect(named.every((r) => Number(r.at) > 0)).toBe(true);
    expect(named.find((r) => r.voter === people[2]!.participantId)).toMatchObject({
      autonomy: '0.6',
      controls: '0.4',
      group_name: 'Group 2',
    });
  });
});

describe('rounds in the export', () => {
  /** Round 1 of "Where is Payments?" for everyone (from workshopWithVotes), round 2 for Group 2 alone. */
  async function twoRounds() {
    const base = await workshopWithVotes();
    const { w, fac, people } = base;
    const r = await post(
      `${srv.url}/api/workshops/${w.id}/votes`,
      { question: 'Where is Payments?', kind: 'stage', teamId: 'team-1', groups: ['g2'] },
      fac,
    );
    expect(r.status).toBe(201);
    const b = await post(
      `${srv.url}/api/workshops/${w.id}/votes/${r.json.voteId}/ballots`,
      { stage: 2.5 },
      {
        authorization: `Bearer ${people[2]!.token}`,
      },
    );
    expect(b.status).toBe(202);
    expect((await post(`${srv.url}/api/workshops/${w.id}/votes/${r.json.voteId}/reveal`, {}, fac)).status).toBe(200);
    return { ...base, second: r.json.voteId as string };
  }

  it('tells round 1 from round 2 of one question, and names the groups a round was for, in JSON and votes.csv', async () => {
    const { w, stage, second } = await twoRounds();
    const exp = await (await download(w.id, w.facilitatorKey, 'export')).json();
    const byId = new Map<string, any>(exp.votes.map((v: { id: string }) => [v.id, v]));
    expect(byId.get(stage)).toMatchObject({ question: 'Where is Payments?', round: 1, groups: null });
    expect(byId.get(second)).toMatchObject({ question: 'Where is Payments?', round: 2, groups: ['g2'] });

    const rows = records(await (await download(w.id, w.facilitatorKey, 'export/votes.csv')).text());
    expect(rows.filter((r) => r.vote_id === stage).map((r) => `${r.round}|${r.vote_groups}`)).toEqual(['1|', '1|', '1|']);
    expect(rows.filter((r) => r.vote_id === second).map((r) => `${r.round}|${r.vote_groups}|${r.group_name}`)).toEqual(['2|g2|Group 2']);
  });

  it('keeps the rounds through an import, and imports a file from before rounds were exported', async () => {
    const { w, stage, second } = await twoRounds();
    const before = await (await download(w.id, w.facilitatorKey, 'export')).json();
    const old = structuredClone(before);
    for (const v of old.votes) {
      delete v.round;
      delete v.groups;
    }
    for (const file of [before, old]) {
      const res = await importFile(file);
      expect(res.status).toBe(201);
      const copy = (await res.json()) as { id: string; facilitatorKey: string };
      const after = await (await download(copy.id, copy.facilitatorKey, 'export')).json();
      // The round and groups come back from the log's results, so even the old file gets them.
      expect(after.votes).toEqual(before.votes);
      const rows = records(await (await download(copy.id, copy.facilitatorKey, 'export/votes.csv')).text());
      expect(new Set(rows.map((r) => `${r.vote_id} ${r.round} ${r.vote_groups}`))).toEqual(
        new Set([`${stage} 1 `, `${second} 2 g2`, `${before.votes.find((v: any) => v.kind === 'risk').id} 1 `]),
      );
    }
  });
});

describe('insights at the end', () => {
  it('read where a team ended, not where it stood when a vote opened (Payments moved from 1.0 to 1.8)', async () => {
    const { w, fac, people, stage, f } = await workshopWithVotes({ stageCurrent: 1 });
    // Round 2 while Payments still says 1.0: the room says 2.5 both times.
    const r = await post(
      `${srv.url}/api/workshops/${w.id}/votes`,
      { question: 'Where is Payments?', kind: 'stage', teamId: 'team-1' },
      fac,
    );
    for (const p of people) {
      await post(`${srv.url}/api/workshops/${w.id}/votes/${r.json.voteId}/ballots`, { stage: 2.5 }, { authorization: `Bearer ${p.token}` });
    }
    expect((await post(`${srv.url}/api/workshops/${w.id}/votes/${r.json.voteId}/reveal`, {}, fac)).status).toBe(200);
    const stageVotes = new Set([stage, r.json.voteId]);
    const self = (exp: any) =>
      exp.insights.final
        .filter((i: { rule: string; voteId: string }) => i.rule === 'disagreement' && stageVotes.has(i.voteId))
        .map((i: { message: string }) => i.message);
    const atOne = await (await download(w.id, w.facilitatorKey, 'export')).json();
    expect(self(atOne).join(' ')).toContain('placed itself at 1.0');

    setTeamField(f.doc, 'team-1', 'stageCurrent', 1.8);
    await expect
      .poll(() => (srv.server.rooms.get(w.id)!.doc.getMap(ROOTS.teams).get('team-1') as Y.Map<unknown>).get('stageCurrent'))
      .toBe(1.8);
    const exp = await (await download(w.id, w.facilitatorKey, 'export')).json();
    // Round 2's 2.5 is still far from 1.8: flagged, but against 1.8, and nothing is left at 1.0.
    expect(self(exp).length).toBeGreaterThan(0);
    expect(self(exp).every((m: string) => m.includes('placed itself at 1.8'))).toBe(true);
    // Round 1's room median (1.5) is close to 1.8 now: that insight no longer stands.
    expect(self(exp).some((m: string) => m.endsWith('the room voted 1.5.'))).toBe(false);
    // As they stood at each reveal, Payments was at 1.0: those stay as they were.
    const first = exp.insights.atReveals.find((a: { voteId: string }) => a.voteId === stage);
    expect(JSON.stringify(first.insights)).toContain('placed itself at 1.0');
  });
});

describe('export → import → export', () => {
  it('keeps the votes, the ballots and votes.csv, and the next vote continues the rounds', async () => {
    const { w, stage, risk } = await workshopWithVotes();
    const before = await (await download(w.id, w.facilitatorKey, 'export')).json();
    const csvBefore = await (await download(w.id, w.facilitatorKey, 'export/votes.csv')).text();

    // Imported twice: the same votes must not collide in one server.
    expect((await importFile(before)).status).toBe(201);
    const res = await importFile(before);
    expect(res.status).toBe(201);
    const copy = (await res.json()) as { id: string; facilitatorKey: string };
    const after = await (await download(copy.id, copy.facilitatorKey, 'export')).json();
    const csvAfter = await (await download(copy.id, copy.facilitatorKey, 'export/votes.csv')).text();

    expect(after.votes).toEqual(before.votes);
    expect(after.votes.map((v: { id: string }) => v.id).sort()).toEqual([stage, risk].sort());
    // Anonymous labels are drawn again at each export and named voters have new ids: compare the rest,
    // with each named voter replaced by their name.
    const nameOf = (exp: any) => new Map<string, string>(exp.participants.map((p: { id: string; name: string }) => [p.id, p.name]));
    const ballots = (exp: any) =>
      exp.ballots
        .map((b: { voter: string; voteId: string }) =>
          JSON.stringify({ ...b, voter: b.voteId === risk ? nameOf(exp).get(b.voter) : 'anonymous' }),
        )
        .sort();
    expect(after.ballots).toHaveLength(6);
    expect(ballots(after)).toEqual(ballots(before));
    expect(ballots(after).filter((b: string) => b.includes('"voter":"Chen"'))).toHaveLength(1);

    const rows = (csv: string, exp: any) =>
      records(csv)
        .map((r) => JSON.stringify({ ...r, voter: r.vote_id === risk ? nameOf(exp).get(r.voter!) : 'anonymous' }))
        .sort();
    expect(records(csvAfter)).toHaveLength(6);
    expect(rows(csvAfter, after)).toEqual(rows(csvBefore, before));

    // Rounds are counted from the stored votes: the same question about the same team is round 2.
    const next = await post(
      `${srv.url}/api/workshops/${copy.id}/votes`,
      { question: 'Where is Payments?', kind: 'stage', teamId: 'team-1' },
      { authorization: `Bearer ${copy.facilitatorKey}` },
    );
    expect(next.status).toBe(201);
    expect(readControl(srv.server.rooms.get(copy.id)!.doc).vote).toMatchObject({ id: next.json.voteId, round: 2 });
  });
});

describe('the timeline through an import', () => {
  it('keeps the lock, timer, spotlight and commitment events, and imports a file exported before they existed', async () => {
    const { w, f } = await facilitated('Controls round trip');
    const room = srv.server.rooms.get(w.id)!;
    addTeam(f.doc, 'pay', { name: 'Payments', color: '#2563eb', stageCurrent: 1.4 });
    const control = f.doc.getMap(ROOTS.control);
    control.set('locked', true);
    control.set('timer', { endsAt: Date.now() + 5 * 60_000, durationMs: 5 * 60_000, pausedRemainingMs: null });
    control.set('spotlight', 'pay');
    setTeamField(f.doc, 'pay', 'commitment', 'Pilot review agents');
    await until(
      room.doc,
      () => (room.doc.getMap(ROOTS.teams).get('pay') as Y.Map<unknown> | undefined)?.get('commitment') !== undefined,
      'commitment',
    );
    const before = await (await download(w.id, w.facilitatorKey, 'export')).json();
    const docEvents = (exp: any) =>
      exp.timeline.filter((e: { seq?: number }) => e.seq !== undefined).map((e: { kind: string; label: string }) => `${e.kind} ${e.label}`);
    expect(docEvents(before)).toEqual(
      expect.arrayContaining([
        'lock Board locked',
        'timer Timer 5 min started',
        'spotlight Spotlight on Payments',
        'commitment Commitment for Payments: Pilot review agents',
      ]),
    );
    // A file from before these kinds: its timeline has none of them. Both import, and both get them back from the log.
    const old = structuredClone(before);
    old.timeline = old.timeline.filter((e: { kind: string }) => !['lock', 'follow', 'timer', 'spotlight', 'commitment'].includes(e.kind));
    for (const file of [before, old]) {
      const res = await importFile(file);
      expect(res.status).toBe(201);
      const copy = (await res.json()) as { id: string; facilitatorKey: string };
      const after = await (await download(copy.id, copy.facilitatorKey, 'export')).json();
      expect(docEvents(after)).toEqual(docEvents(before));
    }
  });
});
