import { scaleLinear } from 'd3-scale';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { beeswarm, swarmExtent } from '../../client/lib/beeswarm.ts';

const x = scaleLinear().domain([1, 3]).range([0, 300]);

function overlaps(dots: { x: number; y: number }[], r: number): boolean {
  for (let i = 0; i < dots.length; i++)
    for (let j = i + 1; j < dots.length; j++) {
      const a = dots[i]!;
      const b = dots[j]!;
      if (Math.hypot(a.x - b.x, a.y - b.y) < 2 * r - 1e-6) return true;
    }
  return false;
}

describe('beeswarm', () => {
  it('puts a lone ballot on the axis at its value', () => {
    expect(beeswarm([2], { x, radius: 6 })).toEqual([{ index: 0, value: 2, x: 150, y: 0 }]);
  });

  it('keeps dots that are far apart on the axis', () => {
    const dots = beeswarm([1, 2, 3], { x, radius: 6 });
    expect(dots.map((d) => d.y)).toEqual([0, 0, 0]);
    expect(dots.map((d) => d.x)).toEqual([0, 150, 300]);
  });

  it('stacks equal values evenly on both sides of the axis', () => {
    const dots = beeswarm([2, 2, 2, 2, 2], { x, radius: 5 });
    expect(dots.map((d) => d.y).sort((a, b) => a - b)).toEqual([-20, -10, 0, 10, 20]);
    expect(swarmExtent(dots, 5)).toBe(25);
  });

  it('returns dots in input order, so each keeps its value', () => {
    const values = [2.5, 1.1, 2.5, 1.2];
    const dots = beeswarm(values, { x, radius: 8 });
    expect(dots.map((d) => d.value)).toEqual(values);
    expect(dots.map((d) => d.x)).toEqual(values.map(x));
  });

  it('never lets two dots overlap, and never moves a dot along the axis', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 1, max: 3, noNaN: true }), { maxLength: 80 }),
        fc.double({ min: 1, max: 12, noNaN: true }),
        (values, r) => {
          const dots = beeswarm(values, { x, radius: r });
          expect(dots).toHaveLength(values.length);
          expect(overlaps(dots, r)).toBe(false);
          dots.forEach((d, i) => expect(d.x).toBe(x(values[i]!)));
        },
      ),
    );
  });

  it('packs a dense crowd close to the axis rather than in one tall column', () => {
    const values = Array.from({ length: 100 }, (_, i) => 1.8 + (i % 10) * 0.04);
    const dots = beeswarm(values, { x, radius: 4 });
    // 100 dots 8 units wide over a 54-unit stretch: a single column would reach 400 each way.
    expect(swarmExtent(dots, 4)).toBeLessThan(100);
  });

  it('skips values the scale cannot place', () => {
    expect(beeswarm([Number.NaN, 2], { x, radius: 4 }).map((d) => d.index)).toEqual([1]);
  });
});
