import { describe, expect, it } from 'vitest';
import type { Team } from '../../shared/doc.ts';
import type { ControlVote } from '../../shared/votes.ts';
import { nextHint, type NextInput } from '../../client/lib/next-step.ts';

const team = (v: Partial<Team>): Team => ({ id: v.name ?? 't', name: 'Payments', color: '#123456', ...v });
const base: NextInput = { board: 'welcome', joined: 0, online: 0, teams: [], groups: 0, vote: null, results: 0, last: false };
const vote = (state: ControlVote['state'], count = 3) => ({ state, count }) as ControlVote;

describe('the facilitator’s next step', () => {
  it('follows the room through the agenda', () => {
    expect(nextHint(base)).toBe('Nobody has joined yet: put the code on the projector.');
    expect(nextHint({ ...base, joined: 5, online: 4 })).toBe('4 of 5 connected. When the room is in, go to the next step (▶).');
    expect(nextHint({ ...base, board: 'stage' })).toBe('No teams yet: ask each group to add its team.');
    const placed = [team({ name: 'A', stageCurrent: 1, stageTarget: 2 }), team({ name: 'B', stageCurrent: 2, stageTarget: 2 })];
    expect(nextHint({ ...base, board: 'stage', teams: placed })).toBe(
      '2 teams on the map. When they have settled, go to the next step (▶).',
    );
    expect(nextHint({ ...base, board: 'target', teams: placed })).toBe(
      '1 team with the target where it is: fine if staying is the plan, else move the target ahead.',
    );
    expect(nextHint({ ...base, board: 'risk', teams: [...placed, team({ name: 'C', autonomy: 0.2, controls: 0.5 })] })).toBe(
      '2 teams not on the risk diagonal yet.',
    );
    expect(nextHint({ ...base, board: 'vote' })).toBe('Next: split the room into breakout groups, then open a vote.');
    expect(nextHint({ ...base, board: 'vote', groups: 2 })).toBe('Next: open a vote on a team for the groups.');
    expect(nextHint({ ...base, board: 'reveal' })).toBe('No vote has been revealed yet.');
    expect(nextHint({ ...base, board: 'commitments', teams: [team({ commitment: 'Evals', owner: '' })] })).toBe(
      '1 team still without a commitment or an owner.',
    );
  });

  it('claims nothing of an empty room: no "all 0 teams", no "every team has a commitment"', () => {
    // Broke: "All 0 teams on the risk diagonal." and "Every team has a commitment and an owner." with no team at all.
    expect(nextHint({ ...base, board: 'risk' })).toBe('No teams yet: ask each group to add its team.');
    expect(nextHint({ ...base, board: 'commitments' })).toBe('No teams yet: nothing to commit to.');
    expect(nextHint({ ...base, board: 'commitments', teams: [team({ commitment: 'Evals', owner: 'Ana' })] })).toBe(
      'Every team has a commitment and an owner.',
    );
  });

  it('puts a running vote first, whatever the step', () => {
    expect(nextHint({ ...base, board: 'stage', vote: vote('open', 4) })).toBe(
      'Voting: 4 so far. Close the vote when everyone is in, then reveal.',
    );
    expect(nextHint({ ...base, board: 'reveal', vote: vote('closed') })).toBe(
      'The vote is closed: reveal the results when the room is ready.',
    );
    expect(nextHint({ ...base, board: 'reveal', vote: vote('revealed'), results: 1 })).toBe(
      'Discuss the results with the prompts below, or ask again for a second round.',
    );
  });

  it('says when everyone who may vote has voted', () => {
    // Broke: "Close the vote when everyone is in" while the count read "2 of 2".
    expect(nextHint({ ...base, board: 'vote', vote: vote('open', 2), eligible: 2 })).toBe(
      'Everyone has voted: close the vote or reveal the results.',
    );
    expect(nextHint({ ...base, board: 'vote', vote: vote('open', 1), eligible: 2 })).toBe(
      'Voting: 1 so far. Close the vote when everyone is in, then reveal.',
    );
    // Nobody may vote (an empty group): not "everyone has voted".
    expect(nextHint({ ...base, board: 'vote', vote: vote('open', 0), eligible: 0 })).toBe(
      'Voting: 0 so far. Close the vote when everyone is in, then reveal.',
    );
  });

  it('talks about the result just revealed at the vote step, not about opening a vote', () => {
    // Broke: right after "Reveal results" the hint said "Next: open a vote on a team for the groups."
    expect(nextHint({ ...base, board: 'vote', groups: 2, vote: vote('revealed'), results: 1 })).toBe(
      'Results revealed: discuss them with the room, then ask again for another round or go to the next step (▶).',
    );
  });
});
