import { pageOf } from './projector.ts';
import { pageShown } from './stage-pages.ts';

interface Input<T> {
  teams: readonly T[];
  /** Teams a page (stagePageSize); null shows them all. */
  size: number | null;
  spotlight: string | null;
}

/** The stage map's pages taking turns (stage-pages): which is shown, and the teams on it. */
export class StagePager<T extends { id: string }> {
  /** Pages turned since the map showed. */
  #turn = $state(0);

  constructor(private readonly input: () => Input<T>) {}

  readonly page = $derived.by(() => {
    const { teams, size, spotlight } = this.input();
    if (!size) return 0;
    const lit = spotlight ? teams.findIndex((t) => t.id === spotlight) : -1;
    return pageShown({ count: teams.length, size, lit, turn: this.#turn });
  });

  readonly pages = $derived.by(() => {
    const { teams, size } = this.input();
    return size ? Math.ceil(teams.length / size) : 1;
  });

  /** The page's teams, and the first one's index. */
  readonly shown = $derived.by(() => {
    const { teams, size } = this.input();
    return size ? pageOf(teams, size, this.page) : { items: teams, first: 0 };
  });

  /** Turns a page every `ms` while there are two or more; returns the stop (for an $effect). */
  turnEvery(ms: number): (() => void) | undefined {
    if (this.pages < 2) return;
    const timer = setInterval(() => this.#turn++, ms);
    return () => clearInterval(timer);
  }
}
