import type { PgDb } from './pg-db.ts';

/* Join failures per address, in PostgreSQL: shared by every process, so the limit is not multiplied by their number. */

/** Every this many join failures a process deletes up to SWEEP_ROWS rows of ended windows: more than it adds. */
const SWEEP_EVERY_FAILURES = 50;
const SWEEP_ROWS = 1000;

export interface JoinFailures {
  /** Join failures per address, shared by all processes: ms until the address may try again (`max` or more in the window), else 0. */
  joinBlockedFor(address: string, max: number, windowMs: number, now: number): Promise<number>;
  /** Counts a failure and returns 0, or, with `max` already in the window, counts nothing and returns `joinBlockedFor`. */
  recordJoinFailure(address: string, max: number, windowMs: number, now: number): Promise<number>;
}

export function pgJoinFailures({ pool, one, changed }: PgDb): JoinFailures {
  let failuresSinceSweep = 0;

  async function joinBlockedFor(address: string, max: number, windowMs: number, now: number): Promise<number> {
    const r = await one('SELECT window_start, count FROM join_failures WHERE address = $1', [address]);
    if (!r || now - (r.window_start as number) >= windowMs || (r.count as number) < max) return 0;
    return (r.window_start as number) + windowMs - now;
  }

  return {
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
  };
}
