/** What one try of a type scale showed: whether the content fits its box, and how much room there is. */
export interface Try {
  fits: boolean;
  /**
   * Box over content along the tighter side (height, or width when the content is too wide): above 1
   * there is room to grow, below 1 it overflows. Content that stretches to fill its box reports 1
   * whatever the room, which only makes the search take more tries.
   */
  ratio: number;
}

/** A search lands within (max − min) / 2⁷ of the largest scale that fits: what seven halvings reach. */
export const FIT_STEPS = 7;

/** Tries at most: enough to end by halving from any bracket the aiming left (log2 of 2⁷ plus the aimed tries). */
export const MAX_TRIES = 12;
/** Aimed tries before the search only halves: a line that wraps makes sizes jump, and aiming can then stall. */
const AIMED_TRIES = 4;

/**
 * How steeply content grows with its type, assumed before two tries tell: size ∝ k^p. Text in a box
 * of fixed width grows faster than its type (wider words, so more lines): 1 would be type alone, 2
 * type and lines; the framework's cards measured 2.3.
 */
const GROWTH = 1.5;

/**
 * Where the content would just fill the box, if its size goes as a power of k: from the last try's
 * ratio and the power the last two tries show (GROWTH when there is one, or they say nothing).
 */
function aim(a: { k: number; ratio: number }, b?: { k: number; ratio: number }): number {
  let p = GROWTH;
  if (b && b.k !== a.k && b.ratio !== a.ratio && a.ratio > 0 && b.ratio > 0) {
    const seen = -Math.log(a.ratio / b.ratio) / Math.log(a.k / b.k);
    // A wrap between the tries can make the power wild (or negative): keep it to what layouts do.
    if (Number.isFinite(seen)) p = Math.min(4, Math.max(0.5, seen));
  }
  return a.k * a.ratio ** (1 / p);
}

/** Box over content along the side that binds. */
export function ratioOf(box: { clientHeight: number; clientWidth: number }, content: { scrollHeight: number; scrollWidth: number }) {
  const tall = box.clientHeight / Math.max(1, content.scrollHeight);
  // A block's scroll width is the box's width whatever its type: it speaks only when the content is wider.
  const wide = content.scrollWidth > box.clientWidth + 1 ? box.clientWidth / content.scrollWidth : Infinity;
  return Math.min(tall, wide);
}

/**
 * The largest k in [min, max] at which the content fits, to within `tol` (the answer fits, and a
 * try at most `tol` above it did not, unless the answer is `max`); `min` when nothing fits. `start`
 * is a try already made (the scale the view shows now), so it costs nothing.
 *
 * Content grows about as a power of its type, so each try aims where the tries so far say the
 * content would just fill the box (the first from one try's ratio, the next from the power the last
 * two show) and, once one lands close, closes the bracket with a try `tol` to the other side.
 * That takes three to five tries where halving took eight, each a layout of the whole view;
 * halving takes over when aiming goes astray.
 */
export async function largestFitting(
  min: number,
  max: number,
  tol: number,
  attempt: (k: number) => Promise<Try>,
  start?: { k: number } & Try,
): Promise<number> {
  /** The largest k known to fit (min is taken to: there is nothing below it). */
  let lo = min;
  /** The least k known not to fit. */
  let hi = Infinity;
  const tries: { k: number; ratio: number }[] = [];
  const note = (k: number, t: Try) => {
    if (t.fits) lo = Math.max(lo, k);
    else hi = Math.min(hi, k);
    tries.push({ k, ratio: t.ratio });
  };
  if (start && start.k >= min && start.k <= max) note(start.k, start);
  for (let n = 0; n < MAX_TRIES; n++) {
    if (lo >= max) return max;
    // (With room for rounding: a try made `tol` above `lo` closes the bracket.)
    if (hi - lo <= tol * (1 + 1e-9)) return lo;
    const top = Math.min(hi, max);
    let k = NaN;
    if (n < AIMED_TRIES && tries.length) {
      k = aim(tries[tries.length - 1]!, tries[tries.length - 2]);
      if (Number.isFinite(k)) {
        // A try next to one end closes the bracket if it lands on the other side: make it `tol` away.
        if (k < lo + tol) k = lo + tol;
        if (hi !== Infinity && k > hi - tol) k = hi - tol;
        k = Math.min(k, max);
        if (k <= lo || k >= hi) k = NaN;
      }
    }
    // Halve: between the ends, or try the top when nothing above `lo` has been tried yet.
    if (!Number.isFinite(k)) k = hi === Infinity ? max : (lo + top) / 2;
    note(k, await attempt(k));
  }
  return lo;
}
