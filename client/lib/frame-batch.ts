/**
 * How long a batch waits for an animation frame before it runs anyway (ms). A hidden tab, or a
 * window the browser stopped painting, gets no frames at all: its board must still catch up, so
 * that a tab brought back, or a screen reader reading the page meanwhile, finds it current.
 * (Browsers slow the timers of a hidden tab to about once a second; that is catching up enough.)
 */
export const FRAME_FALLBACK_MS = 250;

/** What a batch needs of the browser; tests pass their own. */
export interface FrameClock {
  requestAnimationFrame(fn: () => void): number;
  cancelAnimationFrame(id: number): void;
  setTimeout(fn: () => void, ms: number): ReturnType<typeof setTimeout>;
  clearTimeout(id: ReturnType<typeof setTimeout>): void;
}

const browserClock = (): FrameClock => ({
  requestAnimationFrame: (fn) => requestAnimationFrame(fn),
  cancelAnimationFrame: (id) => cancelAnimationFrame(id),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (id) => clearTimeout(id),
});

/**
 * Runs `run` at most once per animation frame however often `schedule` is called before it:
 * in a busy room, remote changes arrive hundreds of times a second, and each used to rebuild the
 * board and re-render it on its own, though the screen shows only one state a frame.
 * `flush` runs what is pending at once (a change of this user's must not wait behind others').
 */
export class FrameBatch {
  private frame: number | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly run: () => void,
    private readonly clock: FrameClock = browserClock(),
  ) {}

  get pending(): boolean {
    return this.frame !== null || this.timer !== null;
  }

  schedule(): void {
    if (this.pending) return;
    // Whichever comes first: the next frame, or (no frames coming) the fallback.
    this.frame = this.clock.requestAnimationFrame(() => this.flush());
    this.timer = this.clock.setTimeout(() => this.flush(), FRAME_FALLBACK_MS);
  }

  /** Runs the pending batch now, if there is one. */
  flush(): void {
    if (!this.pending) return;
    this.cancel();
    this.run();
  }

  /** Runs now, pending or not, in place of any pending run. */
  runNow(): void {
    this.cancel();
    this.run();
  }

  /** Forgets the pending batch without running it. */
  cancel(): void {
    if (this.frame !== null) this.clock.cancelAnimationFrame(this.frame);
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.frame = null;
    this.timer = null;
  }
}
