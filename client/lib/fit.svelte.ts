import { tick } from 'svelte';
import { FIT_STEPS, largestFitting, ratioOf, type Try } from './fit-search.ts';
import { observeSize } from './projector.ts';

/**
 * The type scale at which a view fills its box without overflowing it: the
 * projector never scrolls, and a table of eight teams must fit a 720-line
 * screen as well as one of three fills a 1080-line one. Views size their type
 * (and charts) by `k`; this searches for the largest `k` between `min` and
 * `max` whose content is no taller (and no wider) than the box.
 */
export class FitScale {
  k = $state(1);
  /** The search after the one running (or about to run): calls meanwhile join it, not queue one each. */
  private next: { box: HTMLElement; content: HTMLElement; force: boolean; done: Promise<void> } | null = null;
  /** Ends when the last search queued does: searches run one at a time. */
  private tail: Promise<void> = Promise.resolve();

  constructor(
    private readonly min: number,
    private readonly max: number,
  ) {
    this.k = max;
  }

  /**
   * Refits whenever the box changes size (a new screen, a banner above it). The view calls `fit` itself
   * when what it shows changes: observing the content too would refit on the search's own steps.
   */
  observe(box: HTMLElement, content: HTMLElement): () => void {
    return observeSize(box, () => void this.fit(box, content, true));
  }

  /**
   * Searches again when the content no longer fits, or leaves a lot of the box empty; `force` searches
   * regardless (the box changed). Resolves once the type is fitted to what the view shows now: a call
   * while a search runs waits for one more search after it (calls meanwhile share that one), so a
   * caller that fits, then reads whether the content overflows, reads the settled view.
   */
  fit(box: HTMLElement, content: HTMLElement, force = false): Promise<void> {
    if (this.next) {
      Object.assign(this.next, { box, content, force: this.next.force || force });
      return this.next.done;
    }
    const next = { box, content, force, done: Promise.resolve() };
    next.done = this.tail.then(() => {
      this.next = null;
      return this.search(next.box, next.content, next.force);
    });
    this.next = next;
    this.tail = next.done.catch(() => {});
    return next.done;
  }

  private async search(box: HTMLElement, content: HTMLElement, force: boolean): Promise<void> {
    await tick();
    const fits = () => content.scrollHeight <= box.clientHeight + 1 && content.scrollWidth <= box.clientWidth + 1;
    // A live edit (a commitment typed) keeps the type still unless it must move: no flicker per keystroke.
    if (!force && fits() && (this.k >= this.max || content.scrollHeight > box.clientHeight * 0.85)) return;
    // Each try is one layout of the view, within one task (nothing is painted between them).
    const measure = (): Try => ({ fits: fits(), ratio: ratioOf(box, content) });
    const k = await largestFitting(
      this.min,
      this.max,
      (this.max - this.min) / 2 ** FIT_STEPS,
      async (k) => {
        this.k = k;
        await tick();
        return measure();
      },
      { k: this.k, ...measure() },
    );
    if (this.k !== k) {
      this.k = k;
      await tick();
    }
  }

  /**
   * Keeps `content` fitted to `box` while `read().active`: as the box resizes (observe), and whenever
   * `watch` reads something new (what the view shows). `force` searches on every change, not only when
   * the content no longer fits. Call while a component initialises: the effects belong to it.
   */
  follow(read: () => { active: boolean; box?: HTMLElement; content?: HTMLElement }, watch: () => unknown, force = false): void {
    $effect(() => {
      const { active, box, content } = read();
      if (active && box && content) return this.observe(box, content);
    });
    // What the view shows, compared as text: the board hands down new objects on every change to it,
    // and each search is several layouts of the whole view, so it runs only when what is shown changed.
    let last: { key: string; box: HTMLElement; content: HTMLElement } | undefined;
    $effect(() => {
      const key = JSON.stringify(watch()) ?? '';
      const { active, box, content } = read();
      if (!(active && box && content)) return void (last = undefined);
      if (last && last.key === key && last.box === box && last.content === content) return;
      last = { key, box, content };
      void this.fit(box, content, force);
    });
  }
}
