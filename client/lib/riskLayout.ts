import { scaleLinear, type ScaleLinear } from 'd3-scale';
import type { Template } from '../../shared/template.ts';
import { DEFAULT_FRICTION } from '../../shared/risk.ts';
import { GLYPH, wrapLabel } from './text.ts';

/**
 * Geometry of the risk diagonal in SVG user units. The component sizes its
 * viewBox to its own pixel width, so one unit is one CSS pixel and the 44 px
 * hit targets stay 44 px on a phone. The plot itself is square, so the
 * diagonal sits at exactly 45 degrees.
 */
export interface Tick {
  value: number;
  pos: number;
  lines: string[];
  anchor: 'start' | 'middle' | 'end';
}

export interface RiskLayout {
  width: number;
  height: number;
  left: number;
  top: number;
  plot: number;
  /** The type scale used: the one asked for, or less on a squeezed chart. */
  k: number;
  font: { tick: number; title: number; zone: number; name: number };
  x: ScaleLinear<number, number>;
  y: ScaleLinear<number, number>;
  xTicks: Tick[];
  yTicks: Tick[];
  redZone: string;
  band: string;
  friction: string;
  tolerance: number;
  frictionMargin: number;
}

/** Side of the plot, in units, per step of type scale above 1 (see riskLayout). */
const FONT_PLOT = 300;

const evenly = (n: number) => Array.from({ length: n }, (_, i) => (n === 1 ? 0 : i / (n - 1)));

/** Axis labels below this size (px) are staggered on two rows rather than shrunk further. */
const STAGGER_BELOW = 12;

/** Below this width (CSS px) the risk diagonal uses its small type and a dense legend. */
export const RISK_COMPACT_BELOW = 520;

export function riskLayout(opts: {
  width: number;
  diagonal: Template['diagonal'];
  compact?: boolean;
  k?: number;
  /** Caps the plot's side (the projector, where height is the limit). */
  maxPlot?: number;
}): RiskLayout {
  const compact = opts.compact ?? false;
  const fonts = (k: number) =>
    compact ? { tick: 11, title: 12.5, zone: 13, name: 13 } : { tick: 13 * k, title: 15 * k, zone: 16 * k, name: 15 * k };
  const right = 14;
  const top = 10;
  const plotFor = (left: number) => Math.max(120, Math.min(opts.width - left - right, opts.maxPlot ?? Infinity));
  // A chart squeezed to fit a screen's height (the projector with a vote open)
  // keeps its type in proportion to it, or team names crowd the plot and cover
  // each other: the type scale is at most one step per FONT_PLOT units of side.
  const wanted = opts.k ?? 1;
  const k = Math.min(wanted, Math.max(1, plotFor(Math.round(fonts(wanted).title * 2.2)) / FONT_PLOT));
  const font = fonts(k);
  const left = Math.round(font.title * 2.2);
  const plot = plotFor(left);
  const x = scaleLinear()
    .domain([0, 1])
    .range([left, left + plot])
    .clamp(true);
  const y = scaleLinear()
    .domain([0, 1])
    .range([top + plot, top])
    .clamp(true);

  const xt = opts.diagonal.x.ticks;
  // Neighbouring tick labels must not meet. End labels hang inwards (anchored at
  // the chart's edge), middle ones are centred, so each pair needs its two
  // facing extents to fit the gap; the font shrinks until the tightest pair does.
  const spacing = plot / Math.max(1, xt.length - 1);
  const longest = xt.map((t) => Math.max(...t.split(/\s+/).map((w) => w.length)));
  const reach = (i: number) => (i === 0 || i === xt.length - 1 ? 1 : 0.5) * longest[i]!;
  let fit = Infinity;
  for (let i = 0; i + 1 < xt.length; i++) fit = Math.min(fit, (spacing - 10) / (GLYPH * (reach(i) + reach(i + 1))));
  // Too small to read from the back of a room (9 px at a 1280×720 projector's risk step): every other
  // label drops below its neighbours' lines, so only labels two apart share a row.
  let stagger = 0;
  if (!compact && fit < STAGGER_BELOW && xt.length > 2) {
    let fit2 = Infinity;
    for (let i = 0; i + 2 < xt.length; i++) fit2 = Math.min(fit2, (2 * spacing - 10) / (GLYPH * (reach(i) + reach(i + 2))));
    if (fit2 > fit) {
      fit = fit2;
      stagger = Math.max(...xt.filter((_, i) => i % 2 === 0).map((t, i) => wrapLabel(t, longest[i * 2]!).length));
    }
  }
  font.tick = Math.max(9, Math.min(font.tick, fit));
  const xTicks: Tick[] = evenly(xt.length).map((value, i) => ({
    value,
    pos: x(value),
    // Blank leading lines push a staggered label down (each line is a tspan a line below the last; a
    // tspan with no character would not move).
    lines: [...Array<string>(i % 2 ? stagger : 0).fill('\u00a0'), ...wrapLabel(xt[i]!, longest[i]!)],
    // The end ticks hang inwards so their labels never leave the chart.
    anchor: i === 0 ? 'start' : i === xt.length - 1 ? 'end' : 'middle',
  }));
  // y tick labels sit inside the plot, just above their grid line, so they cost no width on a phone.
  const yChars = Math.max(8, Math.floor((plot * 0.4) / (font.tick * GLYPH)));
  const yTicks: Tick[] = evenly(opts.diagonal.y.ticks.length).map((value, i) => ({
    value,
    pos: y(value),
    lines: wrapLabel(opts.diagonal.y.ticks[i]!, yChars, 1),
    anchor: 'start',
  }));
  const maxXLines = Math.max(1, ...xTicks.map((t) => t.lines.length));
  const bottom = Math.round(font.tick * 1.25 * maxXLines + font.title * 2.4 + 8);

  const t = opts.diagonal.tolerance;
  const f = Math.max(opts.diagonal.friction ?? DEFAULT_FRICTION, t);
  const path = (pts: [number, number][]) => 'M' + pts.map(([a, c]) => `${x(a).toFixed(1)},${y(c).toFixed(1)}`).join('L') + 'Z';
  return {
    width: left + plot + right,
    height: top + plot + bottom,
    left,
    top,
    plot,
    k,
    font,
    x,
    y,
    xTicks,
    yTicks,
    redZone: path([
      [t, 0],
      [1, 0],
      [1, 1 - t],
    ]),
    band: path([
      [0, 0],
      [t, 0],
      [1, 1 - t],
      [1, 1],
      [1 - t, 1],
      [0, t],
    ]),
    friction: path([
      [0, f],
      [0, 1],
      [1 - f, 1],
    ]),
    tolerance: t,
    frictionMargin: f,
  };
}
