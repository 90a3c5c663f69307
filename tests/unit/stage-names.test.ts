import { describe, expect, it } from 'vitest';
import {
  fitWholeNames,
  labelColumn,
  laneName,
  laneScale,
  sameName,
  wholeNameSize,
  type LaneNameFit,
} from '../../client/lib/stage-names.ts';

/** Widths by a fixed glyph, as a test has no fonts: 10 px a letter at 17 px. */
const measure = (text: string, size: number) => (text.length * size * 10) / 17;
const LONG = 'Customer Identity and Access Management #26';

/** Lanes `laneHeight` tall beside a name column (`plotLeft`, 300 px unless told), at a laptop's type. */
function fit(lane: { laneHeight: number; plotLeft?: number; plotRight?: number }, over: Partial<LaneNameFit> = {}): LaneNameFit {
  return {
    paged: false,
    compact: false,
    fullNames: false,
    L: { plotLeft: 300, plotRight: 1000, ...lane },
    nameSize: 17,
    k: 1,
    lk: 1,
    m: 1,
    measure,
    ...over,
  };
}

describe('laneScale', () => {
  it("sets a page's names (34 px lanes) in 14 px type or more", () => {
    expect(17 * laneScale({ paged: true, squeezed: true, k: 1, laneHeight: 34 })).toBeGreaterThanOrEqual(14);
  });

  it('grows a page of tall lanes no larger than the map, or a laptop, allows', () => {
    expect(17 * laneScale({ paged: true, squeezed: true, k: 1.4, laneHeight: 80 })).toBeCloseTo(17 * 1.4);
    expect(17 * laneScale({ paged: true, squeezed: true, k: 0.7, laneHeight: 80 })).toBeCloseTo(17);
  });

  it('never squeezes a projector name below 13 px, however thin the lanes', () => {
    expect(17 * laneScale({ paged: false, squeezed: true, k: 1.2, laneHeight: 10 })).toBe(13);
  });

  it("keeps the map's type where lanes are not fitted to a screen", () => {
    expect(laneScale({ paged: false, squeezed: false, k: 1.3, laneHeight: 10 })).toBe(1.3);
  });
});

