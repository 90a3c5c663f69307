import { describe, expect, it } from 'vitest';
import { largestFitting, MAX_TRIES, ratioOf, type Try } from '../../client/lib/fit-search.ts';

const MIN = 0.6;
const MAX = 2;
const TOL = (MAX - MIN) / 2 ** 7;

/**
 * A view in a box 600 high: its content is `height(k)` high at type scale k. Returns the search's
 * answer, the tries it took, and the true largest fitting k (found by a fine scan).
 */
async function search(height: (k: number) => number, opts: { box?: number; from?: number } = {}) {
  const box = opts.box ?? 600;
  const measure = (k: number): Try => {
    const h = height(k);
    return { fits: h <= box + 1, ratio: ratioOf({ clientHeight: box, clientWidth: 800 }, { scrollHeight: h, scrollWidth: 800 }) };
  };
  const tried: number[] = [];
  const from = opts.from ?? MAX;
  const k = await largestFitting(MIN, MAX, TOL, async (k) => (tried.push(k), measure(k)), { k: from, ...measure(from) });
  let truth = MIN;
  for (let x = MIN; x <= MAX + 1e-9; x += 1e-4) if (measure(x).fits) truth = x;
  return { k, tries: tried.length, truth, fits: measure(k).fits };
}

describe('largestFitting', () => {
  it('finds the largest scale that fits, within the tolerance, in four tries or fewer for content that grows with its type', async () => {
    for (const [a, b] of [
      [0, 400],
      [120, 300],
      [40, 900],
      [300, 200],
    ] as const) {
      const r = await search((k) => a + b * k);
      expect(r.fits).toBe(true);
      expect(r.truth - r.k).toBeLessThanOrEqual(TOL);
      expect(r.k).toBeLessThanOrEqual(r.truth);
      expect(r.tries).toBeLessThanOrEqual(4);
    }
  });

  it('answers the largest scale at once when it fits (no try), and the least when nothing does', async () => {
    expect(await search((k) => 100 * k)).toMatchObject({ k: MAX, tries: 0 });
    const none = await search((k) => 2000 + 100 * k);
    expect(none.k).toBe(MIN);
  });

  it('aims as well at text that grows faster than its type (more lines as well as wider ones)', async () => {
    for (const [c, power] of [
      [280, 2.3],
      [420, 1.8],
      [150, 3],
    ] as const) {
      const r = await search((k) => c * k ** power);
      expect(r.fits).toBe(true);
      expect(r.truth - r.k).toBeLessThanOrEqual(TOL);
      expect(r.tries).toBeLessThanOrEqual(4);
    }
  });

  it('starts from the scale shown now, whichever side of the answer it is on', async () => {
    for (const from of [0.7, 1.2, 1.9]) {
      const r = await search((k) => 50 + 350 * k, { from });
      expect(r.truth - r.k).toBeLessThanOrEqual(TOL);
      expect(r.fits).toBe(true);
      expect(r.tries).toBeLessThanOrEqual(4);
    }
  });

  it('still lands within the tolerance when lines wrap (sizes jump) and in no more tries than the limit', async () => {
    // Text that wraps onto one more line of 30 px each time the scale passes a step.
    const r = await search((k) => 200 * k + 30 * Math.floor(k * 7));
    expect(r.fits).toBe(true);
    expect(r.truth - r.k).toBeLessThanOrEqual(TOL);
    expect(r.tries).toBeLessThanOrEqual(MAX_TRIES);
  });

  it('copes with content that stretches to fill its box (its ratio says nothing while it fits)', async () => {
    const r = await search((k) => Math.max(600, 450 * k));
    expect(r.fits).toBe(true);
    expect(r.truth - r.k).toBeLessThanOrEqual(TOL);
    expect(r.tries).toBeLessThanOrEqual(MAX_TRIES);
  });

  it('reads the ratio from the width when the content is too wide, and ignores a width that fits', () => {
    expect(ratioOf({ clientHeight: 600, clientWidth: 800 }, { scrollHeight: 300, scrollWidth: 1000 })).toBeCloseTo(0.8);
    expect(ratioOf({ clientHeight: 600, clientWidth: 800 }, { scrollHeight: 300, scrollWidth: 800 })).toBeCloseTo(2);
  });
});
