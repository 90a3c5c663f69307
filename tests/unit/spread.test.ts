import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { spreadMarkers } from '../../client/lib/spread.ts';

const R = 13;
const opts = { near: R, radius: R };

describe('spreadMarkers: teams at the same point on the risk diagonal', () => {
  it('leaves markers that are apart where they are, with no hub', () => {
    const s = spreadMarkers(
      [
        { id: 'a', x: 100, y: 100 },
        { id: 'b', x: 120, y: 100 },
      ],
      opts,
    );
    expect(s.at.get('a')).toEqual({ x: 100, y: 100 });
    expect(s.at.get('b')).toEqual({ x: 120, y: 100 });
    expect(s.hubs).toEqual([]);
  });

  it('fans two teams at one point out to either side of it, clear of each other, with a hub where they are', () => {
    const s = spreadMarkers(
      [
        { id: 'a', x: 200, y: 200 },
        { id: 'b', x: 200, y: 200 },
      ],
      opts,
    );
    const a = s.at.get('a')!;
    const b = s.at.get('b')!;
    expect(Math.hypot(a.x - b.x, a.y - b.y)).toBeGreaterThanOrEqual(2 * R);
    // First at the top, the next clockwise (straight below, for two).
    expect(a.y).toBeLessThan(200);
    expect(b.y).toBeGreaterThan(200);
    expect(s.hubs).toEqual([{ x: 200, y: 200, ids: ['a', 'b'] }]);
  });

  it('joins a chain of near markers into one group', () => {
    const s = spreadMarkers(
      [
        { id: 'a', x: 0, y: 0 },
        { id: 'b', x: 10, y: 0 },
        { id: 'c', x: 20, y: 0 },
      ],
      opts,
    );
    expect(s.hubs).toHaveLength(1);
    expect(s.hubs[0]!.ids).toEqual(['a', 'b', 'c']);
  });

  it('keeps every marker of a group clear of the others, however many share a point', () => {
    const point = fc.record({ x: fc.integer({ min: 0, max: 60 }), y: fc.integer({ min: 0, max: 60 }) });
    fc.assert(
      fc.property(fc.array(point, { minLength: 1, maxLength: 40 }), (pts) => {
        const input = pts.map((p, i) => ({ id: `t${i}`, ...p }));
        const s = spreadMarkers(input, opts);
        expect(s.at.size).toBe(input.length);
        const grouped = new Set(s.hubs.flatMap((h) => h.ids));
        for (const p of input) if (!grouped.has(p.id)) expect(s.at.get(p.id)).toEqual({ x: p.x, y: p.y });
        for (const hub of s.hubs) {
          const at = hub.ids.map((id) => s.at.get(id)!);
          for (let i = 0; i < at.length; i++)
            for (let j = i + 1; j < at.length; j++)
              expect(Math.hypot(at[i]!.x - at[j]!.x, at[i]!.y - at[j]!.y)).toBeGreaterThanOrEqual(2 * R - 1e-6);
        }
      }),
      { numRuns: 200 },
    );
  });
});
