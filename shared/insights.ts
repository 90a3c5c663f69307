import type { Team } from './doc.ts';
import { inRedZone, placedPoint } from './risk.ts';
import { formatShare, formatStage, groupListName, NO_GROUP, resultGroups } from './tally.ts';
import type { InsightRule, Template } from './template.ts';
import { selfOf, type Aggregate, type VoteResult } from './votes.ts';

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

/** Autonomy and controls as whole percents, stages to one decimal: as the maps and result cards show them. */
const share = formatShare;
const pair = (autonomy: number, controls: number) => `${share(autonomy)} autonomy, ${share(controls)} controls`;

function fill(message: string, values: Record<string, string>): string {
  return message.replace(/\{(\w+)\}/g, (m, k: string) => values[k] ?? m);
}

/** Adds one insight; `about` tells apart insights of one rule, team and vote (a group, a ballot's value) in the key. */
type Add = (rule: InsightRule, team: Team, values: Record<string, string>, extra?: Partial<Insight>, about?: string) => void;

export function computeInsights(
  teams: readonly Team[],
  template: Template,
  results: readonly VoteResult[] = [],
  /** Breakout group names by id, for messages about a group's vote. */
  groupNames: Readonly<Record<string, string>> = {},
): Insight[] {
  const cfg = template.insights;
  const out: Insight[] = [];
  const add: Add = (rule, team, values, extra = {}, about) => {
    const r = cfg.rules[rule];
    const prompt = template.prompts.find((p) => p.id === r.prompt);
    out.push({
      key: [rule, team.id, extra.voteId, about].filter(Boolean).join(':'),
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
      add('redZone', team, { autonomy: share(point.autonomy), controls: share(point.controls) });
    }
    if (point && team.reliance === 'guardrails' && point.autonomy > cfg.guaranteesAbove) {
      add('guardrails', team, { autonomy: share(point.autonomy) });
    }
    const { stageCurrent: cur, stageTarget: tgt } = team;
    if (cur !== undefined && tgt !== undefined && tgt - cur > cfg.skipAheadStages) {
      add('skipAhead', team, { gap: formatStage(tgt - cur), current: formatStage(cur), target: formatStage(tgt) });
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

/**
 * The results with each team's self-placement as it stands on `teams`, not as
 * it stood when the vote opened (`result.self`). Insights "at the end" read
 * these: a team that moved from 1.0 to 1.8 after the vote no longer "placed
 * itself at 1.0", and whether the room disagrees is judged against 1.8.
 */
export function selfFromBoard(results: readonly VoteResult[], teams: readonly Team[]): VoteResult[] {
  return results.map((r) => {
    const team = teams.find((t) => t.id === r.teamId);
    if (!team) return r;
    return { ...r, self: selfOf(team) };
  });
}

/**
 * Disagreement between a team's self-placement and the vote, overall and per
 * group, and ballots far from the rest. The overall row names who voted: "the
 * room", or the groups a vote was for; a group that cast every ballot would
 * only repeat it.
 */
function voteInsights(team: Team, result: VoteResult, template: Template, groupNames: Readonly<Record<string, string>>, add: Add): void {
  const cfg = template.insights;
  const audience = resultGroups(result.byGroup, Object.keys(groupNames), result.groups);
  const rows: { id: string; name: string; agg: Aggregate }[] = [
    { id: 'overall', name: audience ? groupListName(audience, groupNames) : 'the room', agg: result.overall },
    ...Object.entries(result.byGroup)
      .filter(([g, agg]) => g !== NO_GROUP && agg.n < result.overall.n)
      .map(([g, agg]) => ({ id: g, name: groupListName([g], groupNames), agg })),
  ];
  const extra = { voteId: result.voteId };
  // One insight per value as shown: two far ballots that read the same would say the same thing twice.
  const outlier = (value: string, median: string) => add('outlier', team, { value, median }, extra, `outlier-${value}`);
  if (result.kind === 'stage') {
    const self = result.self?.stage;
    for (const { id, name, agg } of rows) {
      if (self == null || !agg.stage) continue;
      if (Math.abs(self - agg.stage.median) > cfg.stageDisagreement) {
        add('disagreement', team, { self: formatStage(self), median: formatStage(agg.stage.median), group: name }, extra, id);
      }
    }
    const median = result.overall.stage?.median;
    if (median === undefined) return;
    const far = (result.overall.values as number[]).filter((v) => Math.abs(v - median) > cfg.stageOutlier);
    for (const v of new Set(far.map(formatStage))) outlier(v, formatStage(median));
  } else if (result.kind === 'risk') {
    const self = result.self;
    for (const { id, name, agg } of rows) {
      if (self?.autonomy == null || self.controls == null || !agg.autonomy || !agg.controls) continue;
      const d = Math.hypot(self.autonomy - agg.autonomy.median, self.controls - agg.controls.median);
      if (d > cfg.riskDisagreement) {
        const values = {
          self: pair(self.autonomy, self.controls),
          median: pair(agg.autonomy.median, agg.controls.median),
          group: name,
        };
        add('disagreement', team, values, extra, id);
      }
    }
    const a = result.overall.autonomy?.median;
    const c = result.overall.controls?.median;
    if (a === undefined || c === undefined) return;
    const far = (result.overall.values as [number, number][]).filter(([x, y]) => Math.hypot(x - a, y - c) > cfg.riskOutlier);
    for (const v of new Set(far.map(([x, y]) => pair(x, y)))) outlier(v, pair(a, c));
  }
}

/** The rules that say a team is at risk (in the red zone; on guardrails past their reach): raised first, in red. */
export const AT_RISK_RULES: ReadonlySet<InsightRule> = new Set<InsightRule>(['redZone', 'guardrails']);

/**
 * The board each rule asks about, when the agenda reaches it later than the
 * data may be missing: a team without a commitment is no news before the
 * commitments step asks for one, nor a team off the risk diagonal before the
 * risk step.
 */
const DUE_AT: Partial<Record<InsightRule, Template['agenda'][number]['board']>> = {
  noCommitment: 'commitments',
  notOnDiagonal: 'risk',
};

/**
 * The insights worth raising at agenda step `step`: a rule whose board comes
 * later in the agenda waits for it (a template without that board raises it
 * throughout).
 */
export function insightsDue(insights: readonly Insight[], template: Template, step: number): Insight[] {
  return insights.filter((i) => {
    const board = DUE_AT[i.rule];
    if (!board) return true;
    const at = template.agenda.findIndex((a) => a.board === board);
    return at < 0 || step >= at;
  });
}
