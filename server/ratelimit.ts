/**
 * Counts failures per key in a fixed window. Memory is bounded: the table holds
 * at most `maxKeys` keys. Keys sit in the map in the order their windows began
 * (a key is inserted when its window starts and removed when it ends), so the
 * ended windows, and after them the oldest ones, are always at the front.
 */
export class FailureLimiter {
  private readonly table = new Map<string, { count: number; start: number }>();

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
    private readonly now: () => number,
    private readonly maxKeys: number,
  ) {}

  get size(): number {
    return this.table.size;
  }

  /** Milliseconds until `key` may fail again; 0 while it has failures left in its window. */
  blockedFor(key: string): number {
    const t = this.now();
    const e = this.table.get(key);
    if (!e) return 0;
    if (t - e.start >= this.windowMs) {
      this.table.delete(key);
      return 0;
    }
    return e.count >= this.max ? e.start + this.windowMs - t : 0;
  }

  /**
   * Counts one failure for `key` and returns 0, or, when its window is already
   * full, counts nothing and returns the milliseconds until the window ends.
   * Checking and counting in one step is what keeps concurrent failures from
   * all passing a check made before any of them was counted.
   */
  fail(key: string): number {
    const wait = this.blockedFor(key);
    if (wait > 0) return wait;
    const t = this.now();
    const e = this.table.get(key);
    if (e) e.count++;
    else {
      if (this.table.size >= this.maxKeys) this.makeRoom(t);
      this.table.set(key, { count: 1, start: t });
    }
    return 0;
  }

  /**
   * Frees one place, from the front: ended windows first (nothing is forgotten), then, with
   * the table full of running windows, the oldest one (the address nearest its fresh start
   * anyway). Scanning stops at the first running window, so a full table costs one step a
   * failure, not a pass over every address.
   */
  private makeRoom(t: number): void {
    for (const [k, e] of this.table) {
      if (this.table.size < this.maxKeys) return;
      if (t - e.start < this.windowMs) break;
      this.table.delete(k);
    }
    while (this.table.size >= this.maxKeys) {
      const oldest = this.table.keys().next().value as string;
      this.table.delete(oldest);
    }
  }
}

/**
 * A bucket holding `capacity`, refilled continuously at `capacity` per `periodMs`, full at first:
 * a rate with a burst of one period's worth.
 */
export class TokenBucket {
  private level: number;
  private at = performance.now();

  constructor(
    private readonly capacity: number,
    private readonly periodMs: number,
  ) {
    this.level = capacity;
  }

  /** Takes `n`; false, and nothing taken, when fewer are left. */
  take(n = 1): boolean {
    const t = performance.now();
    this.level = Math.min(this.capacity, this.level + ((t - this.at) * this.capacity) / this.periodMs);
    this.at = t;
    if (this.level < n) return false;
    this.level -= n;
    return true;
  }
}
