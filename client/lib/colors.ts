/** Team colours: distinct, and legible with white text and on both themes. */
export const TEAM_COLORS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#db2777', '#4d7c0f'] as const;

/** Each team colour's name, as a screen reader says it (not its hex code). */
export const COLOR_NAMES: Record<(typeof TEAM_COLORS)[number], string> = {
  '#2563eb': 'Blue',
  '#dc2626': 'Red',
  '#16a34a': 'Green',
  '#9333ea': 'Purple',
  '#ea580c': 'Orange',
  '#0891b2': 'Teal',
  '#db2777': 'Pink',
  '#4d7c0f': 'Olive',
};

/**
 * A colour no team has yet, looking from `start` on (wrapping); when all are
 * taken, the one fewest teams have.
 */
export function freeColor(used: readonly string[], start = 0): string {
  const n = TEAM_COLORS.length;
  const count = (c: string) => used.filter((u) => u === c).length;
  let best: string = TEAM_COLORS[start % n]!;
  for (let i = 0; i < n; i++) {
    const c = TEAM_COLORS[(start + i) % n]!;
    if (count(c) < count(best)) best = c;
    if (count(best) === 0) break;
  }
  return best;
}

/** A stable colour for a person, from their name. */
export function colorFor(name: string): string {
  let h = 0;
  for (const ch of name) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return TEAM_COLORS[h % TEAM_COLORS.length]!;
}

export function initials(name: string): string {
  const parts = name.trim().split(/\s+/);
  return ((parts[0]?.[0] ?? '?') + (parts.length > 1 ? (parts[parts.length - 1]![0] ?? '') : '')).toUpperCase();
}
