import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PAGE_MS } from '../../client/lib/projector.ts';
import { pageLabel, pageShown, stagePageSize } from '../../client/lib/stage-pages.ts';
import { StagePager } from '../../client/lib/stage-pager.svelte.ts';

const teams = (count: number) => Array.from({ length: count }, (_, i) => ({ id: `t${i}`, name: `Team ${i + 1}` }));

describe('stagePageSize', () => {
  it('shows every team while each lane keeps its least height (16 px)', () => {
    expect(stagePageSize({ count: 30, columns: 1, perColumn: 30, laneHeight: 16 })).toBeNull();
    expect(stagePageSize({ count: 30, columns: 1, perColumn: 30, laneHeight: 40 })).toBeNull();
  });

  it('puts thirty teams squeezed to 12 px lanes on three pages of ten (34 px lanes)', () => {
    expect(stagePageSize({ count: 30, columns: 1, perColumn: 30, laneHeight: 12 })).toBe(10);
  });

  it('fills the pages evenly: ten, ten and ten, not thirteen, thirteen and four', () => {
    // 15 px lanes × 30 leave room for thirteen 34 px lanes a page.
    expect(stagePageSize({ count: 30, columns: 1, perColumn: 30, laneHeight: 15 })).toBe(10);
  });

  it('counts a page across both columns', () => {
    // Two columns of fifteen 10 px lanes: four 34 px lanes a column, eight a page, as four pages of 8, 8, 8 and 6.
    expect(stagePageSize({ count: 30, columns: 2, perColumn: 15, laneHeight: 10 })).toBe(8);
  });

  it('pages lanes thinner than the least that shows long names whole, into lanes at least as tall', () => {
    // Five 26 px lanes whose names need two lines of 13 px (31.2 px): two pages, of three and two.
    expect(stagePageSize({ count: 5, columns: 1, perColumn: 5, laneHeight: 26, least: 31.2 })).toBe(3);
    expect(stagePageSize({ count: 5, columns: 1, perColumn: 5, laneHeight: 26 })).toBeNull();
    // Lanes of 40 px told 41: each page's lanes taller than 41 px.
    const size = stagePageSize({ count: 8, columns: 1, perColumn: 8, laneHeight: 40, least: 41 })!;
    expect((8 * 40) / size).toBeGreaterThanOrEqual(41);
  });

  it('never pages a single team, however thin its lane', () => {
    expect(stagePageSize({ count: 1, columns: 1, perColumn: 1, laneHeight: 4 })).toBeNull();
  });
});

describe('pageShown', () => {
  it('takes the pages in turn and starts over after the last', () => {
    const shown = [0, 1, 2, 3, 4].map((turn) => pageShown({ count: 30, size: 10, lit: -1, turn }));
    expect(shown).toEqual([0, 1, 2, 0, 1]);
  });

  it("holds the spotlit team's page whatever the turn", () => {
    for (const turn of [0, 1, 2, 7]) expect(pageShown({ count: 30, size: 10, lit: 25, turn })).toBe(2);
    expect(pageShown({ count: 30, size: 10, lit: 9, turn: 2 })).toBe(0);
  });
});

describe('pageLabel', () => {
  it('says which teams the page shows, of how many, on which page', () => {
    expect(pageLabel({ first: 0, shown: 10, count: 30, page: 0, pages: 3 })).toEqual({ teams: 'Teams 1–10', rest: 'of 30, page 1 of 3' });
    expect(pageLabel({ first: 24, shown: 6, count: 30, page: 3, pages: 4 })).toEqual({ teams: 'Teams 25–30', rest: 'of 30, page 4 of 4' });
  });
});

describe('StagePager', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => {
    vi.clearAllTimers();
    vi.useRealTimers();
  });

  it('turns to the next page of teams every PAGE_MS, the last page shorter', () => {
    const pager = new StagePager(() => ({ teams: teams(25), size: 9, spotlight: null }));
    const stop = pager.turnEvery(PAGE_MS)!;
    const names = () => pager.shown.items.map((t) => t.name);
    expect(pager.pages).toBe(3);
    expect(names()).toEqual(teams(9).map((t) => t.name));
    vi.advanceTimersByTime(PAGE_MS);
    expect(pager.page).toBe(1);
    expect(pager.shown.first).toBe(9);
    vi.advanceTimersByTime(PAGE_MS);
    expect(names()).toEqual(['Team 19', 'Team 20', 'Team 21', 'Team 22', 'Team 23', 'Team 24', 'Team 25']);
    vi.advanceTimersByTime(PAGE_MS);
    expect(pager.page).toBe(0);
    stop();
    vi.advanceTimersByTime(PAGE_MS);
    expect(pager.page).toBe(0);
  });

  it("stays on the spotlit team's page while the pages would turn, and goes on in turn once it is released", () => {
    let spotlight: string | null = 't27';
    const pager = new StagePager(() => ({ teams: teams(30), size: 10, spotlight }));
    const stop = pager.turnEvery(PAGE_MS)!;
    for (let i = 0; i < 4; i++) {
      expect(pager.shown.items.some((t) => t.id === 't27')).toBe(true);
      vi.advanceTimersByTime(PAGE_MS);
    }
    spotlight = null;
    // Four turns passed: the page in turn is the second.
    expect(pager.page).toBe(1);
    stop();
  });

  it('shows every team and starts no timer when there is one page', () => {
    const all = teams(5);
    const pager = new StagePager(() => ({ teams: all, size: null, spotlight: null }));
    expect(pager.turnEvery(PAGE_MS)).toBeUndefined();
    expect(pager.shown.items).toBe(all);
    expect(pager.pages).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
  });
});
