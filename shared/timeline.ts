import * as Y from 'yjs';
import { z } from 'zod';
import { readGroups, readMeta, readTeamField, ROOTS, type Timer } from './doc.ts';
import { REQUEST_LIMITS, VOTE_LIMITS } from './limits.ts';
import type { Template } from './template.ts';
import { CommitmentWatch, resettle, type Settling } from './timeline-commitments.ts';
import { ControlEventWatch, finalTimeUp } from './timeline-control.ts';
import { DEFAULT_TEMPLATE_ID, findTemplate } from './templates/index.ts';

/**
 * The session's timeline: what the replay scrubber marks and the report
 * lists. Agenda steps, teams, commitments, votes and the facilitator's
 * controls (lock, follow-me, timer, spotlight) are derived from the update log by
 * replaying it (so they need no storage of their own and an import gets them
 * back); joins come from participant records and connects/leaves from the
 * server's `events` table. Pure: the server's export and the browser's replay
 * both build it with this module. A new kind goes in the README's "Export
 * format" too; an import checks each event against this list, so removing a
 * kind would refuse files exported before.
 */
export const TIMELINE_KINDS = [
  'step',
  'team',
  'team-rename',
  'team-delete',
  'vote-open',
  'vote-close',
  'vote-reveal',
  'vote-cancel',
  'join',
  'remove',
  'connect',
  'disconnect',
  'lock',
  'follow',
  'timer',
  'time-up',
  'spotlight',
  'commitment',
] as const;
export type TimelineKind = (typeof TIMELINE_KINDS)[number];

/** An event's label at most: README "Fixed limits"; a longer one (a long question with its groups) is cut. */
const LABEL_CHARS = 400;

export const TimelineEvent = z.object({
  at: z.number().finite(),
  kind: z.enum(TIMELINE_KINDS),
  /** What a person reads in the event list; built from names, so views must escape it (Svelte does). */
  label: z.string().max(LABEL_CHARS),
  /** Who caused it: a participant id, "facilitator", "observer" or "server". */
  actor: z.string().max(80).optional(),
  /** The log entry that caused a document event. */
  seq: z.number().int().optional(),
  teamId: z.string().max(64).optional(),
  step: z.number().int().optional(),
  voteId: z.string().max(64).optional(),
});
export type TimelineEvent = z.infer<typeof TimelineEvent>;

export const FALLBACK_TEMPLATE: Template = findTemplate(DEFAULT_TEMPLATE_ID)!;

/**
 * The open vote as `control.vote` shows it. The voting module owns its full
 * shape; the timeline needs only what tells one vote's events from another's.
 */
const VoteControl = z.object({
  id: z.string().max(REQUEST_LIMITS.idChars),
  question: z.string().max(VOTE_LIMITS.questionChars).optional(),
  state: z.string().max(32),
  round: z.number().int().min(1).optional(),
  /** null or absent: everyone. */
  groups: z.array(z.string().max(REQUEST_LIMITS.idChars)).max(VOTE_LIMITS.maxGroups).nullable().optional(),
});
type VoteControl = z.infer<typeof VoteControl>;

const Step = z.number().int().min(0);

/**
 * Renames by one person within this of each other are one event: the board
 * writes a name as it is typed, and "Team renamed" once per keystroke buried
 * the agenda in the event list.
 */
export const RENAME_MERGE_MS = 2 * 60_000;

const VOTE_KINDS: Record<string, TimelineKind> = {
  open: 'vote-open',
  closed: 'vote-close',
  revealed: 'vote-reveal',
};

export interface EntryInfo {
  seq: number;
  at: number;
  author: string;
}

/**
 * Watches a document while log entries are applied to it one at a time and
 * records the events each causes. Call `after(entry)` once each entry has
 * been applied. Comparing a few values per entry is cheaper than observers on
 * a 50,000-entry log and sees the same changes.
 */
export class DocEventTracker {
  readonly events: TimelineEvent[] = [];
  private step: number | null = null;
  private vote = '';
  /** The vote control.vote last showed, to tell a cancel (back to null, no result) from a reveal. */
  private lastVote: VoteControl | null = null;
  // Raw values last seen: Y.Map hands back the same stored value until it is set again, so
  // comparing by identity skips validation on the ~all entries that do not touch them.
  private rawStep: unknown = undefined;
  private rawVote: unknown = undefined;
  /** Each team's last valid name, to say which team was renamed or deleted. */
  private readonly teams = new Map<string, string | undefined>();
  /** Teams whose map was set, replaced or removed, or whose name changed, by the entry being applied. */
  private readonly touched = new Set<string>();
  /** Per team, its last rename event, to merge a name typed a letter at a time into one. */
  private readonly lastRename = new Map<string, Settling>();
  private readonly commitments = new CommitmentWatch(
    this.events,
    (entry, e) => this.push(entry, e),
    (id) => this.teams.get(id),
  );
  private readonly controls = new ControlEventWatch(
    this.events,
    (entry, e) => this.push(entry, e),
    (id) => this.teams.get(id),
  );

