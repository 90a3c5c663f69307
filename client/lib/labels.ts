/**
 * Places name labels beside points so that no two overlap and none covers a
 * point. Greedy over a few candidate spots per label (right, left, above,
 * below, then further out): teams in a workshop number in the tens, so this
 * is instant and, unlike a force simulation, gives the same answer on every
 * screen for the same positions.
 */
export interface LabelInput {
  id: string;
  x: number;
  y: number;
  /** Width and height of the label's box, estimated from its text. */
  w: number;
  h: number;
}

export interface LabelPlacement {
  id: string;
  /** Text anchor point: left edge of the box, baseline of the text. */
  x: number;
  y: number;
  anchor: 'start' | 'end' | 'middle';
  /**
   * Set when the label had to move up or down, away from its point: where a
   * leader line from the point meets the label (the middle of its near edge),
   * so a crowded chart still says which name is whose.
   */
  leader?: { x: number; y: number };
}

export interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

const overlaps = (a: Box, b: Box) => a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;

export function placeLabels(
  items: LabelInput[],
  bounds: Box,
  opts: { gap: number; radius: number; /** Fixed text to keep clear of, such as zone names. */ obstacles?: Box[] },
): LabelPlacement[] {
  const { gap, radius } = opts;
  const points: Box[] = items.map((p) => ({ x0: p.x - radius, y0: p.y - radius, x1: p.x + radius, y1: p.y + radius }));
  points.push(...(opts.obstacles ?? []));
  const placed: Box[] = [];
  const out: LabelPlacement[] = [];
  // Top-most first, so a cluster fans out downwards in reading order.
  const order = [...items].sort((a, b) => a.y - b.y || a.x - b.x);
  for (const p of order) {
    const d = radius + gap;
    const candidates: { box: Box; at: LabelPlacement }[] = [];
    for (const shift of [0, 1, 2, 3]) {
      const dy = shift * (p.h + 2);
      for (const sign of shift === 0 ? [0] : [1, -1]) {
        const cy = p.y + sign * dy;
        const right = { x0: p.x + d, y0: cy - p.h / 2, x1: p.x + d + p.w, y1: cy + p.h / 2 };
        const left = { x0: p.x - d - p.w, y0: cy - p.h / 2, x1: p.x - d, y1: cy + p.h / 2 };
        const leader = (x: number) => (shift ? { leader: { x, y: cy } } : {});
        candidates.push({ box: right, at: { id: p.id, x: right.x0, y: cy + p.h * 0.32, anchor: 'start', ...leader(right.x0) } });
        candidates.push({ box: left, at: { id: p.id, x: left.x1, y: cy + p.h * 0.32, anchor: 'end', ...leader(left.x1) } });
      }
      if (shift === 0) {
        const above = { x0: p.x - p.w / 2, y0: p.y - d - p.h, x1: p.x + p.w / 2, y1: p.y - d };
        const below = { x0: p.x - p.w / 2, y0: p.y + d, x1: p.x + p.w / 2, y1: p.y + d + p.h };
        candidates.push({ box: above, at: { id: p.id, x: p.x, y: above.y1 - p.h * 0.2, anchor: 'middle' } });
        candidates.push({ box: below, at: { id: p.id, x: p.x, y: below.y1 - p.h * 0.2, anchor: 'middle' } });
      }
    }
    const inside = (b: Box) => b.x0 >= bounds.x0 && b.x1 <= bounds.x1 && b.y0 >= bounds.y0 && b.y1 <= bounds.y1;
    const free = (b: Box) => !placed.some((q) => overlaps(b, q)) && !points.some((q) => overlaps(b, q));
    const best = candidates.find((c) => inside(c.box) && free(c.box)) ?? candidates.find((c) => inside(c.box)) ?? candidates[0]!;
    placed.push(best.box);
    out.push(best.at);
  }
  return out;
}
