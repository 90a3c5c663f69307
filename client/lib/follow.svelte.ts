import type { Role } from '../../shared/schema.ts';
import type { Board } from './board.svelte.ts';
import { scrollMotion } from './motion.ts';

/**
 * Which agenda step a screen shows. Facilitator and projector always show
 * the live step; a participant does too, unless they browse another while
 * follow-me allows it. Strict follow-me moves every screen; gentle
 * follow-me asks a participant who looked away.
 *
 * Made once per board page, while it initialises: its effects drop browsing
 * under strict follow-me, bring a new step's board into view, and keep the
 * projector at the top of its one screen.
 */
export class StepFollow {
  /** The step a participant browses while follow-me is off. */
  browsing = $state<number | null>(null);

  strict = $derived.by(() => {
    const { board } = this.read();
    return !!board && board.control.followMe && board.control.followMode === 'strict';
  });

  /** Whether this screen shows the live step. */
  live = $derived.by(() => {
    const { role, board } = this.read();
    return role !== 'participant' || !board || this.strict || this.browsing === null;
  });

  askToFollow = $derived.by(() => {
    const { role, board } = this.read();
    return (
      !!board &&
      role === 'participant' &&
      board.control.followMe &&
      !this.strict &&
      this.browsing !== null &&
      this.browsing !== board.control.step
    );
  });

  /** The step shown, kept inside the agenda. */
  shown = $derived.by(() => {
    const { board } = this.read();
    return board ? Math.min(this.live ? board.control.step : this.browsing!, board.meta.template.agenda.length - 1) : 0;
  });

  /** The agenda item shown. */
  item = $derived.by(() => this.read().board?.meta.template.agenda[this.shown]);

  // A derived string, not the agenda item: readMeta builds a new item on every doc update, and
  // depending on it scrolled every screen back to this board in the middle of a drag.
  private itemBoard = $derived(this.item?.board);

  /** `read` gives the viewer's role and the board, either missing while the page opens. */
  constructor(private readonly read: () => { role: Role | undefined; board: Board | null }) {
    $effect(() => {
      if (this.strict) this.browsing = null;
    });
    // When the facilitator moves the room, bring the step's board into view on every following screen.
    // Only a change of step moves the screen: on load the facilitator must see the join code first,
    // and the facilitator's own screen stays where they are working.
    let last: string | undefined;
    $effect(() => {
      const board = this.itemBoard;
      const changed = last !== undefined && board !== last;
      last = board;
      const role = this.read().role;
      if (!board || !changed || !this.live || role === 'facilitator' || role === 'observer') return;
      const target = document.querySelector(`[data-board~="${board}"]`);
      target?.scrollIntoView({ behavior: scrollMotion(), block: 'start' });
    });
    // The projector is laid out to fit one screen from the top, and nobody stands at it to scroll:
    // a new step, or a newly opened vote, takes it back up there (from a reveal it followed down).
    let lastProjected: string | undefined;
    let lastOpened = '';
    $effect(() => {
      const { role, board } = this.read();
      if (role !== 'observer' || !board) return;
      const vote = board.control.vote;
      if (vote?.state === 'open') lastOpened = `${vote.id}:${vote.round}`;
      const key = `${board.control.step}|${lastOpened}`;
      const changed = lastProjected !== undefined && key !== lastProjected;
      lastProjected = key;
      if (changed) window.scrollTo({ top: 0, behavior: scrollMotion() });
    });
  }
}
