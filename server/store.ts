import type { Role } from '../shared/schema.ts';

/**
 * The store interface. SQLite implements it synchronously (the embedded
 * default); a networked backend returns promises, so every caller awaits, and
 * the hot path (`appendUpdate`) is typed so a synchronous store pays nothing.
 */
export type MaybePromise<T> = T | Promise<T>;

export interface WorkshopRecord {
  id: string;
  title: string;
  templateId: string;
  joinCode: string;
  createdAt: number;
  /** Bumped by each rotation of the observer link; the token is derived from the key and this. */
  observerVersion?: number;
}

export interface NewWorkshop extends WorkshopRecord {
  facilitatorKeyHash: string;
  observerTokenHash: string;
}

export interface ParticipantRecord {
  id: string;
  workshopId: string;
  name: string;
  createdAt: number;
  removedAt: number | null;
}

export interface Credential {
  role: Role;
  /** The author written into the log: a participant id, or "facilitator". */
  author: string;
  participantId?: string;
  name?: string;
}

/** One stored update. `seq` counts from 1 per workshop with no gaps. */
export interface LogEntry {
  seq: number;
  at: number;
  author: string;
  data: Uint8Array;
}

/** A fact the log of updates cannot show: a socket connecting or leaving (migration 2). */
export interface EventRecord {
  seq: number;
  at: number;
  kind: string;
  /** A participant id, "facilitator" or "observer". */
  actor: string;
  data: Record<string, unknown>;
}

/** Everything `importWorkshop` writes in one transaction. */
export interface ImportedWorkshop {
  workshop: NewWorkshop;
  /** The whole log, seq 1..n in order. */
  entries: LogEntry[];
  /** A snapshot of the final document at the last seq, so loading it reads no log. */
  snapshot: Uint8Array;
  /**
   * Stored as the file has them, `removedAt` included, and marked imported: history, not
   * seats. They never count against `maxParticipantsPerWorkshop` and their tokens never resolve.
   */
  participants: (ParticipantRecord & { tokenHash: string })[];
  events: Omit<EventRecord, 'seq'>[];
  /** The revealed votes, each with a fresh `id` and its log's id as `docId`. */
  votes: VoteRecord[];
  /** Their counted ballots; an anonymous voter gets a synthetic participant id no credential resolves to. */
  ballots: BallotRecord[];
}

/** A vote (issue: breakout votes). Ballots live only here, never in the document, until the reveal. */
export interface VoteRecord {
  id: string;
  workshopId: string;
  question: string;
  kind: 'stage' | 'risk' | 'choice';
  teamId: string | null;
  choices: string[] | null;
  groups: string[] | null;
  autoReveal: boolean;
  /** The facilitator chose a named vote: the export keeps who voted what. */
  named?: boolean;
  state: 'open' | 'closed' | 'revealed';
  round: number;
  /** Where the team had placed itself when the vote opened, shown beside the result. */
  self: { stage: number | null; autonomy: number | null; controls: number | null } | null;
  openedAt: number;
  closedAt: number | null;
  revealedAt: number | null;
  /**
   * The id the workshop's log knows this vote by (`results.<docId>`, `control.vote.id`) when it
   * differs from `id`: an imported vote, whose row needs a fresh id. Exports use this one.
   */
  docId?: string;
}

export type BallotOutcome = 'stored' | 'stale' | 'retry' | 'closed';

/** What `cancelVote` did: deleted the vote, found it already revealed (and kept it), or found no such vote. */
export type CancelOutcome = 'cancelled' | 'revealed' | 'missing';

export interface BallotRecord {
  voteId: string;
  participantId: string;
  /** The participant's breakout group when it voted. */
  group: string | null;
  /** The value as JSON text: { stage } | { autonomy, controls } | { choice }. */
  value: string;
  /** Random per ballot; published with the value at the reveal so receipts can be checked. */
  salt: string;
  receipt: string;
  seq: number;
  at: number;
}

