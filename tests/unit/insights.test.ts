import { describe, expect, it } from 'vitest';
import type { Team } from '../../shared/doc.ts';
import { computeInsights, insightsDue } from '../../shared/insights.ts';
import { formatStage } from '../../shared/tally.ts';
import { parseTemplate } from '../../shared/template.ts';
import { BUILTIN_TEMPLATES } from '../../shared/templates/index.ts';
import type { VoteResult } from '../../shared/votes.ts';

const team = (values: Partial<Team>): Team => ({ id: 't', name: 'Payments', color: '#123456', ...values });
const rules = (teams: Team[], template = BUILTIN_TEMPLATES[0]!, results: VoteResult[] = []) =>
  computeInsights(teams, template, results).map((i) => i.rule);

function stageResult(self: number, values: number[], extra: Partial<VoteResult> = {}): VoteResult {
  const s = [...values].sort((a, b) => a - b);
  const q = (p: number) => {
    const h = (s.length - 1) * p;
    const lo = Math.floor(h);
    return s[lo]! + (s[Math.min(lo + 1, s.length - 1)]! - s[lo]!) * (h - lo);
  };
  const summary = { n: s.length, median: q(0.5), q1: q(0.25), q3: q(0.75), min: s[0]!, max: s[s.length - 1]! };
  return {
    voteId: 'v1',
    question: 'Where?',
    kind: 'stage',
    teamId: 't',
    choices: null,
    round: 1,
    revealedAt: 1,
    overall: { n: s.length, stage: summary, values },
    byGroup: {},
    self: { stage: self, autonomy: null, controls: null },
    ...extra,
  };
}

describe.each(BUILTIN_TEMPLATES.map((t) => [t.id, t] as const))('insights with the %s template', (_id, template) => {
  const tol = template.diagonal.tolerance;
  const cfg = template.insights;
  const placed = { stageCurrent: 1, stageTarget: 1 };

  it('flags the red zone only beyond the tolerance', () => {
    expect(rules([team({ ...placed, autonomy: 0.5, controls: 0.5 - tol })], template)).not.toContain('redZone');
    expect(rules([team({ ...placed, autonomy: 0.5, controls: 0.5 - tol - 0.01 })], template)).toContain('redZone');
  });

  it('writes autonomy and controls as the maps do, in whole percents', () => {
    const [red] = computeInsights([team({ ...placed, autonomy: 0.853, controls: 0.3 })], template, []).filter((i) => i.rule === 'redZone');
    expect(red!.message).toContain('85%');
    expect(red!.message).toContain('30%');
    expect(red!.message).not.toMatch(/0\.\d/);
  });

  it('flags guardrails only above the autonomy where guarantees are needed', () => {
    const at = (autonomy: number, reliance: Team['reliance']) =>
      rules([team({ ...placed, autonomy, controls: autonomy, reliance })], template).includes('guardrails');
    expect(at(cfg.guaranteesAbove, 'guardrails')).toBe(false);
    expect(at(cfg.guaranteesAbove + 0.01, 'guardrails')).toBe(true);
    expect(at(0.95, 'guarantees')).toBe(false);
    expect(at(0.95, 'mixed')).toBe(false);
  });

  it('flags a target more than the allowed number of stages ahead', () => {
    const gap = (g: number) => rules([team({ stageCurrent: 1, stageTarget: 1 + g, autonomy: 0.5, controls: 0.5 })], template);
    expect(gap(cfg.skipAheadStages)).not.toContain('skipAhead');
    expect(gap(cfg.skipAheadStages + 0.01)).toContain('skipAhead');
  });

  it('flags a bottleneck at the target without a commitment or an owner', () => {
    const base = { stageCurrent: 1, stageTarget: 1.5, autonomy: 0.5, controls: 0.5, bottleneck: 'Review' };
    expect(rules([team({ ...base, commitment: 'Eval suite', owner: 'Ana' })], template)).not.toContain('noCommitment');
    const noOwner = computeInsights([team({ ...base, commitment: 'Eval suite' })], template);
    expect(noOwner.map((i) => i.message).join()).toMatch(/no owner/);
    expect(rules([team({ ...base, owner: 'Ana' })], template)).toContain('noCommitment');
    // Staying put is not skipping ahead, whatever the bottleneck.
    expect(rules([team({ ...base, stageTarget: 1 })], template)).not.toContain('noCommitment');
  });

  it('flags a team on one map but not the other', () => {
    expect(rules([team({ stageCurrent: 1.2 })], template)).toEqual(['notOnDiagonal']);
    expect(rules([team({ autonomy: 0.2, controls: 0.3 })], template)).toEqual(['notOnStageMap']);
    expect(rules([team({ stageCurrent: 1.2, autonomy: 0.2, controls: 0.3 })], template)).toEqual([]);
  });

  it('flags disagreement with the vote only beyond the threshold, per group and overall', () => {
    const t = team({ ...placed, autonomy: 0.5, controls: 0.5 });
    const median = 2;
    const at = (self: number) => rules([t], template, [stageResult(self, [median, median, median])]);
    expect(at(median + cfg.stageDisagreement)).not.toContain('disagreement');
    expect(at(median + cfg.stageDisagreement + 0.01)).toContain('disagreement');
    const withGroup = stageResult(median, [median, median, median], {
      byGroup: { g1: { n: 1, stage: { n: 1, median: 3, q1: 3, q3: 3, min: 3, max: 3 }, values: [3] } },
    });
    const found = computeInsights([t], template, [withGroup], { g1: 'Group A' });
    expect(found.map((i) => i.message)).toEqual([expect.stringContaining('Group A voted 3.0')]);
  });

  it('names the group of a vote for one group once, not also as the room', () => {
    // Broke: "the room voted 2.5" and "Group A voted 2.5" for the same two ballots.
    const t = team({ ...placed, autonomy: 0.5, controls: 0.5 });
    const ballots = stageResult(1, [2.3, 2.6]);
    const groupOnly = { ...ballots, byGroup: { g1: ballots.overall } };
    const found = computeInsights([t], template, [groupOnly], { g1: 'Group A', g2: 'Group B' });
    expect(found.map((i) => i.message)).toEqual([expect.stringContaining('Group A voted 2.5')]);
    // Several groups of a vote for some of them are named together, and each on its own.
    const split = {
      ...stageResult(1, [2.6, 2.6, 3]),
      byGroup: {
        g1: { n: 2, stage: { n: 2, median: 2.6, q1: 2.6, q3: 2.6, min: 2.6, max: 2.6 }, values: [2.6, 2.6] },
        g2: { n: 1, stage: { n: 1, median: 3, q1: 3, q3: 3, min: 3, max: 3 }, values: [3] },
      },
    };
    const named = computeInsights([t], template, [split], { g1: 'Group A', g2: 'Group B', g3: 'Group C' }).map((i) => i.message);
    expect(named).toEqual([
      expect.stringContaining('Group A and Group B voted 2.6'),
      expect.stringContaining('Group A voted 2.6'),
      expect.stringContaining('Group B voted 3.0'),
    ]);
  });

  it('rounds a median as the result card does', () => {
    // Broke: the card said "median 2.5" while the insight said 2.45.
    const t = team({ ...placed, autonomy: 0.5, controls: 0.5 });
    const [found] = computeInsights([t], template, [stageResult(1, [2.4, 2.5])]);
    expect(found!.message).toContain(`placed itself at 1.0; the room voted ${formatStage(2.45)}.`);
    expect(formatStage(2.45)).toBe('2.5');
  });

  it('keeps keys unique when ballots far from the rest read the same', () => {
    const t = team({ ...placed, autonomy: 0.5, controls: 0.5 });
    const edge = 1 + cfg.stageOutlier + 0.5;
    const found = computeInsights([t], template, [stageResult(1, [1, 1, 1, 1, 1, edge, edge, edge + 0.01])]);
    const keys = found.map((i) => i.key);
    expect(new Set(keys).size).toBe(keys.length);
    expect(found.filter((i) => i.rule === 'outlier')).toHaveLength(1);
  });

  it('flags a ballot far from the rest, anonymously', () => {
    const t = team({ ...placed, autonomy: 0.5, controls: 0.5 });
    const edge = 1.5 + cfg.stageOutlier;
    expect(rules([t], template, [stageResult(1.5, [1.5, 1.5, 1.5, 1.5, edge])])).not.toContain('outlier');
    const far = computeInsights([t], template, [stageResult(1.5, [1.5, 1.5, 1.5, 1.5, edge + 0.01])]);
    expect(far.map((i) => i.rule)).toEqual(['outlier']);
    expect(far[0]!.message).not.toMatch(/p_/);
  });

  it("links each insight to one of the template's prompts", () => {
    const all = computeInsights(
      [team({ stageCurrent: 1, stageTarget: 3, autonomy: 0.9, controls: 0.1, reliance: 'guardrails', bottleneck: 'Trust' })],
      template,
    );
    expect(all.length).toBeGreaterThanOrEqual(4);
    for (const i of all) expect(template.prompts.map((p) => p.id)).toContain(i.prompt.id);
  });
});

