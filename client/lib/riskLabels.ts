import { placeLabels, type Box, type LabelPlacement } from './labels.ts';
import type { RiskLayout } from './riskLayout.ts';
import { GLYPH } from './text.ts';

/**
 * Where the risk diagonal's words go: the zone names sit in the corners they
 * name, and each placed team's name goes beside its marker, clear of the
 * zone names, the markers and the other names.
 */
export interface RiskZones {
  /** Type size of each zone's second line. */
  sub: number;
  red: { x: number; y: number };
  friction: { x: number; y: number };
  /** What team labels keep clear of: the zone names, the goal label along the diagonal, and the control levels written inside the chart. */
  boxes: Box[];
}

export function riskZones(L: RiskLayout): RiskZones {
  const sub = L.font.zone * 0.8;
  const red = { x: L.x(1) - 8, y: L.y(0) - 8 - sub * 1.3 };
  const friction = { x: L.x(0) + 6, y: L.y(1) + L.font.tick * 1.2 + L.font.zone * 1.35 };
  const w = (text: string, size: number) => text.length * size * GLYPH * 1.1;
  return {
    sub,
    red,
    friction,
    boxes: [
      // The goal label runs along the diagonal: a few boxes along its path keep team labels off it.
      ...[-0.12, -0.04, 0.04, 0.12].map((d) => {
        const c = { x: L.x(0.3 + d), y: L.y(0.3 + d) - 8 };
        return { x0: c.x - 14, y0: c.y - 14, x1: c.x + 14, y1: c.y + 6 };
      }),
      { x0: red.x - w('controls hold teams back', sub), y0: red.y - L.font.zone, x1: red.x, y1: red.y + sub * 1.4 },
      // The y axis's levels sit inside the plot at its left edge (RiskBackdrop): "Guardrails" was read as "GuarData platform".
      ...L.yTicks.map((t) => {
        const base = t.value === 1 ? t.pos + L.font.tick * 1.15 : t.pos - 5;
        return { x0: L.left, y0: base - L.font.tick, x1: L.left + 5 + w(t.lines[0] ?? '', L.font.tick), y1: base + 3 };
      }),
      { x0: friction.x, y0: friction.y - L.font.zone, x1: friction.x + w('controls hold teams back', sub), y1: friction.y + sub * 1.4 },
    ],
  };
}

/** A label as drawn: where (see placeLabels), its text, and whether that is the team's short tag. */
export type TeamLabel = LabelPlacement & { text: string; short: boolean };

/** Words a short tag leaves out: "Customer Identity and Access" is CIA, not CIAA. */
const MINOR = new Set(['and', 'or', 'of', 'the', 'for', 'to', 'in', 'on', 'a', 'an', '&']);

/**
 * A few letters that still say which team it is, for a chart too crowded for every name: the
 * initials of its words (a one-word name keeps its first letters) and any number at its end, so
 * "Customer Identity and Access Management #16" is "CIAM16". Tags shared by several teams get a
 * number each, in the order given.
 */