export interface StoredDocument {
  /** The newest snapshot, covering every update up to and including `seq`. */
  snapshot: { seq: number; data: Uint8Array } | null;
  /** Updates after the snapshot, in order. */
  tail: LogEntry[];
  lastSeq: number;
}

/**
 * A request sent with an `Idempotency-Key` (server/idempotency.ts), remembered with what it made, in
 * the same transaction as the making: a repeat of it finds the seat, workshop or vote instead of
 * making another. Shared by every process of a cluster, like the rest of the store.
 */
export interface RememberedRequest {
  /** The route and what it acts on: "join", "create", "votes:<workshopId>". Keys are unique per scope. */
  scope: string;
  /** The key's hash, never the key: within the window a repeat mints a fresh token for what the key made. */
  keyHash: string;
  /** A hash of the request's body as read: the same key with another body is refused. */
  requestHash: string;
  /** What the request made, as JSON (the route reads it back). */
  result: string;
  at: number;
  /** A row of the same key remembered before this is past its window: it is replaced, not a repeat. */
  forgetBefore: number;
}

/** What `findRequest` returns: a remembered request still in its window. */
export type RememberedAnswer = Pick<RememberedRequest, 'requestHash' | 'result'>;

/**
 * Thrown by a write given a `RememberedRequest` whose key a request of the same scope took
 * first (and still holds, in its window); nothing of the write is kept. The caller looks the key
 * up again and answers as that request did.
 */
export class RequestKeyTaken extends Error {
  readonly code = 'request_key_taken';
  constructor(scope: string) {
    super(`an Idempotency-Key of ${scope} was taken by a concurrent request`);
  }
}

export interface Store {
  /** With `remember`, the request is remembered in the same transaction (else `RequestKeyTaken`, nothing written). */
  createWorkshop(workshop: NewWorkshop, initialUpdate: Uint8Array, remember?: RememberedRequest): MaybePromise<void>;
  getWorkshop(id: string): MaybePromise<WorkshopRecord | undefined>;
  findWorkshopByJoinCode(code: string): MaybePromise<WorkshopRecord | undefined>;
  /** Replaces the join code; throws on a code another workshop holds (the caller picks another). */
  setJoinCode(workshopId: string, joinCode: string): MaybePromise<void>;
  /** Replaces the observer token hash and records the new version. */
  rotateObserver(workshopId: string, tokenHash: string, version: number): MaybePromise<void>;
  /** Who holds this token hash in this workshop, if anyone (removed and imported participants hold nothing). */
  resolveCredential(workshopId: string, tokenHash: string): MaybePromise<Credential | undefined>;
  /**
   * Adds a participant only while fewer than `maxSeats` hold a seat (see `countParticipants`),
   * counted and written in one step, so joins at once, in any number of processes, never pass
   * it. False, with nothing written, when the workshop is full.
   */
  addParticipant(p: ParticipantRecord & { tokenHash: string }, maxSeats: number, remember?: RememberedRequest): MaybePromise<boolean>;
  /** Participants holding a seat: joined here and not removed (imported ones are history, not seats). */
  countParticipants(workshopId: string): MaybePromise<number>;
  listParticipants(workshopId: string): MaybePromise<ParticipantRecord[]>;
  /** Returns false when no such (unremoved) participant exists. */
  renameParticipant(workshopId: string, participantId: string, name: string): MaybePromise<boolean>;
  /** Marks the participant removed: its token stops resolving at once. False when not found. */
  removeParticipant(workshopId: string, participantId: string, at: number): MaybePromise<boolean>;
  /**
   * Replaces the token hash of a participant holding a seat (a repeated join: the token of the
   * first answer, which never arrived, stops resolving). False when it holds none: removed, imported or unknown.
   */
  reissueParticipantToken(workshopId: string, participantId: string, tokenHash: string): MaybePromise<boolean>;
  /** Replaces the facilitator key hash and the observer token hash (a repeated create). False for no such workshop. */
  reissueFacilitatorKey(workshopId: string, keyHash: string, observerTokenHash: string): MaybePromise<boolean>;

