import { tick } from 'svelte';
import type { Board } from './board.svelte.ts';
import type { Sync } from './sync.svelte.ts';

/**
 * Keeps the reader's place when a refused change replaces the doc (Sync.replaceDoc). The new doc
 * starts empty until the server's state arrives: for that moment the board has no teams, the page
 * shrinks, and the browser drops it to the top, far from the map the user was working on (where the
 * refusal's notice now is). Once the board is loaded again, the page goes back to where it was.
 *
 * Made once per board page, while it initialises (its effects belong to the page).
 */
export class ResyncScroll {
  constructor(read: () => { sync: Sync | null; board: Board | null }) {
    let from: number | null = null;
    $effect(() => {
      const { sync } = read();
      if (!sync) return;
      let first = true;
      // Called at once with the current doc, then with each replacement, before the page redraws.
      const off = sync.onDoc(() => {
        if (first) first = false;
        else from = window.scrollY;
      });
      return () => void off();
    });
    $effect(() => {
      const { board } = read();
      if (!board?.loaded || from === null) return;
      const top = from;
      from = null;
      void tick().then(() => window.scrollTo({ top, behavior: 'instant' }));
    });
  }
}
