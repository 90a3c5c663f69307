import type { BallotRecord, EventRecord, LogEntry, ParticipantRecord, VoteRecord, WorkshopRecord } from './store.ts';

/**
 * The rows both stores read back, and the records they become. The two
 * schemas use the same column names; a flag is the one column whose type
 * differs (SQLite stores 0 or 1, PostgreSQL a boolean).
 */

export interface WorkshopRow {
  id: string;
  title: string;
  template_id: string;
  join_code: string;
  created_at: number;
  observer_version: number;
}
export const toWorkshop = (r: WorkshopRow): WorkshopRecord => ({
  id: r.id,
  title: r.title,
  templateId: r.template_id,
  joinCode: r.join_code,
  createdAt: r.created_at,
  observerVersion: r.observer_version,
});

export interface ParticipantRow {
  id: string;
  workshop_id: string;
  name: string;
  created_at: number;
  removed_at: number | null;
}
export const toParticipant = (r: ParticipantRow): ParticipantRecord => ({
  id: r.id,
  workshopId: r.workshop_id,
  name: r.name,
  createdAt: r.created_at,
  removedAt: r.removed_at,
});

export interface VoteRow {
  id: string;
  workshop_id: string;
  question: string;
  kind: VoteRecord['kind'];
  team_id: string | null;
  choices: string | null;
  groups_json: string | null;
  auto_reveal: number | boolean;
  named: number | boolean;
  state: VoteRecord['state'];
  round: number;
  self_json: string | null;
  opened_at: number;
  closed_at: number | null;
  revealed_at: number | null;
  doc_id?: string | null;
}
const flag = (v: number | boolean) => v === 1 || v === true;
const json = <T>(v: string | null): T | null => (v === null ? null : (JSON.parse(v) as T));
export const toVote = (r: VoteRow): VoteRecord => ({
  id: r.id,
  workshopId: r.workshop_id,
  question: r.question,
  kind: r.kind,
  teamId: r.team_id,
  choices: json(r.choices),
  groups: json(r.groups_json),
  autoReveal: flag(r.auto_reveal),
  named: flag(r.named),
  state: r.state,
  round: r.round,
  self: json(r.self_json),
  openedAt: r.opened_at,
  closedAt: r.closed_at,
  revealedAt: r.revealed_at,
  ...(r.doc_id ? { docId: r.doc_id } : {}),
});

export interface BallotRow {
  vote_id: string;
  participant_id: string;
  group_id: string | null;
  value: string;
  salt: string;
  receipt: string;
  seq: number;
  at: number;
}
export const toBallot = (r: BallotRow): BallotRecord => ({
  voteId: r.vote_id,
  participantId: r.participant_id,
  group: r.group_id,
  value: r.value,
  salt: r.salt,
  receipt: r.receipt,
  seq: r.seq,
  at: r.at,
});

export interface EntryRow {
  seq: number;
  at: number;
  author: string;
  data: Buffer;
}
export const toEntry = (r: EntryRow): LogEntry => ({ seq: r.seq, at: r.at, author: r.author, data: new Uint8Array(r.data) });

export interface EventRow {
  seq: number;
  at: number;
  kind: string;
  actor: string;
  data: string;
}
export const toEvent = (r: EventRow): EventRecord => ({ seq: r.seq, at: r.at, kind: r.kind, actor: r.actor, data: JSON.parse(r.data) });
