/**
 * A beeswarm: dots along one axis, each pushed off the axis only as far as it
 * must go to clear the dots already placed, so every ballot stays visible and
 * its x is exactly its value. Pure maths, no DOM: the component draws the
 * returned offsets with `{#each}`.
 *
 * Dots are placed in value order (ties in input order), each at the candidate
 * offset nearest the axis that touches no earlier dot. Candidates are 0 and the
 * offsets at which the new dot just touches a neighbour above or below, which
 * is where the tightest packing lies. O(n·k) for k neighbours within reach.
 */
export interface SwarmDot {
  /** Index into the input values. */
  index: number;
  value: number;
  /** Position along the axis, the scale's output. */
  x: number;
  /** Offset from the axis: negative above, positive below. */
  y: number;
}

export interface SwarmOptions {
  /** Maps a value to its position along the axis (a d3 scale works). */
  x: (value: number) => number;
  /** Dot radius; dots never come closer than twice this, centre to centre. */
  radius: number;
  /** Extra room between dots, in the same units. */
  padding?: number;
}

export function beeswarm(values: readonly number[], opts: SwarmOptions): SwarmDot[] {
  const d = 2 * opts.radius + (opts.padding ?? 0);
  const order = values
    .map((value, index) => ({ value, index, x: opts.x(value) }))
    .filter((p) => Number.isFinite(p.x))
    .sort((a, b) => a.x - b.x || a.index - b.index);
  const placed: SwarmDot[] = [];
  // Placed dots sorted by x: only those within `d` to the left can touch the next one.
  let from = 0;
  for (const p of order) {
    while (from < placed.length && p.x - placed[from]!.x >= d) from++;
    const near = placed.slice(from);
    const clear = (y: number) => near.every((q) => (q.x - p.x) ** 2 + (q.y - y) ** 2 >= d * d - 1e-9);
    const candidates = [0];
    for (const q of near) {
      const dy = Math.sqrt(Math.max(0, d * d - (q.x - p.x) ** 2));
      candidates.push(q.y + dy, q.y - dy);
    }
    // Nearest the axis first; on a tie, below before above, so a stack alternates evenly.
    candidates.sort((a, b) => Math.abs(a) - Math.abs(b) || b - a);
    const y = candidates.find(clear) ?? 0;
    placed.push({ index: p.index, value: p.value, x: p.x, y });
  }
  return placed.sort((a, b) => a.index - b.index);
}

/** How far the swarm reaches from the axis on its wider side, dot edges included. */
export function swarmExtent(dots: readonly SwarmDot[], radius: number): number {
  return dots.reduce((m, p) => Math.max(m, Math.abs(p.y)), 0) + radius;
}
