import { performance } from 'node:perf_hooks';

/**
 * The longest an import or an export works before it lets other requests and sockets in. A long
 * log replayed in one go held the event loop for seconds (400,000 entries: 15 s), and with it
 * every other workshop on the server.
 */
export const SLICE_MS = 10;

/** The clock of a long loop: `if (slice.due) await slice.pause()` between steps. */
export class TimeSlice {
  private start = performance.now();
  constructor(private readonly ms = SLICE_MS) {}
  /** This slice has run its time. */
  get due(): boolean {
    return performance.now() - this.start >= this.ms;
  }
  /** Lets whatever is waiting run (I/O, timers, other slices), then starts a new slice. */
  async pause(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.start = performance.now();
  }
}

/** `items.map(fn)`, letting other work in whenever the slice has run its time. */
export async function mapSliced<T, U>(items: readonly T[], slice: TimeSlice, fn: (item: T, index: number) => U): Promise<U[]> {
  const out: U[] = [];
  for (let i = 0; i < items.length; i++) {
    out.push(fn(items[i]!, i));
    if (slice.due) await slice.pause();
  }
  return out;
}
