import type pg from 'pg';
import { bytes, type PgDb } from './pg-db.ts';
import { ballotParams, voteParams } from './pg-votes.ts';
import { participantParams, INSERT_WORKSHOP, workshopParams } from './pg-workshops.ts';
import type { ImportedWorkshop } from './store.ts';

/**
 * Rows per INSERT: a 50,000-update import is 100 round trips, not 50,000, and a million timeline
 * events 2,000. The widest row (a vote) has 16 columns, so a statement binds at most 8,000
 * parameters, well under PostgreSQL's 65,535.
 */
export const ROWS_PER_INSERT = 500;

const UPDATE_COLUMNS = ['workshop_id', 'seq', 'at', 'author', 'data'];
const PARTICIPANT_COLUMNS = ['id', 'workshop_id', 'name', 'token_hash', 'created_at', 'removed_at', 'imported'];
const EVENT_COLUMNS = ['workshop_id', 'seq', 'at', 'kind', 'actor', 'data'];
/** In `voteParams` order. */
const VOTE_COLUMNS = [
  'id',
  'workshop_id',
  'question',
  'kind',
  'team_id',
  'choices',
  'groups_json',
  'auto_reveal',
  'state',
  'round',
  'self_json',
  'opened_at',
  'closed_at',
  'revealed_at',
  'named',
  'doc_id',
];
/** In `ballotParams` order. */
const BALLOT_COLUMNS = ['vote_id', 'participant_id', 'group_id', 'value', 'salt', 'receipt', 'seq', 'at'];

/**
 * Inserts `items` into `table`, ROWS_PER_INSERT rows per statement, looking at `abandoned`
 * between statements. `params` gives one row's values in `columns` order.
 */
async function insertRows<T>(
  c: pg.PoolClient,
  table: string,
  columns: readonly string[],
  items: readonly T[],
  params: (item: T, index: number) => unknown[],
  abandoned: AbortSignal | undefined,
): Promise<void> {
  for (let from = 0; from < items.length; from += ROWS_PER_INSERT) {
    const values: unknown[] = [];
    const tuples: string[] = [];
    for (let i = from; i < Math.min(from + ROWS_PER_INSERT, items.length); i++) {
      const at = values.length;
      values.push(...params(items[i]!, i));
      tuples.push(`(${columns.map((_, k) => `$${at + k + 1}`).join(', ')})`);
    }
    await c.query(`INSERT INTO ${table} (${columns.join(', ')}) VALUES ${tuples.join(', ')}`, values);
    abandoned?.throwIfAborted();
  }
}

/**
 * Writes a whole imported workshop in one transaction on one pooled connection, or nothing. An
 * abandoned import (see Store.importWorkshop) stops between statements and is rolled back, its
 * connection pooled again (pg-db's tx); the last look is just before the COMMIT.
 */
export function pgImportWorkshop(db: PgDb) {
  return (imp: ImportedWorkshop, abandoned?: AbortSignal) => {
    const w = imp.workshop;
    // Abandoned already: no connection is taken.
    abandoned?.throwIfAborted();
    return db.tx(async (c) => {
      await c.query(INSERT_WORKSHOP, workshopParams(w));
      await insertRows(c, 'updates', UPDATE_COLUMNS, imp.entries, (e) => [w.id, e.seq, e.at, e.author, bytes(e.data)], abandoned);
      const last = imp.entries[imp.entries.length - 1]!;
      await c.query('INSERT INTO snapshots (workshop_id, seq, at, data) VALUES ($1, $2, $3, $4)', [
        w.id,
        last.seq,
        last.at,
        bytes(imp.snapshot),
      ]);
      await insertRows(
        c,
        'participants',
        PARTICIPANT_COLUMNS,
        imp.participants,
        (p) => [...participantParams(p), p.removedAt, true],
        abandoned,
      );
      // Numbered here, 1..n in the file's order: the workshop is new and nothing else can see it
      // before the COMMIT, so nobody else appends to its events meanwhile (appendEvent's max + 1
      // per row made each INSERT read the rows before it: quadratic in the events).
      await insertRows(
        c,
        'events',
        EVENT_COLUMNS,
        imp.events,
        (e, i) => [w.id, i + 1, e.at, e.kind, e.actor, JSON.stringify(e.data)],
        abandoned,
      );
      await insertRows(c, 'votes', VOTE_COLUMNS, imp.votes, voteParams, abandoned);
      await insertRows(c, 'ballots', BALLOT_COLUMNS, imp.ballots, (b) => ballotParams(b), abandoned);
      abandoned?.throwIfAborted();
    });
  };
}
