import type { Limits } from '../shared/limits.ts';
import { FailureLimiter } from './ratelimit.ts';
import type { MaybePromise, Store } from './store.ts';

/** A store that can count join failures for every process at once (PostgreSQL). */
interface SharedFailures {
  joinBlockedFor(address: string, max: number, windowMs: number, now: number): Promise<number>;
  recordJoinFailure(address: string, max: number, windowMs: number, now: number): Promise<number>;
}
const isShared = (store: Store): store is Store & SharedFailures =>
  typeof (store as Partial<SharedFailures>).recordJoinFailure === 'function';

export interface JoinLimiter {
  /** Milliseconds until this address may try a code again; 0 when it may now. */
  blockedFor(address: string): MaybePromise<number>;
  /**
   * Counts a wrong code against the address and returns 0, or, when the
   * address has no tries left, counts nothing and returns the milliseconds
   * until it may try again. One atomic step: the answer to a wrong code is
   * `404` only when this returned 0, so concurrent guesses, from any number of
   * processes, never get more than `joinFailuresPerWindow` of them.
   */
  fail(address: string): MaybePromise<number>;
}

/**
 * The join-code failure limit per address. With a shared store (a cluster,
 * issue 10) it is counted in the database, so N processes do not allow N times
 * the tries; with SQLite, one process, it stays in memory.
 */
export function joinLimiter(store: Store, limits: Limits, now: () => number): JoinLimiter {
  const max = limits.joinFailuresPerWindow;
  const windowMs = limits.joinFailureWindowMs;
  if (isShared(store)) {
    return {
      blockedFor: (address) => store.joinBlockedFor(address, max, windowMs, now()),
      fail: (address) => store.recordJoinFailure(address, max, windowMs, now()),
    };
  }
  return new FailureLimiter(max, windowMs, now, limits.maxJoinFailureAddresses);
}
