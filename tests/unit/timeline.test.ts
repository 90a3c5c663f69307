import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { addTeam, initWorkshopDoc, ROOTS } from '../../shared/doc.ts';
import { DocEventTracker, FALLBACK_TEMPLATE, mergeTimeline } from '../../shared/timeline.ts';
import { safeCell } from '../../server/export.ts';

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
