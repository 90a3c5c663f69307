import { afterEach, describe, expect, it, vi } from 'vitest';
import { ActionKey, newIdempotencyKey } from '../../client/lib/action-key.ts';
import { api, ApiError, NO_ANSWER, REQUEST_TIMEOUT_MS } from '../../client/lib/api.ts';

/*
 * The client's half of Idempotency-Key: one key per user action, the same on every try of it. A
 * join the client gave up on may have taken a seat; pressing Join again must send the same key so
 * the server gives that seat back, and a later, new join must not.
 */
describe('the Idempotency-Key of a user action', () => {
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  /** Answers each request with the next of `answers`; 'silence' never answers (until the client aborts). */
  function server(answers: ('silence' | number)[]) {
    const keys: (string | null)[] = [];
    vi.stubGlobal(
      'fetch',
      vi.fn((_path: string, init: RequestInit) => {
        keys.push(new Headers(init.headers).get('idempotency-key'));
        const next = answers.shift() ?? 200;
        if (next === 'silence') {
          return new Promise((_, reject) =>
            init.signal!.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))),
          );
        }
        return Promise.resolve(new Response(JSON.stringify({ workshopId: 'w', participantId: 'p', token: 't' }), { status: next }));
      }),
    );
    return keys;
  }

  /** What JoinForm does when Join is pressed. */
  const joining = new ActionKey();
  async function pressJoin(code: string, name: string) {
    const r = await api.join(code, name, joining.for({ code, name }));
    joining.done();
    return r;
  }

  it('sends the same key when Join is pressed again after no answer, and a new one for the next join', async () => {
    vi.useFakeTimers();
    const keys = server(['silence', 200, 200]);
    const first = pressJoin('ABC234', 'Ana').catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(REQUEST_TIMEOUT_MS);
    expect(await first).toMatchObject({ status: 0, message: NO_ANSWER });
    expect(await first).toBeInstanceOf(ApiError);
    await pressJoin('ABC234', 'Ana');
    // Same fields after a success: a new action (a second person on the same phone).
    await pressJoin('ABC234', 'Ana');
    expect(keys[0]).toMatch(/^"[A-Za-z0-9_-]{22}"$/);
    expect(keys[1]).toBe(keys[0]);
    expect(keys[2]).not.toBe(keys[0]);
  });

  it('sends a new key when the fields changed before the retry: another request is another action', async () => {
    const keys = server([500, 200]);
    await expect(pressJoin('ABC234', 'Ana')).rejects.toBeInstanceOf(ApiError);
    await pressJoin('ABC234', 'Anna');
    expect(keys[1]).not.toBe(keys[0]);
  });

  it('keeps the key across the automatic retries of a 421', async () => {
    vi.useFakeTimers();
    const keys = server([421, 421, 201]);
    const made = api.createWorkshop('Offsite', 'stages', newIdempotencyKey());
    await vi.runAllTimersAsync();
    await made;
    expect(new Set(keys).size).toBe(1);
    expect(keys[0]).not.toBeNull();
  });

  it('sends no key for a call made without one', async () => {
    const keys = server([200]);
    await api.join('ABC234', 'Ana');
    expect(keys).toEqual([null]);
  });

  it('makes keys the server takes: 22 base64url characters, each one different', () => {
    const made = new Set(Array.from({ length: 1000 }, newIdempotencyKey));
    expect(made.size).toBe(1000);
    for (const k of made) expect(k).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });
});
