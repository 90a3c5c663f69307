import type { Team } from '../../shared/doc.ts';
import type { ExportFile } from '../../shared/export-format.ts';
import type { Insight } from '../../shared/insights.ts';
import { formatShare, formatStage, resultPanels } from '../../shared/tally.ts';
import { inRedZone, placedPoint } from '../../shared/risk.ts';
import type { Template } from '../../shared/template.ts';
import { z } from 'zod';
import { isMilestone, type TimelineEvent } from '../../shared/timeline.ts';
import { finalTimeUp } from '../../shared/timeline-control.ts';
import { sessionProgress, type SessionProgress } from './session-progress.ts';

const Summary = z.object({ median: z.number(), q1: z.number(), q3: z.number() });
const Aggregate = z.object({
  n: z.number(),
  stage: Summary.optional(),
  autonomy: Summary.optional(),
  controls: Summary.optional(),
  choices: z.record(z.string(), z.number()).optional(),
});
type Aggregate = z.infer<typeof Aggregate>;
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
  teamId: z.string().nullable().optional(),
  groups: z.array(z.string()).nullable().optional(),
  overall: Aggregate,
  byGroup: z.record(z.string(), Aggregate).optional(),
});
/** The groups as the export's state holds them (`groups.list`), read loosely too. */
const GroupList = z.record(z.string(), z.object({ name: z.string() }).loose());

/** What the printable report shows, computed from the JSON export; no DOM. */
export interface ReportModel {
  title: string;
  template: Template;
  startedAt: number;
  /** The last update; while the session runs, when the report was made. */
  endedAt: number;
  /** Still running when the report was made: it says "so far", not a finished session's length. */
  progress: SessionProgress;
  participants: number;
  /** Of `participants`, those the facilitator removed. */
  removed: number;
  teams: (Team & { current: string; target: string; meets: string; fromMap: boolean; red: boolean; committed: CommitmentText })[];
  red: Team[];
  votes: ReportVote[];
  timeline: TimelineEvent[];
  /** Milestones left out of `timeline` for length; the replay lists them. */
  timelineLeft: number;
  /** What those are, in words: "joins, renames and timer changes". */
  timelineLeftKinds: string;
  insights: { final: ReportInsight[]; atReveals: RevealInsights[] };
}

/** One revealed round: who was asked and what they said, one line per panel of the board's result. */
export interface ReportVote {
  voteId: string;
  question: string;
  round: number;
  /** The team the question is about, by its name at the end of the session (or when it was deleted). */
  team: string | null;
  /** The team was deleted after the vote. */
  teamDeleted: boolean;
  lines: { label: string; text: string }[];
}

/**
 * One insight with its team named once. Template messages usually name the
 * team themselves ("{team} is in the red zone…"), so the name is picked out
 * of the message to be set in bold; a message that does not name it gets the
 * name in front.
 */
export interface ReportInsight {
  lead: string;
  name: string;
  rest: string;
  prompt: string;
}

/**
 * What one reveal added to the insights: those flagged at that reveal and not
 * at the one before (an insight stays flagged from reveal to reveal until it is
 * dealt with, so repeating the whole list at every vote only hid what was new).
 */
export interface RevealInsights {
  voteId: string;
  question: string;
  round: number;
  /**
   * Flagged first at this reveal; `resolved` when it no longer held at the end
   * and its team was still there, `deleted` when the team was deleted since.
   */
  fresh: (ReportInsight & { resolved: boolean; deleted: boolean })[];
}

export function reportInsight(i: Insight, t?: Template): ReportInsight {
  const base = { name: i.teamName, prompt: i.prompt.title };
  // Where the template put {team}: exact even when the name also occurs earlier ("a" in "ballot").
  const before = t?.insights.rules[i.rule]?.message.split('{team}')[0];
  const fixed = before !== undefined && !before.includes('{') && i.message.startsWith(before + i.teamName);
  const at = fixed ? before.length : i.teamName ? i.message.indexOf(i.teamName) : -1;
  if (at < 0) return { ...base, lead: '', rest: `: ${i.message}` };
  return { ...base, lead: i.message.slice(0, at), rest: i.message.slice(at + i.teamName.length) };
}

/**
 * New at a reveal: its key (rule, team, vote) was not flagged at the previous
 * reveal. The key, not the wording: "autonomy 55%" becoming "60%" is the same
 * insight still standing, not a new one.
 */
