import pg from 'pg';
import { LIMITS, type Limits } from '../shared/limits.ts';
import { healthProbe, unavailableWhenStalled } from './pg-health.ts';
import { migratePg } from './pg-migrations.ts';
import {
  ballotOrder,
  type BallotOutcome,
  type CancelOutcome,
  type Credential,
  type EventRecord,
  type ImportedWorkshop,
  type NewWorkshop,
  type ParticipantRecord,
  type Store,
  type StoredDocument,
  type VoteRecord,
} from './store.ts';
import {
  toBallot,
  toEntry,
  toEvent,
  toParticipant,
  toVote,
  toWorkshop,
  type BallotRow,
  type EntryRow,
  type EventRow,
  type ParticipantRow,
  type VoteRow,
  type WorkshopRow,
} from './store-rows.ts';

// BIGINT (ms since the epoch) comes back as a number, not pg's default string.
const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === pg.types.builtins.INT8
      ? (v: string) => Number(v)
      : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

const bytes = (u: Uint8Array) => Buffer.from(u.buffer, u.byteOffset, u.byteLength);

/** What `appendUpdate` throws when the seq is taken: a stale writer, fenced. */
class SeqTakenError extends Error {
  readonly code = 'seq_taken';
  constructor(workshopId: string, seq: number) {
    super(`workshop ${workshopId} already has an update at seq ${seq}`);
  }
}

/** Every this many join failures a process deletes up to SWEEP_ROWS rows of ended windows: more than it adds. */
const SWEEP_EVERY_FAILURES = 50;
const SWEEP_ROWS = 1000;

const isUniqueViolation = (err: unknown) => (err as { code?: string })?.code === '23505';
/** PostgreSQL's own errors (a SQLSTATE): the connection they came on is still usable. */
const isServerError = (err: unknown) => err instanceof pg.DatabaseError;

interface Row {
  [k: string]: unknown;
}

const INSERT_VOTE = `INSERT INTO votes (id, workshop_id, question, kind, team_id, choices, groups_json, auto_reveal, state, round, self_json, opened_at, closed_at, revealed_at, named, doc_id)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`;
const voteParams = (v: VoteRecord) => [
  v.id,
  v.workshopId,
  v.question,
  v.kind,
  v.teamId,
  v.choices && JSON.stringify(v.choices),
  v.groups && JSON.stringify(v.groups),
  v.autoReveal,
  v.state,
  v.round,
  v.self && JSON.stringify(v.self),
  v.openedAt,
  v.closedAt,
  v.revealedAt,
  v.named ?? false,
  v.docId ?? null,
];

const INSERT_WORKSHOP = `INSERT INTO workshops (id, title, template_id, join_code, facilitator_key_hash, observer_token_hash, created_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7)`;
const workshopParams = (w: NewWorkshop) => [
  w.id,
  w.title,
  w.templateId,
  w.joinCode,
  w.facilitatorKeyHash,
  w.observerTokenHash,
  w.createdAt,
];
const INSERT_UPDATE = 'INSERT INTO updates (workshop_id, seq, at, author, data) VALUES ($1, $2, $3, $4, $5)';
const SEAT_PARTICIPANT = `INSERT INTO participants (id, workshop_id, name, token_hash, created_at, removed_at)
  SELECT $1::text, $2::text, $3::text, $4::text, $5::bigint, NULL
  WHERE (SELECT count(*) FROM participants WHERE workshop_id = $2 AND removed_at IS NULL AND NOT imported) < $6::bigint`;
const participantParams = (p: ParticipantRecord & { tokenHash: string }) => [p.id, p.workshopId, p.name, p.tokenHash, p.createdAt];
const INSERT_IMPORTED_PARTICIPANT = `INSERT INTO participants (id, workshop_id, name, token_hash, created_at, removed_at, imported)
  VALUES ($1, $2, $3, $4, $5, $6, true)`;
