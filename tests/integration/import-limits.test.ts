import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkshop, join, post } from '../helpers/api.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

/** What an import must respect that a live workshop does: its seats and the shape of its document. */
const LIMITS = { maxParticipantsPerWorkshop: 3, maxTeams: 3 };

let srv: TestServer;
beforeAll(async () => {
  srv = await startServer({ limits: LIMITS });
});
afterAll(async () => {
  await srv.close();
});

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