export function revealInsights(insights: ExportFile['insights'], t?: Template, teamsAtEnd?: ReadonlySet<string>): RevealInsights[] {
  const final = new Set(insights.final.map((i) => i.key));
  // Broke: a red-zone team deleted after a reveal read "Resolved by the end".
  const gone = (i: Insight) => !!teamsAtEnd && !!i.teamId && !teamsAtEnd.has(i.teamId);
  let before = new Set<string>();
  return [...insights.atReveals]
    .sort((a, b) => a.revealedAt - b.revealedAt)
    .map((r) => {
      const fresh = r.insights
        .filter((i) => !before.has(i.key))
        .map((i) => ({ ...reportInsight(i, t), resolved: !final.has(i.key) && !gone(i), deleted: gone(i) }));
      before = new Set(r.insights.map((i) => i.key));
      return { voteId: r.voteId, question: r.question, round: r.round, fresh };
    });
}

/** "45 s", "4 min 32 s", "1 h 10 min": a session's length in words, for the report's header. */
export function sessionLength(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (h) return m ? `${h} h ${m} min` : `${h} h`;
  if (m) return sec ? `${m} min ${sec} s` : `${m} min`;
  return `${sec} s`;
}

/** "5 ballots: median stage 2.3 (middle half 2.0–2.5)", "1 ballot: Yes 1", "no ballots". */
export function aggregateText(a: Aggregate): string {
  if (a.n === 0) return 'no ballots';
  const parts: string[] = [];
  if (a.stage)
    parts.push(`median stage ${formatStage(a.stage.median)} (middle half ${formatStage(a.stage.q1)}–${formatStage(a.stage.q3)})`);
  if (a.autonomy && a.controls) parts.push(`median autonomy ${formatShare(a.autonomy.median)}, controls ${formatShare(a.controls.median)}`);
  if (a.choices) {
    const counted = Object.entries(a.choices).filter(([, n]) => n > 0);
    parts.push(
      counted
        .sort((x, y) => y[1] - x[1])
        .map(([c, n]) => `${c} ${n}`)
        .join(', '),
    );
  }
  return `${a.n} ${a.n === 1 ? 'ballot' : 'ballots'}${parts.length ? `: ${parts.join('; ')}` : ''}`;
}

const DELETED = 'Team deleted: ';

function reportVotes(exp: ExportFile, teams: readonly Team[]): ReportVote[] {
  // Broke: a vote about a team deleted later said about whom nowhere; the timeline's deletion still names it.
  const deleted = new Map(
    exp.timeline
      .filter((e) => e.kind === 'team-delete' && e.teamId && e.label.startsWith(DELETED))
      .map((e) => [e.teamId!, e.label.slice(DELETED.length)]),
  );
  const state = exp.state.groups as { list?: unknown } | null;
  const list = GroupList.safeParse(state?.list ?? {});
  const groups = Object.entries(list.success ? list.data : {})
    .map(([id, g]) => ({ id, name: g.name }))
    .sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
  return Object.values((exp.results ?? {}) as Record<string, unknown>)
    .map((r) => VoteResult.safeParse(r))
    .flatMap((r) => (r.success ? [r.data] : []))
    .sort((a, b) => a.revealedAt - b.revealedAt)
    .map((r) => ({
      voteId: r.voteId,
      question: r.question,
      round: r.round,
      team: teams.find((t) => t.id === r.teamId)?.name ?? (r.teamId ? (deleted.get(r.teamId) ?? null) : null),
      teamDeleted: !!r.teamId && !teams.some((t) => t.id === r.teamId) && deleted.has(r.teamId),
      lines: resultPanels({ ...r, byGroup: r.byGroup ?? {} }, groups).map((p) => ({ label: p.label, text: aggregateText(p.agg) })),
    }));
}

const stageText = (value: number | undefined, t: Template) => {
  if (value === undefined) return 'not placed';
  const label = t.stages[Math.min(t.stages.length, Math.max(1, Math.round(value))) - 1]?.label ?? '';
  return `${formatStage(value)} ${label}`;
};

/** A team's commitment cell: the commitment (or its absence) and, set apart, a note on its owner. */
export interface CommitmentText {
  text: string;
  note: string;
}

/**
 * "Pilot review agents (owner: Priya)", "Pilot review agents (no owner yet)",
 * "No commitment yet (owner: Priya)", or a dash when the team named neither.
 * Blank text counts as missing, as the noCommitment insight counts it.
 */
