import type { Limits } from '../shared/limits.ts';
import { FailureLimiter } from './ratelimit.ts';
import type { Store } from './store.ts';

/** A store that can count join failures for every process at once (PostgreSQL). */
interface SharedFailures {
  joinBlocked(address: string, max: number, windowMs: number, now: number): Promise<boolean>;
  recordJoinFailure(address: string, windowMs: number, now: number): Promise<void>;
}
const isShared = (store: Store): store is Store & SharedFailures =>
  typeof (store as Partial<SharedFailures>).recordJoinFailure === 'function';

export interface JoinLimiter {
  blocked(address: string): Promise<boolean> | boolean;
  fail(address: string): Promise<void> | void;
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
      blocked: (address) => store.joinBlocked(address, max, windowMs, now()),
      fail: (address) => store.recordJoinFailure(address, windowMs, now()),
    };
  }
  return new FailureLimiter(max, windowMs, now);
}
