import type { BOARDS } from '../../shared/template.ts';
import type { ControlVote } from '../../shared/votes.ts';

export interface ResultNewsInput {
  /** What the step on screen is about. */
  board: (typeof BOARDS)[number] | undefined;
  /** The vote in `control`: the running one, or the last one revealed. */
  vote: ControlVote | null;
  /** The newest result was revealed while this page watched, at the step it still shows. */
  revealedHere: boolean;
}

/**
 * Whether the newest vote result is the latest thing that happened, and so comes first on the page
 * (before the facilitator's desk and the maps): at the step that discusses results, at the vote step
 * once its vote is revealed, and wherever a reveal just happened in front of this page, until the
 * step changes. A running vote is never pushed down by an older result: its ballot or counts lead.
 */
export function resultIsNews(s: ResultNewsInput): boolean {
  if (s.vote && s.vote.state !== 'revealed') return false;
  if (s.board === 'reveal') return true;
  if (!s.vote) return false;
  return s.board === 'vote' || s.revealedHere;
}
