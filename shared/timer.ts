import type { Timer } from './doc.ts';

/**
 * The session timer as pure functions of the server's clock. `endsAt` is a
 * server timestamp, so every screen that knows its offset to the server shows
 * the same remaining time whatever its own clock says.
 */
export const ONE_MINUTE = 60_000;

export function startTimer(durationMs: number, serverNow: number): Timer {
  return { endsAt: serverNow + durationMs, durationMs, pausedRemainingMs: null };
}

export function remainingMs(timer: Timer | null, serverNow: number): number {
  if (!timer) return 0;
  if (timer.endsAt === null) return Math.max(0, timer.pausedRemainingMs ?? 0);
  return Math.max(0, timer.endsAt - serverNow);
}

export const isPaused = (timer: Timer | null): boolean => !!timer && timer.endsAt === null;

/** A running timer that has reached zero ("time is up"); a paused one never has. */
export const timeIsUp = (timer: Timer | null, serverNow: number): boolean =>
  !!timer && !isPaused(timer) && remainingMs(timer, serverNow) === 0;

export function pauseTimer(timer: Timer, serverNow: number): Timer {
  if (timer.endsAt === null) return timer;
  return { ...timer, endsAt: null, pausedRemainingMs: remainingMs(timer, serverNow) };
}

export function resumeTimer(timer: Timer, serverNow: number): Timer {
  if (timer.endsAt !== null) return timer;
  return { ...timer, endsAt: serverNow + (timer.pausedRemainingMs ?? 0), pausedRemainingMs: null };
}

/** Adds a minute to what is left (and to the total); a finished timer restarts with one minute. */
export function addMinute(timer: Timer, serverNow: number): Timer {
  const durationMs = timer.durationMs + ONE_MINUTE;
  if (timer.endsAt === null) return { ...timer, durationMs, pausedRemainingMs: (timer.pausedRemainingMs ?? 0) + ONE_MINUTE };
  return { ...timer, durationMs, endsAt: Math.max(timer.endsAt, serverNow) + ONE_MINUTE };
}

/** "4:05", or "1:02:03" past an hour; rounds up so 0:00 shows only at the end. */
export function formatRemaining(ms: number): string {
  const total = Math.ceil(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}
