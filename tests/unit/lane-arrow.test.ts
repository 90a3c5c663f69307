import { describe, expect, it } from 'vitest';
import { ARROW_HEAD, laneArrow } from '../../client/lib/layout.ts';

describe('laneArrow: the stage map’s arrow from today to the target', () => {
  it('runs forwards from the dot’s edge to short of the ring when the target is well ahead', () => {
    expect(laneArrow(100, 300, 1)).toEqual({ x1: 116, x2: 278 });
  });

  it('runs backwards, pointing at the ring, when the target is behind', () => {
    expect(laneArrow(300, 100, 1)).toEqual({ x1: 284, x2: 122 });
  });

  it('draws nothing, rather than a reversed arrow, when the target is only slightly ahead (1.3 → 1.6 on a phone)', () => {
    // Broke: a gap over 22·m drew a line from x + 16·m to target − 22·m, which for gaps under 38·m runs backwards.
    for (const gap of [23, 30, 37, 38, 38 + ARROW_HEAD - 1]) {
      expect(laneArrow(100, 100 + gap, 1)).toBeNull();
      expect(laneArrow(100, 100 - gap, 1)).toBeNull();
    }
    expect(laneArrow(100, 100, 1)).toBeNull();
  });

  it('always points the way the target lies, at any marker scale', () => {
    for (const m of [0.8, 1, 1.4, 1.9]) {
      for (let gap = -400; gap <= 400; gap += 3) {
        const a = laneArrow(200, 200 + gap, m);
        if (!a) continue;
        expect(Math.sign(a.x2 - a.x1)).toBe(Math.sign(gap));
        expect(Math.abs(a.x2 - a.x1)).toBeGreaterThanOrEqual(ARROW_HEAD * m);
      }
    }
  });
});
