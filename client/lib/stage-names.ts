/** Team names on the stage map: the column beside the lanes, their type size, and each name's lines. */
import { laneCenter, type StageLayout } from './layout.ts';
import { charsIn, nameLines, nameTip, type NameLines, type NameTip } from './name-lines.ts';
import type { Measure } from './riskLabels.ts';
import { charsFor, GLYPH, wrapLabel } from './text.ts';

/**
 * A name as its lane draws it: its lines, whether they are all of it, and the widest line's width;
 * `flagAfter` when its red-zone ⚠ follows its last line, not on a line under it.
 */
export type LaneName = NameLines & { width: number; flagAfter?: boolean };

/** Names as drawn in full mode, and the column that holds them (type is never squeezed there: no fitHeight). */
const NAME_COLUMN = 200;
/** The least size of a name on a projector whose lanes are squeezed. */
export const NAME_FLOOR = 13;
/** A page's names take two lines (NAME_LINES × their size) in type as large as that leaves, up to a laptop's. */
export const NAME_LINES = 2.4;
/** A phone's ⚠ after a name (12.5 px and a 5 px gap). */
const FLAG_ROOM = 20;

/**
 * Beside the lanes, names take the room they need, up to 36% of the map: a 40-character name was cut
 * at 16 on a 1920 projector with the plot to spare. `size` is the type the names are drawn in (the
 * map's unless the lanes' differs: a squeezed projector's 13 px names beside a column sized for 12 px
 * ran their ⚠ into the first stage band).
 */
export function labelColumn(teams: readonly { name: string }[], k: number, width: number, size = 17 * k): number {
  const longest = Math.max(0, ...teams.map((t) => t.name.length));
  return Math.max(NAME_COLUMN * k, Math.min(width * 0.36, 46 * k + longest * size * GLYPH));
}

/**
 * Names whole, never cut (the report, and the replay whose map is saved as a file): wrapped to two
 * lines, with the name column widened (up to 45% of the map) for what still does not fit.
 */
export function fitWholeNames(teams: readonly { id: string; name: string }[], k: number, width: number) {
  const size = 17 * k;
  const textWidth = (chars: number) => chars * size * GLYPH;
  const base = charsFor(NAME_COLUMN * k - 46 * k, size);
  const need = Math.max(0, ...teams.flatMap((t) => wrapLabel(t.name, base, 2).map((l) => l.length)));
  const column = Math.min(width * 0.45, Math.max(NAME_COLUMN * k, 46 * k + textWidth(need) + 6 * k));
  const chars = Math.max(base, charsFor(column - 46 * k, size));
  // A word longer than even the widened column is broken, not run into the plot.
  return {
    column,
    lines: new Map(teams.map((t): [string, LaneName] => [t.id, { ...nameLines(t.name, chars, 2, chars, false), width: 0 }])),
  };
}

/**
 * Type scale of the lanes (names, flags, notes): the map's `k`, except on a projector (`squeezed`)
 * whose lanes shrink to fit the screen, where it shrinks with them (never below NAME_FLOOR) so a name
 * and its red-zone flag stay in their lane. A `paged` map's names take two lines in type as large as
 * that leaves, up to a laptop's or the map's.
 */
export function laneScale(opts: { paged: boolean; squeezed: boolean; k: number; laneHeight: number }): number {
  const { k, laneHeight } = opts;
  const least = NAME_FLOOR / 17;
  if (opts.paged) return Math.max(least, Math.min(Math.max(k, 1), laneHeight / (NAME_LINES * 17)));
  if (opts.squeezed) return Math.max(least, Math.min(k, Math.max(Math.min(1, laneHeight / 36), laneHeight / 40)));
  return k;
}

export interface LaneNameFit {
  /** The map's lanes are paged (stage-pages): a red-zone flag follows the name, not on a line under it. */
  paged: boolean;
  compact: boolean;
  /** Names whole on a phone (the report): on one line, however long. */
  fullNames: boolean;
  L: Pick<StageLayout, 'laneHeight' | 'plotLeft' | 'plotRight'>;
  nameSize: number;
  /** Type scales of the map and of its lanes, and the markers' scale. */
  k: number;
  lk: number;
  m: number;
  measure: Measure;
}

/**
 * A name as its lane draws it. Beside the lane: on two lines where the lane is tall enough (three with
 * a red-zone flag under them), else on one. Over it, on a phone: one line across the plot, the
 * bottleneck note taking what is left. A word longer than a line is broken (nameLines); what still
 * does not fit is cut in the middle, keeping the end that tells "Customer Identity … #6" from
 * "Customer Identity … #11", and shows whole while its lane is pointed at or focused (NameTip).
 */
