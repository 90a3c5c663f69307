/**
 * From this screen width the projector gives a running vote and the insights a column beside both
 * maps. Narrower, two maps and a column would each be too small to read: the insights take the place
 * of the map the step is not about, and so does a stage or risk vote; a multiple-choice vote, about
 * neither map, takes the maps' place with its question and options (ProjectorStage).
 */
export const BOTH_MAPS_FROM = 1600;

/**
 * Narrower than this (a 4:3 venue projector, 1024×768 or 800×600) even the two maps alone are too
 * small side by side: the step's map takes the screen. At 1024 the risk chart beside the stage map
 * had 9 px axis labels and its legend wrapped word by word; at 800 the stage map's names ran over its
 * lanes and the page scrolled.
 */
export const ONE_MAP_BELOW = 1200;

/** Whether a running vote gets a column beside the map(s); otherwise (a choice vote, narrower) it takes their place. */
export const voteColumn = (vote: { kind: string }, width: number): boolean => width >= BOTH_MAPS_FROM || vote.kind !== 'choice';

/**
 * Calls `changed` each time `el` takes a new size, not for the size it has when observed (callers lay
 * out for that themselves, as they mount) nor for a report that repeats one; returns the disconnect.
 */
export function observeSize(el: HTMLElement, changed: () => void): () => void {
  // The size now: the observer's first report (on observing) is news only if it differs.
  let width = el.clientWidth;
  let height = el.clientHeight;
  const observer = new ResizeObserver(() => {
    if (el.clientWidth === width && el.clientHeight === height) return;
    width = el.clientWidth;
    height = el.clientHeight;
    changed();
  });
  observer.observe(el);
  return () => observer.disconnect();
}

/** How long a page of a long list stays on the projector: the commitments step's pace, used by the wrap-up too. */
export const PAGE_MS = 15_000;

/** As few pages as hold `most` items each, evenly filled: thirty teams as 15 and 15, not 17 and a thin 13. */
export const evenPageSize = (count: number, most: number): number => Math.ceil(count / Math.ceil(count / most));

/** The items on page `page` (counted round: a list of fewer pages than another starts over), and the first one's index. */
export function pageOf<T>(items: readonly T[], size: number | null, page: number): { items: T[]; first: number; pages: number } {
  if (!size || size >= items.length) return { items: [...items], first: 0, pages: 1 };
  const pages = Math.ceil(items.length / size);
  const first = (page % pages) * size;
  return { items: items.slice(first, first + size), first, pages };
}
