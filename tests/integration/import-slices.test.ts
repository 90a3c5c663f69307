import { beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { addTeam, readTeams, ROOTS } from '../../shared/doc.ts';
import { createWorkshop } from '../helpers/api.ts';
import { useServer } from '../helpers/server.ts';

const srv = useServer();

/** Log entries added to the long file, each one step of a drag. */
const ENTRIES = 60_000;
/**
 * Requests another client gets answered while an import or an export runs: done in one go, as
 * before, they held every other call until the end (one or two got in); in slices of SLICE_MS,
 * dozens do. Counted, not timed, so a busy test machine does not make it flaky.
 */
const MIN_ANSWERED = 10;

const exportOf = async (id: string, key: string): Promise<any> =>
  (await fetch(`${srv.url}/api/workshops/${id}/export`, { headers: { authorization: `Bearer ${key}` } })).json();
const importFile = (file: unknown) =>
  fetch(`${srv.url}/api/workshops/import`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof file === 'string' ? file : JSON.stringify(file),
  });

/** A real export with ENTRIES more valid log entries (one team dragged back and forth), and its teams at the end. */
async function longExport() {
  const w = await createWorkshop(srv.url, 'Long session');
  const file = await exportOf(w.id, w.facilitatorKey);
  const doc = new Y.Doc();
  for (const e of file.log) Y.applyUpdate(doc, Buffer.from(e.update, 'base64'));
  const stages = file.template.stages.length;
  doc.on('update', (update: Uint8Array) => {
    const seq = file.log.length + 1;
    file.log.push({ seq, at: 1_700_000_000_000 + seq, author: 'facilitator', update: Buffer.from(update).toString('base64') });
  });
  addTeam(doc, 't1', { name: 'Platform', color: '#2563eb', stageCurrent: 1 });
  const team = doc.getMap(ROOTS.teams).get('t1') as Y.Map<unknown>;
  for (let i = 1; i <= ENTRIES; i++) team.set('stageCurrent', 1 + (i % 300) / 100);
  return { file, teams: readTeams(doc, stages) };
}

/**
 * Runs `work` while asking `GET /api/time` again and again, one call after another: the longest
 * of those calls is how long the server kept everyone else waiting. The server runs in this
 * process, so `work` leaves the client's own big steps (writing and parsing JSON) outside.
 */
async function whileAsking<T>(work: () => Promise<T>): Promise<{ result: T; asked: number }> {
  let done = false;
  let asked = 0;
  const asking = (async () => {
    while (!done) {
      const res = await fetch(`${srv.url}/api/time`);
      expect(res.status).toBe(200);
      await res.text();
      if (!done) asked++;
    }
  })();
  try {
    const result = await work();
    return { result, asked };
  } finally {
    done = true;
    await asking;
  }
}

let long: Awaited<ReturnType<typeof longExport>>;
/** The long file imported: by the import test, or by the export test when it runs alone. */
let imported: { id: string; facilitatorKey: string } | undefined;

beforeAll(async () => {
  long = await longExport();
}, 60_000);

describe('a long import', () => {
  // Broke: the replay ran in one go; a 400,000-entry file held every room and request for 15 s.
  it('lets other requests through within a small share of its time while it replays, and imports the workshop whole', async () => {
    const { file } = long;
    const body = JSON.stringify(file);
    const run = await whileAsking(() => importFile(body));
    expect(run.result.status).toBe(201);
    expect(run.asked).toBeGreaterThan(MIN_ANSWERED);

    const { id, facilitatorKey } = (imported = (await run.result.json()) as { id: string; facilitatorKey: string });
    const again = await exportOf(id, facilitatorKey);
    expect(again.log).toEqual(file.log);
    expect(again.teams).toEqual(long.teams);
    expect(again.state.control).toEqual(file.state.control);
    expect(again.workshop.title).toBe('Long session');
  }, 60_000);

  it('still names a bad entry deep in a long file', async () => {
    const bad = { ...long.file, log: [...long.file.log] };
    const last = bad.log.length;
    bad.log[last - 1] = { ...bad.log[last - 1], update: Buffer.from('not a yjs update').toString('base64') };
    const res = await importFile(bad);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe(`log entry ${last}: not a valid Yjs update`);
  }, 60_000);
});

describe('a long export', () => {
  // Broke: the export replayed and serialised the whole log in one go (100,000 updates: 3.3 s).
  it('lets other requests through within a small share of its time while it is built', async () => {
    if (!imported) {
      const res = await importFile(long.file);
      expect(res.status).toBe(201);
      imported = (await res.json()) as { id: string; facilitatorKey: string };
    }
    const { id, facilitatorKey } = imported;
    const run = await whileAsking(async () => {
      const res = await fetch(`${srv.url}/api/workshops/${id}/export`, { headers: { authorization: `Bearer ${facilitatorKey}` } });
      return { status: res.status, body: await res.arrayBuffer() };
    });
    expect(run.result.status).toBe(200);
    const exported = JSON.parse(Buffer.from(run.result.body).toString('utf8'));
    expect(run.asked).toBeGreaterThan(MIN_ANSWERED);
    expect(exported.log).toEqual(long.file.log);
    expect(exported.teams).toEqual(long.teams);
  }, 60_000);
});