  constructor(private readonly doc: Y.Doc) {
    // One observer instead of reading every team's name after every entry: 50,000 entries × 200 teams.
    doc.getMap<unknown>(ROOTS.teams).observeDeep((events) => {
      for (const e of events) {
        if (e.path.length === 0 && e instanceof Y.YMapEvent) for (const key of e.keysChanged) this.touched.add(key);
        else if (e.path.length === 1 && typeof e.path[0] === 'string' && e instanceof Y.YMapEvent) {
          if (e.keysChanged.has('name')) this.touched.add(e.path[0]);
          if (e.keysChanged.has('commitment') || e.keysChanged.has('owner')) this.commitments.touch(e.path[0]);
        }
      }
    });
  }

  template(): Template {
    return readMeta(this.doc, FALLBACK_TEMPLATE).template;
  }

  after(entry: EntryInfo): void {
    // First: a timer that ran out before this entry did so before anything the entry changed.
    this.controls.ranOutBefore(entry);
    const control = this.doc.getMap<unknown>(ROOTS.control);
    const rawStep = control.get('step');
    const rawVote = control.get('vote');
    if (rawStep !== this.rawStep) this.stepChanged(entry, (this.rawStep = rawStep));
    if (rawVote !== this.rawVote) this.voteChanged(entry, (this.rawVote = rawVote));
    this.teamsChanged(entry);
    this.controls.after(entry, control);
    if (this.commitments.pending) this.commitments.after(entry, this.doc.getMap<unknown>(ROOTS.teams), this.template().stages.length);
  }

  private stepChanged(entry: EntryInfo, raw: unknown): void {
    const step = Step.safeParse(raw);
    if (step.success && step.data !== this.step) {
      this.step = step.data;
      const title = this.template().agenda[step.data]?.title ?? '';
      this.push(entry, { kind: 'step', step: step.data, label: `Agenda ${step.data + 1}${title ? `: ${title}` : ''}` });
    }
  }

  private voteChanged(entry: EntryInfo, raw: unknown): void {
    const vote = VoteControl.safeParse(raw);
    const voteKey = vote.success ? `${vote.data.id}:${vote.data.state}` : '';
    if (voteKey === this.vote) return;
    this.vote = voteKey;
    const prev = this.lastVote;
    this.lastVote = vote.success ? vote.data : null;
    // A cancel puts control.vote back to null and writes no result; a reveal always writes one.
    if ((raw === null || raw === undefined) && prev && prev.state !== 'revealed' && !this.doc.getMap<unknown>(ROOTS.results).has(prev.id)) {
      this.push(entry, { kind: 'vote-cancel', voteId: prev.id, label: this.voteLabel('cancelled', prev) });
      return;
    }
    const kind = vote.success ? VOTE_KINDS[vote.data.state] : undefined;
    if (vote.success && kind) {
      const verb = { 'vote-open': 'opened', 'vote-close': 'closed', 'vote-reveal': 'revealed' }[kind as string]!;
      this.push(entry, { kind, voteId: vote.data.id, label: this.voteLabel(verb, vote.data) });
    }
  }

  /** "Vote opened: Where is Payments? (round 2, for Group A and Group B)": the round only after the first, groups only when not everyone. */
  private voteLabel(verb: string, vote: VoteControl): string {
    const q = vote.question ? `: ${vote.question}` : '';
    const parts: string[] = [];
    if (vote.round && vote.round > 1) parts.push(`round ${vote.round}`);
    if (vote.groups?.length) {
      const names = new Map(readGroups(this.doc).map((g) => [g.id, g.name]));
      const groups = vote.groups.map((id) => names.get(id) ?? id);
      const last = groups.pop()!;
      parts.push(`for ${groups.length ? `${groups.join(', ')} and ${last}` : last}`);
    }
    return `Vote ${verb}${q}${parts.length ? ` (${parts.join(', ')})` : ''}`;
  }

