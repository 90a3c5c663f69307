import type { PgDb, Queryable } from './pg-db.ts';
import { bytes, isUniqueViolation } from './pg-db.ts';
import type { EventRecord, Store, StoredDocument } from './store.ts';
import { toEntry, toEvent, type EntryRow, type EventRow } from './store-rows.ts';

/* The PostgreSQL store's log of updates, its snapshots and its timeline events. */

export const INSERT_UPDATE = 'INSERT INTO updates (workshop_id, seq, at, author, data) VALUES ($1, $2, $3, $4, $5)';
// The next seq is computed inside the INSERT; two concurrent appends may still pick one number, so the loser retries.
const INSERT_EVENT = `INSERT INTO events (workshop_id, seq, at, kind, actor, data)
  VALUES ($1, (SELECT coalesce(max(seq), 0) + 1 FROM events WHERE workshop_id = $1), $2, $3, $4, $5)`;
const eventParams = (id: string, e: Omit<EventRecord, 'seq'>) => [id, e.at, e.kind, e.actor, JSON.stringify(e.data)];

/** What `appendUpdate` throws when the seq is taken: a stale writer, fenced. */
class SeqTakenError extends Error {
  readonly code = 'seq_taken';
  constructor(workshopId: string, seq: number) {
    super(`workshop ${workshopId} already has an update at seq ${seq}`);
  }
}

/**
 * Appends a timeline event. On the pool a seq taken by a concurrent append is retried; inside a
 * transaction (`c`, a client) the error is the transaction's, which is aborted anyway.
 */
export async function appendPgEvent(db: PgDb, id: string, e: Omit<EventRecord, 'seq'>, c: Queryable = db.pool): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await c.query(INSERT_EVENT, eventParams(id, e));
      return;
    } catch (err) {
      if (!isUniqueViolation(err) || attempt >= 5 || c !== db.pool) throw err;
    }
  }
}

type LogCalls = 'appendUpdate' | 'loadDocument' | 'writeSnapshot' | 'history' | 'appendEvent' | 'listEvents';

export function pgLog(db: PgDb): Pick<Store, LogCalls> {
  const { pool, rows, tx } = db;
  return {
    appendUpdate: async (id, e) => {
      try {
        await pool.query(INSERT_UPDATE, [id, e.seq, e.at, e.author, bytes(e.data)]);
      } catch (err) {
        if (isUniqueViolation(err)) throw new SeqTakenError(id, e.seq);
        throw err;
      }
    },
    // One snapshot of the database for all three reads, so the tail and lastSeq agree.
    loadDocument: (id) =>
      tx(async (c): Promise<StoredDocument> => {
        const snap = (await c.query('SELECT seq, data FROM snapshots WHERE workshop_id = $1 ORDER BY seq DESC LIMIT 1', [id])).rows[0];
        const tail = (
          await c.query('SELECT seq, at, author, data FROM updates WHERE workshop_id = $1 AND seq > $2 ORDER BY seq', [id, snap?.seq ?? 0])
        ).rows.map(toEntry);
        const last = (await c.query('SELECT max(seq) AS seq FROM updates WHERE workshop_id = $1', [id])).rows[0];
        return {
          snapshot: snap ? { seq: snap.seq as number, data: new Uint8Array(snap.data as Buffer) } : null,
          tail,
          lastSeq: (last?.seq as number | null) ?? 0,
        };
      }, 'REPEATABLE READ'),
    // Loading reads only the newest snapshot: the older ones go as a new one is written, in one statement.
    writeSnapshot: async (id, seq, at, data) =>
      void (await pool.query(
        `WITH written AS (
           INSERT INTO snapshots (workshop_id, seq, at, data) VALUES ($1, $2, $3, $4)
           ON CONFLICT (workshop_id, seq) DO UPDATE SET at = excluded.at, data = excluded.data
           RETURNING seq)
         DELETE FROM snapshots WHERE workshop_id = $1 AND seq < (SELECT seq FROM written)`,
        [id, seq, at, bytes(data)],
      )),
    history: async (id, since, limit) =>
      (
        await rows<EntryRow>('SELECT seq, at, author, data FROM updates WHERE workshop_id = $1 AND seq > $2 ORDER BY seq LIMIT $3', [
          id,
          since,
          limit,
        ])
      ).map(toEntry),
    appendEvent: (id, e) => appendPgEvent(db, id, e),
    listEvents: async (id) =>
      (await rows<EventRow>('SELECT seq, at, kind, actor, data FROM events WHERE workshop_id = $1 ORDER BY seq', [id])).map(toEvent),
  };
}
