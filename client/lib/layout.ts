import { scaleLinear, type ScaleLinear } from 'd3-scale';
import { formatStage } from '../../shared/tally.ts';

/**
 * Geometry of the stage map, in SVG user units (the SVG scales to its box).
 * Each stage is a band of equal width; the value n sits at the centre of
 * stage n's band, so "mostly 1, some 2" (1.4) reads as right of Stage 1's middle.
 */
export interface StageLayout {
  width: number;
  height: number;
  plotLeft: number;
  plotRight: number;
  headerBottom: number;
  laneTop: number;
  laneHeight: number;
  barTop: number;
  barHeight: number;
  x: ScaleLinear<number, number>;
  bands: { index: number; x0: number; x1: number; center: number }[];
}

/** Below this width (CSS px) the stage map switches to its phone layout: names above the lanes. */
export const STAGE_COMPACT_BELOW = 640;

/**
 * The stage map's type scale for a map `width` wide: it follows the width
 * (1 on a laptop, up to 1.9), or on a projector the page's `scale`, capped by
 * the map's own width so a half-screen map does not get full-screen type.
 * The replay's trails use it too, to land on the markers.
 */
export function stageTypeScale(width: number, scale?: number): number {
  return scale ? Math.max(1, Math.min(scale, width / 680)) : Math.max(1, Math.min(1.9, width / 1100));
}

export function stageLayout(opts: {
  stageCount: number;
  teamCount: number;
  width?: number;
  compact?: boolean;
  /** Type scale: 1 on a laptop, up to ~1.9 on a projector. */
  k?: number;
  /**
   * On a projector the whole map must fit the screen: lanes shrink to fit
   * this height, but never below a 44 px hit target.
   */
  fitHeight?: number;
  /** Smallest lane when fitting: a 44 px hit target where markers can be dragged, less on a read-only screen. */
  minLane?: number;
  /** Lines the longest stage label wraps to; the header grows to hold them. */
  headerLines?: number;
  /** Width of the team-name column left of the plot, when names must fit whole (report, exports). */
  labelWidth?: number;
}): StageLayout {
  const width = opts.width ?? 1000;
  const compact = opts.compact ?? false;
  const k = opts.k ?? 1;
  const plotLeft = compact ? 16 : (opts.labelWidth ?? 200 * k);
  const plotRight = width - 20;
  const extra = Math.max(0, (opts.headerLines ?? 1) - 1);
  const headerBottom = compact ? 64 + extra * 17 : (84 + extra * 22) * k;
  const lanes = Math.max(opts.teamCount, 1);
  let laneHeight = compact ? 84 : 68 * k;
  const laneTop = headerBottom + 12;
  const barHeight = compact ? 84 : 72 * k;
  if (opts.fitHeight) {
    const room = opts.fitHeight - laneTop - barHeight - 20;
    laneHeight = Math.max(opts.minLane ?? 44, Math.min(laneHeight, room / lanes));
  }
  const barTop = laneTop + lanes * laneHeight + 12;
  const x = scaleLinear()
    .domain([0.5, opts.stageCount + 0.5])
    .range([plotLeft, plotRight]);
  const bands = Array.from({ length: opts.stageCount }, (_, i) => ({
    index: i + 1,
    x0: x(i + 0.5),
    x1: x(i + 1.5),
    center: x(i + 1),
  }));
  return { width, height: barTop + barHeight + 8, plotLeft, plotRight, headerBottom, laneTop, laneHeight, barTop, barHeight, x, bands };
}

export const laneCenter = (l: StageLayout, index: number) => l.laneTop + index * l.laneHeight + l.laneHeight / 2;

/** Keeps a stage value on the axis [1, stageCount]; full precision otherwise. */
export function clampStage(value: number, stageCount: number): number {
  if (!Number.isFinite(value)) return 1;
  return Math.min(stageCount, Math.max(1, value));
}

/** Keyboard steps along the stage axis. */
export const STAGE_STEP = 0.1;
export const STAGE_BIG_STEP = 0.5;

/** A stage value for people: "Stage 1.4 · AI-assisted" style, rounded for display only. */
export function describeStage(value: number, labels: readonly string[]): string {
  const nearest = labels[Math.min(labels.length, Math.max(1, Math.round(value))) - 1] ?? '';
  return `${formatStage(value)} (${nearest})`;
}

/** The stage map's arrowhead, along the line (markerWidth 5 at a 4·m stroke, refX 8 of 10), plus a little shaft. */
export const ARROW_HEAD = 20;

/**
 * Where a lane's arrow from the current dot (at `from`) to the target ring (at `to`) runs, for a
 * marker scale `m`; null when the two are too close for an arrow that points forwards. The line
 * leaves the dot's edge (16·m) and stops short of the ring (22·m), and its head (5 × the 4·m
 * stroke, drawn back from the end) needs its own length: with less room the line ran backwards,
 * its head inside the ring (1.3 → 1.6 on a phone).
 */
export function laneArrow(from: number, to: number, m: number): { x1: number; x2: number } | null {
  const dir = Math.sign(to - from);
  const x1 = from + dir * 16 * m;
  const x2 = to - dir * 22 * m;
  return dir !== 0 && (x2 - x1) * dir >= ARROW_HEAD * m ? { x1, x2 } : null;
}

/**
 * A name cut to `max` characters in the middle, keeping its start and its end: teams that share a
 * prefix ("Customer Identity … #6", "Customer Identity … #11") stay apart, as a cut at the end could not.
 * The cut falls at a word's edge when one is near.
 */
export function cutMiddle(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max < 6) return text.slice(0, Math.max(1, max - 1)) + '…';
  const tail = Math.floor((max - 1) * 0.45);
  let head = text.slice(0, max - 1 - tail);
  let end = text.slice(text.length - tail);
  const space = head.lastIndexOf(' ');
  if (space >= head.length - 4 && space > 2) head = head.slice(0, space);
  const gap = end.indexOf(' ');
  if (gap >= 0 && gap < 4 && end.length - gap > 3) end = end.slice(gap + 1);
  return `${head.trimEnd()}…${end.trimStart()}`;
}
