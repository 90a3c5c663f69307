import { describe, expect, it } from 'vitest';
import { textMeasure } from '../../client/lib/name-lines.ts';
import { stageFit } from '../../client/lib/stage-fit.ts';
import { stageGeometry } from '../../client/lib/stage-geometry.ts';
import { labelColumn, laneName, wholeNameSize } from '../../client/lib/stage-names.ts';
import { crowdName } from '../helpers/projector.ts';

const stages = [
  { label: 'AI-assisted', bottleneck: 'Code creation' },
  { label: 'Agent-orchestrated', bottleneck: 'Review and evaluation' },
  { label: 'Autonomous workflows', bottleneck: 'Trust, security and validation' },
];
/** Without a canvas: the average-glyph estimate, a bold sans's width. */
const measure = textMeasure(650);
const teams = (count: number) => Array.from({ length: count }, (_, i) => ({ id: `t${i}`, name: crowdName(i), red: i % 4 === 0 }));

/** The map of `count` crowd teams in a box `width` × `fitHeight` (a projector's, unless `canEdit`). */
function geometry(count: number, width: number, fitHeight: number | undefined, canEdit = false) {
  const fit = stageFit({ width, fitHeight, canEdit, stageCount: 3, teamCount: count, scale: fitHeight ? 1 : undefined });
  const names = teams(count);
  return { fit, names, g: stageGeometry({ fit, fitHeight, canEdit, fullNames: false, stages, names, measure }) };
}

/** Each name on the first page as the map draws it, at the size StageMap gives the read-only projector's names. */
function firstPage({ fit, names, g }: ReturnType<typeof geometry>) {
  const shown = names.slice(0, g.pageSize ?? names.length);
  const m = Math.max(0.4, Math.min(fit.k, g.L.laneHeight / 68));
  const lanes = { paged: !!g.pageSize, compact: false, fullNames: false, L: g.L, k: fit.k, lk: g.lk, m, measure };
  const nameSize = wholeNameSize(shown, { ...lanes, nameSize: 17 * g.lk });
  return { nameSize, names: shown.map((t) => laneName(t.name, t.red, { ...lanes, nameSize })) };
}

describe('stageGeometry', () => {
  it('pages five long names in 26 px lanes (beside a vote at 800×600), each page showing its names whole', () => {
    // 340 px: 130 px for five lanes under a two-line header and over the bar.
    const five = geometry(5, 740, 340);
    // Broke: all five on the screen, one line each, none whole down to 13 px ("Payments Reconc…Settlement").
    expect(five.g.pageSize).not.toBeNull();
    expect(five.g.pageSize!).toBeLessThan(5);
    const page = firstPage(five);
    expect(page.nameSize).toBeGreaterThanOrEqual(13);
    for (const name of page.names) expect(name.whole, name.lines.join(' / ')).toBe(true);
  });

  it('keeps every lane on the screen where names are whole there', () => {
    expect(geometry(5, 740, 600).g.pageSize).toBeNull();
    // Short names fit one line of 13 px in a thin lane: paged only below 16 px, as before.
    const fit = stageFit({ width: 740, fitHeight: 340, canEdit: false, stageCount: 3, teamCount: 5, scale: 1 });
    const names = ['Billing', 'Search', 'Ledger', 'Growth', 'Android'].map((name, i) => ({ id: `t${i}`, name, red: false }));
    expect(stageGeometry({ fit, fitHeight: 340, canEdit: false, fullNames: false, stages, names, measure }).pageSize).toBeNull();
  });

  it('keeps a wide screen’s two columns of thirty on one screen, names cut or not', () => {
    const wide = geometry(30, 1240, 560);
    expect(wide.fit.columns).toBe(2);
    expect(wide.g.pageSize).toBeNull();
  });

  it("sizes a paged map's name column for the type its lanes draw, not the map's shrunk type", () => {
    // Thirty teams at 800×600: the map's type at 0.7 (12 px names), its pages' names 15 px. Names of
    // 25 letters, whose column is not already the widest it may be (36% of the map).
    const names = Array.from({ length: 30 }, (_, i) => ({ id: `t${i}`, name: `Customer Support Tools ${i + 10}`, red: i % 4 === 0 }));
    const fit = stageFit({ width: 740, fitHeight: 430, canEdit: false, stageCount: 3, teamCount: 30, scale: 1 });
    const g = stageGeometry({ fit, fitHeight: 430, canEdit: false, fullNames: false, stages, names, measure });
    expect(fit.k).toBe(0.7);
    expect(g.pageSize).not.toBeNull();
    expect(17 * g.lk).toBeGreaterThan(17 * fit.k);
    expect(g.nameColumn).toBeGreaterThanOrEqual(labelColumn(names, fit.k, fit.width, 17 * g.lk) - 0.5);
    // Broke: the column for 12 px names.
    expect(g.nameColumn).toBeGreaterThan(labelColumn(names, fit.k, fit.width) + 1);
  });

  it('lays a board that edits out as before', () => {
    const { fit, names, g } = geometry(8, 1000, undefined, true);
    expect(g.pageSize).toBeNull();
    expect(g.nameColumn).toBe(labelColumn(names, fit.k, fit.width));
    expect(g.lk).toBe(fit.k);
    expect(g.L.laneHeight).toBe(68 * fit.k);
  });
});
