import type Database from 'better-sqlite3';
import type { EventRecord, ImportedWorkshop, VoteRecord } from './store.ts';
import { TimeSlice } from './time-slice.ts';

/**
 * Rows an import writes (or a failed one deletes) per SQLite transaction, between which it lets
 * other requests and sockets in. better-sqlite3 is synchronous: written in one transaction, a
 * 400,000-entry log held the event loop, and every other workshop on the process, for 1–5 s.
 * A batch of this many log entries takes about 5–25 ms; the time slice (SLICE_MS) decides when
 * to yield, this only bounds how long one step may run.
 */
export const IMPORT_BATCH_ROWS = 2_000;

/**
 * How SQLite stores an import. Its rows go in batches, each its own transaction (a transaction
 * held open across a pause would take in every other room's writes on this one connection), so
 * what keeps it all-or-nothing from outside is the workshop row: written first with
 * `importing = 1`, which every lookup (by id, by join code, by credential) skips, and turned to 0
 * in the last transaction, with the snapshot. A failure part-way deletes what was written, in
 * batches too, the workshop row last; a process killed meanwhile leaves that row, and the next
 * start deletes whatever it still marks (`purgeUnfinishedImports`).
 */
export function sqliteImporter(
  db: Database.Database,
  write: { createVote(v: VoteRecord): void; appendEvent(id: string, e: Omit<EventRecord, 'seq'>): void },
) {
  const q = {
    begin: db.prepare(
      `INSERT INTO workshops (id, title, template_id, join_code, facilitator_key_hash, observer_token_hash, created_at, importing)
       VALUES (@id, @title, @templateId, @joinCode, @facilitatorKeyHash, @observerTokenHash, @createdAt, 1)`,
    ),
    append: db.prepare('INSERT INTO updates (workshop_id, seq, at, author, data) VALUES (?, ?, ?, ?, ?)'),
    participant: db.prepare(
      `INSERT INTO participants (id, workshop_id, name, token_hash, created_at, removed_at, imported)
       VALUES (@id, @workshopId, @name, @tokenHash, @createdAt, @removedAt, 1)`,
    ),
    ballot: db.prepare(
      `INSERT INTO ballots (vote_id, participant_id, group_id, value, salt, receipt, seq, at)
       VALUES (@voteId, @participantId, @group, @value, @salt, @receipt, @seq, @at)`,
    ),
    snapshot: db.prepare('INSERT INTO snapshots (workshop_id, seq, at, data) VALUES (?, ?, ?, ?)'),
    finish: db.prepare<[string]>('UPDATE workshops SET importing = 0 WHERE id = ? AND importing = 1'),
    unfinished: db.prepare<[], { id: string }>('SELECT id FROM workshops WHERE importing = 1'),
  };
  // Children before parents (ballots reference votes, votes and participants the workshop); each
  // deletes at most IMPORT_BATCH_ROWS rows and reports how many it did.
  const purges = [
    `DELETE FROM ballots WHERE (vote_id, participant_id) IN (SELECT b.vote_id, b.participant_id FROM ballots b
       JOIN votes v ON v.id = b.vote_id WHERE v.workshop_id = @id LIMIT @n)`,
    'DELETE FROM votes WHERE rowid IN (SELECT rowid FROM votes WHERE workshop_id = @id LIMIT @n)',
    'DELETE FROM participants WHERE rowid IN (SELECT rowid FROM participants WHERE workshop_id = @id LIMIT @n)',
    'DELETE FROM events WHERE workshop_id = @id AND seq IN (SELECT seq FROM events WHERE workshop_id = @id LIMIT @n)',
    'DELETE FROM updates WHERE workshop_id = @id AND seq IN (SELECT seq FROM updates WHERE workshop_id = @id LIMIT @n)',
    'DELETE FROM snapshots WHERE workshop_id = @id',
    'DELETE FROM workshops WHERE id = @id AND importing = 1',
  ].map((sql) => db.prepare<[{ id: string; n: number }]>(sql));

  /** Deletes one batch of an unfinished import's rows; false once none is left. */
  const purgeStep = db.transaction((id: string): boolean => {
    for (const purge of purges) if (purge.run({ id, n: IMPORT_BATCH_ROWS }).changes > 0) return true;
    return false;
  });

  /**
   * Runs `write` over `items` in transactions of IMPORT_BATCH_ROWS, yielding whenever the slice has
   * run its time, and stopping at the first batch boundary after `abandoned` is aborted.
   */
  async function inBatches<T>(items: readonly T[], slice: TimeSlice, abandoned: AbortSignal | undefined, write: (item: T) => void) {
    const batch = db.transaction((from: number) => {
      for (let i = from; i < Math.min(from + IMPORT_BATCH_ROWS, items.length); i++) write(items[i]!);
    });
    for (let from = 0; from < items.length; from += IMPORT_BATCH_ROWS) {
      abandoned?.throwIfAborted();
      batch(from);
      if (slice.due) await slice.pause();
    }
  }

  /** Imports writing or purging, so a closing store can wait for them (see `settled`). */
  const running = new Set<Promise<void>>();

  async function importWorkshop(imp: ImportedWorkshop, abandoned?: AbortSignal): Promise<void> {
    abandoned?.throwIfAborted();
    const w = imp.workshop;
    const slice = new TimeSlice();
    // A join code another workshop holds fails here, before anything else is written.
    q.begin.run(w);
    try {
      await inBatches(imp.entries, slice, abandoned, (e) => q.append.run(w.id, e.seq, e.at, e.author, e.data));
      await inBatches(imp.participants, slice, abandoned, (p) => q.participant.run(p));
      await inBatches(imp.events, slice, abandoned, (e) => write.appendEvent(w.id, e));
      await inBatches(imp.votes, slice, abandoned, write.createVote);
      await inBatches(imp.ballots, slice, abandoned, (b) => q.ballot.run(b));
      const last = imp.entries[imp.entries.length - 1]!;
      // Checked in the same synchronous step as the commit: nobody can abandon it in between.
      abandoned?.throwIfAborted();
      db.transaction(() => {
        q.snapshot.run(w.id, last.seq, last.at, imp.snapshot);
        if (q.finish.run(w.id).changes !== 1) throw new Error(`import of ${w.id} was discarded while it ran`);
      })();
    } catch (err) {
      await purge(w.id, slice).catch(() => {
        // Left marked: the next start deletes it (purgeUnfinishedImports). The import's own error is what the caller needs.
      });
      throw err;
    }
  }

  function tracked(imp: ImportedWorkshop, abandoned?: AbortSignal): Promise<void> {
    const done = importWorkshop(imp, abandoned);
    const settled = done.then(
      () => {},
      () => {},
    );
    running.add(settled);
    void settled.then(() => running.delete(settled));
    return done;
  }

  async function purge(id: string, slice: TimeSlice): Promise<void> {
    while (purgeStep(id)) if (slice.due) await slice.pause();
  }

  return {
    importWorkshop: tracked,
    /**
     * Resolves once no import is writing or purging. A closing store waits for this: the server
     * has answered (or lost) every request by then, so each import left has been abandoned and is
     * deleting its rows; a database closed under it left them marked until the next start.
     */
    settled: async (): Promise<void> => {
      while (running.size > 0) await Promise.all(running);
    },
    /**
     * Deletes every import a killed process left unfinished. Run once, as the store opens, before
     * anything is served: no import of this process is running yet, so every marked one is dead.
     */
    purgeUnfinishedImports(): number {
      const dead = q.unfinished.all();
      for (const { id } of dead) while (purgeStep(id));
      return dead.length;
    },
  };
}
