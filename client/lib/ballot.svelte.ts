import type { BallotValue } from '../../shared/votes.ts';
import { api, ApiError } from './api.ts';
import { saveReceipt } from './receipts.ts';

/**
 * One participant's ballot in one vote: what the server holds, and the
 * sending of a new one across a flaky connection.
 *
 * Every submission gets the next `seq`, kept in localStorage per vote before
 * it is sent, so a retry of an older ballot that lands late is answered
 * "stale" and never overwrites a newer one; the same request retried is
 * idempotent on the server. Network errors and 5xx are retried with capped
 * exponential backoff (sooner when the browser says it is back online).
 */
export type BallotStatus =
  | { kind: 'loading' }
  | { kind: 'none' }
  | { kind: 'sending'; attempt: number }
  /** `why`: this browser is offline, the server gave no answer, or it answered that it is failing or busy. */
  | { kind: 'retrying'; attempt: number; inMs: number; why: RetryReason }
  | { kind: 'stored' }
  | { kind: 'closed' }
  | { kind: 'forbidden' }
  | { kind: 'error'; message: string };

export type RetryReason = 'offline' | 'no answer' | 'server';

/** The longest a server's Retry-After may hold a ballot back: past it the vote may have closed. */
const MAX_RETRY_AFTER_MS = 30_000;

const SEQ_KEY = (voteId: string) => `stageboard:ballot-seq:${voteId}`;
const BACKOFF_MS = [400, 800, 1600, 3200, 6400, 10_000];

/** The last seq this browser sent in the vote: 0 for none, null when storage can't be read (so nobody knows). */
function loadSeq(voteId: string): number | null {
  try {
    const n = Number(localStorage.getItem(SEQ_KEY(voteId)));
    return Number.isInteger(n) && n > 0 ? n : 0;
  } catch {
    return null;
  }
}

function saveSeq(voteId: string, seq: number): void {
  try {
    localStorage.setItem(SEQ_KEY(voteId), String(seq));
  } catch {
    // Private browsing: the server's own seq (read back on load) still orders ballots.
  }
}

export class BallotBox {
  /** The ballot the server has confirmed holding, or null. */
  stored = $state.raw<BallotValue | null>(null);
  status = $state.raw<BallotStatus>({ kind: 'loading' });

  private seq: number;
  /** Whether this browser may hold a ballot in the vote: false only when storage says it never sent one. */
  private readonly maySend: boolean;
  /** Bumped by every submit and by destroy: an older send loop sees it changed and stops. */
  private generation = 0;
  private wake: (() => void) | null = null;
  private readonly onOnline = () => this.wake?.();

  constructor(
    private readonly workshopId: string,
    private readonly token: string,
    readonly voteId: string,
  ) {
    const seq = loadSeq(voteId);
    this.seq = seq ?? 0;
    this.maySend = seq !== 0;
    window.addEventListener('online', this.onOnline);
  }

  /**
   * Reads back this participant's own ballot, so "your vote is in" survives a
   * reload. A browser that never sent one (its stored seq says so) has
   * nothing to read: asking would only earn every voter a 404 in the console
   * the moment a vote opens.
   */
  async restore(): Promise<void> {
    if (!this.maySend) return void (this.status = { kind: 'none' });
    const gen = this.generation;
    for (let attempt = 0; ; attempt++) {
      try {
        const b = await api.myBallot(this.workshopId, this.token, this.voteId);
        if (gen !== this.generation) return;
        this.seq = Math.max(this.seq, b.seq);
        this.stored = b.value;
        saveReceipt(this.voteId, b.receipt);
        this.status = { kind: 'stored' };
        return;
      } catch (e) {
        if (gen !== this.generation) return;
        if (e instanceof ApiError && e.status === 404) return void (this.status = { kind: 'none' });
        if (e instanceof ApiError && e.status === 403) return void (this.status = { kind: 'none' });
        if (!retryable(e) || !(await this.pause(gen, backoff(attempt)))) return void (this.status = { kind: 'none' });
      }
    }
  }

  /** Sends `value` until the server answers; a newer submit supersedes this one. */
  async submit(value: BallotValue): Promise<void> {
    const gen = ++this.generation;
    const seq = ++this.seq;
    saveSeq(this.voteId, seq);
    for (let attempt = 0; ; attempt++) {
      this.status = { kind: 'sending', attempt };
      try {
        const res = await api.castBallot(this.workshopId, this.token, this.voteId, { ...value, seq });
        if (gen !== this.generation) return;
        // "stale" means the server already holds a newer ballot of ours; the newer one's own loop reports it.
        if (res.status === 'stored') this.stored = value;
        // The answer always carries the receipt of the ballot that stands.
        saveReceipt(this.voteId, res.receipt);
        this.status = { kind: 'stored' };
        return;
      } catch (e) {
        if (gen !== this.generation) return;
        if (e instanceof ApiError && e.status === 409) return void (this.status = { kind: 'closed' });
        if (e instanceof ApiError && e.status === 403) return void (this.status = { kind: 'forbidden' });
        if (!retryable(e)) return void (this.status = { kind: 'error', message: (e as Error).message });
        const inMs = waitBefore(e, attempt);
        this.status = { kind: 'retrying', attempt: attempt + 1, inMs, why: reasonOf(e) };
        if (!(await this.pause(gen, inMs))) return;
      }
    }
  }

  /** Waits `inMs` (less if the browser comes back online); false if superseded meanwhile. */
  private async pause(gen: number, inMs: number): Promise<boolean> {
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, inMs);
      this.wake = () => (clearTimeout(t), resolve());
    });
    this.wake = null;
    return gen === this.generation;
  }

  destroy(): void {
    this.generation++;
    this.wake?.();
    window.removeEventListener('online', this.onOnline);
  }
}

/** Capped exponential backoff with jitter, so a room of phones back from the same Wi-Fi drop does not retry in lockstep. */
function backoff(attempt: number): number {
  const base = BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)]!;
  return Math.round(base * (0.75 + Math.random() * 0.5));
}

/** The server's Retry-After when it gave one (a 503 or 429 says how long it needs), else the backoff. */
function waitBefore(e: unknown, attempt: number): number {
  const s = e instanceof ApiError ? e.retryAfterS : undefined;
  return s === undefined ? backoff(attempt) : Math.min(s * 1000, MAX_RETRY_AFTER_MS);
}

/** Why a send failed, in the voter's terms: a 503 is not "no connection". */
function reasonOf(e: unknown): RetryReason {
  if (e instanceof ApiError && e.status !== 0) return 'server';
  return navigator.onLine ? 'no answer' : 'offline';
}

/** No answer at all, or the server failing: worth another try. */
function retryable(e: unknown): boolean {
  return e instanceof ApiError && (e.status === 0 || e.status >= 500 || e.status === 429);
}
