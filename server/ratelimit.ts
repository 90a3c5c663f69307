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

  blocked(key: string): boolean {
    const e = this.table.get(key);
    if (!e) return false;
    if (this.now() - e.start >= this.windowMs) {
      this.table.delete(key);
      return false;
    }
    return e.count >= this.max;
  }

  fail(key: string): void {
    const t = this.now();
    const e = this.table.get(key);
    if (e && t - e.start < this.windowMs) e.count++;
    else this.table.set(key, { count: 1, start: t });
    if (this.table.size > this.maxKeys) this.sweep(t);
  }

  private sweep(t: number): void {
    for (const [k, e] of this.table) if (t - e.start >= this.windowMs) this.table.delete(k);
  }
}
