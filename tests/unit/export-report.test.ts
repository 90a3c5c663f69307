import { describe, expect, it } from 'vitest';
import {
  aggregateText,
  commitmentText,
  reportInsight,
  REPORT_TIMELINE_MAX,
  reportModel,
  reportTimeline,
  revealInsights,
  sessionLength,
} from '../../client/lib/export-report.ts';
import { RELIANCE_LOOK } from '../../client/lib/reliance.ts';
import { sessionProgress } from '../../client/lib/session-progress.ts';
import type { Team } from '../../shared/doc.ts';
import type { ExportFile } from '../../shared/export-format.ts';
import type { TimelineEvent } from '../../shared/timeline.ts';
import { computeInsights } from '../../shared/insights.ts';
import { BUILTIN_TEMPLATES } from '../../shared/templates/index.ts';

const template = BUILTIN_TEMPLATES[0]!;
const payments: Team = { id: 'pay', name: 'Payments Platform & Ledger Reliability', color: '#dc2626', autonomy: 0.55, controls: 0.3 };
const redZone = (team: Team) => computeInsights([team], template).find((i) => i.rule === 'redZone')!;
const line = (i: { lead: string; name: string; rest: string }) => `${i.lead}[${i.name}]${i.rest}`;

describe('the report', () => {
  it('names the team of an insight once, where the message names it', () => {
    expect(line(reportInsight(redZone(payments), template))).toBe(
      '[Payments Platform & Ledger Reliability] is in the red zone: autonomy 55% against controls 30%.',
    );
  });

  it('finds the team where the template puts it, even when the name also occurs earlier in the message', () => {
    const a = { ...payments, name: 'a' };
    const outlier = {
      ...redZone(a),
      rule: 'outlier' as const,
      message: 'One ballot on a sits at 2.5, far from the median 1.2: discuss the outlier.',
    };
    expect(line(reportInsight(outlier, template))).toBe('One ballot on [a] sits at 2.5, far from the median 1.2: discuss the outlier.');
  });

  it('puts the team in front of a message that does not name it', () => {
    const custom = { ...redZone(payments), message: 'Red zone.' };
    expect(line(reportInsight(custom, template))).toBe('[Payments Platform & Ledger Reliability]: Red zone.');
  });

  it('lists at each reveal only the insights it flagged first, and says which were resolved by the end', () => {
    const final = computeInsights([payments], template);
    const earlier = computeInsights(
      [
        { ...payments, autonomy: 0.7 },
        { id: 'sre', name: 'SRE', color: '#000', stageCurrent: 1 },
      ],
      template,
    );
    const [first, same, empty, back] = revealInsights(
      {
        final,
        atReveals: [
          { voteId: 'v1', question: 'Is SRE safe?', round: 1, revealedAt: 1, insights: earlier },
          { voteId: 'v2', question: 'Where is Payments?', round: 1, revealedAt: 2, insights: final },
          { voteId: 'v3', question: 'Anything?', round: 1, revealedAt: 3, insights: [] },
          { voteId: 'v4', question: 'Where is Payments?', round: 2, revealedAt: 4, insights: final },
        ],
      },
      template,
    );
    const text = (i: ReturnType<typeof revealInsights>[number]['fresh'][number]) => `${line(i)}${i.resolved ? ' (resolved)' : ''}`;
    // Broke: every reveal repeated the same list, resolved or not.
    expect(first!.fresh.map(text)).toEqual(
      earlier.map((i) => `${line(reportInsight(i, template))}${final.some((f) => f.key === i.key) ? '' : ' (resolved)'}`),
    );
    expect(first!.fresh.map(text)).toContain('[SRE] is on the stage map but not yet on the risk diagonal. (resolved)');
    expect(first!.fresh.map(text)).toContain(
      '[Payments Platform & Ledger Reliability] is in the red zone: autonomy 70% against controls 30%.',
    );
    // The red zone at other numbers is the same insight still standing: not new.
    expect(same!.fresh.map(text)).not.toContainEqual(expect.stringContaining('red zone'));
    expect(empty!.fresh).toEqual([]);
    expect(back!.fresh).toHaveLength(final.length);
  });

  it('says a team deleted after a reveal was deleted, not that its insight was resolved', () => {
    const scratch: Team = { id: 'tmp', name: 'Scratch team', color: '#000', autonomy: 0.7, controls: 0.2 };
    const sre: Team = { id: 'sre', name: 'SRE', color: '#000', autonomy: 0.7, controls: 0.2 };
    const atReveal = computeInsights([payments, scratch, sre], template).filter((i) => i.rule === 'redZone');
    const final = computeInsights([payments, { ...sre, controls: 0.8 }], template);
    const [r] = revealInsights(
      { final, atReveals: [{ voteId: 'v1', question: 'Where?', round: 1, revealedAt: 1, insights: atReveal }] },
      template,
      new Set(['pay', 'sre']),
    );
    const state = (name: string) => {
      const i = r!.fresh.find((x) => x.name === name)!;
      return i.deleted ? 'deleted' : i.resolved ? 'resolved' : 'open';
    };
    expect([state('Payments Platform & Ledger Reliability'), state('Scratch team'), state('SRE')]).toEqual(['open', 'deleted', 'resolved']);
  });

  it('keeps the agenda and the reveals of a long session in the report timeline, and counts what it left out', () => {
    const events: TimelineEvent[] = [];
    let at = 0;
    const add = (kind: TimelineEvent['kind'], label: string) => events.push({ at: (at += 60_000), kind, label });
    for (let p = 1; p <= 20; p++) add('join', `Person ${p} joined`);
    for (let step = 0; step < 8; step++) {
      add('step', `Agenda ${step + 1}`);
      if (step === 1) for (let t = 1; t <= 12; t++) add('team', `Team added: Team ${t}`);
      if (step === 4) {
        for (const q of ['A?', 'B?', 'C?']) {
          add('vote-open', `Vote opened: ${q}`);
          add('vote-close', `Vote closed: ${q}`);
        }
      }
      if (step === 5) for (const q of ['A?', 'B?', 'C?']) add('vote-reveal', `Vote revealed: ${q}`);
      add('connect', 'Priya connected');
    }
    const { shown, left } = reportTimeline(events);
    // Broke: the first 24 lines were kept: the report ended in the middle of step 2.
    expect(shown.map((e) => e.label)).toContain('Agenda 8');
    expect(shown.filter((e) => e.kind === 'vote-reveal')).toHaveLength(3);
    expect(shown.length).toBeLessThanOrEqual(REPORT_TIMELINE_MAX);
    expect(left).toBe(events.filter((e) => e.kind !== 'connect').length - shown.length);
    expect(reportTimeline(events.slice(0, 10))).toEqual({
      shown: events.slice(0, 10).filter((e) => e.kind !== 'connect'),
      left: 0,
      leftKinds: '',
    });
  });

  it("leaves out the facilitator's controls before votes and commitments, and says what it left out", () => {
    const events: TimelineEvent[] = [];
    let at = 0;
    const add = (kind: TimelineEvent['kind'], label: string) => events.push({ at: (at += 60_000), kind, label });
    for (let p = 1; p <= 3; p++) add('join', `Person ${p} joined`);
    for (let step = 0; step < 8; step++) {
      add('step', `Agenda ${step + 1}`);
      add('timer', 'Timer 5 min started');
      add('spotlight', 'Spotlight on Payments');
      if (step === 3) add('lock', 'Board locked');
      if (step === 6) for (const t of ['Payments', 'Mobile']) add('commitment', `Commitment for ${t}: Pilot`);
    }
    const { shown, leftKinds } = reportTimeline(events);
    expect(shown.filter((e) => e.kind === 'commitment')).toHaveLength(2);
    expect(shown.some((e) => e.kind === 'lock')).toBe(true);
    expect(shown.some((e) => e.kind === 'timer')).toBe(false);
    expect(shown.filter((e) => e.kind === 'spotlight')).toHaveLength(8);
    // Broke: the note said "joins, team changes, votes opening and closing" whatever was left out.
    expect(leftKinds).toBe('joins and timers');
  });

  it('reads a long day of 300,000 connects and leaves without running out of stack', () => {
    const timeline = Array.from({ length: 300_000 }, (_, i) => ({ at: i, kind: i % 2 ? 'disconnect' : 'connect', actor: 'p1', label: '' }));
    const exp = { exportedAt: 400_000, workshop: { createdAt: 0 }, template, state: { control: { step: 1 } }, timeline, log: [{ at: 0 }] };
    // Broke: Math.max(...timeline) threw "Maximum call stack size exceeded", and the report showed only the error.
    expect(sessionProgress(exp as unknown as ExportFile)).toMatchObject({ live: true, step: 1 });
  });

  it('says a session still running is in progress, and one that reached its last step or went quiet is not', () => {
    const MIN = 60_000;
    const exp = (over: { step: number; lastAt: number; exportedAt: number; connected?: boolean }) =>
      ({
        exportedAt: over.exportedAt,
        workshop: { createdAt: 0 },
        template,
        state: { control: { step: over.step } },
        timeline: over.connected
          ? [
              { at: 0, kind: 'connect', actor: 'facilitator', label: '' },
              { at: 0, kind: 'connect', actor: 'p1', label: '' },
              { at: 5, kind: 'disconnect', actor: 'p1', label: '' },
            ]
          : [],
        log: [{ at: 0 }, { at: over.lastAt }],
      }) as unknown as ExportFile;
    const last = template.agenda.length - 1;
    // Broke: a report made at agenda 4, a minute after the last edit, read "10 min 30 s session".
    expect(sessionProgress(exp({ step: 3, lastAt: 10 * MIN, exportedAt: 11 * MIN }))).toMatchObject({ live: true, step: 3 });
    expect(sessionProgress(exp({ step: last, lastAt: 10 * MIN, exportedAt: 11 * MIN })).live).toBe(false);
    // Quiet an hour with nobody connected: over. Quiet an hour with the facilitator still there: a long discussion.
    expect(sessionProgress(exp({ step: 3, lastAt: 10 * MIN, exportedAt: 70 * MIN })).live).toBe(false);
    expect(sessionProgress(exp({ step: 3, lastAt: 10 * MIN, exportedAt: 70 * MIN, connected: true })).live).toBe(true);
    expect(sessionProgress(exp({ step: 3, lastAt: 10 * MIN, exportedAt: 2 * 24 * 60 * MIN, connected: true })).live).toBe(false);
    const model = reportModel({
      ...exp({ step: 3, lastAt: 10 * MIN, exportedAt: 12 * MIN }),
      teams: [],
      participants: [],
      results: {},
      insights: { final: [], atReveals: [] },
    } as unknown as ExportFile);
    // "So far" runs to when the report was made, not to the last edit.
    expect(model.endedAt - model.startedAt).toBe(12 * MIN);
  });

  it('words a missing commitment or owner naturally, not "No commitment yet — Priya"', () => {
    const cell = (t: Pick<Team, 'commitment' | 'owner'>) => {
      const c = commitmentText(t);
      return c.note ? `${c.text} ${c.note}` : c.text;
    };
    expect(cell({ owner: 'Priya' })).toBe('No commitment yet (owner: Priya)');
    expect(cell({ commitment: 'Pilot review agents', owner: 'Priya' })).toBe('Pilot review agents (owner: Priya)');
    expect(cell({ commitment: 'Pilot review agents' })).toBe('Pilot review agents (no owner yet)');
    expect(cell({})).toBe('–');
    // Blank fields count as empty, as the noCommitment insight counts them.
    expect(cell({ commitment: '  ', owner: ' Priya ' })).toBe('No commitment yet (owner: Priya)');
    expect(cell({ commitment: ' ', owner: '' })).toBe('–');
  });

  it('says how long the session ran in words', () => {
    expect(sessionLength(4 * 60_000 + 32_000)).toBe('4 min 32 s');
    expect(sessionLength(5 * 60_000)).toBe('5 min');
    expect(sessionLength(45_400)).toBe('45 s');
    expect(sessionLength(70 * 60_000 + 9_000)).toBe('1 h 10 min');
    expect(sessionLength(2 * 3_600_000)).toBe('2 h');
  });

  it('reads what a team relies on as a phrase in a sentence', () => {
    expect(`relying on ${RELIANCE_LOOK.mixed.phrase}`).toBe('relying on a mix of guardrails and guarantees');
  });

  it('gives each vote its team, who was asked, and a line per group that split the ballots', () => {
    const stage = (median: number, q1: number, q3: number) => ({ n: 0, median, q1, q3, min: q1, max: q3 });
    const agg = (n: number, s?: ReturnType<typeof stage>) => ({ n, values: [], ...(s ? { stage: { ...s, n } } : {}) });
    const exp = {
      workshop: { id: 'w', title: 'Offsite', templateId: template.id, createdAt: 1 },
      template,
      state: { control: {}, groups: { list: { g2: { name: 'Table 2', teamIds: [] }, g1: { name: 'Table 1', teamIds: [] } } }, results: {} },
      teams: [payments],
      participants: [
        { id: 'p1', name: 'Priya', joinedAt: 1, removedAt: null },
        { id: 'p2', name: 'Alex', joinedAt: 2, removedAt: 30 },
      ],
      results: {
        room: {
          voteId: 'room',
          question: 'Where is Payments?',
          round: 1,
          revealedAt: 20,
          teamId: 'pay',
          groups: null,
          overall: agg(5, stage(2, 1.5, 2.5)),
          byGroup: { g1: agg(3, stage(2.5, 2, 2.5)), g2: agg(2, stage(1.5, 1, 2)) },
        },
        one: {
          voteId: 'one',
          question: 'And now?',
          round: 2,
          revealedAt: 10,
          teamId: 'gone',
          groups: ['g2'],
          overall: agg(2, stage(1.5, 1, 2)),
          byGroup: { g2: agg(2, stage(1.5, 1, 2)) },
        },
        none: { voteId: 'none', question: 'Anyone?', round: 1, revealedAt: 30, teamId: null, overall: agg(0), byGroup: {} },
        broken: { voteId: 'broken', question: 7 },
      },
      timeline: [{ at: 15, kind: 'team-delete', teamId: 'gone', label: 'Team deleted: Scratch team' }],
      insights: { final: [], atReveals: [] },
      log: [],
    } as unknown as ExportFile;
    // Broke: the header counted Alex, removed, like anyone else, and the vote about a deleted team named none.
    expect(reportModel(exp)).toMatchObject({ participants: 2, removed: 1 });
    expect(reportModel(exp).votes).toEqual([
      {
        voteId: 'one',
        question: 'And now?',
        round: 2,
        team: 'Scratch team',
        teamDeleted: true,
        lines: [{ label: 'Table 2', text: '2 ballots: median stage 1.5 (middle half 1.0–2.0)' }],
      },
      {
        voteId: 'room',
        question: 'Where is Payments?',
        round: 1,
        team: 'Payments Platform & Ledger Reliability',
        teamDeleted: false,
        lines: [
          { label: 'Everyone', text: '5 ballots: median stage 2.0 (middle half 1.5–2.5)' },
          { label: 'Table 1', text: '3 ballots: median stage 2.5 (middle half 2.0–2.5)' },
          { label: 'Table 2', text: '2 ballots: median stage 1.5 (middle half 1.0–2.0)' },
        ],
      },
      { voteId: 'none', question: 'Anyone?', round: 1, team: null, teamDeleted: false, lines: [{ label: 'Everyone', text: 'no ballots' }] },
    ]);
  });

  it('writes a risk or choice result in words', () => {
    const s = { n: 3, median: 0.4, q1: 0.3, q3: 0.5, min: 0.3, max: 0.5 };
    expect(aggregateText({ n: 3, autonomy: s, controls: { ...s, median: 0.55 } })).toBe('3 ballots: median autonomy 40%, controls 55%');
    expect(aggregateText({ n: 1, choices: { Yes: 1, No: 0 } })).toBe('1 ballot: Yes 1');
  });
});
