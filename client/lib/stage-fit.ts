/** How a stage map fits its box: how many columns of lanes, how wide each, and its type. */
import { STAGE_COMPACT_BELOW, stageLayout, stageTypeScale } from './layout.ts';
import { charsFor, GLYPH, wordsOf, wrapLabel } from './text.ts';

/** Between two columns of lanes. */
export const COLUMN_GAP = 24;
/** Narrowest column worth splitting into, and the lane height below which a fitted map splits. */
const MIN_COLUMN = 520;
const COMFORT_LANE = 34;
/** A read-only lane's least height: a 13 px name (NAME_FLOOR in stage-names) and its markers still fit it. */
export const MIN_READ_LANE = 16;
/**
 * Even in columns, a short screen (thirty teams at 1280×720) leaves lanes too thin for their names:
 * the header and the bottleneck bar then give up some of their height (type scale TIGHT).
 */
const TIGHT = 0.7;

export interface StageFit {
  columns: number;
  /** Each column's width. */
  width: number;
  /** Lanes a column holds with every team on screen; a page of them (stage-pages) may hold fewer. */
  allPerColumn: number;
  /**
   * A fitted read-only map (the projector) keeps its names beside the lanes however narrow: a phone's
   * layout, each name on a line over its lane, needs lanes four times as tall and ran thirty names into
   * each other beside a vote at 800×600.
   */
  fitted: boolean;
  /** A phone's layout: each name on a line over its lane. */
  compact: boolean;
  /** Type scale; grows with the board on a projector, never below legible. */
  k: number;
}

/**
 * The map's columns and type in a box `width` wide. A read-only screen that must fit its height (the
 * projector) puts its lanes in two columns, each a whole map, when one column would squeeze them below
 * legible: thirty teams ran off a 1080-line screen.
 */
export function stageFit(opts: {
  width: number;
  fitHeight?: number;
  canEdit: boolean;
  stageCount: number;
  teamCount: number;
  /** Type scale chosen by the page (the projector); otherwise it follows the map's width. */
  scale?: number;
}): StageFit {
  const { width: full, fitHeight, canEdit, stageCount, teamCount, scale } = opts;
  let columns = 1;
  if (fitHeight && !canEdit && full >= 2 * MIN_COLUMN) {
    const k = stageTypeScale(full, scale);
    const one = stageLayout({ stageCount, teamCount, width: full, k, fitHeight, minLane: 0 });
    if (one.laneHeight < COMFORT_LANE) columns = 2;
  }
  const width = columns === 1 ? full : (full - COLUMN_GAP * (columns - 1)) / columns;
  const allPerColumn = Math.ceil(teamCount / columns);
  const fitted = !!fitHeight && !canEdit;
  // Columns are a wide screen's: each keeps the names beside its lanes, not a phone's layout.
  const compact = columns === 1 && !fitted && width < STAGE_COMPACT_BELOW;
  const wanted = stageTypeScale(width, scale);
  let k = wanted;
  if (columns > 1 || fitted) {
    const trial = stageLayout({ stageCount, teamCount: allPerColumn, width, k: wanted, fitHeight, minLane: 0 });
    // One column is squeezed only when its lanes will be paged (stage-pages): each page then holds more of them.
    const least = columns === 1 ? MIN_READ_LANE : COMFORT_LANE - 8;
    if (trial.laneHeight < least) k = Math.min(wanted, TIGHT);
  }
  return { columns, width, allPerColumn, fitted, compact, k };
}

export interface StageFonts {
  stage: number;
  bar: number;
  name: number;
  small: number;
  number: number;
  title: number;
}

/**
 * A projector's header and bar, read from the back of the room: a map squeezed to fit (TIGHT) keeps
 * its geometry but not type below these (its "STAGE n" headers were 9 px at 1280×720).
 */
const HEAD_FLOOR = { number: 14, stage: 15, bar: 13, title: 12 };

/** The largest size, up to `base`, at which the longest word of any label fits a band (bold glyphs run wide). */
function fitting(texts: string[], base: number, bandWidth: number, share: number): number {
  const longest = Math.max(...texts.flatMap((t) => wordsOf(t).map((w) => w.length)));
  return Math.max(9, Math.min(base, (bandWidth * share) / (longest * GLYPH * 1.1)));
}

/** The map's type sizes: its headers and bar shrink until their longest word fits a band `bandWidth` wide. */
export function stageFonts(opts: {
  compact: boolean;
  k: number;
  fitHeight?: number;
  bandWidth: number;
  stages: readonly { label: string; bottleneck: string }[];
}): StageFonts {
  const { compact, k, fitHeight, bandWidth, stages } = opts;
  const floor = (size: number, least: number) => (fitHeight && !compact ? Math.max(size, least) : size);
  const base = compact
    ? { stage: 14.5, bar: 12.5, name: 15, small: 12.5, number: 11.5, title: 13 }
    : {
        stage: floor(20 * k, HEAD_FLOOR.stage),
        bar: floor(15 * k, HEAD_FLOOR.bar),
        name: 17 * k,
        small: 13 * k,
        number: floor(13 * k, HEAD_FLOOR.number),
        title: floor(13 * k, HEAD_FLOOR.title),
      };
  return {
    ...base,
    stage: fitting(
      stages.map((s) => s.label),
      base.stage,
      bandWidth,
      0.92,
    ),
    bar: fitting(
      stages.map((s) => s.bottleneck),
      base.bar,
      bandWidth,
      0.88,
    ),
  };
}

/** Each stage's label and bottleneck, wrapped to its band at the sizes `font` gives them. */
export const stageLabelLines = (stages: readonly { label: string }[], bandWidth: number, font: StageFonts): string[][] =>
  stages.map((s) => wrapLabel(s.label, charsFor(bandWidth * 0.92, font.stage * 1.1)));
export const bottleneckLines = (stages: readonly { bottleneck: string }[], bandWidth: number, font: StageFonts): string[][] =>
  stages.map((s) => wrapLabel(s.bottleneck, charsFor(bandWidth * 0.88, font.bar * 1.1), 4));
