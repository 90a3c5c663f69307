import { tick } from 'svelte';
import type { Role } from '../../shared/schema.ts';
import type { Board } from './board.svelte.ts';
import { resultIsNews } from './result-news.ts';
import { scrollMotion } from './motion.ts';

/**
 * Whether the newest vote result is news on this page (see resultIsNews), and on the facilitator's
 * page, bringing a reveal they just made into view: the results then come first, above the desk the
 * Reveal button was on, which may be scrolled past them.
 *
 * Made once per board page, while it initialises (its effects belong to the page).
 */
export class RevealNews {
  news = $derived.by(() => {
    const { board, shown } = this.read();
    if (!board || board.results.length === 0) return false;
    const vote = board.control.vote;
    const r = board.lastReveal;
    return resultIsNews({
      board: board.meta.template.agenda[shown]?.board,
      vote,
      revealedHere: !!r && r.voteId === vote?.id && r.step === board.control.step && shown === board.control.step,
    });
  });

  /** `read` gives the viewer's role, the board (missing while the page opens) and the step on screen. */
  constructor(private readonly read: () => { role: Role | undefined; board: Board | null; shown: number }) {
    // The control change and the results may arrive in separate updates: scroll once both are here.
    let scrolled: string | null = null;
    $effect(() => {
      const { role, board } = this.read();
      const id = board?.lastReveal?.voteId;
      if (role !== 'facilitator' || !id || id === scrolled || !board?.results.some((r) => r.voteId === id)) return;
      scrolled = id;
      void tick().then(() => {
        const results = document.querySelector<HTMLElement>('[data-board~="reveal"]');
        if (!results) return;
        const top = results.getBoundingClientRect().top;
        const bar = document.querySelector('header')?.getBoundingClientRect().bottom ?? 0;
        // Above the screen, under the bar, or so low that little of it shows.
        if (top < bar || top > innerHeight * 0.5) results.scrollIntoView({ behavior: scrollMotion(), block: 'start' });
      });
    });
  }
}