  private teamsChanged(entry: EntryInfo): void {
    if (this.touched.size === 0) return;
    const teams = this.doc.getMap<unknown>(ROOTS.teams);
    const stageMax = this.template().stages.length;
    for (const id of this.touched) {
      const value = teams.get(id);
      const name = value instanceof Y.Map ? readTeamField(value as Y.Map<unknown>, 'name', stageMax) : undefined;
      if (!this.teams.has(id)) {
        if (!teams.has(id)) continue;
        this.teams.set(id, name);
        // Added with a commitment already (an import, a copied team): that is its starting point, not news.
        if (value instanceof Y.Map) this.commitments.added(id, value as Y.Map<unknown>, stageMax);
        this.push(entry, { kind: 'team', teamId: id, label: `Team added: ${name ?? 'unnamed'}` });
      } else if (!teams.has(id)) {
        const last = this.teams.get(id);
        this.teams.delete(id);
        this.lastRename.delete(id);
        this.commitments.deleted(id);
        this.push(entry, { kind: 'team-delete', teamId: id, label: `Team deleted: ${last ?? 'unnamed'}` });
      } else {
        const before = this.teams.get(id);
        // An invalid name (a field emptied while typing) is skipped by readers; the rename lands with the next valid one.
        if (name === undefined || name === before) continue;
        this.teams.set(id, name);
        if (before === undefined) continue;
        this.renamed(entry, id, before, name);
      }
    }
    this.touched.clear();
  }

  private renamed(entry: EntryInfo, id: string, from: string, to: string): void {
    const prev = this.lastRename.get(id);
    // Typed back to where it started: no rename after all.
    const folded = resettle(this.events, prev, entry, { windowMs: RENAME_MERGE_MS, sameActor: true, to }, (e) => {
      e.label = `Team renamed: ${prev!.from} → ${to}`.slice(0, LABEL_CHARS);
    });
    if (folded === 'undone') this.lastRename.delete(id);
    if (folded) return;
    const event = this.push(entry, { kind: 'team-rename', teamId: id, label: `Team renamed: ${from} → ${to}` });
    this.lastRename.set(id, { event, from });
  }

  private push(entry: EntryInfo, e: Omit<TimelineEvent, 'at' | 'seq' | 'actor'>): TimelineEvent {
    // The schema's bound: a long question plus "Vote cancelled: " and its groups would pass it.
    const event = { at: entry.at, seq: entry.seq, actor: entry.author, ...e, label: e.label.slice(0, LABEL_CHARS) };
    this.events.push(event);
    return event;
  }
}

export interface ParticipantInfo {
  id: string;
  name: string;
  joinedAt: number;
  /** When the facilitator removed them; null or absent while they are in. */
  removedAt?: number | null;
}

export interface PresenceInfo {
  at: number;
  kind: string;
  actor: string;
}

/** "Priya", "Facilitator", "Observer screen", or a short id for someone unknown. */
export function actorName(actor: string | undefined, names: ReadonlyMap<string, string>): string {
  if (!actor) return 'Someone';
  if (actor === 'facilitator') return 'Facilitator';
  if (actor === 'observer') return 'Observer screen';
  if (actor === 'server') return 'Stageboard';
  return names.get(actor) ?? `participant ${actor.slice(0, 8)}`;
}

/**
 * All events of a session in time order; equal times keep document events (and a time up, which an
 * entry at its moment comes after) first. With `final` (the timer the document ends with, and when the
 * timeline is made), a timer that ran out after the last log entry gets its "Time up" too.
 */
export function mergeTimeline(opts: {
  docEvents: readonly TimelineEvent[];
  participants: readonly ParticipantInfo[];
  presence: readonly PresenceInfo[];
  final?: { timer: Timer | null; now: number };
}): TimelineEvent[] {
  const names = new Map(opts.participants.map((p) => [p.id, p.name]));
  const out: TimelineEvent[] = [...opts.docEvents];
  const up = opts.final && finalTimeUp(opts.docEvents, opts.final.timer, opts.final.now);
  if (up) out.push(up);
  for (const p of opts.participants) {
    out.push({ at: p.joinedAt, kind: 'join', actor: p.id, label: `${p.name} joined` });
    if (typeof p.removedAt === 'number')
      out.push({ at: p.removedAt, kind: 'remove', actor: 'facilitator', label: `${p.name} removed by the facilitator` });
  }
  for (const e of opts.presence) {
    if (e.kind !== 'connect' && e.kind !== 'disconnect') continue;
    const who = actorName(e.actor, names);
    out.push({ at: e.at, kind: e.kind, actor: e.actor, label: `${who} ${e.kind === 'connect' ? 'connected' : 'left'}` });
  }
  const rank = (e: TimelineEvent) => (e.seq === undefined && e.kind !== 'time-up' ? 1 : 0);
  return out.sort((a, b) => a.at - b.at || rank(a) - rank(b) || (a.seq ?? 0) - (b.seq ?? 0));
}

/** The events worth a line in the printed report: no connects and leaves. */
export const isMilestone = (e: TimelineEvent) => e.kind !== 'connect' && e.kind !== 'disconnect';
