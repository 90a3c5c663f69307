import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { AppError } from '../shared/errors.ts';

/*
 * How the PostgreSQL store tells a stalled or lost database from a request's own error, and a
 * health probe of it.
 */

/**
 * Whether the database answers, for a health check that must answer within HAProxy's 500 ms and
 * must not make a healthy cluster flap. One `SELECT 1` at a time: each call starts one unless one
 * is running, and waits for it briefly. Down means the last one failed, or the running one has
 * had no answer for `timeoutMs`; a slow moment shorter than that is not reported.
 */
export function healthProbe(ping: () => Promise<unknown>, timeoutMs: number): () => Promise<boolean> {
  let running: { since: number; done: Promise<boolean> } | undefined;
  let lastOk = true;
  return async () => {
    if (!running) {
      const since = Date.now();
      const done = ping().then(
        () => true,
        () => false,
      );
      running = { since, done };
      void done.then((ok) => {
        lastOk = ok;
        running = undefined;
      });
    }
    const { since, done } = running;
    const answer = await Promise.race([done, sleep(Math.min(250, timeoutMs), undefined, { ref: false })]);
    if (answer !== undefined) return answer;
    return lastOk && Date.now() - since < timeoutMs;
  };
}

/**
 * SQLSTATE classes that say the database, not the request, is the trouble: 08 connection
 * exception, 53 insufficient resources, 57 operator intervention (57014: statement_timeout).
 */
const UNAVAILABLE_CLASSES = /^(08|53|57)/;

/**
 * A call that failed because the database is stalled or gone becomes `storage_unavailable`
 * (HTTP 503, "try again shortly"), not an internal error: a timeout of the client (pg's
 * "Query read timeout", the pool's connect timeout), a lost connection, or one of the classes
 * above. Other errors (a constraint, a fenced seq) pass unchanged.
 */
export function unavailableWhenStalled<T extends object>(store: T): T {
  const wrapped = { ...store };
  for (const key of Object.keys(store) as (keyof T)[]) {
    const call = store[key];
    if (typeof call !== 'function' || key === 'close') continue;
    wrapped[key] = (async (...args: unknown[]) => {
      try {
        return await call.apply(store, args);
      } catch (err) {
        throw asUnavailable(err);
      }
    }) as T[keyof T];
  }
  return wrapped;
}

/** `err` as `storage_unavailable` (HTTP 503, a socket's 4503) when the database is stalled or gone; else as it is. */
export function asUnavailable(err: unknown): unknown {
  return isStall(err)
    ? Object.assign(new AppError('storage_unavailable', 'the database did not answer; try again shortly'), { cause: err })
    : err;
}

/** The database, not the request, failed: stalled, timed out on the client, or gone. */
export function isStall(err: unknown): boolean {
  const { code, message } = (err ?? {}) as { code?: unknown; message?: unknown };
  // Only PostgreSQL's own errors carry a SQLSTATE; Node's (EPIPE is five letters too) do not.
  if (err instanceof pg.DatabaseError && typeof code === 'string') return UNAVAILABLE_CLASSES.test(code);
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return true; // ECONNREFUSED, ECONNRESET, ETIMEDOUT…
  return /timeout|timed out|Connection terminated|not queryable|ended/i.test(String(message));
}
