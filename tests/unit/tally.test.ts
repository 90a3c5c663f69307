import { describe, expect, it } from 'vitest';
import { eligibleVoters, formatShare, formatStage, groupListName, NO_GROUP, resultGroups, tally } from '../../shared/tally.ts';

const byGroup = (groups: (string | null)[]) =>
  tally(
    'stage',
    groups.map((group) => ({ group, value: { stage: 2 } })),
    null,
  ).byGroup;

describe('whose ballots a result holds', () => {
  const all = ['a', 'b', 'c'];

  it('is the room when someone outside a group voted, or every group did', () => {
    expect(resultGroups(byGroup([null]), [])).toBeNull();
    expect(resultGroups(byGroup(['a', null]), all)).toBeNull();
    expect(resultGroups(byGroup(['a', 'b', 'c', 'c']), all)).toBeNull();
    expect(resultGroups({}, all)).toBeNull();
  });

  it('is the one group that cast every ballot, as in a vote for that group only', () => {
    // Broke: a vote for Group A alone was labelled "Everyone".
    expect(resultGroups(byGroup(['b', 'b']), all)).toEqual(['b']);
    expect(resultGroups(byGroup(['gone']), all)).toEqual(['gone']);
  });

  it('is the groups that voted when some groups did not, in display order', () => {
    expect(resultGroups(byGroup(['c', 'a']), all)).toEqual(['a', 'c']);
    // Groups deleted since leave no way to tell whether the vote was for every group.
    expect(resultGroups(byGroup(['a', 'gone']), all)).toBeNull();
  });

  it('takes the groups a vote was for when the result names them', () => {
    expect(resultGroups({}, all, ['c'])).toEqual(['c']);
    expect(resultGroups(byGroup(['a', 'b', 'c']), all, ['c', 'a', 'b'])).toEqual(['a', 'b', 'c']);
    // A vote for the whole room in which only one group happened to vote is still the room's.
    expect(resultGroups(byGroup(['b', 'b']), all, null)).toBeNull();
  });

  it('names them in words', () => {
    const names = { a: 'Group A', b: 'Group B', c: 'Group C' };
    expect(groupListName(['a'], names)).toBe('Group A');
    expect(groupListName(['a', 'b'], names)).toBe('Group A and Group B');
    expect(groupListName(['a', 'b', 'c'], names)).toBe('Group A, Group B and Group C');
    expect(groupListName(['gone', 'a'], names)).toBe('Former group and Group A');
  });
});

describe('who may vote', () => {
  const members = [{ group: 'a' }, { group: 'a' }, { group: 'b' }, { group: null }];

  it('is everyone on the roster for a vote for the room, counted per group', () => {
    expect(eligibleVoters(members, null)).toEqual({ total: 4, byGroup: { a: 2, b: 1, [NO_GROUP]: 1 } });
  });

  it('is only the members of the groups a vote is for', () => {
    expect(eligibleVoters(members, ['a'])).toEqual({ total: 2, byGroup: { a: 2 } });
    expect(eligibleVoters([], ['a'])).toEqual({ total: 0, byGroup: {} });
  });
});

describe('numbers as the results show them', () => {
  it('gives a stage one decimal, rounding halves up', () => {
    expect([1, 1.25, 1.45, 2.45, 2.449, 3].map(formatStage)).toEqual(['1.0', '1.3', '1.5', '2.5', '2.4', '3.0']);
  });

  it('gives autonomy and controls as whole percents', () => {
    expect([0, 0.455, 0.3, 1].map(formatShare)).toEqual(['0%', '46%', '30%', '100%']);
  });
});

describe('counting under keys an object already has', () => {
  it('counts choices and groups named after Object.prototype keys as their own', () => {
    const r = tally(
      'choice',
      [
        { group: '__proto__', value: { choice: 'constructor' } },
        { group: 'toString', value: { choice: 'constructor' } },
        { group: null, value: { choice: '__proto__' } },
      ],
      ['constructor', 'toString'],
    );
    expect(Object.keys(r.overall.choices!)).toEqual(['constructor', 'toString', '__proto__']);
    expect(r.overall.choices!.constructor).toBe(2);
    expect(r.overall.choices!.toString).toBe(0);
    expect(Object.getOwnPropertyDescriptor(r.overall.choices, '__proto__')?.value).toBe(1);
    expect(Object.keys(r.byGroup)).toEqual(['__proto__', 'toString', NO_GROUP]);
    expect(Object.getOwnPropertyDescriptor(r.byGroup, '__proto__')?.value).toMatchObject({ n: 1 });
  });
});
