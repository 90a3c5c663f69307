import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FRAME_FALLBACK_MS, FrameBatch, type FrameClock } from '../../client/lib/frame-batch.ts';

/** Animation frames that come only when the test says (none at all in a hidden tab); timers on vitest's fake clock. */
function frames() {
  const waiting = new Map<number, () => void>();
  let next = 1;
  const clock: FrameClock = {
    requestAnimationFrame: (fn) => (waiting.set(next, fn), next++),
    cancelAnimationFrame: (id) => void waiting.delete(id),
    setTimeout: (fn, ms) => setTimeout(fn, ms),
    clearTimeout: (id) => clearTimeout(id),
  };
  const paint = () => {
    const due = [...waiting.values()];
    waiting.clear();
    for (const fn of due) fn();
  };
  return { clock, paint, waiting: () => waiting.size };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  expect(vi.getTimerCount()).toBe(0);
  vi.useRealTimers();
});

describe('a frame batch', () => {
  it('runs once at the next frame however many changes were scheduled before it', () => {
    const { clock, paint } = frames();
    const run = vi.fn();
    const batch = new FrameBatch(run, clock);
    for (let i = 0; i < 10; i++) batch.schedule();
    expect(run).not.toHaveBeenCalled();
    paint();
    expect(run).toHaveBeenCalledTimes(1);
    // The fallback went with the frame: it does not run the batch a second time.
    vi.advanceTimersByTime(FRAME_FALLBACK_MS);
    expect(run).toHaveBeenCalledTimes(1);
  });

  it('catches up without frames, as in a hidden tab', () => {
    const { clock, waiting } = frames();
    const run = vi.fn();
    const batch = new FrameBatch(run, clock);
    batch.schedule();
    batch.schedule();
    vi.advanceTimersByTime(FRAME_FALLBACK_MS - 1);
    expect(run).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(run).toHaveBeenCalledTimes(1);
    // The frame that never came is no longer asked for.
    expect(waiting()).toBe(0);
  });

  it('runs at once for a change of the user’s own, taking the pending run with it', () => {
    const { clock, paint, waiting } = frames();
    const run = vi.fn();
    const batch = new FrameBatch(run, clock);
    batch.schedule();
    batch.runNow();
    expect(run).toHaveBeenCalledTimes(1);
    expect(waiting()).toBe(0);
    paint();
    vi.advanceTimersByTime(FRAME_FALLBACK_MS);
    expect(run).toHaveBeenCalledTimes(1);
  });

  it('forgets a pending run when cancelled (the board moved to a new document)', () => {
    const { clock, paint } = frames();
    const run = vi.fn();
    const batch = new FrameBatch(run, clock);
    batch.schedule();
    batch.cancel();
    paint();
    vi.advanceTimersByTime(FRAME_FALLBACK_MS);
    expect(run).not.toHaveBeenCalled();
  });
});
