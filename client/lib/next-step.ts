import type { Team } from '../../shared/doc.ts';
import { placedPoint } from '../../shared/risk.ts';
import type { BOARDS } from '../../shared/template.ts';
import type { ControlVote } from '../../shared/votes.ts';

/** What the facilitator's page reads to say what comes next. */
export interface NextInput {
  board: (typeof BOARDS)[number] | undefined;
  /** Participants on the roster, and how many of them are connected. */
  joined: number;
  online: number;
  teams: readonly Team[];
  groups: number;
  vote: ControlVote | null;
  /** How many on the roster may vote in `vote` (its groups' members, or everyone). */
  eligible?: number;
  /** Revealed results so far. */
  results: number;
  last: boolean;
}

const teams = (n: number) => `${n} ${n === 1 ? 'team' : 'teams'}`;

/**
 * One line for the facilitator: what the room has done of the step, and what to do next, from the
 * state of the board alone (so it is right on every facilitator's screen at once).
 */
export function nextHint(s: NextInput): string {
  const n = s.teams.length;
  if (s.vote && s.vote.state === 'open' && s.eligible && s.vote.count >= s.eligible)
    return 'Everyone has voted: close the vote or reveal the results.';
  if (s.vote && s.vote.state === 'open') return `Voting: ${s.vote.count} so far. Close the vote when everyone is in, then reveal.`;
  if (s.vote && s.vote.state === 'closed') return 'The vote is closed: reveal the results when the room is ready.';
  switch (s.board) {
    case 'welcome':
      if (s.joined === 0) return 'Nobody has joined yet: put the code on the projector.';
      return `${s.online} of ${s.joined} connected. When the room is in, go to the next step (▶).`;
    case 'stage':
    case 'target': {
      if (n === 0) return 'No teams yet: ask each group to add its team.';
      // A target where the team is may be an answer (staying put is one), so this asks rather than counts it missing.
      const still = s.teams.filter((t) => (t.stageTarget ?? 0) <= (t.stageCurrent ?? 0)).length;
      if (s.board === 'target' && still > 0)
        return `${teams(still)} with the target where ${still === 1 ? 'it is' : 'they are'}: fine if staying is the plan, else move the target ahead.`;
      return `${teams(n)} on the map. When they have settled, go to the next step (▶).`;
    }
    case 'risk': {
      if (n === 0) return 'No teams yet: ask each group to add its team.';
      const off = s.teams.filter((t) => !placedPoint(t)).length;
      return off > 0 ? `${teams(off)} not on the risk diagonal yet.` : `All ${teams(n)} on the risk diagonal.`;
    }
    case 'vote':
      // Just revealed: the result is on screen, and the room's next move is to talk about it.
      if (s.vote?.state === 'revealed')
        return 'Results revealed: discuss them with the room, then ask again for another round or go to the next step (▶).';
      if (s.groups === 0) return 'Next: split the room into breakout groups, then open a vote.';
      return 'Next: open a vote on a team for the groups.';
    case 'reveal':
      return s.results > 0
        ? 'Discuss the results with the prompts below, or ask again for a second round.'
        : 'No vote has been revealed yet.';
    case 'commitments': {
      if (n === 0) return 'No teams yet: nothing to commit to.';
      const open = s.teams.filter((t) => !t.commitment?.trim() || !t.owner?.trim()).length;
      return open > 0 ? `${teams(open)} still without a commitment or an owner.` : `Every team has a commitment and an owner.`;
    }
    case 'wrapup':
      return 'Thank the room: the replay, the exports and the report are one click away.';
    default:
      return s.last
        ? 'The last step: the replay, the exports and the report are one click away.'
        : 'Go to the next step (▶) when the room is ready.';
  }
}
