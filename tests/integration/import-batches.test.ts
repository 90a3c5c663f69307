import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { openSqliteStore } from '../../server/sqlite-store.ts';
import { exportWithEvents, post } from '../helpers/api.ts';
import { useServer } from '../helpers/server.ts';

/*
 * An import is stored in batches (server/sqlite-import.ts), so the SQLite store's writes no longer
 * hold the event loop, yet from outside it is still all or nothing.
 */
const srv = useServer();

/**
 * Timeline events in the large file. They are small to parse and, one row each, the slowest part to
 * store: written in one transaction, as before, 300,000 of them held the event loop for over a second.
 */
const EVENTS = 300_000;
const TABLES = ['workshops', 'updates', 'snapshots', 'events', 'participants', 'votes', 'ballots'];
let body: string;
let reader: Database.Database;

const sqliteFile = (dataDir: string) => join(dataDir, 'stageboard.sqlite');
const rowCounts = (db: Database.Database) =>
  Object.fromEntries(TABLES.map((t) => [t, (db.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n]));
const importing = (db: Database.Database) =>
  db.prepare('SELECT id, join_code AS joinCode FROM workshops WHERE importing = 1').get() as { id: string; joinCode: string } | undefined;
const importFile = (url: string, file: string) =>
  fetch(`${url}/api/workshops/import`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: file });

/**
 * Asks the server for the time, one request after another, until `until` settles (or, with
 * `untilSeen`, until an unfinished import is in the database), counting the answers that came while
 * the import's row stood unfinished: other requests let in between its batches.
 */
async function whileImporting<T>(url: string, db: Database.Database, until: Promise<T>, untilSeen = false) {
  let settled = false;
  void until.finally(() => (settled = true)).catch(() => {});
  let answeredMeanwhile = 0;
  let seen: { id: string; joinCode: string } | undefined;
  while (!settled) {
    if (untilSeen && (seen = importing(db))) break;
    const before = importing(db);
    await (await fetch(`${url}/api/time`)).text();
    if (before && importing(db)) answeredMeanwhile++;
  }
  return { answeredMeanwhile, seen };
}

beforeAll(async () => {
  body = await exportWithEvents(srv.url, EVENTS);
  reader = new Database(sqliteFile(srv.dataDir), { readonly: true });
});
afterAll(() => reader?.close());

describe('a large import', () => {
  // Broke: every row went in one SQLite transaction; other workshops waited over a second, none answered meanwhile.
  it('keeps another workshop answering while it is stored, and stores it whole', async () => {
    const run = importFile(srv.url, body);
    const { answeredMeanwhile } = await whileImporting(srv.url, reader, run);
    const res = await run;
    expect(res.status).toBe(201);
    // Counted, not timed: requests answered between the batches, while the import stood unfinished.
    expect(answeredMeanwhile).toBeGreaterThanOrEqual(3);
    const { id } = (await res.json()) as { id: string };
    expect(reader.prepare('SELECT count(*) AS n FROM events WHERE workshop_id = ?').get(id)).toEqual({ n: EVENTS });
  }, 120_000);

  it('cannot be opened, joined or seen before it is complete, and can once it is', async () => {
    const run = importFile(srv.url, body);
    const { seen } = await whileImporting(srv.url, reader, run, true);
    // Broke (before batches): there was no moment to look; now there is one, and nothing may find it.
    expect(seen).toBeDefined();
    const { id, joinCode } = seen!;
    expect((await post(`${srv.url}/api/join`, { code: joinCode, name: 'Early bird' })).status).toBe(404);
    const socket = new WebSocket(`${srv.wsUrl}/${id}?token=anything`);
    socket.on('error', () => {});
    const [code] = (await once(socket, 'close')) as [number];
    expect(code).toBe(4404);
    expect((await fetch(`${srv.url}/api/workshops/${id}/export`, { headers: { authorization: 'Bearer x' } })).status).toBe(404);
    // Still unfinished after all that, or the checks above proved nothing.
    expect(importing(reader)?.id).toBe(id);

    const res = await run;
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ id, joinCode });
    expect((await post(`${srv.url}/api/join`, { code: joinCode, name: 'On time' })).status).toBe(200);
  }, 120_000);

  it('leaves no workshop and no rows behind when a late batch fails', async () => {
    const before = rowCounts(reader);
    // A failure the file cannot cause (it is checked before anything is stored): the disk, say,
    // refusing the 250,000th event of this import, long after the first batches were committed.
    const writer = new Database(sqliteFile(srv.dataDir));
    const late = 250_000;
    writer.exec(`CREATE TRIGGER fail_late BEFORE INSERT ON events
      WHEN NEW.seq >= ${late} BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END`);
    try {
      const res = await importFile(srv.url, body);
      expect(res.status).toBe(500);
    } finally {
      writer.exec('DROP TRIGGER fail_late');
      writer.close();
    }
    expect(rowCounts(reader)).toEqual(before);
    expect(importing(reader)).toBeUndefined();
  }, 120_000);
});

describe('an import whose process was killed part-way', () => {
  // Broke (with batches, before the cleanup): a killed import left its rows for good.
  it('is deleted when the server starts again', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'stageboard-killed-'));
    const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
      env: { ...process.env, DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    try {
      let url: string | undefined;
      child.stderr.setEncoding('utf8');
      for await (const chunk of child.stderr) {
        url = /running on (http:\/\/[^"\s]+)/.exec(chunk as string)?.[1];
        if (url) break;
      }
      const db = new Database(sqliteFile(dataDir), { readonly: true });
      const run = importFile(url!, body);
      run.catch(() => {});
      const { seen } = await whileImporting(url!, db, run, true);
      // Stopped at once, so the import cannot finish between this look and the kill.
      child.kill('SIGSTOP');
      expect(seen).toBeDefined();
      expect(importing(db)?.id).toBe(seen!.id);
      child.kill('SIGKILL');
      await once(child, 'exit');

      await openSqliteStore(sqliteFile(dataDir)).close();
      for (const t of ['updates', 'events', 'participants', 'snapshots']) {
        expect(db.prepare(`SELECT count(*) AS n FROM ${t} WHERE workshop_id = ?`).get(seen!.id)).toEqual({ n: 0 });
      }
      expect(db.prepare('SELECT count(*) AS n FROM workshops').get()).toEqual({ n: 0 });
      db.close();
    } finally {
      child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