// The next seq is computed inside the INSERT; two concurrent appends may still pick one number, so the loser retries.
const INSERT_EVENT = `INSERT INTO events (workshop_id, seq, at, kind, actor, data)
  VALUES ($1, (SELECT coalesce(max(seq), 0) + 1 FROM events WHERE workshop_id = $1), $2, $3, $4, $5)`;
const eventParams = (id: string, e: Omit<EventRecord, 'seq'>) => [id, e.at, e.kind, e.actor, JSON.stringify(e.data)];

export interface PgStore extends Store {
  readonly pool: pg.Pool;
  /** Whether the database answers; cheap enough for a health check twice a second (see `pgHealthTimeoutMs`). */
  reachable(): Promise<boolean>;
  /** Join failures per address, shared by all processes: ms until the address may try again (`max` or more in the window), else 0. */
  joinBlockedFor(address: string, max: number, windowMs: number, now: number): Promise<number>;
  /** Counts a failure and returns 0, or, with `max` already in the window, counts nothing and returns `joinBlockedFor`. */
  recordJoinFailure(address: string, max: number, windowMs: number, now: number): Promise<number>;
}

/**
 * The networked store (issue 10). Every call returns a promise; writes that
 * span several rows run in one transaction on one pooled connection.
 */
export interface PgStoreOptions {
  max?: number;
  /** Limits from shared/limits.ts; unset ones take their defaults. */
  limits?: Partial<Pick<Limits, 'pgConnectTimeoutMs' | 'pgQueryTimeoutMs' | 'pgHealthTimeoutMs'>>;
}

