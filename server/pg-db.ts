import pg from 'pg';
import type { Limits } from '../shared/limits.ts';
import { isStall } from './pg-health.ts';
import { migratePg } from './pg-migrations.ts';

/*
 * The PostgreSQL store's connections: the pools, their timeouts, and the query helpers every
 * part of the store (pg-workshops, pg-log, pg-votes, pg-join-failures) shares.
 */

// BIGINT (ms since the epoch) comes back as a number, not pg's default string.
const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === pg.types.builtins.INT8
      ? (v: string) => Number(v)
      : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

export const bytes = (u: Uint8Array) => Buffer.from(u.buffer, u.byteOffset, u.byteLength);

export const isUniqueViolation = (err: unknown) => (err as { code?: string })?.code === '23505';
/** PostgreSQL's own errors (a SQLSTATE): the connection they came on is still usable. */
const isServerError = (err: unknown) => err instanceof pg.DatabaseError;

export interface Row {
  [k: string]: unknown;
}

/** Where a query runs: the pool, or the client of one transaction. */
export type Queryable = pg.Pool | pg.PoolClient;

export interface PgDb {
  readonly pool: pg.Pool;
  rows<R = Row>(text: string, values: unknown[]): Promise<R[]>;
  one<R = Row>(text: string, values: unknown[]): Promise<R | undefined>;
  /** Whether the statement changed a row. */
  changed(text: string, values: unknown[]): Promise<boolean>;
  /** `work` in one transaction on one pooled connection, committed if it returns, rolled back if it throws. */
  tx<T>(work: (c: pg.PoolClient) => Promise<T>, isolation?: 'READ COMMITTED' | 'REPEATABLE READ'): Promise<T>;
}

export type PgTimeouts = Pick<Limits, 'pgConnectTimeoutMs' | 'pgQueryTimeoutMs' | 'pgHealthTimeoutMs'>;

/**
 * Migrates the database, then opens the request pool and the health probe's own pool.
 * `max` is the request pool's size.
 */
export async function openPgPools(
  connectionString: string,
  max: number,
  { pgConnectTimeoutMs, pgQueryTimeoutMs, pgHealthTimeoutMs }: PgTimeouts,
): Promise<{ db: PgDb; probe: pg.Pool }> {
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
    max,
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
  return { db: queries(pool), probe };
}

function queries(pool: pg.Pool): PgDb {
  const rows = async <R = Row>(text: string, values: unknown[]): Promise<R[]> => (await pool.query(text, values)).rows;
  return {
    pool,
    rows,
    one: async <R = Row>(text: string, values: unknown[]) => (await rows<R>(text, values))[0],
    changed: async (text, values) => ((await pool.query(text, values)).rowCount ?? 0) > 0,
    async tx(work, isolation = 'READ COMMITTED') {
      const c = await pool.connect();
      let discard: Error | undefined;
      try {
        await c.query(`BEGIN ISOLATION LEVEL ${isolation}`);
        const out = await work(c);
        await c.query('COMMIT');
        return out;
      } catch (err) {
        // PostgreSQL's own errors (a SQLSTATE) leave the connection usable: roll back and pool it.
        // So do errors `work` throws itself between statements (an abandoned import stopping): its
        // connection is idle in the transaction. A stall (a query the client gave up on, which the
        // connection is still busy with, a lost connection) discards it: a ROLLBACK would only
        // queue behind the stalled query, and closing the connection aborts the transaction anyway.
        if (isServerError(err) || !isStall(err)) await c.query('ROLLBACK').catch((e: Error) => (discard = e));
        else discard = err as Error;
        throw err;
      } finally {
        c.release(discard);
      }
    },
  };
}
