import { untrack } from 'svelte';
import type { Role } from '../../shared/schema.ts';
import { timeIsUp } from '../../shared/timer.ts';
import type { Board } from './board.svelte.ts';

interface Read {
  role: Role | undefined;
  board: Board | null;
  /** The server's time now (ServerClock), for the moment a timer runs out. */
  now: number;
  /** The agenda step this screen shows, and whether it is the live one (StepFollow). */
  shown: number;
  live: boolean;
}

/**
 * What a screen-reader user is told of the room, in one polite live region that is on the page
 * from the start (BoardPage): a region inserted together with its text, as the lock banner and the
 * timer's "Time is up" were, is often not read at all. Only the changes a sighted participant
 * notices from across the page are said, once each, and none on load: the board locked or
 * unlocked, a vote opened, closed, revealed or cancelled, a timer started or run out, and the
 * step this screen shows changing under it (follow-me). Counts that change at every ballot are not.
 *
 * The facilitator, who makes these changes, hears only the timer running out; the projector nothing.
 */
export class BoardNews {
  text = $state('');
  private said = 0;

  constructor(read: () => Read) {
    const participant = () => read().role === 'participant';
    /** The board once its first state has arrived: what it held before that is nobody's news. */
    const loaded = () => {
      const { board } = read();
      return board?.loaded ? board : undefined;
    };
    const say = (text: string) => {
      // The same words again (a second lock) must still change the region's text to be read.
      this.said++;
      this.text = this.said % 2 ? text : `${text}\u00a0`;
    };
    // Each watcher remembers what it saw last; `undefined` is the first look, which says nothing.
    watch(
      () => loaded()?.control.locked,
      (locked) => {
        if (participant()) say(locked ? 'The facilitator locked the board.' : 'The board is unlocked: you can move your teams again.');
      },
    );
    watch(
      () => {
        const board = loaded();
        if (!board) return undefined;
        const v = board.control.vote;
        return v ? `${v.id}:${v.round}:${v.state}` : null;
      },
      () => {
        const v = read().board?.control.vote;
        if (!participant()) return;
        if (!v) return say('The vote was cancelled.');
        const round = v.round > 1 ? ` (round ${v.round})` : '';
        if (v.state === 'open') say(`Vote open${round}: ${v.question}`);
        else if (v.state === 'closed') say('Vote closed. The results come when the facilitator reveals them.');
        else say(`Results revealed: ${v.question}`);
      },
    );
    watch(
      () => {
        const board = loaded();
        if (!board) return undefined;
        const t = board.control.timer;
        return t ? `${t.durationMs}:${t.endsAt === null ? 'paused' : 'running'}` : null;
      },
      () => {
        const t = read().board?.control.timer;
        if (participant() && t && t.endsAt !== null) say(`Timer: ${Math.round(t.durationMs / 60_000)} min.`);
      },
    );
    watch(
      () => {
        const board = loaded();
        return board && read().role !== 'observer' && timeIsUp(board.control.timer, read().now);
      },
      (up) => {
        if (up) say('Time is up.');
      },
    );
    watch(
      () => (loaded() ? (read().live ? read().shown : null) : undefined),
      (step) => {
        const agenda = read().board?.meta.template.agenda ?? [];
        const title = step === null ? undefined : agenda[step]?.title;
        if (participant() && title) say(`Step ${step! + 1} of ${agenda.length}: ${title}${/[.?!]$/.test(title) ? '' : '.'}`);
      },
    );
  }
}

/**
 * Calls `changed` when `value` differs from the last time, never for the first value seen; an
 * `undefined` value is not looked at yet. Only `value` is tracked: what `changed` reads is not.
 */
function watch<T>(value: () => T | undefined, changed: (next: T) => void): void {
  let last: { v: T } | undefined;
  $effect(() => {
    const v = value();
    if (v === undefined || (last && last.v === v)) return;
    const first = !last;
    last = { v };
    if (!first) untrack(() => changed(v));
  });
}
