import { describe, expect, it } from 'vitest';
import type { ControlVote } from '../../shared/votes.ts';
import { resultIsNews, type ResultNewsInput } from '../../client/lib/result-news.ts';

const vote = (state: ControlVote['state']) => ({ id: 'v1', state, count: 2 }) as ControlVote;
const base: ResultNewsInput = { board: 'stage', vote: vote('revealed'), revealedHere: false };

describe('whether the newest vote result is news on a page', () => {
  it('is news at the vote step once its vote is revealed, and always at the reveal step', () => {
    expect(resultIsNews({ ...base, board: 'vote' })).toBe(true);
    expect(resultIsNews({ ...base, board: 'reveal' })).toBe(true);
    expect(resultIsNews({ ...base, board: 'reveal', vote: null })).toBe(true);
    expect(resultIsNews({ ...base, board: 'vote', vote: null })).toBe(false);
  });

  it('is news at any step where the page just saw it revealed, and old news elsewhere', () => {
    expect(resultIsNews({ ...base, revealedHere: true })).toBe(true);
    expect(resultIsNews(base)).toBe(false);
    expect(resultIsNews({ ...base, board: 'commitments' })).toBe(false);
  });

  it('never puts an old result above a running vote', () => {
    for (const state of ['open', 'closed'] as const) {
      expect(resultIsNews({ ...base, board: 'reveal', vote: vote(state) })).toBe(false);
      expect(resultIsNews({ ...base, board: 'vote', vote: vote(state), revealedHere: true })).toBe(false);
    }
  });
});
