import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { addTeam, ROOTS } from '../../shared/doc.ts';
import { createWorkshop, join, post } from '../helpers/api.ts';
import { useServer } from '../helpers/server.ts';

/** What an import must respect that a live workshop does: its seats and the shape of its document. */
const LIMITS = { maxParticipantsPerWorkshop: 3, maxTeams: 3 };

const srv = useServer({ limits: LIMITS });

const importFile = async (body: unknown) => {
  const res = await fetch(`${srv.url}/api/workshops/import`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as any };
};
const exportOf = async (id: string, key: string): Promise<any> =>
  (await fetch(`${srv.url}/api/workshops/${id}/export`, { headers: { authorization: `Bearer ${key}` } })).json();
const joinStatus = async (code: string, name: string) => (await post(`${srv.url}/api/join`, { code, name })).status;

describe('imported participants', () => {
  it('take no seat: a full workshop, exported and imported, takes new joiners, and a re-export keeps them as they were', async () => {
    const w = await createWorkshop(srv.url, 'Full house');
    const people = [];
    for (const name of ['Ana', 'Ben', 'Chen']) people.push(await join(srv.url, w.joinCode, name));
    const removed = await fetch(`${srv.url}/api/workshops/${w.id}/participants/${people[1]!.participantId}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${w.facilitatorKey}` },
    });
    expect(removed.status).toBe(200);
    await join(srv.url, w.joinCode, 'Dee');
    expect(await joinStatus(w.joinCode, 'One too many')).toBe(409);
    const before = await exportOf(w.id, w.facilitatorKey);
    expect(before.participants).toHaveLength(4);

    const copy = await importFile(before);
    expect(copy.status).toBe(201);
    // Broke: imported rows kept removed_at NULL and counted as seats, so this answered 409.
    for (const name of ['Eve', 'Fay', 'Gus']) expect(await joinStatus(copy.json.joinCode, name)).toBe(200);
    expect(await joinStatus(copy.json.joinCode, 'One too many')).toBe(409);

    const after = await exportOf(copy.json.id, copy.json.facilitatorKey);
    const asHistory = (ps: { name: string; joinedAt: number; removedAt: number | null }[]) =>
      ps.map((p) => ({ name: p.name, joinedAt: p.joinedAt, removedAt: p.removedAt }));
    // The imported participants come back as the file had them (Ben still removed), the new joiners after them.
    expect(asHistory(after.participants.slice(0, 4))).toEqual(asHistory(before.participants));
    expect(after.participants.slice(4).map((p: { name: string }) => p.name)).toEqual(['Eve', 'Fay', 'Gus']);
  });
});

/** A fresh workshop's export, and a way to add log entries to it as a client would have written them. */
async function exportWithChanges() {
  const w = await createWorkshop(srv.url, 'Imported drill');
  const file = await exportOf(w.id, w.facilitatorKey);
  const doc = new Y.Doc();
  for (const e of file.log) Y.applyUpdate(doc, Buffer.from(e.update, 'base64'));
  /** Appends one log entry holding what `change` does to the document so far. */
  const append = (change: (d: Y.Doc) => void) => {
    const before = Y.encodeStateVector(doc);
    change(doc);
    const update = Y.encodeStateAsUpdate(doc, before);
    file.log.push({ seq: file.log.length + 1, at: Date.now(), author: 'facilitator', update: Buffer.from(update).toString('base64') });
    return update;
  };
  return { file, doc, append };
}
const team = (i: number) => ({ name: `Team ${i}`, color: '#2563eb', stageCurrent: 1.4 });
const teamsIn = async (id: string, key: string) => (await exportOf(id, key)).teams.map((t: { name: string }) => t.name);

describe('imported documents', () => {
  it('imports maxTeams teams of the right shape, and exports them again', async () => {
    const { file, append } = await exportWithChanges();
    append((d) => {
      for (let i = 1; i <= LIMITS.maxTeams; i++) addTeam(d, `t${i}`, { ...team(i), bottleneck: 'b'.repeat(500) });
    });
    const res = await importFile(file);
    expect(res.status).toBe(201);
    expect(await teamsIn(res.json.id, res.json.facilitatorKey)).toEqual(['Team 1', 'Team 2', 'Team 3']);
  });

  // Broke: import replayed the log without the checks a socket's change goes through, and needs no
  // credential: a file with 250 teams, 5,000-character notes and unknown fields got 201.
  it('refuses a log that adds one team more than maxTeams, in one entry or across several', async () => {
    const one = await exportWithChanges();
    one.append((d) => {
      for (let i = 1; i <= LIMITS.maxTeams + 1; i++) addTeam(d, `t${i}`, team(i));
    });
    const several = await exportWithChanges();
    for (let i = 1; i <= LIMITS.maxTeams + 1; i++) several.append((d) => addTeam(d, `t${i}`, team(i)));
    for (const { file } of [one, several]) {
      const res = await importFile(file);
      expect(res.status).toBe(400);
      expect(res.json).toMatchObject({
        code: 'bad_request',
        error: expect.stringContaining(`as many teams as it may (${LIMITS.maxTeams})`),
      });
    }
  });

  it('refuses a team field longer than a socket may write, and names it', async () => {
    const { file, append } = await exportWithChanges();
    append((d) => addTeam(d, 't1', team(1)));
    append((d) => (d.getMap(ROOTS.teams).get('t1') as Y.Map<unknown>).set('bottleneck', 'x'.repeat(5000)));
    const res = await importFile(file);
    expect(res.status).toBe(400);
    expect(res.json.code).toBe('bad_request');
    expect(res.json.error).toMatch(/^log entry \d+: .*"bottleneck" is 5000 characters/);
  });

  it('refuses a field a team does not have, and names it', async () => {
    const { file, append } = await exportWithChanges();
    append((d) => addTeam(d, 't1', team(1)));
    append((d) => (d.getMap(ROOTS.teams).get('t1') as Y.Map<unknown>).set('evil', { script: true }));
    const res = await importFile(file);
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ code: 'bad_request', error: expect.stringContaining('"evil" is not a team field') });
  });

  it('refuses a participant listed twice with 400 naming it, at once', async () => {
    const w = await createWorkshop(srv.url);
    await join(srv.url, w.joinCode, 'Ann');
    const file = await exportOf(w.id, w.facilitatorKey);
    file.participants.push({ ...file.participants[0] });
    // Broke: taken for a join code another workshop held, tried six times, then 500.
    const res = await importFile(file);
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({
      code: 'bad_request',
      error: expect.stringMatching(/participants\.1: the id "p_[^"]+" appears twice/),
    });
  });

  it('refuses an entry that needs a later one, so nothing slips in unchecked while Yjs holds it back', async () => {
    const { file, append } = await exportWithChanges();
    append((d) => addTeam(d, 't1', team(1)));
    append((d) => (d.getMap(ROOTS.teams).get('t1') as Y.Map<unknown>).set('evil', 1));
    // The field before the team it sits in: checked alone it has no place yet.
    const [teamEntry, fieldEntry] = file.log.slice(-2);
    file.log.splice(-2, 2, { ...fieldEntry, seq: teamEntry.seq }, { ...teamEntry, seq: fieldEntry.seq });
    const res = await importFile(file);
    expect(res.status).toBe(400);
    expect(res.json.error).toMatch(/depends on changes no earlier entry holds/);
  });
});
