import { describe, expect, it } from 'vitest';
import { clamp01, clampPoint, inRedZone, nearestTick, riskZone, stepPoint } from '../../shared/risk.ts';
import { findTemplate } from '../../shared/templates/index.ts';
import { placeLabels } from '../../client/lib/labels.ts';
import { clampStage, describeStage, stageLayout } from '../../client/lib/layout.ts';
import { riskLayout } from '../../client/lib/riskLayout.ts';
import { riskZones, teamLabels } from '../../client/lib/riskLabels.ts';
import { nameList, wrapLabel } from '../../client/lib/text.ts';

const diagonal = findTemplate('ai-sdlc')!.diagonal;

describe('the red-zone test', () => {
  it('keeps a team on the diagonal or above it out of the red zone', () => {
    expect(inRedZone({ autonomy: 0.5, controls: 0.5 }, 0.1)).toBe(false);
    expect(inRedZone({ autonomy: 0.2, controls: 0.9 }, 0.1)).toBe(false);
  });

  it('counts a team exactly at the tolerance as still on the band, whatever the float rounding', () => {
    // 0.4 − 0.3 is 0.10000000000000003 in binary floating point.
    expect(inRedZone({ autonomy: 0.4, controls: 0.3 }, 0.1)).toBe(false);
    expect(inRedZone({ autonomy: 1, controls: 0.9 }, 0.1)).toBe(false);
    expect(inRedZone({ autonomy: 0.7, controls: 0.6 }, 0.1)).toBe(false);
  });

  it('flags a team just past the tolerance', () => {
    expect(inRedZone({ autonomy: 0.41, controls: 0.3 }, 0.1)).toBe(true);
    expect(inRedZone({ autonomy: 0.4, controls: 0.299 }, 0.1)).toBe(true);
    expect(inRedZone({ autonomy: 1, controls: 0 }, 0.1)).toBe(true);
  });

  it('follows the template tolerance', () => {
    expect(inRedZone({ autonomy: 0.6, controls: 0.4 }, 0.1)).toBe(true);
    expect(inRedZone({ autonomy: 0.6, controls: 0.4 }, 0.25)).toBe(false);
    expect(inRedZone({ autonomy: 0.01, controls: 0 }, 0)).toBe(true);
  });

  it('names the zone: red below, balanced near, friction far above', () => {
    expect(riskZone({ autonomy: 0.8, controls: 0.2 }, diagonal)).toBe('red');
    expect(riskZone({ autonomy: 0.5, controls: 0.6 }, diagonal)).toBe('balanced');
    expect(riskZone({ autonomy: 0.1, controls: 0.9 }, diagonal)).toBe('friction');
    expect(riskZone({ autonomy: 0.1, controls: 0.9 }, { tolerance: 0.1, friction: 0.9 })).toBe('balanced');
  });
});

describe('clamping', () => {
  it('keeps risk values on [0, 1] and turns non-numbers into 0', () => {
    expect(clamp01(-0.2)).toBe(0);
    expect(clamp01(1.7)).toBe(1);
    expect(clamp01(0.42)).toBe(0.42);
    expect(clamp01(Number.NaN)).toBe(0);
    expect(clamp01(Number.POSITIVE_INFINITY)).toBe(0);
    expect(clampPoint({ autonomy: 2, controls: -1 })).toEqual({ autonomy: 1, controls: 0 });
  });

  it('keeps stages on 1..stageCount at full precision', () => {
    expect(clampStage(0.2, 3)).toBe(1);
    expect(clampStage(3.7, 3)).toBe(3);
    expect(clampStage(3.7, 4)).toBe(3.7);
    expect(clampStage(1.234567, 3)).toBe(1.234567);
    expect(clampStage(Number.NaN, 3)).toBe(1);
  });

  it('moves by arrow keys in small or Shift-sized steps, never off the chart', () => {
    expect(stepPoint({ autonomy: 0.5, controls: 0.5 }, 'ArrowRight', false)).toEqual({ autonomy: 0.52, controls: 0.5 });
    expect(stepPoint({ autonomy: 0.5, controls: 0.5 }, 'ArrowUp', true)).toEqual({ autonomy: 0.5, controls: 0.6 });
    expect(stepPoint({ autonomy: 0.98, controls: 0 }, 'ArrowRight', true)).toEqual({ autonomy: 1, controls: 0 });
    expect(stepPoint({ autonomy: 0.5, controls: 0.05 }, 'ArrowDown', true)).toEqual({ autonomy: 0.5, controls: 0 });
    expect(stepPoint({ autonomy: 0.5, controls: 0.5 }, 'a', false)).toBeNull();
  });
});

