import type { Team } from '../../shared/doc.ts';
import type { ExportFile } from '../../shared/export-format.ts';
import { inRedZone, placedPoint } from '../../shared/risk.ts';
import type { Template } from '../../shared/template.ts';
import { z } from 'zod';
import { isMilestone, type TimelineEvent } from '../../shared/timeline.ts';

const Summary = z.object({ median: z.number(), q1: z.number(), q3: z.number() });
/**
 * What the report reads of one revealed result (`results.<voteId>`); the
 * voting module's schema has more. Parsed loosely on purpose: a result the
 * report cannot read is left out rather than breaking the page.
 */
const VoteResult = z.object({
  voteId: z.string(),
  question: z.string(),
  round: z.number(),
  revealedAt: z.number(),
  overall: z.object({
    n: z.number(),
    stage: Summary.optional(),
    autonomy: Summary.optional(),
    controls: Summary.optional(),
    choices: z.record(z.string(), z.number()).optional(),
  }),
});
type VoteResult = z.infer<typeof VoteResult>;

/** What the printable report shows, computed from the JSON export; no DOM. */
export interface ReportModel {
  title: string;
  template: Template;
  startedAt: number;
  endedAt: number;
  participants: number;
  teams: (Team & { current: string; target: string; meets: string; fromMap: boolean; red: boolean })[];
  red: Team[];
  votes: VoteResult[];
  timeline: TimelineEvent[];
  insights: ExportFile['insights'];
}

const stageText = (value: number | undefined, t: Template) => {
  if (value === undefined) return 'not placed';
  const label = t.stages[Math.min(t.stages.length, Math.max(1, Math.round(value))) - 1]?.label ?? '';
  return `${value.toFixed(1)} ${label}`;
};

/** At most this many timeline lines: the report is a summary, the replay has the rest. */
export const REPORT_TIMELINE_MAX = 24;

export function reportModel(exp: ExportFile): ReportModel {
  const t = exp.template;
  const teams = exp.teams.map((team) => {
    const p = placedPoint(team);
    const target = team.stageTarget ?? team.stageCurrent;
    // The bottleneck the team named; otherwise the one the framework puts at its target stage.
    const named = team.bottleneck?.trim();
    const framework = target === undefined ? '' : (t.stages[Math.round(target) - 1]?.bottleneck ?? '');
    return {
      ...team,
      current: stageText(team.stageCurrent, t),
      target: stageText(target, t),
      meets: named || framework,
      fromMap: !named && !!framework,
      red: !!p && inRedZone(p, t.diagonal.tolerance),
    };
  });
  const votes = Object.values((exp.results ?? {}) as Record<string, unknown>)
    .map((r) => VoteResult.safeParse(r))
    .flatMap((r) => (r.success ? [r.data] : []))
    .sort((a, b) => a.revealedAt - b.revealedAt);
  const milestones = exp.timeline.filter(isMilestone);
  const first = exp.log[0]?.at ?? exp.workshop.createdAt;
  return {
    title: exp.workshop.title,
    template: t,
    startedAt: first,
    endedAt: exp.log[exp.log.length - 1]?.at ?? first,
    participants: exp.participants.length,
    teams,
    red: teams.filter((x) => x.red),
    votes,
    insights: exp.insights ?? { final: [], atReveals: [] },
    timeline:
      milestones.length > REPORT_TIMELINE_MAX ? milestones.filter((e) => e.kind !== 'join').slice(0, REPORT_TIMELINE_MAX) : milestones,
  };
}
