import { tick } from 'svelte';
import { FIT_STEPS, largestFitting, ratioOf, type Try } from './fit-search.ts';
import { evenPageSize, pageOf } from './projector.ts';

/** The wrap-up's lists that take turns a page at a time when the screen cannot hold them. */
export type WrapUpList = 'teams' | 'votes' | 'red';
const LISTS: WrapUpList[] = ['teams', 'votes', 'red'];

interface Parts {
  box: HTMLElement;
  content: HTMLElement;
  /** The card of each list, to tell which one to shorten: the tallest. */
  cards: Record<WrapUpList, HTMLElement | undefined>;
}

/**
 * The projector's wrap-up on one screen: the largest type (between `min` and `max`) at which all of it
 * fits, or, when even the least type does not (thirty teams on a 720-line screen), pages that take
 * turns: each list cut into as few even pages as fit, the one in the tallest card first, and the
 * largest type at which every page fits, so the type does not jump as they turn.
 */
export class WrapUpPages {
  k = $state(1);
  /** Items a page of each list; null: the whole list. */
  sizes = $state<Record<WrapUpList, number | null>>({ teams: null, votes: null, red: null });
  page = $state(0);
  /** Each search; a newer one (the screen resized, a team came) stops an older one. */
  private search = 0;

  constructor(
    private readonly min: number,
    private readonly max: number,
    private readonly lengths: () => Record<WrapUpList, number>,
  ) {
    this.k = max;
  }

  /** How many pages turn: the longest list's count. */
  get pages(): number {
    const len = this.lengths();
    return Math.max(1, ...LISTS.map((l) => pageOf(Array(len[l]), this.sizes[l], 0).pages));
  }

  slice<T>(list: WrapUpList, items: readonly T[]) {
    return pageOf(items, this.sizes[list], this.page);
  }

  next(): void {
    this.page = (this.page + 1) % this.pages;
  }

  /** Searches for the type and the pages again. */
  async settle(parts: Parts): Promise<void> {
    const mine = ++this.search;
    const current = () => mine === this.search;
    const overflows = () =>
      parts.content.scrollHeight > parts.box.clientHeight + 1 || parts.content.scrollWidth > parts.box.clientWidth + 1;
    /**
     * Whether every page fits at the type scale now set, and the room the tightest leaves (which aims
     * the type search); shows each page in turn, within one task (nothing is painted).
     */
    const tryAll = async (): Promise<Try> => {
      let ratio = Infinity;
      for (let p = 0; p < this.pages && current(); p++) {
        this.page = p;
        await tick();
        ratio = Math.min(ratio, ratioOf(parts.box, parts.content));
        if (overflows()) return { fits: false, ratio };
      }
      return { fits: true, ratio };
    };
    const fitsAll = async () => (await tryAll()).fits;
    this.sizes = { teams: null, votes: null, red: null };
    this.page = 0;
    this.k = this.min;
    await tick();
    if (!current()) return;
    if (overflows()) {
      while (current() && !(await fitsAll())) {
        const list = this.shortest(parts);
        if (!list) break;
        this.sizes[list] = (this.sizes[list] ?? this.lengths()[list]) - 1;
      }
      if (!current()) return;
      const most = { ...this.sizes };
      for (const l of LISTS) if (most[l]) this.sizes[l] = evenPageSize(this.lengths()[l], most[l]);
      if (!(await fitsAll())) this.sizes = most;
    }
    // The largest type at which every page fits.
    const start = { k: this.min, ...(await tryAll()) };
    const k = await largestFitting(
      this.min,
      this.max,
      (this.max - this.min) / 2 ** FIT_STEPS,
      async (k) => {
        if (!current()) return { fits: false, ratio: 1 };
        this.k = k;
        return tryAll();
      },
      start,
    );
    if (!current()) return;
    this.k = k;
    this.page = 0;
  }

  /** The list to shorten: the one in the tallest card with more than one item on the page. */
  private shortest(parts: Parts): WrapUpList | undefined {
    const height = (l: WrapUpList) => parts.cards[l]?.offsetHeight ?? 0;
    const len = this.lengths();
    const can = LISTS.filter((l) => (this.sizes[l] ?? len[l]) > 1);
    // The votes and the red zone share a column beside the commitments (or a row below them): shortening either helps only once theirs is the taller part.
    const side = parts.cards.votes?.parentElement?.offsetHeight ?? 0;
    if (can.includes('teams') && height('teams') >= side) return 'teams';
    const others = can.filter((l) => l !== 'teams').sort((a, b) => height(b) - height(a));
    return others[0] ?? (can.includes('teams') ? 'teams' : undefined);
  }
}