describe('scales', () => {
  it('draws the risk plot square, with controls growing upwards', () => {
    const L = riskLayout({ width: 600, diagonal });
    expect(L.x(1) - L.x(0)).toBeCloseTo(L.plot);
    expect(L.y(0) - L.y(1)).toBeCloseTo(L.plot);
    expect(L.y(1)).toBeLessThan(L.y(0));
    expect(L.x.invert(L.x(0.37))).toBeCloseTo(0.37);
    // Positions dragged past the edge clamp to the chart.
    expect(L.x.invert(10_000)).toBe(1);
    expect(L.y.invert(10_000)).toBe(0);
  });

  it('names a tick for every template label, ends anchored inwards', () => {
    const L = riskLayout({ width: 343, diagonal, compact: true });
    expect(L.xTicks.map((t) => t.lines.join(' '))).toEqual(diagonal.x.ticks);
    expect(L.xTicks[0]!.anchor).toBe('start');
    expect(L.xTicks.at(-1)!.anchor).toBe('end');
    expect(L.xTicks.at(-1)!.pos).toBeCloseTo(L.left + L.plot);
    expect(L.yTicks.map((t) => t.lines[0])).toEqual(diagonal.y.ticks);
  });

  it('rounds a stage for people as the vote results do: 1.45 reads 1.5 on a marker too', () => {
    expect(describeStage(1.45, ['AI-assisted', 'Agent-orchestrated', 'Autonomous workflows'])).toBe('1.5 (AI-assisted)');
  });

  it('keeps the projector type on a full-size chart, and scales it down on one squeezed to fit', () => {
    const full = riskLayout({ width: 900, diagonal, k: 1.75 });
    expect(full.k).toBe(1.75);
    const squeezed = riskLayout({ width: 900, diagonal, k: 1.75, maxPlot: 330 });
    expect(squeezed.plot).toBe(330);
    expect(squeezed.k).toBeCloseTo(1.1);
    expect(squeezed.font.name).toBeLessThan(full.font.name);
    // Never below the laptop's size.
    expect(riskLayout({ width: 900, diagonal, k: 1.75, maxPlot: 200 }).k).toBe(1);
  });

  it('fits the whole chart inside a phone-sized width', () => {
    const L = riskLayout({ width: 327, diagonal, compact: true });
    expect(L.x(1)).toBeLessThanOrEqual(327);
    expect(L.left).toBeGreaterThan(0);
  });

  it('centres stage n in its band on the 1..n axis, for three and four stages', () => {
    for (const stageCount of [3, 4]) {
      const L = stageLayout({ stageCount, teamCount: 2, width: 1000 });
      expect(L.bands).toHaveLength(stageCount);
      expect(L.x(1)).toBeCloseTo(L.bands[0]!.center);
      expect(L.x(stageCount)).toBeCloseTo(L.bands.at(-1)!.center);
    }
  });

  it('squeezes lanes to fit a projector, never below a 44 px hit target', () => {
    const roomy = stageLayout({ stageCount: 3, teamCount: 3, width: 1000, fitHeight: 900 });
    expect(roomy.laneHeight).toBe(68);
    const crowded = stageLayout({ stageCount: 3, teamCount: 30, width: 1000, fitHeight: 700 });
    expect(crowded.laneHeight).toBe(44);
  });
});

