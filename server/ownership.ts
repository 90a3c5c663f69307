import pg from 'pg';
import { AppError } from '../shared/errors.ts';
import type { Logger } from './log.ts';
import { asUnavailable } from './pg-health.ts';

/**
 * Which process serves a workshop (issue 10). One workshop lives in exactly
 * one process; HAProxy routes by workshop id, and this is the guarantee under
 * the routing: a process serves a workshop only while it holds that
 * workshop's lock. SQLite mode has no Ownership at all (one process owns all).
 */
export interface Ownership {
  /**
   * Takes the workshop for this process. False when another process holds it.
   * With `claim` (the proxy routed the request here on purpose) that process
   * is asked to let go, so the caller's reconnect finds it free: this is how a
   * workshop follows the routing when a process joins or comes back.
   */
  acquire(workshopId: string, claim: boolean): Promise<boolean>;
  release(workshopId: string): Promise<void>;
  /** Tells the owner (if any) that the workshop's participants changed in the store. */
  announce(workshopId: string, what: 'roster'): Promise<void>;
  /**
   * `lost`: this process must stop serving the workshop (another asked for it,
   * or the lock's connection died). `roster`: re-read participants.
   */
  on(handler: (event: 'lost' | 'roster', workshopId: string) => void): void;
  close(): Promise<void>;
}

/** A workshop served by another process: 421 over HTTP, 4421 on a socket. The client retries. */
export class OwnedElsewhereError extends AppError {
  constructor(workshopId: string) {
    super('misdirected', `workshop ${workshopId} is served by another process; reconnect`);
  }
}

const CHANNEL = 'stageboard_ownership';
// Session-level advisory locks on a 64-bit hash of the id: released by
// PostgreSQL itself when the process (and so its connection) dies.
export const KEY = `hashtextextended('stageboard:' || $1, 0)`;

/** Which process (its application_name) holds a workshop's lock, for operators and tests. */
export const OWNER_QUERY = `SELECT a.application_name AS owner FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
  WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
    AND ((l.classid::bigint << 32) | l.objid::bigint) = ${KEY}`;

/**
 * Ownership through PostgreSQL advisory locks, on one dedicated connection per
 * process (session locks belong to a connection, so they cannot use the pool).
 * Release requests and roster changes travel by LISTEN/NOTIFY.
 */
export async function openPgOwnership(
  connectionString: string,
  log: Logger,
  /** Shown as the lock connection's application_name, so `pg_locks` tells which process serves what. */
  name = `stageboard:${process.pid}`,
  /** The store's PostgreSQL timeouts (shared/limits.ts), for the lock connection too. */
  timeouts: { connectMs?: number; queryMs?: number } = {},
): Promise<Ownership> {
  const held = new Set<string>();
  const handlers: ((event: 'lost' | 'roster', id: string) => void)[] = [];
  const emit = (event: 'lost' | 'roster', id: string) => {
    for (const h of handlers) {
      try {
        h(event, id);
      } catch (err) {
        log('error', 'ownership handler failed', { workshop: id, error: String(err) });
      }
    }
  };
  let closing = false;
  let client: Promise<pg.Client> | null = null;

  function connect(): Promise<pg.Client> {
    const c = new pg.Client({
      connectionString,
      application_name: name,
      connectionTimeoutMillis: timeouts.connectMs,
      query_timeout: timeouts.queryMs,
    });
    const ready = (async () => {
      await c.connect();
      await c.query(`LISTEN ${CHANNEL}`);
      return c;
    })();
    c.on('notification', (msg) => {
      const [kind, id] = (msg.payload ?? '').split(':', 2) as [string, string | undefined];
      if (!id) return;
      if (kind === 'release' && held.has(id)) emit('lost', id);
      if (kind === 'roster' && held.has(id)) emit('roster', id);
    });
    // The locks went with the connection: every workshop held here may already
    // be served elsewhere, so stop serving all of them; the next acquire reconnects.
    const dropped = (err?: Error) => {
      if (client !== ready) return;
      client = null;
      if (!closing) log('warn', 'ownership connection lost', { error: String(err ?? 'ended'), workshops: held.size });
      const lost = [...held];
      held.clear();
      for (const id of lost) emit('lost', id);
    };
    c.on('error', dropped);
    c.on('end', () => dropped());
    ready.catch(() => {
      if (client === ready) client = null;
    });
    return ready;
  }
  const conn = () => (client ??= connect());
  /**
   * One statement on the lock connection. If the database does not answer, the connection is
   * ended: whether a lock was taken is then unknown, and ending the session releases them all
   * (every workshop held here stops being served, as when the connection drops), so no lock is
   * left held by a process that believes it holds none.
   */
  async function query<R extends pg.QueryResultRow>(sql: string, params: unknown[]): Promise<pg.QueryResult<R>> {
    let c: pg.Client;
    try {
      c = await conn();
    } catch (err) {
      throw asUnavailable(err);
    }
    try {
      return await c.query<R>(sql, params);
    } catch (err) {
      if (/timeout/i.test(String((err as Error)?.message))) void c.end().catch(() => {});
      throw asUnavailable(err);
    }
  }

  await conn();
  return {
    async acquire(id, claim) {
      if (held.has(id)) return true;
      const { rows } = await query<{ ok: boolean }>(`SELECT pg_try_advisory_lock(${KEY}) AS ok`, [id]);
      if (rows[0]?.ok) {
        held.add(id);
        return true;
      }
      if (claim) await query('SELECT pg_notify($1, $2)', [CHANNEL, `release:${id}`]);
      return false;
    },
    async release(id) {
      if (!held.delete(id)) return;
      await query(`SELECT pg_advisory_unlock(${KEY})`, [id]);
    },
    async announce(id, what) {
      await query('SELECT pg_notify($1, $2)', [CHANNEL, `${what}:${id}`]);
    },
    on(handler) {
      handlers.push(handler);
    },
    async close() {
      closing = true;
      const c = await client?.catch(() => null);
      held.clear();
      await c?.end();
    },
  };
}
