import type { Team } from './doc.ts';
import { inRedZone, placedPoint } from './risk.ts';
import { NO_GROUP } from './tally.ts';
import type { InsightRule, Template } from './template.ts';
import type { Aggregate, VoteResult } from './votes.ts';

/**
 * What the framework would make a facilitator notice, as pure functions of
 * the board. Thresholds and wording come from the template; each insight
 * links the template's discussion prompt it belongs to.
 */
export interface Insight {
  /** Stable across recomputation, so a view can animate additions and removals. */
  key: string;
  rule: InsightRule;
  teamId: string;
  teamName: string;
  message: string;
  prompt: { id: string; title: string };
  /** The vote an insight comes from, for the rules that read revealed results. */
  voteId?: string;
}

const fmt = (n: number) => (Math.round(n * 100) / 100).toString();

function fill(message: string, values: Record<string, string>): string {
  return message.replace(/\{(\w+)\}/g, (m, k: string) => values[k] ?? m);
}

export function computeInsights(
  teams: readonly Team[],
  template: Template,
  results: readonly VoteResult[] = [],
  /** Breakout group names by id, for messages about a group's vote. */
  groupNames: Readonly<Record<string, string>> = {},
): Insight[] {
  const cfg = template.insights;
  const out: Insight[] = [];
  const add = (rule: InsightRule, team: Team, values: Record<string, string>, extra: Partial<Insight> = {}) => {
    const r = cfg.rules[rule];
    const prompt = template.prompts.find((p) => p.id === r.prompt);
    out.push({
      key: [rule, team.id, extra.voteId, values.group].filter(Boolean).join(':'),
      rule,
      teamId: team.id,
      teamName: team.name,
      message: fill(r.message, { team: team.name, ...values }),
      prompt: { id: r.prompt, title: prompt?.title ?? r.prompt },
      ...extra,
    });
  };

  for (const team of teams) {
    const point = placedPoint(team);
    if (point && inRedZone(point, template.diagonal.tolerance)) {
      add('redZone', team, { autonomy: fmt(point.autonomy), controls: fmt(point.controls) });
    }
    if (point && team.reliance === 'guardrails' && point.autonomy > cfg.guaranteesAbove) {
      add('guardrails', team, { autonomy: fmt(point.autonomy) });
    }
    const { stageCurrent: cur, stageTarget: tgt } = team;
    if (cur !== undefined && tgt !== undefined && tgt - cur > cfg.skipAheadStages) {
      add('skipAhead', team, { gap: fmt(tgt - cur), current: fmt(cur), target: fmt(tgt) });
    }
    const bottleneck = team.bottleneck?.trim();
    if (bottleneck && cur !== undefined && tgt !== undefined && tgt > cur) {
      const missing = [!team.commitment?.trim() && 'commitment', !team.owner?.trim() && 'owner'].filter(Boolean);
      if (missing.length) add('noCommitment', team, { bottleneck, missing: missing.join(' or ') });
    }
    if (cur !== undefined && !point) add('notOnDiagonal', team, {});
    if (cur === undefined && point) add('notOnStageMap', team, {});
  }

  for (const result of results) {
    const team = teams.find((t) => t.id === result.teamId);
    if (!team) continue;
    voteInsights(team, result, template, groupNames, add);
  }
  return out;
}

/** Disagreement between a team's self-placement and each group's vote, and ballots far from the rest. */
function voteInsights(
  team: Team,
  result: VoteResult,
  template: Template,
  groupNames: Readonly<Record<string, string>>,
  add: (rule: InsightRule, team: Team, values: Record<string, string>, extra?: Partial<Insight>) => void,
): void {
  const cfg = template.insights;
  const groups: [string, Aggregate][] = [['overall', result.overall], ...Object.entries(result.byGroup).filter(([g]) => g !== NO_GROUP)];
  const extra = { voteId: result.voteId };
  if (result.kind === 'stage') {
    const self = result.self?.stage;
    for (const [group, agg] of groups) {
      if (self == null || !agg.stage) continue;
      if (Math.abs(self - agg.stage.median) > cfg.stageDisagreement) {
        add(
          'disagreement',
          team,
          { self: fmt(self), median: fmt(agg.stage.median), group: group === 'overall' ? 'the room' : (groupNames[group] ?? group) },
          extra,
        );
      }
    }
    const median = result.overall.stage?.median;
    const far = median === undefined ? [] : (result.overall.values as number[]).filter((v) => Math.abs(v - median) > cfg.stageOutlier);
    for (const v of far) add('outlier', team, { value: fmt(v), median: fmt(median!), group: `outlier-${fmt(v)}` }, extra);
  } else if (result.kind === 'risk') {
    const self = result.self;
    for (const [group, agg] of groups) {
      if (self?.autonomy == null || self.controls == null || !agg.autonomy || !agg.controls) continue;
      const d = Math.hypot(self.autonomy - agg.autonomy.median, self.controls - agg.controls.median);
      if (d > cfg.riskDisagreement) {
        add(
          'disagreement',
          team,
          {
            self: `(${fmt(self.autonomy)}, ${fmt(self.controls)})`,
            median: `(${fmt(agg.autonomy.median)}, ${fmt(agg.controls.median)})`,
            group: group === 'overall' ? 'the room' : (groupNames[group] ?? group),
          },
          extra,
        );
      }
    }
    const a = result.overall.autonomy?.median;
    const c = result.overall.controls?.median;
    if (a !== undefined && c !== undefined) {
      for (const [x, y] of result.overall.values as [number, number][]) {
        if (Math.hypot(x - a, y - c) > cfg.riskOutlier) {
          add(
            'outlier',
            team,
            { value: `(${fmt(x)}, ${fmt(y)})`, median: `(${fmt(a)}, ${fmt(c)})`, group: `outlier-${fmt(x)}-${fmt(y)}` },
            extra,
          );
        }
      }
    }
  }
}