export async function openPgStore(connectionString: string, opts: PgStoreOptions = {}): Promise<PgStore> {
  const { pgConnectTimeoutMs, pgQueryTimeoutMs, pgHealthTimeoutMs } = { ...LIMITS, ...opts.limits };
  // Migrations run on a pool of their own without the timeouts below: a long one (an index on a
  // big table), or a process waiting for another's migration lock, is not a stalled database.
  const migrations = new pg.Pool({ connectionString, max: 1, types });
  migrations.on('error', () => {});
  try {
    await migratePg(migrations);
  } finally {
    await migrations.end();
  }
  // Without timeouts a stopped database left every call waiting forever (a join hung, a socket's
  // write was never refused). The server cancels a statement that runs too long and keeps the
  // connection; the client's own, later timeout covers a server that does not answer at all, and
  // a client that timed out is discarded (see tx), never handed out again mid-query.
  const pool = new pg.Pool({
    connectionString,
    max: opts.max ?? 10,
    types,
    connectionTimeoutMillis: pgConnectTimeoutMs,
    statement_timeout: pgQueryTimeoutMs,
    query_timeout: pgQueryTimeoutMs + 500,
  });
  // An idle client that loses its connection emits here; without a listener it would throw in the process.
  pool.on('error', () => {});
  // The probe has a connection of its own: on the request pool it would wait behind a busy
  // moment's queries, and the proxy would take a healthy process out when it is busiest.
  const probe = new pg.Pool({
    connectionString,
    max: 1,
    types,
    connectionTimeoutMillis: pgConnectTimeoutMs,
    query_timeout: pgHealthTimeoutMs,
  });
  probe.on('error', () => {});
  const health = healthProbe(() => probe.query('SELECT 1'), pgHealthTimeoutMs);

  const rows = async <R = Row>(text: string, values: unknown[]): Promise<R[]> => (await pool.query(text, values)).rows;
  const one = async <R = Row>(text: string, values: unknown[]): Promise<R | undefined> => (await rows<R>(text, values))[0];
  const changed = async (text: string, values: unknown[]) => ((await pool.query(text, values)).rowCount ?? 0) > 0;

  async function tx<T>(work: (c: pg.PoolClient) => Promise<T>, isolation = 'READ COMMITTED'): Promise<T> {
    const c = await pool.connect();
    let discard: Error | undefined;
    try {
      await c.query(`BEGIN ISOLATION LEVEL ${isolation}`);
      const out = await work(c);
      await c.query('COMMIT');
      return out;
    } catch (err) {
      // PostgreSQL's own errors (a SQLSTATE) leave the connection usable: roll back and pool it.
      // Anything else (a query the client gave up on, which the connection is still busy with, a
      // lost connection) discards it: a ROLLBACK would only queue behind the stalled query, and
      // closing the connection aborts the transaction anyway.
      if (isServerError(err)) await c.query('ROLLBACK').catch((e: Error) => (discard = e));
      else discard = err as Error;
      throw err;
    } finally {
      c.release(discard);
    }
  }

  async function appendEvent(id: string, e: Omit<EventRecord, 'seq'>, c: pg.Pool | pg.PoolClient = pool): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await c.query(INSERT_EVENT, eventParams(id, e));
        return;
      } catch (err) {
        if (!isUniqueViolation(err) || attempt >= 5 || c !== pool) throw err;
      }
    }
  }

  let failuresSinceSweep = 0;

  async function joinBlockedFor(address: string, max: number, windowMs: number, now: number): Promise<number> {
    const r = await one('SELECT window_start, count FROM join_failures WHERE address = $1', [address]);
    if (!r || now - (r.window_start as number) >= windowMs || (r.count as number) < max) return 0;
    return (r.window_start as number) + windowMs - now;
  }

  return unavailableWhenStalled({
    pool,
    reachable: health,
    createWorkshop: (w, initialUpdate) =>
      tx(async (c) => {
        await c.query(INSERT_WORKSHOP, workshopParams(w));
        await c.query(INSERT_UPDATE, [w.id, 1, w.createdAt, 'server', bytes(initialUpdate)]);
      }),
    getWorkshop: async (id) => {
      const r = await one<WorkshopRow>('SELECT * FROM workshops WHERE id = $1', [id]);
      return r && toWorkshop(r);
    },
    findWorkshopByJoinCode: async (code) => {
      const r = await one<WorkshopRow>('SELECT * FROM workshops WHERE join_code = $1', [code]);
      return r && toWorkshop(r);
    },
    setJoinCode: async (id, code) => void (await pool.query('UPDATE workshops SET join_code = $1 WHERE id = $2', [code, id])),
    rotateObserver: async (id, hash, version) =>
      void (await pool.query('UPDATE workshops SET observer_token_hash = $1, observer_version = $2 WHERE id = $3', [hash, version, id])),
    resolveCredential: async (workshopId, tokenHash): Promise<Credential | undefined> => {
      const f = await one(
        `SELECT CASE WHEN facilitator_key_hash = $2 THEN 'facilitator' ELSE 'observer' END AS role
         FROM workshops WHERE id = $1 AND (facilitator_key_hash = $2 OR observer_token_hash = $2)`,
        [workshopId, tokenHash],
      );
      if (f?.role === 'facilitator') return { role: 'facilitator', author: 'facilitator' };
      if (f?.role === 'observer') return { role: 'observer', author: 'observer' };
      const p = await one(
        'SELECT id, name FROM participants WHERE workshop_id = $1 AND token_hash = $2 AND removed_at IS NULL AND NOT imported',
        [workshopId, tokenHash],
      );
      if (!p) return undefined;
      const pid = p.id as string;
      return { role: 'participant', author: pid, participantId: pid, name: p.name as string };
    },
    // Under READ COMMITTED two joins could each count the other's seat as free; locking the
    // workshop's row first makes them take turns, and the INSERT's own snapshot, taken after the
    // lock, sees every seat committed before it. NO KEY UPDATE leaves foreign-key checks unblocked.
    addParticipant: (p, maxSeats) =>
      tx(async (c) => {
        await c.query('SELECT 1 FROM workshops WHERE id = $1 FOR NO KEY UPDATE', [p.workshopId]);
        return ((await c.query(SEAT_PARTICIPANT, [...participantParams(p), maxSeats])).rowCount ?? 0) > 0;
      }),
    countParticipants: async (id) =>
      Number(
        (await one('SELECT count(*) AS n FROM participants WHERE workshop_id = $1 AND removed_at IS NULL AND NOT imported', [id]))?.n ?? 0,
      ),
    listParticipants: async (id) =>
      (await rows<ParticipantRow>('SELECT * FROM participants WHERE workshop_id = $1 ORDER BY created_at, id', [id])).map(toParticipant),
    renameParticipant: (id, pid, name) =>
      changed('UPDATE participants SET name = $1 WHERE workshop_id = $2 AND id = $3 AND removed_at IS NULL', [name, id, pid]),
    removeParticipant: (id, pid, at) =>
      changed('UPDATE participants SET removed_at = $1 WHERE workshop_id = $2 AND id = $3 AND removed_at IS NULL', [at, id, pid]),

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

    appendEvent: (id, e) => appendEvent(id, e),
    listEvents: async (id) =>
      (await rows<EventRow>('SELECT seq, at, kind, actor, data FROM events WHERE workshop_id = $1 ORDER BY seq', [id])).map(toEvent),
    importWorkshop: (imp: ImportedWorkshop) =>
      tx(async (c) => {
        const w = imp.workshop;
        await c.query(INSERT_WORKSHOP, workshopParams(w));
        // One statement per 500 entries: a 50,000-update import is 100 round trips, not 50,000.
        for (let i = 0; i < imp.entries.length; i += 500) {
          const chunk = imp.entries.slice(i, i + 500);
          const values: unknown[] = [];
          const tuples = chunk.map((e, j) => {
            values.push(w.id, e.seq, e.at, e.author, bytes(e.data));
            const b = j * 5;
            return `($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}, $${b + 5})`;
          });
          await c.query(`INSERT INTO updates (workshop_id, seq, at, author, data) VALUES ${tuples.join(', ')}`, values);
        }
        const last = imp.entries[imp.entries.length - 1]!;
        await c.query('INSERT INTO snapshots (workshop_id, seq, at, data) VALUES ($1, $2, $3, $4)', [
          w.id,
          last.seq,
          last.at,
          bytes(imp.snapshot),
        ]);
        for (const p of imp.participants) await c.query(INSERT_IMPORTED_PARTICIPANT, [...participantParams(p), p.removedAt]);
        for (const e of imp.events) await appendEvent(w.id, e, c);
        for (const v of imp.votes) await c.query(INSERT_VOTE, voteParams(v));
        for (const b of imp.ballots) {
          await c.query(
            `INSERT INTO ballots (vote_id, participant_id, group_id, value, salt, receipt, seq, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
            [b.voteId, b.participantId, b.group, b.value, b.salt, b.receipt, b.seq, b.at],
          );
        }
      }),

    createVote: async (v) => void (await pool.query(INSERT_VOTE, voteParams(v))),
    getVote: async (id, voteId) => {
      const r = await one<VoteRow>('SELECT * FROM votes WHERE workshop_id = $1 AND id = $2', [id, voteId]);
      return r && toVote(r);
    },
    listVotes: async (id) => (await rows<VoteRow>('SELECT * FROM votes WHERE workshop_id = $1 ORDER BY opened_at, id', [id])).map(toVote),
    setVoteState: (id, voteId, from, to, at) =>
      changed(
        `UPDATE votes SET state = $1::text,
           closed_at = CASE WHEN $1::text = 'closed' AND $5::text = 'open' THEN $2::bigint ELSE closed_at END,
           revealed_at = CASE WHEN $1::text = 'revealed' THEN $2::bigint WHEN $5::text = 'revealed' THEN NULL ELSE revealed_at END
         WHERE workshop_id = $3 AND id = $4 AND state = $5`,
        [to, at, id, voteId, from],
      ),
    // The vote row is read FOR SHARE: a close (an UPDATE of that row) waits for
    // this transaction, so a ballot can never land after the close.
    putBallot: (b) =>
      tx(async (c): Promise<BallotOutcome> => {
        const vote = (await c.query('SELECT state FROM votes WHERE id = $1 FOR SHARE', [b.voteId])).rows[0];
        if (vote?.state !== 'open') return 'closed';
        const prev = (
          await c.query('SELECT seq, value FROM ballots WHERE vote_id = $1 AND participant_id = $2 FOR UPDATE', [b.voteId, b.participantId])
        ).rows[0];
        const order = ballotOrder(prev as { seq: number; value: string } | undefined, b);
        if (order !== 'stored') return order;
        await c.query(
          `INSERT INTO ballots (vote_id, participant_id, group_id, value, salt, receipt, seq, at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
           ON CONFLICT (vote_id, participant_id) DO UPDATE SET group_id = excluded.group_id, value = excluded.value,
             salt = excluded.salt, receipt = excluded.receipt, seq = excluded.seq, at = excluded.at`,
          [b.voteId, b.participantId, b.group, b.value, b.salt, b.receipt, Math.max(b.seq, (prev?.seq as number | undefined) ?? 0), b.at],
        );
        return 'stored';
      }),
    // The vote row is locked FOR UPDATE first: a ballot (FOR SHARE) or a close or reveal (an UPDATE)
    // waits, then finds no vote; one that came first is seen here (a reveal) or deleted with the rest.
    cancelVote: (id, voteId) =>
      tx(async (c): Promise<CancelOutcome> => {
        const vote = (await c.query('SELECT state FROM votes WHERE workshop_id = $1 AND id = $2 FOR UPDATE', [id, voteId])).rows[0];
        if (!vote) return 'missing';
        if (vote.state === 'revealed') return 'revealed';
        await c.query('DELETE FROM ballots WHERE vote_id = $1', [voteId]);
        await c.query('DELETE FROM votes WHERE workshop_id = $1 AND id = $2', [id, voteId]);
        return 'cancelled';
      }),
    getBallot: async (voteId, pid) => {
      const r = await one<BallotRow>('SELECT * FROM ballots WHERE vote_id = $1 AND participant_id = $2', [voteId, pid]);
      return r && toBallot(r);
    },
    listBallots: async (voteId) =>
      (await rows<BallotRow>('SELECT * FROM ballots WHERE vote_id = $1 ORDER BY at, participant_id', [voteId])).map(toBallot),

    joinBlockedFor,
    // One statement: a new window, or one more failure in the current one, only while it has room.
    // The upsert locks the row, so concurrent failures from every process are counted one at a time
    // and the (max+1)th finds the window full instead of all of them passing an earlier check.
    recordJoinFailure: async (address, max, windowMs, now) => {
      const counted = await changed(
        `INSERT INTO join_failures AS f (address, window_start, count) VALUES ($1, $2, 1)
         ON CONFLICT (address) DO UPDATE SET
           count = CASE WHEN $2 - f.window_start >= $3 THEN 1 ELSE f.count + 1 END,
           window_start = CASE WHEN $2 - f.window_start >= $3 THEN $2 ELSE f.window_start END
         WHERE $2 - f.window_start >= $3 OR f.count < $4`,
        [address, now, windowMs, max],
      );
      if (++failuresSinceSweep >= SWEEP_EVERY_FAILURES) {
        failuresSinceSweep = 0;
        // Rows of ended windows count nothing; without this the table only ever grew. Bounded per
        // sweep, so a join never waits on a long delete. A failed sweep is left to the next one:
        // the failure itself is counted, and the join's answer must not depend on housekeeping.
        await pool
          .query(
            `DELETE FROM join_failures WHERE address IN
               (SELECT address FROM join_failures WHERE $1 - window_start >= $2 LIMIT ${SWEEP_ROWS})`,
            [now, windowMs],
          )
          .catch(() => {});
      }
      // The window may have ended between the two statements: wait a moment rather than not at all.
      return counted ? 0 : Math.max(1, await joinBlockedFor(address, max, windowMs, now));
    },
    close: async () => {
      await Promise.all([pool.end(), probe.end()]);
    },
  });
}
