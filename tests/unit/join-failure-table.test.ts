import { describe, expect, it } from 'vitest';
import { FailureLimiter } from '../../server/ratelimit.ts';

/** 2 failures per 1000 ms window, at most 3 addresses, on a clock the test moves. */
function limiter() {
  let t = 0;
  const l = new FailureLimiter(2, 1000, () => t, 3);
  return { l, at: (ms: number) => void (t = ms) };
}

describe('join-failure table bound', () => {
  it('holds at most maxJoinFailureAddresses addresses, however many fail', () => {
    const { l, at } = limiter();
    for (let i = 0; i < 50; i++) {
      at(i);
      l.fail(`10.0.0.${i}`);
      expect(l.size).toBeLessThanOrEqual(3);
    }
    expect(l.size).toBe(3);
  });

  it('makes room from windows that have ended before any window still running', () => {
    const { l, at } = limiter();
    at(0);
    l.fail('ended');
    at(600);
    l.fail('blocked');
    l.fail('blocked');
    l.fail('third');
    // Full at the edge; the first window has ended, so it alone goes.
    at(1000);
    expect(l.fail('fourth')).toBe(0);
    expect(l.size).toBe(3);
    expect(l.fail('blocked')).toBe(600);
  });

  it('with every window still running, forgets the oldest one, and only it', () => {
    const { l, at } = limiter();
    at(0);
    l.fail('oldest');
    l.fail('oldest');
    at(10);
    l.fail('blocked');
    l.fail('blocked');
    l.fail('third');
    expect(l.blockedFor('oldest')).toBe(990);
    at(20);
    l.fail('fourth');
    expect(l.size).toBe(3);
    expect(l.blockedFor('oldest')).toBe(0);
    expect(l.blockedFor('blocked')).toBe(990);
  });

  it('still counts an address already in a full table without evicting anyone', () => {
    const { l, at } = limiter();
    at(0);
    for (const a of ['a', 'b', 'c']) l.fail(a);
    expect(l.fail('a')).toBe(0);
    expect(l.fail('a')).toBe(1000);
    expect(l.size).toBe(3);
    expect(l.blockedFor('b')).toBe(0);
    expect(l.fail('b')).toBe(0);
    expect(l.fail('b')).toBe(1000);
  });
});
