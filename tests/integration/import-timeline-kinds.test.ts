import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addTeam, ROOTS, setTeamField } from '../../shared/doc.ts';
import { openPgStore } from '../../server/pg-store.ts';
import { createWorkshop, join } from '../helpers/api.ts';
import { freshDatabase, testDatabaseUrl } from '../helpers/pg.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { connect, synced, until } from '../helpers/yclient.ts';

/*
 * shared/timeline.ts gained kinds (team-rename, team-delete, remove) that exports now carry; an
 * import must take such a file on either backend and export it again with the same events.
 */
const adminUrl = testDatabaseUrl();
const backends: [string, () => Promise<{ srv: TestServer; drop(): Promise<void> }>][] = [
  ['SQLite', async () => ({ srv: await startServer(), drop: async () => {} })],
];
if (adminUrl) {
  backends.push([
    'PostgreSQL',
    async () => {
      const db = await freshDatabase(adminUrl);
      const srv = await startServer({ store: await openPgStore(db.url) });
      return { srv, drop: () => db.drop() };
    },
  ]);
}

describe.each(backends)('%s: an export with teams renamed and deleted and a person removed', (_name, start) => {
  let srv: TestServer;
  let drop: () => Promise<void>;
  beforeAll(async () => ({ srv, drop } = await start()));
  afterAll(async () => {
    await srv.close();
    await drop();
  });

  it('imports, and exports again with the same timeline', async () => {
    const w = await createWorkshop(srv.url, 'Renames');
    const auth = { authorization: `Bearer ${w.facilitatorKey}` };
    const p = await join(srv.url, w.joinCode, 'Ada');
    const fac = connect(srv.wsUrl, w.id, w.facilitatorKey);
    try {
      await synced(fac);
      addTeam(fac.doc, 'team-1', { name: 'Payments', color: '#1f77b4' });
      addTeam(fac.doc, 'team-2', { name: 'Search', color: '#ff7f0e' });
      setTeamField(fac.doc, 'team-1', 'name', 'Payments Core');
      fac.doc.getMap(ROOTS.teams).delete('team-2');
      const room = srv.server.rooms.get(w.id)!.doc;
      const served = room.getMap<any>(ROOTS.teams);
      await until(room, () => served.size === 1 && served.get('team-1')?.get('name') === 'Payments Core', 'the changes stored');
    } finally {
      fac.destroy();
    }
    const removed = await fetch(`${srv.url}/api/workshops/${w.id}/participants/${p.participantId}`, { method: 'DELETE', headers: auth });
    expect(removed.status).toBe(200);

    const exp = await (await fetch(`${srv.url}/api/workshops/${w.id}/export`, { headers: auth })).json();
    const kinds = exp.timeline.map((e: { kind: string }) => e.kind);
    expect(kinds).toEqual(expect.arrayContaining(['team-rename', 'team-delete', 'remove']));

    const res = await fetch(`${srv.url}/api/workshops/import`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(exp),
    });
    expect(res.status).toBe(201);
    const copy = (await res.json()) as { id: string; facilitatorKey: string };
    const again = await (
      await fetch(`${srv.url}/api/workshops/${copy.id}/export`, { headers: { authorization: `Bearer ${copy.facilitatorKey}` } })
    ).json();
    const shape = (t: { kind: string; label: string; at: number }[]) => t.map((e) => `${e.at} ${e.kind} ${e.label}`);
    expect(shape(again.timeline)).toEqual(shape(exp.timeline));
  });
});
