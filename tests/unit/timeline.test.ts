import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { addTeam, ensureGroupMaps, initWorkshopDoc, ROOTS } from '../../shared/doc.ts';
import { DocEventTracker, FALLBACK_TEMPLATE, mergeTimeline } from '../../shared/timeline.ts';
import { safeCell } from '../../server/export.ts';
import { VOTE_LIMITS } from '../../shared/limits.ts';

describe('timeline', () => {
  it('names agenda steps, teams and vote changes as the log applies them', () => {
    const doc = new Y.Doc();
    const tracker = new DocEventTracker(doc);
    let seq = 0;
    const step = (change: () => void, author = 'facilitator') => {
      change();
      tracker.after({ seq: ++seq, at: seq * 1000, author });
    };
    step(() => initWorkshopDoc(doc, { title: 'T', template: FALLBACK_TEMPLATE, createdAt: 0 }), 'server');
    step(() => addTeam(doc, 'a', { name: '<b>Core</b>', color: '#123456' }), 'p_1');
    step(() => doc.getMap(ROOTS.control).set('step', 3));
    step(() => doc.getMap(ROOTS.control).set('vote', { id: 'v_1', question: 'Where?', state: 'open' }));
    step(() => doc.getMap(ROOTS.control).set('vote', { id: 'v_1', question: 'Where?', state: 'revealed' }));
    step(() => doc.getMap(ROOTS.control).set('locked', true));
    expect(tracker.events.map((e) => [e.seq, e.kind, e.label])).toEqual([
      [1, 'step', 'Agenda 1: Welcome and framing'],
      [2, 'team', 'Team added: <b>Core</b>'],
      [3, 'step', 'Agenda 4: Risk diagonal'],
      [4, 'vote-open', 'Vote opened: Where?'],
      [5, 'vote-reveal', 'Vote revealed: Where?'],
    ]);
    expect(tracker.events[1]!.actor).toBe('p_1');
  });

  it('names the round after the first and the groups of a vote not for everyone, and a vote cancelled before its reveal', () => {
    const doc = new Y.Doc();
    const tracker = new DocEventTracker(doc);
    let seq = 0;
    const step = (change: () => void) => {
      change();
      tracker.after({ seq: ++seq, at: seq * 1000, author: 'facilitator' });
    };
    const control = doc.getMap(ROOTS.control);
    const vote = (id: string, state: string, round: number, groups: string[] | null, question = 'Where is Payments?') => ({
      id,
      question,
      kind: 'stage',
      teamId: 'pay',
      choices: null,
      groups,
      state,
      round,
      count: 0,
      countsByGroup: {},
    });
    step(() => initWorkshopDoc(doc, { title: 'T', template: FALLBACK_TEMPLATE, createdAt: 0 }));
    step(() => {
      const { list } = ensureGroupMaps(doc);
      list.set('g_a', { name: 'Group A', teamIds: [] });
      list.set('g_b', { name: 'Group B', teamIds: [] });
      list.set('g_c', { name: 'Group C', teamIds: [] });
    });
    step(() => control.set('vote', vote('v_1', 'open', 1, null)));
    step(() => {
      doc.getMap(ROOTS.results).set('v_1', { voteId: 'v_1' });
      control.set('vote', vote('v_1', 'revealed', 1, null));
    });
    step(() => control.set('vote', null));
    step(() => control.set('vote', vote('v_2', 'open', 2, ['g_a', 'g_b', 'g_c'])));
    step(() => control.set('vote', vote('v_2', 'closed', 2, ['g_a', 'g_b', 'g_c'])));
    // Cancelled while closed: control.vote goes back to null and nothing is written into results.
    step(() => control.set('vote', null));
    step(() => control.set('vote', vote('v_3', 'open', 2, ['g_b'], 'Where is Mobile?')));
    step(() => control.set('vote', null));
    expect(tracker.events.filter((e) => e.kind !== 'step').map((e) => [e.kind, e.voteId, e.label])).toEqual([
      ['vote-open', 'v_1', 'Vote opened: Where is Payments?'],
      ['vote-reveal', 'v_1', 'Vote revealed: Where is Payments?'],
      ['vote-open', 'v_2', 'Vote opened: Where is Payments? (round 2, for Group A, Group B and Group C)'],
      ['vote-close', 'v_2', 'Vote closed: Where is Payments? (round 2, for Group A, Group B and Group C)'],
      ['vote-cancel', 'v_2', 'Vote cancelled: Where is Payments? (round 2, for Group A, Group B and Group C)'],
      ['vote-open', 'v_3', 'Vote opened: Where is Mobile? (round 2, for Group B)'],
      ['vote-cancel', 'v_3', 'Vote cancelled: Where is Mobile? (round 2, for Group B)'],
    ]);
  });

  it('keeps a vote whose question is as long as a vote may ask, cutting its label at the label bound', () => {
    const doc = new Y.Doc();
    const tracker = new DocEventTracker(doc);
    initWorkshopDoc(doc, { title: 'T', template: FALLBACK_TEMPLATE, createdAt: 0 });
    tracker.after({ seq: 1, at: 1000, author: 'server' });
    const question = 'q'.repeat(VOTE_LIMITS.questionChars);
    doc.getMap(ROOTS.control).set('vote', { id: 'v_1', question, state: 'open' });
    tracker.after({ seq: 2, at: 2000, author: 'facilitator' });
    // Broke: a question over 400 characters (a vote may ask 500) failed the timeline's schema: no events at all.
    const open = tracker.events.filter((e) => e.kind === 'vote-open');
    expect(open).toHaveLength(1);
    expect(open[0]!.label).toBe(`Vote opened: ${question}`.slice(0, 400));
  });

  it('names a team deleted or renamed, and merges a name typed a letter at a time into one rename', () => {
    const doc = new Y.Doc();
    const tracker = new DocEventTracker(doc);
    let seq = 0;
    const step = (at: number, change: () => void, author = 'p_1') => {
      change();
      tracker.after({ seq: ++seq, at, author });
    };
    const teams = doc.getMap(ROOTS.teams);
    const name = (id: string, v: string) => (teams.get(id) as Y.Map<unknown>).set('name', v);
    step(0, () => initWorkshopDoc(doc, { title: 'T', template: FALLBACK_TEMPLATE, createdAt: 0 }), 'server');
    step(1000, () => addTeam(doc, 'srch', { name: 'Search', color: '#123456' }));
    step(2000, () => addTeam(doc, 'tmp', { name: 'Scratch', color: '#123456' }));
    // Typed as the board writes it: a letter at a time, an empty name on the way.
    for (const [i, v] of ['Search ', 'Search &', '', 'Search & D', 'Search & Discovery'].entries())
      step(60_000 + i * 500, () => name('srch', v));
    step(70_000, () => (teams.get('srch') as Y.Map<unknown>).set('stageCurrent', 2));
    step(80_000, () => teams.delete('tmp'), 'facilitator');
    // Another rename much later is its own event; one typed back to the old name is none.
    step(600_000, () => name('srch', 'Search'));
    step(900_000, () => name('srch', 'Search!'));
    step(901_000, () => name('srch', 'Search'));
    // Broke: only "Team added" existed; a deleted team and a rename left no trace in the replay or the report.
    expect(tracker.events.filter((e) => e.kind !== 'step').map((e) => [e.at, e.kind, e.teamId, e.label])).toEqual([
      [1000, 'team', 'srch', 'Team added: Search'],
      [2000, 'team', 'tmp', 'Team added: Scratch'],
      [62_000, 'team-rename', 'srch', 'Team renamed: Search → Search & Discovery'],
      [80_000, 'team-delete', 'tmp', 'Team deleted: Scratch'],
      [600_000, 'team-rename', 'srch', 'Team renamed: Search & Discovery → Search'],
    ]);
    expect(tracker.events.find((e) => e.kind === 'team-delete')!.actor).toBe('facilitator');
  });

  it('lists a participant the facilitator removed, at the moment of the removal', () => {
    const merged = mergeTimeline({
      docEvents: [],
      participants: [
        { id: 'p_1', name: 'Priya', joinedAt: 5, removedAt: null },
        { id: 'p_2', name: 'Alex', joinedAt: 6, removedAt: 50 },
      ],
      presence: [],
    });
    expect(merged.map((e) => [e.at, e.kind, e.label])).toEqual([
      [5, 'join', 'Priya joined'],
      [6, 'join', 'Alex joined'],
      [50, 'remove', 'Alex removed by the facilitator'],
    ]);
  });

  it('merges joins, connects and leaves by time, naming people', () => {
    const merged = mergeTimeline({
      docEvents: [{ at: 5, kind: 'step', label: 'Agenda 2', seq: 9 }],
      participants: [{ id: 'p_1', name: 'Priya', joinedAt: 5 }],
      presence: [
        { at: 6, kind: 'connect', actor: 'p_1' },
        { at: 1, kind: 'connect', actor: 'facilitator' },
        { at: 7, kind: 'disconnect', actor: 'p_gone' },
        { at: 8, kind: 'something-else', actor: 'p_1' },
      ],
    });
    expect(merged.map((e) => e.label)).toEqual([
      'Facilitator connected',
      'Agenda 2',
      'Priya joined',
      'Priya connected',
      'participant p_gone left',
    ]);
  });
});

describe('CSV cells', () => {
  it('quotes text a spreadsheet would run as a formula, and leaves numbers alone', () => {
    for (const s of ['=1+1', '+1', '-1', '@SUM(A1)', '\t=1', '\r=1']) expect(safeCell(s)).toBe(`'${s}`);
    expect(safeCell('Payments')).toBe('Payments');
    expect(safeCell(' =1')).toBe(' =1');
    expect(safeCell(-0.5)).toBe(-0.5);
    expect(safeCell(undefined)).toBe('');
  });
});