describe('label placement', () => {
  it('keeps labels of teams at the same spot from overlapping', () => {
    const items = [0, 1, 2, 3].map((i) => ({ id: `t${i}`, x: 200, y: 200, w: 80, h: 16 }));
    const out = placeLabels(items, { x0: 0, y0: 0, x1: 400, y1: 400 }, { gap: 4, radius: 16 });
    const boxes = out.map((p) => ({ x0: p.anchor === 'end' ? p.x - 80 : p.anchor === 'middle' ? p.x - 40 : p.x, y: p.y }));
    for (let a = 0; a < boxes.length; a++)
      for (let b = a + 1; b < boxes.length; b++) {
        const apart = Math.abs(boxes[a]!.x0 - boxes[b]!.x0) >= 80 || Math.abs(boxes[a]!.y - boxes[b]!.y) >= 16;
        expect(apart).toBe(true);
      }
  });

  it('leads a line to a label that had to move up or down, and none to one beside its point', () => {
    const items = [0, 1, 2, 3, 4].map((i) => ({ id: `t${i}`, x: 200, y: 200, w: 80, h: 16 }));
    const out = placeLabels(items, { x0: 0, y0: 0, x1: 400, y1: 400 }, { gap: 4, radius: 16 });
    const beside = out.filter((p) => Math.abs(p.y - (200 + 16 * 0.32)) < 0.01 && p.anchor !== 'middle');
    expect(beside.length).toBeGreaterThan(0);
    for (const p of beside) expect(p.leader).toBeUndefined();
    const moved = out.filter((p) => p.anchor !== 'middle' && !beside.includes(p));
    expect(moved.length).toBeGreaterThan(0);
    for (const p of moved) expect(p.leader).toEqual({ x: p.x, y: p.y - 16 * 0.32 });
  });

  it('wraps long tick labels into lines of about the width given', () => {
    expect(wrapLabel('Changes infrastructure', 10)).toEqual(['Changes', 'infrastructure']);
    expect(wrapLabel('Acts in production', 40)).toEqual(['Acts in production']);
  });

  it('reads out the nearest tick name for a value', () => {
    expect(nearestTick(0.34, diagonal.x.ticks)).toBe('Writes to repositories');
    expect(nearestTick(1, diagonal.y.ticks)).toBe('Guarantees');
  });
});

describe('team names on the risk diagonal', () => {
  it('keep clear of the control levels written inside the chart', () => {
    const L = riskLayout({ width: 600, diagonal });
    const zones = riskZones(L);
    const level = L.yTicks.find((t) => t.value > 0 && t.value < 1)!;
    // Teams crowded at the left edge, on the level's line: their names must not be written over it.
    const teams = [0.01, 0.04, 0.07].map((a, i) => ({ id: `t${i}`, x: L.x(a), y: level.pos - 8, text: 'Data platform' }));
    const placed = teamLabels(L, teams, { markerRadius: 9, zones });
    const base = level.pos - 5;
    const levelBox = { x0: L.left, y0: base - L.font.tick, x1: L.left + 5 + level.lines[0]!.length * L.font.tick * 0.6, y1: base + 3 };
    for (const t of teams) {
      const p = placed.get(t.id)!;
      const w = t.text.length * L.font.name * 0.55;
      const x0 = p.anchor === 'start' ? p.x : p.anchor === 'end' ? p.x - w : p.x - w / 2;
      const box = { x0, y0: p.y - L.font.name, x1: x0 + w, y1: p.y + 3 };
      const overlaps = box.x0 < levelBox.x1 && levelBox.x0 < box.x1 && box.y0 < levelBox.y1 && levelBox.y0 < box.y1;
      expect(overlaps, `${t.id} at ${JSON.stringify(p)}`).toBe(false);
    }
  });
});

describe('nameList', () => {
  it('lists whole names that fit, then how many more, never half a name', () => {
    const names = ['Payments platform', 'Mobile apps', 'Data platform'];
    expect(nameList(names, 100)).toBe('Payments platform, Mobile apps, Data platform');
    expect(nameList(names, 43)).toBe('Payments platform, Mobile apps and 1 more');
    expect(nameList(names, 30)).toBe('Payments platform and 2 more');
    expect(nameList(names, 10)).toBe('3 teams');
  });
});