  /** The request remembered under this key and scope at or after `since`, if any. */
  findRequest(scope: string, keyHash: string, since: number): MaybePromise<RememberedAnswer | undefined>;
  /** Forgets a remembered request whose outcome was taken back (a join or vote that failed after it was written). */
  forgetRequest(scope: string, keyHash: string): MaybePromise<void>;
  /** Deletes up to `limit` requests remembered before `before`; returns how many. */
  purgeRequests(before: number, limit: number): MaybePromise<number>;

  /**
   * Appends one update at exactly `entry.seq`. Throws if that seq is taken,
   * which fences a writer that lost track of the log.
   */
  appendUpdate(workshopId: string, entry: LogEntry): MaybePromise<void>;
  loadDocument(workshopId: string): MaybePromise<StoredDocument>;
  writeSnapshot(workshopId: string, seq: number, at: number, data: Uint8Array): MaybePromise<void>;
  history(workshopId: string, sinceSeq: number, limit: number): MaybePromise<LogEntry[]>;

  /** Appends a timeline event; the store numbers it. */
  appendEvent(workshopId: string, event: Omit<EventRecord, 'seq'>): MaybePromise<void>;
  listEvents(workshopId: string): MaybePromise<EventRecord[]>;
  /**
   * Writes a whole workshop from an export, or nothing. Once `abandoned` is aborted (its client
   * hung up, or a shutdown answered it) it stops, writes nothing and rejects with the signal's reason.
   */
  importWorkshop(imported: ImportedWorkshop, abandoned?: AbortSignal): MaybePromise<void>;

  /** With `remember`, as `createWorkshop`. */
  createVote(vote: VoteRecord, remember?: RememberedRequest): MaybePromise<void>;
  getVote(workshopId: string, voteId: string): MaybePromise<VoteRecord | undefined>;
  listVotes(workshopId: string): MaybePromise<VoteRecord[]>;
  /**
   * Moves a vote from `from` to `to` only if it is in `from`; false if it was not. `at` becomes its
   * closedAt (open → closed) or revealedAt (→ revealed); revealed → closed (a reveal whose results
   * could not be written) clears revealedAt and keeps closedAt.
   */
  setVoteState(workshopId: string, voteId: string, from: VoteRecord['state'], to: VoteRecord['state'], at: number): MaybePromise<boolean>;
  /**
   * Stores a participant's ballot, replacing theirs, only while the vote is
   * open. `seq` 0 means the client sent none: the ballot replaces whatever
   * stands and the stored seq is kept. Otherwise an older `seq` than the
   * stored one is 'stale' and the same `seq` is a 'retry' of the request that
   * stored it; neither writes anything. Returns 'stored', 'stale', 'retry' or
   * 'closed'.
   */
  putBallot(ballot: BallotRecord): MaybePromise<BallotOutcome>;
  /**
   * Deletes a vote that is not revealed, and every ballot in it, in one transaction: a vote opened
   * by mistake leaves nothing behind and is not counted as a round. A ballot arriving at the same
   * moment either lands first and is deleted with the rest, or finds no vote ('closed'). A revealed
   * vote is kept ('revealed'); one that does not exist in this workshop is 'missing'.
   */
  cancelVote(workshopId: string, voteId: string): MaybePromise<CancelOutcome>;
  getBallot(voteId: string, participantId: string): MaybePromise<BallotRecord | undefined>;
  listBallots(voteId: string): MaybePromise<BallotRecord[]>;

  close(): MaybePromise<void>;
}

/**
 * Whether a ballot may replace the one stored (both backends decide alike):
 * seq 0 (none sent) always replaces; an older seq is stale; the same seq with
 * the same value is a retry of the request that stored it. The same seq with
 * another value is a second tab that counted from the same stored seq: the
 * later one stands, as the voter's latest choice.
 */
export function ballotOrder(
  stored: { seq: number; value: string } | undefined,
  next: { seq: number; value: string },
): 'stored' | 'stale' | 'retry' {
  if (stored === undefined || next.seq === 0) return 'stored';
  if (next.seq < stored.seq) return 'stale';
  return next.seq === stored.seq && next.value === stored.value ? 'retry' : 'stored';
}