export function laneName(name: string, red: boolean, fit: LaneNameFit): LaneName {
  const { paged, compact, L, nameSize, lk, m, measure } = fit;
  let lines: NameLines;
  if (compact && fit.fullNames) lines = { lines: [name], whole: true };
  else if (compact) {
    const room = L.plotRight - L.plotLeft - 8 - (red ? FLAG_ROOM : 0);
    lines = nameLines(name, charsIn(name, room, nameSize, measure), 1);
  } else {
    let inline = red && (paged || L.laneHeight < Math.max(56 * m, 38 * lk));
    // A flag under the name takes a line of the lane; one after it takes none.
    const count = L.laneHeight >= (red && !inline ? 3.4 : NAME_LINES) * nameSize - 0.01 ? 2 : 1;
    lines = besideLane(name, { count, inline, fit });
    if (red && !inline && !lines.whole && count === 1 && L.laneHeight >= NAME_LINES * nameSize - 0.01) {
      // The flag under the name cost it its second line ("Customer Identi…Management" at 1024×768): it follows the name instead, if that shows it whole.
      const after = besideLane(name, { count: 2, inline: true, fit });
      if (after.whole) [lines, inline] = [after, true];
    }
    if (inline) return { ...lines, width: widest(lines, fit), flagAfter: true };
  }
  return { ...lines, width: widest(lines, fit) };
}

const widest = (lines: NameLines, fit: LaneNameFit) => Math.max(...lines.lines.map((l) => fit.measure(l, fit.nameSize)));

/** Between a name (and its ⚠) and the first stage band. */
const BAND_GAP = 4;

/**
 * A name's lines beside its lane, `count` of them, the last followed by the ⚠ when `inline`. Fitted
 * by the name's average letter, then checked as drawn: a cut line of wider letters than the name's
 * average ("Payments Reco…ettlement") ran 9 px into the first stage band at 1280×720, and a ⚠ 6 px.
 */
function besideLane(name: string, opts: { count: number; inline: boolean; fit: LaneNameFit }): NameLines {
  const { count, inline, fit } = opts;
  const { L, nameSize, k, lk, measure } = fit;
  // The ⚠ is drawn at the lanes' size (StageLane's .flag), after a space.
  const flag = inline ? measure(' ⚠', 17 * lk) : 0;
  const limit = L.plotLeft - 36 * k - BAND_GAP;
  let chars = charsIn(name, L.plotLeft - 46 * k, nameSize, measure);
  for (;;) {
    const lines = nameLines(name, chars, count, chars - (inline ? 3 : 0));
    const last = lines.lines.length - 1;
    const over = lines.lines.some((l, i) => measure(l, nameSize) + (i === last ? flag : 0) > limit);
    if (!over || chars <= 4) return lines;
    chars--;
  }
}

/** How far apart the sizes wholeNameSize tries are (px). */
const SIZE_STEP = 0.5;

/**
 * The largest name size, from `fit.nameSize` down to NAME_FLOOR, at which every name shown is whole;
 * `fit.nameSize` when none is. For the read-only projector: at 800×600 its names were drawn at 17 px
 * and cut ("Payments Reconciliat…ettlement") where two lines of 15 px held them whole.
 */
export function wholeNameSize(names: readonly { name: string; red: boolean }[], fit: LaneNameFit): number {
  return wholeSize(names, fit) ?? fit.nameSize;
}

/** The largest name size, from `fit.nameSize` down to NAME_FLOOR, at which every name is whole; null when none is. */
export function wholeSize(names: readonly { name: string; red: boolean }[], fit: LaneNameFit): number | null {
  for (let size = fit.nameSize; size >= NAME_FLOOR; size -= SIZE_STEP) {
    if (names.every((n) => laneName(n.name, n.red, { ...fit, nameSize: size }).whole)) return size;
  }
  return null;
}

/**
 * The name last drawn when the new one is the same: a drag re-reads every team, and a lane handed new
 * (if equal) lines redrew its name; fifty lanes did so at every remote move.
 */
export function sameName(old: LaneName | undefined, name: LaneName): LaneName {
  return old &&
    old.width === name.width &&
    old.flagAfter === name.flagAfter &&
    old.lines.length === name.lines.length &&
    old.lines.every((l, i) => l === name.lines[i])
    ? old
    : name;
}

/**
 * The box that shows a cut name whole over the map: over the name of the `index`-th lane shown (`perColumn`
 * to a column `columnWidth` wide, `gap` apart), beside the lane, or on a phone growing up from the line
 * over it (its baseline 27 px up), clear of the markers it names.
 */
export function laneTip(opts: {
  name: string;
  index: number;
  perColumn: number;
  columnWidth: number;
  gap: number;
  L: StageLayout;
  compact: boolean;
  k: number;
  size: number;
  measure: Measure;
  /** The whole map's width (every column). */
  mapWidth: number;
}): NameTip {
  const { name, index, perColumn, L, compact, k, size, measure } = opts;
  const left = Math.floor(index / perColumn) * (opts.columnWidth + opts.gap);
  const y = laneCenter(L, index % perColumn);
  return nameTip({
    name,
    size,
    measure,
    x: left + (compact ? L.plotLeft + 4 : 36 * k),
    y: compact ? y - 27 + size * 0.45 : y,
    above: compact ? { below: y - 27 - size } : undefined,
    bounds: { width: opts.mapWidth, height: L.height },
  });
}
