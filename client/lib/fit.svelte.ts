import { tick } from 'svelte';
import { observeSize } from './projector.ts';

/** How many halvings the search takes: the scale lands within (max − min) / 2⁷ of the largest that fits. */
const STEPS = 7;

/**
 * The type scale at which a view fills its box without overflowing it: the
 * projector never scrolls, and a table of eight teams must fit a 720-line
 * screen as well as one of three fills a 1080-line one. Views size their type
 * (and charts) by `k`; this searches for the largest `k` between `min` and
 * `max` whose content is no taller (and no wider) than the box.
 */
export class FitScale {
  k = $state(1);
  private running = false;
  private again = false;

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
   * regardless (the box changed). A search already running runs once more when it ends.
   */
  async fit(box: HTMLElement, content: HTMLElement, force = false): Promise<void> {
    if (this.running) {
      this.again = true;
      return;
    }
    await tick();
    const fits = () => content.scrollHeight <= box.clientHeight + 1 && content.scrollWidth <= box.clientWidth + 1;
    // A live edit (a commitment typed) keeps the type still unless it must move: no flicker per keystroke.
    if (!force && fits() && (this.k >= this.max || content.scrollHeight > box.clientHeight * 0.85)) return;
    this.running = true;
    try {
      let lo = this.min;
      let hi = this.max;
      for (let i = 0; i < STEPS; i++) {
        const mid = (lo + hi) / 2;
        this.k = mid;
        await tick();
        if (fits()) lo = mid;
        else hi = mid;
      }
      this.k = lo;
      await tick();
    } finally {
      this.running = false;
    }
    if (this.again) {
      this.again = false;
      await this.fit(box, content, true);
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
    $effect(() => {
      watch();
      const { active, box, content } = read();
      if (active && box && content) void this.fit(box, content, force);
    });
  }
}