describe('laneName', () => {
  it('wraps a long name to two lines in a lane 2.4 lines tall', () => {
    const name = laneName(LONG, false, fit({ laneHeight: 2.4 * 17 }));
    expect(name.lines).toHaveLength(2);
  });

  it('puts it on one line, cut in the middle keeping its number, in a thinner lane', () => {
    const name = laneName(LONG, false, fit({ laneHeight: 30, plotLeft: 220 }));
    expect(name.lines).toHaveLength(1);
    expect(name.whole).toBe(false);
    expect(name.lines[0]).toMatch(/#26$/);
    expect(name.lines[0]).toMatch(/^Customer/);
  });

  it('puts a red-zone name on two lines, its ⚠ under them where the lane holds 3.4 lines, else after the last', () => {
    // 50 px: no room for the flag's line (56 px); the ⚠ follows the name. Broke: one line, cut.
    const thin = laneName(LONG, true, fit({ laneHeight: 50 }));
    expect(thin.lines).toHaveLength(2);
    expect(thin).toMatchObject({ whole: true, flagAfter: true });
    const tall = laneName(LONG, true, fit({ laneHeight: 3.4 * 17 }));
    expect(tall.lines).toHaveLength(2);
    expect(tall.flagAfter).toBeUndefined();
  });

  it('moves the ⚠ after the name where a line for it under the name would cut the name', () => {
    // 57 px holds the flag's line (56) but not two lines of name over it (57.8): at 1024×768 "Customer Identi…Management".
    const name = laneName(LONG, true, fit({ laneHeight: 57 }));
    expect(name).toMatchObject({ lines: ['Customer Identity and', 'Access Management #26'], whole: true, flagAfter: true });
  });

  it('ends every line, and the ⚠ after the last, 4 px before the first stage band, whatever its letters', () => {
    // Wide letters: the name's average glyph is an i's, the cut line's a W's (14 px a letter at 17 px, others 10).
    const wide = (text: string, size: number) => ([...text].reduce((w, c) => w + (c === 'W' ? 14 : c === 'i' ? 4 : 10), 0) * size) / 17;
    const name = `${'i'.repeat(30)} ${'W'.repeat(12)}`;
    const lane = fit({ laneHeight: 30, plotLeft: 220 }, { measure: wide, paged: true });
    const drawn = laneName(name, true, lane);
    expect(drawn.whole).toBe(false);
    expect(wide(drawn.lines[0]!, 17) + wide(' ⚠', 17)).toBeLessThanOrEqual(220 - 36 - 4);
  });

  it("leaves room after a red-zone name on a page for its ⚠, which follows the name's last line", () => {
    // Lines of 20 letters at 14 px beside a 212 px column.
    const lane = { laneHeight: 34, plotLeft: 212 };
    const plain = laneName(LONG, false, fit(lane, { nameSize: 14, paged: true }));
    const red = laneName(LONG, true, fit(lane, { nameSize: 14, paged: true }));
    expect(red.lines).toHaveLength(2);
    // The flagged name's last line gives three letters to the ⚠ and its gap.
    expect(red.lines.at(-1)!.length).toBeLessThanOrEqual(20 - 3);
    expect(plain.lines.at(-1)!.length).toBeGreaterThan(20 - 3);
    expect(red.lines.at(-1)).toMatch(/#26$/);
  });

  it("gives a phone's name one line across the plot, narrower by the ⚠ when the team is in the red zone", () => {
    const L = { laneHeight: 84, plotLeft: 16, plotRight: 250 };
    const plain = laneName(LONG, false, fit(L, { compact: true }));
    const red = laneName(LONG, true, fit(L, { compact: true }));
    expect(plain.lines).toHaveLength(1);
    expect(red.width).toBeLessThan(plain.width);
    expect(red.width).toBeLessThanOrEqual(L.plotRight - L.plotLeft - 8 - 20);
  });

  it('reports the widest line as drawn', () => {
    const name = laneName('Mobile', false, fit({ laneHeight: 60 }));
    expect(name).toEqual({ lines: ['Mobile'], whole: true, width: 60 });
  });
});

describe('labelColumn', () => {
  it("fits the names in the lanes' type where it is larger than the map's", () => {
    // A crowd shrank the map's type to 0.7 (12 px names); its lanes draw them at 13 px or more.
    const teams = [{ name: 'Site Reliability EMEA' }];
    expect(labelColumn(teams, 0.7, 740, 15)).toBeCloseTo(0.7 * 46 + 21 * 15 * 0.56);
    expect(labelColumn(teams, 0.7, 740, 15)).toBeGreaterThan(labelColumn(teams, 0.7, 740));
  });

  it('widens the name column for a 40-letter name on a 1920 projector, up to 36% of the map', () => {
    expect(labelColumn([{ name: 'x'.repeat(40) }], 1.9, 1920)).toBeCloseTo(691.2);
    expect(labelColumn([{ name: 'x'.repeat(90) }], 1.9, 1920)).toBeCloseTo(1920 * 0.36);
  });

  it('keeps 200 px at a laptop scale for short names', () => {
    expect(labelColumn([{ name: 'Mobile' }], 1, 1000)).toBe(200);
  });
});

describe('fitWholeNames', () => {
  it('never cuts a name: the last line keeps the rest', () => {
    const { lines } = fitWholeNames([{ id: 'a', name: LONG + ' and Governance Operations' }], 1, 1000);
    const name = lines.get('a')!;
    expect(name.whole).toBe(true);
    expect(name.lines.join(' ')).toBe(LONG + ' and Governance Operations');
  });
});

describe('sameName', () => {
  it('hands a lane its old name when the new one reads the same, so it is not redrawn', () => {
    const old = { lines: ['Payments'], whole: true, width: 80 };
    expect(sameName(old, { lines: ['Payments'], whole: true, width: 80 })).toBe(old);
    const next = { lines: ['Payments team'], whole: true, width: 130 };
    expect(sameName(old, next)).toBe(next);
  });
});

describe('wholeNameSize', () => {
  const names = [
    { name: 'Payments Reconciliation and Settlement', red: false },
    { name: 'Billing', red: false },
  ];

  it('keeps the size when every name is whole in it', () => {
    expect(wholeNameSize([{ name: 'Billing', red: false }], fit({ laneHeight: 50 }))).toBe(17);
  });

  it('takes the largest size, down to 13 px, at which every name is whole', () => {
    // A 38 px lane holds two lines of 15.5 px type (2.4 lines' height), one of 17 px: the name is cut there.
    const lanes = fit({ laneHeight: 38, plotLeft: 300 });
    expect(laneName(names[0]!.name, false, lanes).whole).toBe(false);
    const size = wholeNameSize(names, lanes);
    expect(size).toBe(15.5);
    expect(laneName(names[0]!.name, false, { ...lanes, nameSize: size }).whole).toBe(true);
    expect(laneName(names[0]!.name, false, { ...lanes, nameSize: size + 0.5 }).whole).toBe(false);
  });

  it('keeps the size when no size down to 13 px shows every name whole: the cut one shows whole on pointing', () => {
    expect(wholeNameSize(names, fit({ laneHeight: 38, plotLeft: 150 }))).toBe(17);
  });
});
