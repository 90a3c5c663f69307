import { afterEach, describe, expect, it, vi } from 'vitest';
import { api, ApiError, joinCodeProblem, whenToRetry } from '../../client/lib/api.ts';

describe('what a participant is told when joining fails', () => {
  afterEach(() => vi.unstubAllGlobals());

  const answer = (status: number, body: object, headers: Record<string, string> = {}) =>
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => new Response(JSON.stringify(body), { status, headers })),
    );
  const joinError = async () => {
    try {
      await api.join('ABC234', 'Sam');
    } catch (e) {
      return e as ApiError;
    }
    throw new Error('joined');
  };

  it('says a code has six characters, before asking the server', () => {
    expect(joinCodeProblem('abc 23')).toBe('Codes have 6 characters; that one has 5. Check it with the facilitator.');
    expect(joinCodeProblem('')).toBe('Codes have 6 characters. Check it with the facilitator.');
    expect(joinCodeProblem('abc-234')).toBeNull();
    expect(joinCodeProblem('ABC0I1')).toMatch(/never 0, O, 1 or I/);
  });

  it('says when to try again from Retry-After', () => {
    expect(whenToRetry(1)).toBe('Try again in 1 second.');
    expect(whenToRetry(45)).toBe('Try again in 45 seconds.');
    expect(whenToRetry(600)).toBe('Try again in 10 minutes.');
    expect(whenToRetry(undefined)).toBe('Wait a minute, then try again.');
  });

  it('writes the server codes out, and keeps the server text for a code it has no sentence for', async () => {
    answer(404, { error: 'no workshop has that code', code: 'not_found' });
    expect((await joinError()).message).toBe('No workshop has that code. Check it with the facilitator.');
    answer(409, { error: 'this workshop is full (500 participants)', code: 'conflict' });
    expect((await joinError()).message).toBe('This workshop is full. Ask the facilitator to make room.');
    answer(429, { error: 'too many wrong codes from this address', code: 'too_many_requests' }, { 'Retry-After': '37' });
    const limited = await joinError();
    expect(limited.message).toBe('Too many wrong codes from this network. Try again in 37 seconds.');
    expect(limited.retryAfterS).toBe(37);
    answer(400, { error: 'name: too long', code: 'bad_request' });
    expect((await joinError()).message).toBe('name: too long');
  });
});
