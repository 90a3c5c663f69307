/**
 * The server's clock, as seen from this browser. The offset is measured
 * against `GET /api/time` (best of a few round trips, assuming the answer was
 * stamped halfway), so a countdown reads the same on every screen however
 * wrong the device's own clock is.
 */
export class ServerClock {
  offsetMs = $state(0);
  /** Server time, refreshed a few times a second for views that count down. */
  now = $state(Date.now());
  private timer: ReturnType<typeof setInterval> | null = null;

  async sync(samples = 4): Promise<void> {
    let best = { rtt: Infinity, offset: 0 };
    for (let i = 0; i < samples; i++) {
      const t0 = Date.now();
      try {
        const res = await fetch('/api/time', { cache: 'no-store' });
        const { now } = (await res.json()) as { now: number };
        const t1 = Date.now();
        if (t1 - t0 < best.rtt) best = { rtt: t1 - t0, offset: now - (t0 + t1) / 2 };
      } catch {
        // Offline: keep the last offset.
      }
    }
    if (best.rtt !== Infinity) this.offsetMs = best.offset;
    this.now = Date.now() + this.offsetMs;
  }

  start(): void {
    this.timer ??= setInterval(() => (this.now = Date.now() + this.offsetMs), 250);
  }

  read(): number {
    return Date.now() + this.offsetMs;
  }

  destroy(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
