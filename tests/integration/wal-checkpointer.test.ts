import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startCheckpointer, type Checkpointer } from '../../server/sqlite-checkpointer.ts';

/** A WAL database the way the store opens it: automatic checkpoints off. */
function walDatabase() {
  const dir = mkdtempSync(join(tmpdir(), 'stageboard-wal-'));
  const file = join(dir, 'db.sqlite');
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('wal_autocheckpoint = 0');
  db.exec('CREATE TABLE log (seq INTEGER PRIMARY KEY, data BLOB)');
  return { dir, file, db };
}

describe('the WAL checkpointer', () => {
  const cleanup: (() => unknown)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  function start(file: string, intervalMs = 20) {
    const frames: number[] = [];
    // An idle check far past the test: any checkpoint seen here follows a marked write.
    const cp: Checkpointer = startCheckpointer(file, { intervalMs, idleCheckMs: 600_000, onCheckpoint: (n) => frames.push(n) });
    cleanup.push(() => cp.stop());
    return { cp, frames };
  }

  it('moves the WAL into the database after writes, then sleeps until the next write', async () => {
    const { dir, file, db } = walDatabase();
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    cleanup.push(() => db.close());
    const { cp, frames } = start(file);
    await expect.poll(() => cp.idle).toBe(true);
    expect(frames).toEqual([]);

    const insert = db.prepare('INSERT INTO log (data) VALUES (?)');
    for (let i = 0; i < 200; i++) insert.run(Buffer.alloc(1000, i));
    cp.wrote();
    await expect.poll(() => frames.length).toBe(1);
    expect(frames[0]).toBeGreaterThan(0);
    // Back asleep on the flags: no timer wakes it while nothing is written.
    await expect.poll(() => cp.idle).toBe(true);

    // The next write leaves the WAL's start (a checkpointed WAL is reused, not grown).
    const walBytes = statSync(`${file}-wal`).size;
    for (let i = 0; i < 200; i++) insert.run(Buffer.alloc(1000, i));
    cp.wrote();
    await expect.poll(() => frames.length).toBe(2);
    expect(statSync(`${file}-wal`).size).toBe(walBytes);
  });

  it('stops at once while it sleeps, and closes its connection', async () => {
    const { dir, file, db } = walDatabase();
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const { cp } = start(file);
    await expect.poll(() => cp.idle).toBe(true);
    // 0: it woke, closed its connection and ended; a worker left asleep is terminated (1) after 2 s.
    expect(await cp.stop()).toBe(0);
    // Nobody else holds the database: a TRUNCATE checkpoint empties the WAL.
    db.pragma('wal_checkpoint(TRUNCATE)');
    expect(statSync(`${file}-wal`).size).toBe(0);
    db.close();
  });

  it('many writes between two checkpoints wake it once', async () => {
    const { dir, file, db } = walDatabase();
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    cleanup.push(() => db.close());
    // The 50 writes take a few milliseconds; the interval is far longer.
    const { cp, frames } = start(file, 1000);
    await expect.poll(() => cp.idle).toBe(true);
    const insert = db.prepare('INSERT INTO log (data) VALUES (?)');
    for (let i = 0; i < 50; i++) {
      insert.run(Buffer.alloc(100, i));
      cp.wrote();
    }
    await expect.poll(() => frames.length).toBe(1);
    await expect.poll(() => cp.idle).toBe(true);
    expect(frames.length).toBe(1);
  });
});
