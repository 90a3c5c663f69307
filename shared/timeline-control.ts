import type * as Y from 'yjs';
import { ControlFields, type Timer } from './doc.ts';
import { ONE_MINUTE } from './timer.ts';
import type { EntryInfo, TimelineEvent } from './timeline.ts';
import { resettle, type Settling } from './timeline-commitments.ts';

/**
 * The facilitator's controls on the timeline: the board lock, follow-me, the
 * timer and the spotlight, read from `control` after each log entry as the
 * agenda step is. Only what a facilitator replaying the session looks for:
 * a timer's start, its stop before time is up and the moment time ran out
 * (kind `time-up`), not each pause, resume or added minute; and changes by
 * one person within CONTROL_SETTLE_MS of each other are one event showing
 * where they settled, whatever happens between (a spotlight moved across five
 * teams in ten seconds is "Spotlight on" the last).
 */
export const CONTROL_SETTLE_MS = 30_000;

type ControlKind = 'lock' | 'follow' | 'timer' | 'spotlight';
type Push = (entry: EntryInfo, e: { kind: ControlKind; label: string; teamId?: string }) => TimelineEvent;

/** "5 min", "1 min 30 s", "45 s": a timer's length as the facilitator set it. */
export function timerLength(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const m = Math.floor(s / 60);
  const sec = s % 60;
  if (!m) return `${sec} s`;
  return sec ? `${m} min ${sec} s` : `${m} min`;
}

const ranOut = (t: Timer, at: number) => t.endsAt !== null && t.endsAt <= at;

/**
 * How far a writer's server time may be from the log's stamp of its entry (the
 * facilitator's clock is synced to the server's, within a round trip). A restart
 * must move the end by more than this to be told from a pause, a resume or noise.
 */
export const TIMER_SLACK_MS = 1000;

/**
 * The moment a timer ran out. Nothing writes it to the log (the screens count
 * down on their own), so it is derived: at its end, with no log entry (`seq`)
 * and no one who caused it (`actor`).
 */
export const timeUpEvent = (endsAt: number): TimelineEvent => ({ at: endsAt, kind: 'time-up', label: 'Time up' });

/**
 * The "Time up" of the timer a document ends with, when it ran out after the
 * last log entry (the tracker hears of an end only from an entry after it) and
 * by `now`: a timer still running when a report is made is not up. Null when
 * there is none or `events` already has it.
 */
export function finalTimeUp(events: readonly TimelineEvent[], timer: Timer | null | undefined, now: number): TimelineEvent | null {
  if (!timer || timer.endsAt === null || timer.endsAt > now) return null;
  const at = timer.endsAt;
  return events.some((e) => e.kind === 'time-up' && e.at === at) ? null : timeUpEvent(at);
}

/**
 * Whether `next` starts the same length of time over rather than carrying on
 * `prev`. The document holds no "started at": a resume sets the end to now plus
 * what was left, a restart to now plus the whole length, so the time from the
 * entry to the new end tells which it was. Broke: a paused timer restarted
 * read as resumed, so its start was missing from the timeline.
 */
function restarted(prev: Timer, next: Timer, at: number): boolean {
  if (next.durationMs !== prev.durationMs || next.endsAt === null) return false;
  // Running before: a restart moves the end later (a pause leaves it null, nothing else moves it).
  if (prev.endsAt !== null) return next.endsAt > prev.endsAt + TIMER_SLACK_MS;
  const left = prev.pausedRemainingMs ?? 0;
  const runs = next.endsAt - at;
  // Paused before anything ran down: a resume and a restart are the same thing.
  if (next.durationMs - left <= TIMER_SLACK_MS) return false;
  return Math.abs(runs - next.durationMs) < Math.abs(runs - left);
}

export class ControlEventWatch {
  private raw: Record<ControlKind, unknown> = { lock: undefined, follow: undefined, timer: undefined, spotlight: undefined };
  /** Each control's state as a key ("on", "off", a team id, the entry a timer started at), to tell a change undone from one settled. */
  private state: Record<ControlKind, string> = { lock: 'off', follow: 'off', timer: 'off', spotlight: '' };
  private timer: Timer | null = null;
  /** The end of the last timer whose "Time up" is on the timeline, so it is listed once. */
  private upAt: number | null = null;
  /** Per kind, its last event and the state before it, while later changes may still merge into it. */
  private readonly open = new Map<ControlKind, Settling>();

  constructor(
    private readonly events: TimelineEvent[],
    private readonly push: Push,
    private readonly teamName: (id: string) => string | undefined,
  ) {}

