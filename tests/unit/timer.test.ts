import { describe, expect, it } from 'vitest';
import { addMinute, formatRemaining, isPaused, pauseTimer, remainingMs, resumeTimer, startTimer } from '../../shared/timer.ts';

describe('session timer', () => {
  it('counts down from the server time it was started at', () => {
    const t = startTimer(300_000, 1_000);
    expect(remainingMs(t, 1_000)).toBe(300_000);
    expect(remainingMs(t, 61_000)).toBe(240_000);
    expect(remainingMs(t, 400_000)).toBe(0);
  });

  it('holds its remaining time while paused and continues from there', () => {
    const paused = pauseTimer(startTimer(300_000, 0), 100_000);
    expect(isPaused(paused)).toBe(true);
    expect(remainingMs(paused, 999_999)).toBe(200_000);
    const resumed = resumeTimer(paused, 500_000);
    expect(remainingMs(resumed, 550_000)).toBe(150_000);
  });

  it('adds a minute while running, while paused, and after the end', () => {
    expect(remainingMs(addMinute(startTimer(60_000, 0), 30_000), 30_000)).toBe(90_000);
    expect(remainingMs(addMinute(pauseTimer(startTimer(60_000, 0), 30_000), 30_000), 0)).toBe(90_000);
    expect(remainingMs(addMinute(startTimer(60_000, 0), 120_000), 120_000)).toBe(60_000);
    expect(addMinute(startTimer(60_000, 0), 0).durationMs).toBe(120_000);
  });

  it('formats time left, rounding up so zero shows only at the end', () => {
    expect(formatRemaining(0)).toBe('0:00');
    expect(formatRemaining(1)).toBe('0:01');
    expect(formatRemaining(59_001)).toBe('1:00');
    expect(formatRemaining(245_000)).toBe('4:05');
    expect(formatRemaining(3_723_000)).toBe('1:02:03');
  });
});
