/**
 * Counts failures per key in a fixed window. Memory is bounded: entries whose
 * window has passed are swept whenever the table grows past `maxKeys`.
 */
export class FailureLimiter {
  private readonly table = new Map<string, { count: number; start: number }>();

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
    private readonly now: () => number,
    private readonly maxKeys = 100_000,
  ) {}

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
    else this.table.set(key, { count: 1, start: t });
    if (this.table.size > this.maxKeys) this.sweep(t);
    return 0;
  }

  private sweep(t: number): void {
    for (const [k, e] of this.table) if (t - e.start >= this.windowMs) this.table.delete(k);
  }
}
