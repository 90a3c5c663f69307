import type { Team } from '../../shared/doc.ts';
import type { ExportFile } from '../../shared/export-format.ts';
import { inRedZone, placedPoint } from '../../shared/risk.ts';
import type { Template } from '../../shared/template.ts';
import { isMilestone, type TimelineEvent } from '../../shared/timeline.ts';
import { VoteResult } from '../../shared/votes.ts';

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
    timeline: milestones.length > REPORT_TIMELINE_MAX ? milestones.filter((e) => e.kind !== 'join').slice(0, REPORT_TIMELINE_MAX) : milestones,
  };
}