export function commitmentText(team: Pick<Team, 'commitment' | 'owner'>): CommitmentText {
  const commitment = team.commitment?.trim();
  const owner = team.owner?.trim();
  if (!commitment && !owner) return { text: '–', note: '' };
  return {
    text: commitment || 'No commitment yet',
    note: owner ? `(owner: ${owner})` : '(no owner yet)',
  };
}

/** At most this many timeline lines: the report is a summary, the replay has the rest. */
export const REPORT_TIMELINE_MAX = 24;

/**
 * What goes first when the timeline is too long: joins, team renames, then the facilitator's
 * controls (follow-me, timer, spotlight, lock), then a vote's opening and closing, commitments
 * (the teams table has them) and teams added or deleted; each with its words for the note.
 */
const DROP_ORDER: readonly { kinds: readonly TimelineEvent['kind'][]; words: string }[] = [
  { kinds: ['join', 'remove'], words: 'joins' },
  { kinds: ['team-rename'], words: 'renames' },
  { kinds: ['follow'], words: 'follow-me' },
  { kinds: ['timer', 'time-up'], words: 'timers' },
  { kinds: ['spotlight'], words: 'spotlights' },
  { kinds: ['lock'], words: 'locks' },
  { kinds: ['vote-open', 'vote-close'], words: 'votes opening and closing' },
  { kinds: ['commitment'], words: 'commitments' },
  { kinds: ['team', 'team-delete'], words: 'teams added and deleted' },
];

/** "joins", "joins and renames", "joins, renames and timers". */
function listWords(words: string[]): string {
  if (words.length < 2) return words[0] ?? '';
  return `${words.slice(0, -1).join(', ')} and ${words.at(-1)}`;
}

/**
 * The report's timeline: every milestone while they fit, else the least
 * telling kinds left out a kind at a time, so agenda steps and reveals, the
 * session's shape, always stay. Broke: the first 24 lines were kept, so a long
 * session's report stopped mid-way, its reveals and wrap-up missing, without
 * a word.
 */
export function reportTimeline(
  events: readonly TimelineEvent[],
  max = REPORT_TIMELINE_MAX,
): { shown: TimelineEvent[]; left: number; leftKinds: string } {
  const milestones = events.filter(isMilestone);
  let shown = milestones;
  const dropped: string[] = [];
  for (const { kinds, words } of DROP_ORDER) {
    if (shown.length <= max) break;
    const kept = shown.filter((e) => !kinds.includes(e.kind));
    // Broke: the note named "joins, team changes, votes opening and closing" whatever was left out.
    if (kept.length < shown.length) dropped.push(words);
    shown = kept;
  }
  return { shown, left: milestones.length - shown.length, leftKinds: listWords(dropped) };
}

/**
 * The export's timeline with the "Time up" of a timer that ran out after the last log entry and
 * before the export was made (the log has no entry then to derive it from), in its place.
 */
export function timelineAsOf(exp: Pick<ExportFile, 'timeline' | 'state' | 'exportedAt'>): TimelineEvent[] {
  const up = finalTimeUp(exp.timeline, exp.state.control?.timer, exp.exportedAt);
  if (!up) return exp.timeline;
  const at = exp.timeline.findIndex((e) => e.at > up.at);
  return at < 0 ? [...exp.timeline, up] : [...exp.timeline.slice(0, at), up, ...exp.timeline.slice(at)];
}

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
      committed: commitmentText(team),
    };
  });
  const timeline = reportTimeline(timelineAsOf(exp));
  const first = exp.log[0]?.at ?? exp.workshop.createdAt;
  const progress = sessionProgress(exp);
  return {
    title: exp.workshop.title,
    template: t,
    startedAt: first,
    endedAt: progress.live ? Math.max(first, progress.asOf) : (exp.log[exp.log.length - 1]?.at ?? first),
    progress,
    participants: exp.participants.length,
    removed: exp.participants.filter((p) => typeof p.removedAt === 'number').length,
    teams,
    red: teams.filter((x) => x.red),
    votes: reportVotes(exp, exp.teams),
    insights: {
      final: (exp.insights?.final ?? []).map((i) => reportInsight(i, t)),
      atReveals: revealInsights(exp.insights ?? { final: [], atReveals: [] }, t, new Set(exp.teams.map((x) => x.id))),
    },
    timeline: timeline.shown,
    timelineLeft: timeline.left,
    timelineLeftKinds: timeline.leftKinds,
  };
}
