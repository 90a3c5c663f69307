import { bytes, type PgDb } from './pg-db.ts';
import { appendPgEvent } from './pg-log.ts';
import { INSERT_BALLOT, INSERT_VOTE, ballotParams, voteParams } from './pg-votes.ts';
import { INSERT_IMPORTED_PARTICIPANT, INSERT_WORKSHOP, participantParams, workshopParams } from './pg-workshops.ts';
import type { ImportedWorkshop } from './store.ts';

/** Log entries per INSERT: a 50,000-update import is 100 round trips, not 50,000. */
const ROWS_PER_INSERT = 500;

/**
 * Writes a whole imported workshop in one transaction on one pooled connection, or nothing. An
 * abandoned import (see Store.importWorkshop) stops between statements and is rolled back; the
 * last look is just before the COMMIT.
 */
export function pgImportWorkshop(db: PgDb) {
  return (imp: ImportedWorkshop, abandoned?: AbortSignal) =>
    db.tx(async (c) => {
      abandoned?.throwIfAborted();
      const w = imp.workshop;
      await c.query(INSERT_WORKSHOP, workshopParams(w));
      for (let i = 0; i < imp.entries.length; i += ROWS_PER_INSERT) {
        const chunk = imp.entries.slice(i, i + ROWS_PER_INSERT);
        const values: unknown[] = [];
        const tuples = chunk.map((e, j) => {
          values.push(w.id, e.seq, e.at, e.author, bytes(e.data));
          const b = j * 5;
          return `($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}, $${b + 5})`;
        });
        await c.query(`INSERT INTO updates (workshop_id, seq, at, author, data) VALUES ${tuples.join(', ')}`, values);
        abandoned?.throwIfAborted();
      }
      const last = imp.entries[imp.entries.length - 1]!;
      await c.query('INSERT INTO snapshots (workshop_id, seq, at, data) VALUES ($1, $2, $3, $4)', [
        w.id,
        last.seq,
        last.at,
        bytes(imp.snapshot),
      ]);
      for (const p of imp.participants) await c.query(INSERT_IMPORTED_PARTICIPANT, [...participantParams(p), p.removedAt]);
      for (const e of imp.events) await appendPgEvent(db, w.id, e, c);
      for (const v of imp.votes) await c.query(INSERT_VOTE, voteParams(v));
      for (const b of imp.ballots) await c.query(INSERT_BALLOT, ballotParams(b));
      abandoned?.throwIfAborted();
    });
}
