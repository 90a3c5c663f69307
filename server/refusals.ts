import type { Limits } from '../shared/limits.ts';

/** Credentials remembered at most; the oldest are forgotten first. */
const MAX_TRACKED = 10_000;

/**
 * Credentials whose changes the board keeps refusing. A socket that writes
 * what its role may not (4409) is closed; Stageboard's client then drops the
 * refused change and resyncs, so it is not refused again. The stock
 * y-websocket client keeps the change and sends it on every reconnect, about
 * ten times a second for as long as the page is open, each round trip a
 * connect and a disconnect in the workshop's timeline. So from the second
 * refusal in a row a credential waits before its next upgrade is accepted:
 * `refusalCooldownMs`, doubling with each further refusal up to
 * `maxRefusalCooldownMs`. A refusal longer than `maxRefusalCooldownMs` after
 * the previous one starts a new run.
 */
export class RefusalCooldown {
  private readonly runs = new Map<string, { count: number; at: number; until: number }>();

  constructor(
    private readonly limits: Pick<Limits, 'refusalCooldownMs' | 'maxRefusalCooldownMs'>,
    private readonly now: () => number = Date.now,
  ) {}

  /** A socket of this credential was closed because the board refused its change. */
  refused(key: string): void {
    const t = this.now();
    const prev = this.runs.get(key);
    const count = prev && t - prev.at <= this.limits.maxRefusalCooldownMs ? prev.count + 1 : 1;
    const wait = count < 2 ? 0 : Math.min(this.limits.refusalCooldownMs * 2 ** (count - 2), this.limits.maxRefusalCooldownMs);
    this.runs.delete(key);
    this.runs.set(key, { count, at: t, until: t + wait });
    if (this.runs.size > MAX_TRACKED) this.runs.delete(this.runs.keys().next().value!);
  }

  /** Milliseconds this credential must still wait before a new socket; 0 when it may connect. */
  waitFor(key: string): number {
    const run = this.runs.get(key);
    if (!run) return 0;
    const t = this.now();
    if (t - run.at > this.limits.maxRefusalCooldownMs && t >= run.until) {
      this.runs.delete(key);
      return 0;
    }
    return Math.max(0, run.until - t);
  }
}
