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

/** Each team's name placed beside its marker (at x, y on screen), keyed by team id. */
export function teamLabels(
  L: RiskLayout,
  teams: { id: string; x: number; y: number; text: string }[],
  opts: { markerRadius: number; zones: RiskZones },
): Map<string, LabelPlacement> {
  const items = teams.map(({ id, x, y, text }) => ({
    id,
    x,
    y,
    w: text.length * L.font.name * GLYPH * 1.12 + 4,
    h: L.font.name * 1.2,
  }));
  const placements = placeLabels(
    items,
    { x0: L.left, y0: L.top, x1: L.left + L.plot, y1: L.top + L.plot },
    { gap: 4, radius: opts.markerRadius + 4, obstacles: opts.zones.boxes },
  );
  return new Map(placements.map((p) => [p.id, p]));
}