export function shortTags(names: readonly string[]): string[] {
  const tags = names.map((name) => {
    const words = name.split(/[\s\-/(),.]+/).filter((w) => w && !MINOR.has(w.toLowerCase()));
    const number = /(\d+)\D*$/.exec(name)?.[1] ?? '';
    const letters = words.filter((w) => !/^[#\d]/.test(w));
    const initials = letters.length > 1 ? letters.map((w) => w[0]!.toUpperCase()).join('') : (letters[0] ?? name).slice(0, 3);
    return (initials.slice(0, 4) + number).slice(0, 6) || name.slice(0, 3);
  });
  const seen = new Map<string, number>();
  const count = new Map<string, number>();
  for (const t of tags) count.set(t, (count.get(t) ?? 0) + 1);
  // A numbered tag must not take one another team has as its own ("AB" twice and "AB1" once).
  const used = new Set(tags.filter((t) => count.get(t) === 1));
  return tags.map((t) => {
    if (count.get(t)! < 2) return t;
    let n = seen.get(t) ?? 0;
    let tag: string;
    do tag = `${t}${/\d$/.test(t) ? '·' : ''}${++n}`;
    while (used.has(tag));
    seen.set(t, n);
    used.add(tag);
    return tag;
  });
}

/** Text width for a label's bold type: measured by the page when it can, else estimated. */
export type Measure = (text: string, size: number) => number;
const estimate: Measure = (text, size) => text.length * size * GLYPH * 1.12;

/**
 * Each team's name placed beside its marker (at x, y on screen), keyed by team id, inside the plot
 * and clear of the zone names, the markers and every other label. Teams come in order of who gets
 * room first (the spotlit team leads). A name with no free room inside the plot gives way to its
 * `shorter` forms, then to the team's short `tag`, and with no room for that either, to nothing: the marker keeps its name for
 * assistive technology, and shows it on hover and focus. Written over one another, thirty names were
 * a pile nobody could read, and names that ran past the chart's edge were cut ("Site Rel").
 */
export function teamLabels(
  L: RiskLayout,
  teams: { id: string; x: number; y: number; text: string; shorter?: string[]; tag?: string }[],
  opts: {
    markerRadius: number;
    zones: RiskZones;
    measure?: Measure;
    /** Name every team, where there is room or not (the report, whose names are never cut). */ always?: boolean;
  },
): Map<string, TeamLabel> {
  const measure = opts.measure ?? estimate;
  const h = L.font.name * 1.2;
  const bounds = { x0: L.left, y0: L.top, x1: L.left + L.plot, y1: L.top + L.plot };
  const radius = opts.markerRadius + 4;
  const markers: Box[] = teams.map((t) => ({ x0: t.x - radius, y0: t.y - radius, x1: t.x + radius, y1: t.y + radius }));
  const taken: Box[] = [];
  const out = new Map<string, TeamLabel>();
  const free = (b: Box) =>
    b.x0 >= bounds.x0 && b.x1 <= bounds.x1 && b.y0 >= bounds.y0 && b.y1 <= bounds.y1 && !taken.some((q) => overlaps(b, q));
  for (const t of teams) {
    const texts: [string, boolean][] = [
      [t.text, false],
      ...(t.shorter ?? []).map((x): [string, boolean] => [x, false]),
      ...(t.tag ? [[t.tag, true] as [string, boolean]] : []),
    ];
    for (const [text, short] of texts) {
      const w = measure(text, L.font.name) + 4;
      const [at] = placeLabels([{ id: t.id, x: t.x, y: t.y, w, h }], bounds, {
        gap: 4,
        radius,
        obstacles: [...markers, ...opts.zones.boxes, ...taken],
      });
      const box = boxOf(at!, w, h);
      if (!free(box) || markers.some((m) => overlaps(box, m))) continue;
      taken.push(box);
      out.set(t.id, { ...at!, text, short });
      break;
    }
    if (!out.has(t.id) && opts.always) {
      const w = measure(t.text, L.font.name) + 4;
      const [at] = placeLabels([{ id: t.id, x: t.x, y: t.y, w, h }], bounds, { gap: 4, radius, obstacles: [...markers, ...taken] });
      taken.push(boxOf(at!, w, h));
      out.set(t.id, { ...at!, text: t.text, short: false });
    }
  }
  return out;
}

const overlaps = (a: Box, b: Box) => a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;

/** The box a placed label covers (placeLabels puts the baseline 0.32·h below a side label's middle, 0.2·h above the bottom of one above or below). */
function boxOf(at: LabelPlacement, w: number, h: number): Box {
  const x0 = at.anchor === 'start' ? at.x : at.anchor === 'end' ? at.x - w : at.x - w / 2;
  const y0 = at.anchor === 'middle' ? at.y + h * 0.2 - h : at.y - h * 0.32 - h / 2;
  return { x0, y0, x1: x0 + w, y1: y0 + h };
}
