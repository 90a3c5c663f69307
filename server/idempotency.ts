import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { AppError } from '../shared/errors.ts';
import type { Logger } from './log.ts';
import { RequestKeyTaken, type RememberedRequest, type Store } from './store.ts';
import { hashSecret } from './tokens.ts';

/*
 * `Idempotency-Key` (IETF draft-ietf-httpapi-idempotency-key-header) on the requests a phone
 * retries: create a workshop, join, open a vote. A client that gave up waiting (REQUEST_TIMEOUT_MS)
 * sends the same action again; if the server had answered late, the first try had already made a
 * seat, a workshop or a vote, and the retry made a second. With the header, a request is remembered
 * in the store with what it made, in the same transaction (so every process of a cluster sees it),
 * and a repeat answers with the same seat, workshop or vote. Without the header nothing changes.
 */

/** How long a key is remembered: a repeat within this answers as the first request did; after it, the key is new. */
export const IDEMPOTENCY_WINDOW_MS = 60 * 60_000;
/**
 * A key's length and characters: base64url or a UUID. At least 16 characters, because within the
 * window a key can mint a fresh token for what it made: it must be as unguessable as one.
 */
export const IDEMPOTENCY_KEY_MIN_CHARS = 16;
export const IDEMPOTENCY_KEY_MAX_CHARS = 128;
/** Every this many remembered requests, a process deletes up to PURGE_ROWS rows past the window. */
const PURGE_EVERY = 50;
const PURGE_ROWS = 1_000;

const KEY = new RegExp(`^[A-Za-z0-9_-]{${IDEMPOTENCY_KEY_MIN_CHARS},${IDEMPOTENCY_KEY_MAX_CHARS}}$`);

/**
 * The request's key, or undefined without the header. The draft sends it as a structured-field
 * string (`"…"`); a bare token is taken too. Anything else is a 400, not ignored: a client that
 * meant to be safe to retry must not silently be unsafe.
 */
export function readIdempotencyKey(req: IncomingMessage): string | undefined {
  const header = req.headers['idempotency-key'];
  if (header === undefined) return undefined;
  const raw = Array.isArray(header) ? header.join(',') : header;
  const key = /^"[^"]*"$/.test(raw) ? raw.slice(1, -1) : raw;
  if (!KEY.test(key)) {
    throw new AppError(
      'bad_request',
      `Idempotency-Key: ${IDEMPOTENCY_KEY_MIN_CHARS} to ${IDEMPOTENCY_KEY_MAX_CHARS} letters, digits, "-" or "_", sent once`,
    );
  }
  return key;
}

/** One keyed request: where its key is unique, the key's hash and its body's hash. */
export interface KeyedRequest {
  scope: string;
  keyHash: string;
  requestHash: string;
}

export function keyedRequests(store: Store, now: () => number, log: Logger) {
  let rememberedSincePurge = 0;

  return {
    /** The keyed request for `scope` and this body, or undefined when the request has no key. */
    of(req: IncomingMessage, scope: string, body: unknown): KeyedRequest | undefined {
      const key = readIdempotencyKey(req);
      if (key === undefined) return undefined;
      const requestHash = createHash('sha256').update(JSON.stringify(body)).digest('base64url');
      return { scope, keyHash: hashSecret(key), requestHash };
    },

    /**
     * What the first request with this key made, parsed, if one did within the window; a 422 when
     * that request had another body (as the draft says).
     */
    async prior<T>(k: KeyedRequest | undefined): Promise<T | undefined> {
      if (!k) return undefined;
      const found = await store.findRequest(k.scope, k.keyHash, now() - IDEMPOTENCY_WINDOW_MS);
      if (!found) return undefined;
      if (found.requestHash !== k.requestHash) {
        throw new AppError(
          'idempotency_key_reused',
          'this Idempotency-Key was used for a different request; send a new key for a new request',
        );
      }
      return JSON.parse(found.result) as T;
    },

    /** What the store writes with the outcome, so a repeat finds it. */
    remember(k: KeyedRequest | undefined, result: unknown): RememberedRequest | undefined {
      if (!k) return undefined;
      const at = now();
      return { ...k, result: JSON.stringify(result), at, forgetBefore: at - IDEMPOTENCY_WINDOW_MS };
    },

    /**
     * Deletes a bounded batch of keys past the window, once every PURGE_EVERY remembered requests: more
     * than it adds, and never a long delete in front of an answer. A failure is left to the next one:
     * the request itself succeeded, and its answer must not depend on housekeeping.
     */
    async purgeNowAndThen(): Promise<void> {
      if (++rememberedSincePurge < PURGE_EVERY) return;
      rememberedSincePurge = 0;
      try {
        await store.purgeRequests(now() - IDEMPOTENCY_WINDOW_MS, PURGE_ROWS);
      } catch (err) {
        log('warn', 'could not purge expired idempotency keys', { error: String(err) });
      }
    },

    /** Forgets the key of a request whose outcome was taken back, so its retry acts again. */
    async forget(k: KeyedRequest | undefined): Promise<void> {
      if (k) await store.forgetRequest(k.scope, k.keyHash);
    },
  };
}

export type KeyedRequests = ReturnType<typeof keyedRequests>;

/**
 * Runs `act` (a write given `remember`) unless a request with the same key made something first:
 * then, or when a concurrent one with the key wins the write (RequestKeyTaken), `repeat` answers
 * with what that one made. `repeat` returns undefined when that is gone (a seat removed since):
 * the key is forgotten and this request acts anew.
 */
export async function once<T, R>(
  keyed: KeyedRequests,
  k: KeyedRequest | undefined,
  act: () => Promise<R>,
  repeat: (prior: T) => Promise<R | undefined>,
): Promise<R> {
  for (let tries = 0; ; tries++) {
    const prior = await keyed.prior<T>(k);
    if (prior !== undefined) {
      const answer = await repeat(prior);
      if (answer !== undefined) return answer;
      await keyed.forget(k);
    }
    try {
      const made = await act();
      if (k) await keyed.purgeNowAndThen();
      return made;
    } catch (err) {
      // Another request with this key wrote first and is now found; a second loss is not expected.
      if (err instanceof RequestKeyTaken && tries === 0) continue;
      throw err;
    }
  }
}