describe('insight settings in a template', () => {
  it('must link prompts that exist', () => {
    const broken = structuredClone(BUILTIN_TEMPLATES[0]!);
    broken.insights.rules.redZone.prompt = 'nope';
    expect(() => parseTemplate(broken)).toThrow(/insights\.rules\.redZone\.prompt: no prompt with id "nope"/);
  });
});

describe('insightsDue', () => {
  const template = BUILTIN_TEMPLATES[0]!;
  const at = (board: string) => template.agenda.findIndex((a) => a.board === board);
  // On the stage map only, a bottleneck named but no commitment: both rules that wait for their step apply.
  const insights = computeInsights([team({ stageCurrent: 1, stageTarget: 2, bottleneck: 'Review' })], template, []);

  it('holds back "no commitment" until the commitments step, and "not on the diagonal" until the risk step', () => {
    const rulesAt = (step: number) => insightsDue(insights, template, step).map((i) => i.rule);
    expect(insights.map((i) => i.rule)).toEqual(expect.arrayContaining(['noCommitment', 'notOnDiagonal']));
    expect(rulesAt(at('risk') - 1)).not.toContain('notOnDiagonal');
    expect(rulesAt(at('risk'))).toContain('notOnDiagonal');
    expect(rulesAt(at('commitments') - 1)).not.toContain('noCommitment');
    expect(rulesAt(at('commitments'))).toContain('noCommitment');
    expect(rulesAt(template.agenda.length - 1)).toEqual(insights.map((i) => i.rule));
  });

  it('raises a rule throughout when the template has no step for its board', () => {
    const noCommitments = { ...template, agenda: template.agenda.filter((a) => a.board !== 'commitments') };
    expect(insightsDue(insights, noCommitments, 0).map((i) => i.rule)).toContain('noCommitment');
  });
});