  /**
   * Call before an entry's own events: a running timer whose end is at or before
   * the entry ran out then, whatever the entry does to it (a stop or a new timer
   * after the end does not undo it; one before the end, or a pause, leaves no end
   * passed). Its end already counts any pause, as `resumeTimer` moved it.
   */
  ranOutBefore(entry: EntryInfo): void {
    const t = this.timer;
    if (!t || t.endsAt === null || !ranOut(t, entry.at) || this.upAt === t.endsAt) return;
    this.upAt = t.endsAt;
    this.events.push(timeUpEvent(t.endsAt));
    // The timer ran: a new one started within CONTROL_SETTLE_MS of the last start is not a sweep across lengths.
    this.open.delete('timer');
  }

  after(entry: EntryInfo, control: Y.Map<unknown>): void {
    const fields = { lock: 'locked', follow: 'followMe', timer: 'timer', spotlight: 'spotlight' } as const;
    for (const kind of ['lock', 'follow', 'timer', 'spotlight'] as const) {
      const raw = control.get(fields[kind]);
      // Identity: Y.Map hands back the same stored value until it is set again.
      if (raw === this.raw[kind]) continue;
      this.raw[kind] = raw;
      const parsed = ControlFields[fields[kind]].safeParse(raw ?? null);
      // An invalid value is ignored by every reader; absent means the initial state.
      if (!parsed.success && raw !== undefined) continue;
      const value = parsed.success ? parsed.data : null;
      if (kind === 'lock') this.toggle(entry, kind, value === true, 'Board locked', 'Board unlocked');
      else if (kind === 'follow') this.toggle(entry, kind, value === true, 'Follow-me on', 'Follow-me off');
      else if (kind === 'spotlight') this.spotlight(entry, typeof value === 'string' ? value : null);
      else this.timerChanged(entry, (value as Timer | null) ?? null);
    }
  }

  private toggle(entry: EntryInfo, kind: ControlKind, on: boolean, onLabel: string, offLabel: string): void {
    this.settle(entry, kind, on ? 'on' : 'off', on ? onLabel : offLabel);
  }

  private spotlight(entry: EntryInfo, id: string | null): void {
    if (id === null) return this.settle(entry, 'spotlight', '', 'Spotlight off');
    this.settle(entry, 'spotlight', id, `Spotlight on ${this.teamName(id) ?? 'a team no longer on the board'}`, id);
  }

  /** Starts and stops only: a pause, a resume or an added minute keeps the timer the facilitator started. */
  private timerChanged(entry: EntryInfo, next: Timer | null): void {
    const prev = this.timer;
    this.timer = next;
    if (!next) {
      // Cleared once time was up (a step change does that): its start already says how long it ran.
      if (prev && !ranOut(prev, entry.at)) this.settle(entry, 'timer', 'off', 'Timer stopped');
      return;
    }
    if (prev && !ranOut(prev, entry.at)) {
      const added = next.durationMs - prev.durationMs;
      // An added minute moves the end (or what is left while paused) by exactly what it adds to the length;
      // a new timer of another length starts from now.
      const extended =
        added > 0 &&
        (prev.endsAt !== null
          ? next.endsAt === prev.endsAt + added
          : next.endsAt === null && next.pausedRemainingMs === (prev.pausedRemainingMs ?? 0) + added);
      // Same length: a pause or a resume, unless it was started over.
      if (extended || (added === 0 && !restarted(prev, next, entry.at))) return;
    }
    // A minute added once time was up runs that minute only, from now; a new timer runs its whole length.
    // Broke: a 5-minute timer started after a 2-minute one ran out read "Timer 3 min started".
    const extra = prev && ranOut(prev, entry.at) ? next.durationMs - prev.durationMs : 0;
    const runs = next.endsAt === null ? null : next.endsAt - entry.at;
    const minuteAdded = extra > 0 && extra % ONE_MINUTE === 0 && runs !== null && Math.abs(runs - extra) < Math.abs(runs - next.durationMs);
    const length = timerLength(minuteAdded ? extra : next.durationMs);
    // Keyed by the entry: a restart at the same length is a start of its own.
    this.settle(entry, 'timer', `start ${entry.seq}`, `Timer ${length} started`);
  }

  private settle(entry: EntryInfo, kind: ControlKind, key: string, label: string, teamId?: string): void {
    const from = this.state[kind];
    if (key === from) return;
    this.state[kind] = key;
    // Back where it started (locked and unlocked again, a timer started and stopped): nothing to see.
    const folded = resettle(this.events, this.open.get(kind), entry, { windowMs: CONTROL_SETTLE_MS, sameActor: true, to: key }, (e) => {
      e.label = label;
      if (teamId) e.teamId = teamId;
      else delete e.teamId;
    });
    if (folded === 'undone') this.open.delete(kind);
    if (folded) return;
    this.open.set(kind, { event: this.push(entry, { kind, label, ...(teamId ? { teamId } : {}) }), from });
  }
}
