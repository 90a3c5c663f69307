import { describe, expect, it } from 'vitest';
import { RefusalCooldown } from '../../server/refusals.ts';

describe('RefusalCooldown', () => {
  const setup = () => {
    let t = 1_000_000;
    const c = new RefusalCooldown({ refusalCooldownMs: 2000, maxRefusalCooldownMs: 60_000 }, () => t);
    return { c, advance: (ms: number) => (t += ms) };
  };

  it('lets the first refusal go, then waits refusalCooldownMs, doubling up to maxRefusalCooldownMs', () => {
    const { c, advance } = setup();
    c.refused('k');
    expect(c.waitFor('k')).toBe(0);
    const waits: number[] = [];
    for (let i = 0; i < 8; i++) {
      advance(100);
      c.refused('k');
      waits.push(c.waitFor('k'));
    }
    expect(waits).toEqual([2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000, 60_000]);
    expect(c.waitFor('other')).toBe(0);
  });

  it('counts down, and starts a new run after a quiet maxRefusalCooldownMs', () => {
    const { c, advance } = setup();
    c.refused('k');
    c.refused('k');
    advance(1500);
    expect(c.waitFor('k')).toBe(500);
    advance(500);
    expect(c.waitFor('k')).toBe(0);
    // Refused again soon after: the run goes on, and the wait doubles.
    c.refused('k');
    expect(c.waitFor('k')).toBe(4000);
    // A refusal long after the last one is a first refusal again.
    advance(60_001);
    expect(c.waitFor('k')).toBe(0);
    c.refused('k');
    expect(c.waitFor('k')).toBe(0);
  });
});
