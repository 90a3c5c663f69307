/**
 * Markers that sit on top of each other (two teams at the same point on the
 * risk diagonal) are fanned out on a small ring around where they are, so
 * every one of them can be seen, pressed and dragged. Pure maths, no DOM.
 *
 * Markers whose centres are nearer than `near` join one group (and a marker
 * near any member joins it too); a group of one stays where it is. A group of
 * n goes on a ring around its centroid, first marker at the top, the others
 * clockwise in input order, far enough apart that none covers another.
 */
export interface SpreadPoint {
  id: string;
  x: number;
  y: number;
}

export interface Spread {
  /** Where each marker is drawn. */
  at: Map<string, { x: number; y: number }>;
  /** Groups of two or more: where their markers really are, drawn as a dot with a line to each marker. */
  hubs: { x: number; y: number; ids: string[] }[];
}

export function spreadMarkers(points: readonly SpreadPoint[], opts: { near: number; radius: number; gap?: number }): Spread {
  // Union-find over the pairs that are too close: a chart holds at most a few hundred teams.
  const parent = points.map((_, i) => i);
  const root = (i: number): number => (parent[i] === i ? i : (parent[i] = root(parent[i]!)));
  for (let i = 0; i < points.length; i++) {
    for (let j = i + 1; j < points.length; j++) {
      const a = points[i]!;
      const b = points[j]!;
      if (Math.hypot(a.x - b.x, a.y - b.y) < opts.near) parent[root(j)] = root(i);
    }
  }
  const groups = new Map<number, SpreadPoint[]>();
  points.forEach((p, i) => {
    const group = groups.get(root(i));
    if (group) group.push(p);
    else groups.set(root(i), [p]);
  });

  const at = new Map<string, { x: number; y: number }>();
  const hubs: Spread['hubs'] = [];
  const step = 2 * opts.radius + (opts.gap ?? 4);
  for (const group of groups.values()) {
    if (group.length === 1) {
      const p = group[0]!;
      at.set(p.id, { x: p.x, y: p.y });
      continue;
    }
    const cx = group.reduce((s, p) => s + p.x, 0) / group.length;
    const cy = group.reduce((s, p) => s + p.y, 0) / group.length;
    // Neighbours on the ring are `step` apart (a chord), and the ring clears the hub by a little.
    const ring = Math.max(opts.radius + 3, step / (2 * Math.sin(Math.PI / group.length)));
    group.forEach((p, i) => {
      const angle = -Math.PI / 2 + (2 * Math.PI * i) / group.length;
      at.set(p.id, { x: cx + ring * Math.cos(angle), y: cy + ring * Math.sin(angle) });
    });
    hubs.push({ x: cx, y: cy, ids: group.map((p) => p.id) });
  }
  return { at, hubs };
}
