import * as Y from 'yjs';
import { readTeamField } from './doc.ts';
import type { EntryInfo, TimelineEvent } from './timeline.ts';

/** An event still settling (a rename, a commitment, a control swept across values) and what stood before it. */
export interface Settling {
  event: TimelineEvent;
  from: string;
}

/**
 * Folds a change into the event still settling, if it is within `windowMs` of it (and, with
 * `sameActor`, by the same person): the event leaves its place and, with `update` applied, goes to
 * the end, so what happened in between (other teams typing, a vote) does not split it and the list
 * stays in time order. A change back to `open.from` removes it ("undone"). Null when there is none
 * to fold into: the caller pushes a new event.
 */
export function resettle(
  events: TimelineEvent[],
  open: Settling | undefined,
  entry: EntryInfo,
  rule: { windowMs: number; sameActor: boolean; to: string },
  update: (e: TimelineEvent) => void,
): 'merged' | 'undone' | null {
  if (!open || entry.at - open.event.at > rule.windowMs || (rule.sameActor && open.event.actor !== entry.author)) return null;
  const at = events.lastIndexOf(open.event);
  if (at < 0) return null;
  events.splice(at, 1);
  if (open.from === rule.to) return 'undone';
  Object.assign(open.event, { at: entry.at, seq: entry.seq });
  update(open.event);
  events.push(open.event);
  return 'merged';
}

/**
 * A team's commitment (and its owner) is written a keystroke at a time, often by several teams at
 * once in the commitments step: one event per team once it has rested this long (as long as a
 * rename), at its last edit.
 */
export const COMMITMENT_SETTLE_MS = 2 * 60_000;
/** timeline.ts's label bound (a value import from there would be circular). */
const LABEL_CHARS = 400;

type Push = (entry: EntryInfo, e: { kind: 'commitment'; label: string; teamId: string }) => TimelineEvent;

/** "Pilot review agents (owner: Priya)", "no commitment yet (owner: Priya)", or "" when the team named neither. */
function commitmentWords(team: Y.Map<unknown>, stageMax: number): string {
  const commitment = readTeamField(team, 'commitment', stageMax)?.trim();
  const owner = readTeamField(team, 'owner', stageMax)?.trim();
  if (!commitment && !owner) return '';
  return `${commitment || 'no commitment yet'}${owner ? ` (owner: ${owner})` : ''}`;
}

/** The commitment events of DocEventTracker: it reports which teams an entry touched, this words and merges them. */
export class CommitmentWatch {
  /** Teams whose commitment or owner the entry being applied changed. */
  private readonly touched = new Set<string>();
  /** Each team's commitment as its event words it ("" for none). */
  private readonly words = new Map<string, string>();
  /** Per team, its last commitment event and the wording before it, while it may still be typed. */
  private readonly last = new Map<string, { event: TimelineEvent; from: string }>();

  constructor(
    private readonly events: TimelineEvent[],
    private readonly push: Push,
    private readonly teamName: (id: string) => string | undefined,
  ) {}

  get pending(): boolean {
    return this.touched.size > 0;
  }

  touch(id: string): void {
    this.touched.add(id);
  }

  /** Added with a commitment already (an import, a copied team): that is its starting point, not news. */
  added(id: string, team: Y.Map<unknown>, stageMax: number): void {
    this.words.set(id, commitmentWords(team, stageMax));
    this.touched.delete(id);
  }

  deleted(id: string): void {
    this.last.delete(id);
    this.words.delete(id);
    this.touched.delete(id);
  }

  after(entry: EntryInfo, teams: Y.Map<unknown>, stageMax: number): void {
    for (const id of this.touched) {
      const map = teams.get(id);
      if (!(map instanceof Y.Map) || !this.words.has(id)) continue;
      const words = commitmentWords(map as Y.Map<unknown>, stageMax);
      const before = this.words.get(id) ?? '';
      if (words === before) continue;
      this.words.set(id, words);
      const name = this.teamName(id) ?? 'unnamed';
      const label = (words ? `Commitment for ${name}: ${words}` : `Commitment cleared: ${name}`).slice(0, LABEL_CHARS);
      // Whoever types it: a team's commitment is often written by several of its people.
      const rule = { windowMs: COMMITMENT_SETTLE_MS, sameActor: false, to: words };
      const folded = resettle(this.events, this.last.get(id), entry, rule, (e) => Object.assign(e, { actor: entry.author, label }));
      if (folded === 'undone') this.last.delete(id);
      if (folded) continue;
      this.last.set(id, { event: this.push(entry, { kind: 'commitment', teamId: id, label }), from: before });
    }
    this.touched.clear();
  }
}
