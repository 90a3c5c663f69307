import Database from 'better-sqlite3';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportWithEvents } from '../helpers/api.ts';
import { startServer, useServer } from '../helpers/server.ts';

/*
 * An import nobody will be told the key of: its client hung up, or a shutdown answered it 503.
 * Kept, it was a workshop nobody could ever open (and, after a 503, the client's retry made a
 * second one); it is discarded like a failed one instead (server/sqlite-import.ts).
 */
const srv = useServer();

/** Enough timeline events that storing them takes many batches, so there is a moment to act in. */
const EVENTS = 300_000;
let body: string;

const sqliteFile = (dataDir: string) => join(dataDir, 'stageboard.sqlite');
const workshops = (db: Database.Database) => (db.prepare('SELECT count(*) AS n FROM workshops').get() as { n: number }).n;
const importing = (db: Database.Database) => db.prepare('SELECT id FROM workshops WHERE importing = 1').get() as { id: string } | undefined;
const importFile = (url: string, signal?: AbortSignal) =>
  fetch(`${url}/api/workshops/import`, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal });

/** Asks the server the time, one request after another, until `done` holds: paced by the server, not a clock. */
async function until(url: string, done: () => boolean): Promise<void> {
  while (!done()) await (await fetch(`${url}/api/time`)).text();
}

beforeAll(async () => {
  body = await exportWithEvents(srv.url, EVENTS);
});

describe('an import nobody is waiting for', () => {
  // Broke: the import went on and stored a workshop whose key had gone with the client.
  it('is discarded when its client hangs up part-way', async () => {
    const db = new Database(sqliteFile(srv.dataDir), { readonly: true });
    try {
      const before = workshops(db);
      const client = new AbortController();
      const run = importFile(srv.url, client.signal);
      run.catch(() => {});
      let seen: { id: string } | undefined;
      await until(srv.url, () => (seen = importing(db)) !== undefined);
      client.abort();
      await until(srv.url, () => importing(db) === undefined);
      expect(workshops(db)).toBe(before);
      expect(db.prepare('SELECT count(*) AS n FROM events WHERE workshop_id = ?').get(seen!.id)).toEqual({ n: 0 });
    } finally {
      db.close();
    }
  }, 120_000);

  // Broke: the client was answered 503, yet the import went on while the server closed: either it
  // finished (a workshop the client was told failed) or the closed database cut it, marked, until the next start.
  it('is discarded, not left marked, when a shutdown answers it 503', async () => {
    const other = await startServer({ limits: { shutdownGraceMs: 100 } });
    const db = new Database(sqliteFile(other.dataDir), { readonly: true });
    try {
      const run = importFile(other.url);
      run.catch(() => {});
      await until(other.url, () => importing(db) !== undefined);
      await other.server.close();
      expect((await run).status).toBe(503);
      expect(importing(db)).toBeUndefined();
      expect(workshops(db)).toBe(0);
      for (const t of ['updates', 'events', 'participants', 'snapshots']) {
        expect(db.prepare(`SELECT count(*) AS n FROM ${t}`).get()).toEqual({ n: 0 });
      }
    } finally {
      db.close();
      await other.server.close();
      rmSync(other.dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
