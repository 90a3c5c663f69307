import { describe, expect, it } from 'vitest';
import { ROOTS } from '../../shared/doc.ts';
import { createWorkshop } from '../helpers/api.ts';
import { useServer } from '../helpers/server.ts';
import { synced, until, useClients } from '../helpers/yclient.ts';

// The server's clock, moved by the test: a timer runs out without waiting for it.
let clock = Date.UTC(2026, 10, 26, 9, 0);
const srv = useServer({ now: () => clock });
const { open } = useClients(srv);

async function exported(id: string, key: string): Promise<{ timeline: { at: number; kind: string; label: string }[] }> {
  const res = await fetch(`${srv.url}/api/workshops/${id}/export`, { headers: { authorization: `Bearer ${key}` } });
  expect(res.status).toBe(200);
  return res.json();
}

describe("the export's timeline", () => {
  it('says when the last timer ran out, once its end has passed, though nothing was written after it', async () => {
    const w = await createWorkshop(srv.url, 'Time up in the export');
    const f = open(w.id, w.facilitatorKey);
    await synced(f);
    const room = srv.server.rooms.get(w.id)!;
    const endsAt = clock + 5 * 60_000;
    f.doc.getMap(ROOTS.control).set('timer', { endsAt, durationMs: 5 * 60_000, pausedRemainingMs: null });
    await until(room.doc, () => room.doc.getMap(ROOTS.control).get('timer') !== undefined, 'timer');
    const timeUp = (exp: Awaited<ReturnType<typeof exported>>) => exp.timeline.filter((e) => e.kind === 'time-up');

    clock = endsAt - 1; // still running: nothing is up
    expect(timeUp(await exported(w.id, w.facilitatorKey))).toEqual([]);

    clock = endsAt + 60_000; // a minute past its end, and no log entry since it started
    const after = await exported(w.id, w.facilitatorKey);
    expect(timeUp(after)).toEqual([expect.objectContaining({ at: endsAt, label: 'Time up' })]);
    // In its place: after the start, before nothing that came earlier.
    const kinds = after.timeline.map((e) => e.kind);
    expect(kinds.indexOf('time-up')).toBeGreaterThan(kinds.indexOf('timer'));
    expect(after.timeline.every((e, i, all) => i === 0 || all[i - 1]!.at <= e.at)).toBe(true);
  });
});
