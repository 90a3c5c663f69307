import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { lockDatabase, type DatabaseLock } from './data-dir-lock.ts';
import { startCheckpointer } from './sqlite-checkpointer.ts';
import { sqliteImporter } from './sqlite-import.ts';
import { sqliteRequests } from './sqlite-requests.ts';
import { migrate } from './sqlite-migrations.ts';
import {
  ballotOrder,
  type BallotOutcome,
  type BallotRecord,
  type CancelOutcome,
  type Credential,
  type EventRecord,
  type NewWorkshop,
  type ParticipantRecord,
  type RememberedRequest,
  type Store,
  type StoredDocument,
  type VoteRecord,
} from './store.ts';
import {
  toBallot,
  toEntry,
  toEvent,
  toParticipant,
  toVote,
  toWorkshop,
  type BallotRow,
  type EntryRow,
  type EventRow,
  type ParticipantRow,
  type VoteRow,
  type WorkshopRow,
} from './store-rows.ts';

/** The SQLite file of a data folder (DATA_DIR). */
export const sqliteFile = (dataDir: string): string => join(dataDir, 'stageboard.sqlite');

/**
 * The embedded store. WAL with synchronous=NORMAL: a committed append survives
 * a killed process (only a power cut can lose the last transactions), and an
 * append costs a page write, not an fsync.
 *
 * One store per file: opening one that another process (or store) has open
 * throws a DataDirInUseError before anything is read (server/data-dir-lock.ts).
 */
export function openSqliteStore(file: string): Store {
  if (file === ':memory:') return openLocked(file, null);
  mkdirSync(dirname(file), { recursive: true });
  const lock = lockDatabase(file);
  try {
    return openLocked(file, lock);
  } catch (err) {
    lock.release();
    throw err;
  }
}

function openLocked(file: string, lock: DatabaseLock | null): Store {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  // better-sqlite3 blocks the event loop while it waits for a lock, so wait briefly
  // and fail the write (the client is told, 4503) rather than stall every room.
  db.pragma('busy_timeout = 250');
  db.pragma('foreign_keys = ON');
  if (file !== ':memory:') db.pragma('wal_autocheckpoint = 0');
  const checkpointer = file === ':memory:' ? null : startCheckpointer(file);
  migrate(db);

  const q = {
    insertWorkshop: db.prepare(
      `INSERT INTO workshops (id, title, template_id, join_code, facilitator_key_hash, observer_token_hash, created_at)
       VALUES (@id, @title, @templateId, @joinCode, @facilitatorKeyHash, @observerTokenHash, @createdAt)`,
    ),
    workshop: db.prepare<[string], WorkshopRow>('SELECT * FROM workshops WHERE id = ? AND importing = 0'),
    workshopByCode: db.prepare<[string], WorkshopRow>('SELECT * FROM workshops WHERE join_code = ? AND importing = 0'),
    facilitator: db.prepare<[{ id: string; hash: string }], { role: string }>(
      `SELECT CASE WHEN facilitator_key_hash = @hash THEN 'facilitator' ELSE 'observer' END AS role
       FROM workshops WHERE id = @id AND importing = 0 AND (facilitator_key_hash = @hash OR observer_token_hash = @hash)`,
    ),
    participantByToken: db.prepare<[string, string], { id: string; name: string }>(
      'SELECT id, name FROM participants WHERE workshop_id = ? AND token_hash = ? AND removed_at IS NULL AND imported = 0',
    ),
    // The count is inside the INSERT: one statement, one write transaction, so two joins can never both take the last seat.
    seatParticipant: db.prepare(
      `INSERT INTO participants (id, workshop_id, name, token_hash, created_at, removed_at)
       SELECT @id, @workshopId, @name, @tokenHash, @createdAt, NULL
       WHERE (SELECT count(*) FROM participants WHERE workshop_id = @workshopId AND removed_at IS NULL AND imported = 0) < @maxSeats`,
    ),
    countParticipants: db.prepare<[string], { n: number }>(
      'SELECT count(*) AS n FROM participants WHERE workshop_id = ? AND removed_at IS NULL AND imported = 0',
    ),
    listParticipants: db.prepare<[string], ParticipantRow>('SELECT * FROM participants WHERE workshop_id = ? ORDER BY created_at, id'),
    insertVote: db.prepare(
      `INSERT INTO votes (id, workshop_id, question, kind, team_id, choices, groups_json, auto_reveal, named, state, round, self_json, opened_at, closed_at, revealed_at, doc_id)
       VALUES (@id, @workshopId, @question, @kind, @teamId, @choices, @groups, @autoReveal, @named, @state, @round, @self, @openedAt, @closedAt, @revealedAt, @docId)`,
    ),
    vote: db.prepare<[string, string], VoteRow>('SELECT * FROM votes WHERE workshop_id = ? AND id = ?'),
    votes: db.prepare<[string], VoteRow>('SELECT * FROM votes WHERE workshop_id = ? ORDER BY opened_at, id'),
    setVoteState: db.prepare<[{ to: string; at: number; id: string; voteId: string; from: string }]>(
      `UPDATE votes SET state = @to,
         closed_at = CASE WHEN @to = 'closed' AND @from = 'open' THEN @at ELSE closed_at END,
         revealed_at = CASE WHEN @to = 'revealed' THEN @at WHEN @from = 'revealed' THEN NULL ELSE revealed_at END
       WHERE workshop_id = @id AND id = @voteId AND state = @from`,
    ),
    voteState: db.prepare<[string], { state: string }>('SELECT state FROM votes WHERE id = ?'),
    ballot: db.prepare<[string, string], BallotRow>('SELECT * FROM ballots WHERE vote_id = ? AND participant_id = ?'),
    upsertBallot: db.prepare(
      `INSERT INTO ballots (vote_id, participant_id, group_id, value, salt, receipt, seq, at)
       VALUES (@voteId, @participantId, @group, @value, @salt, @receipt, @seq, @at)
       ON CONFLICT (vote_id, participant_id) DO UPDATE SET group_id = excluded.group_id, value = excluded.value,
         salt = excluded.salt, receipt = excluded.receipt, seq = excluded.seq, at = excluded.at`,
    ),
    ballots: db.prepare<[string], BallotRow>('SELECT * FROM ballots WHERE vote_id = ? ORDER BY at, participant_id'),
    deleteBallots: db.prepare<[string]>('DELETE FROM ballots WHERE vote_id = ?'),
    deleteVote: db.prepare<[string, string]>('DELETE FROM votes WHERE workshop_id = ? AND id = ?'),
    setJoinCode: db.prepare<[string, string]>('UPDATE workshops SET join_code = ? WHERE id = ?'),
    rotateObserver: db.prepare<[string, number, string]>('UPDATE workshops SET observer_token_hash = ?, observer_version = ? WHERE id = ?'),
    renameParticipant: db.prepare<[string, string, string]>(
      'UPDATE participants SET name = ? WHERE workshop_id = ? AND id = ? AND removed_at IS NULL',
    ),
    removeParticipant: db.prepare<[number, string, string]>(
      'UPDATE participants SET removed_at = ? WHERE workshop_id = ? AND id = ? AND removed_at IS NULL',
    ),
    reissueToken: db.prepare<[string, string, string]>(
      'UPDATE participants SET token_hash = ? WHERE workshop_id = ? AND id = ? AND removed_at IS NULL AND imported = 0',
    ),
    reissueKey: db.prepare<[string, string, string]>(
      'UPDATE workshops SET facilitator_key_hash = ?, observer_token_hash = ? WHERE id = ? AND importing = 0',
    ),
    append: db.prepare('INSERT INTO updates (workshop_id, seq, at, author, data) VALUES (?, ?, ?, ?, ?)'),
    lastSnapshot: db.prepare<[string], { seq: number; data: Buffer }>(
      'SELECT seq, data FROM snapshots WHERE workshop_id = ? ORDER BY seq DESC LIMIT 1',
    ),
    tail: db.prepare<[string, number], EntryRow>(
      'SELECT seq, at, author, data FROM updates WHERE workshop_id = ? AND seq > ? ORDER BY seq',
    ),
    lastSeq: db.prepare<[string], { seq: number | null }>('SELECT max(seq) AS seq FROM updates WHERE workshop_id = ?'),
    insertSnapshot: db.prepare('INSERT OR REPLACE INTO snapshots (workshop_id, seq, at, data) VALUES (?, ?, ?, ?)'),
    pruneSnapshots: db.prepare('DELETE FROM snapshots WHERE workshop_id = ? AND seq < ?'),
    history: db.prepare<[string, number, number], EntryRow>(
      'SELECT seq, at, author, data FROM updates WHERE workshop_id = ? AND seq > ? ORDER BY seq LIMIT ?',
    ),
    // The next seq is computed inside the INSERT, so two appends can never take the same number.
    appendEvent: db.prepare<[string, string, number, string, string, string]>(
      `INSERT INTO events (workshop_id, seq, at, kind, actor, data)
       VALUES (?, (SELECT coalesce(max(seq), 0) + 1 FROM events WHERE workshop_id = ?), ?, ?, ?, ?)`,
    ),
    listEvents: db.prepare<[string], EventRow>('SELECT seq, at, kind, actor, data FROM events WHERE workshop_id = ? ORDER BY seq'),
  };

  const requests = sqliteRequests(db);

  const createWorkshop = db.transaction((w: NewWorkshop, initialUpdate: Uint8Array, remember?: RememberedRequest) => {
    q.insertWorkshop.run(w);
    q.append.run(w.id, 1, w.createdAt, 'server', initialUpdate);
    requests.remember(remember);
  });

  // Only a join that took a seat is remembered: a full workshop's answer may change.
  const addParticipant = db.transaction((p: ParticipantRecord & { tokenHash: string }, maxSeats: number, remember?: RememberedRequest) => {
    const seated = q.seatParticipant.run({ ...p, maxSeats }).changes > 0;
    if (seated) requests.remember(remember);
    return seated;
  });

  const insertVote = (v: VoteRecord) =>
    void q.insertVote.run({
      ...v,
      choices: v.choices && JSON.stringify(v.choices),
      groups: v.groups && JSON.stringify(v.groups),
      self: v.self && JSON.stringify(v.self),
      autoReveal: v.autoReveal ? 1 : 0,
      named: v.named ? 1 : 0,
      docId: v.docId ?? null,
    });
  const createVote = db.transaction((v: VoteRecord, remember?: RememberedRequest) => {
    insertVote(v);
    requests.remember(remember);
  });

  const appendEvent = (id: string, e: Omit<EventRecord, 'seq'>) =>
    void q.appendEvent.run(id, id, e.at, e.kind, e.actor, JSON.stringify(e.data));

  // Imports are written in batches, hidden until their last one (server/sqlite-import.ts).
  const importer = sqliteImporter(db, { createVote: insertVote, appendEvent });
  importer.purgeUnfinishedImports();

  // Checked and written in one transaction, so a ballot can never land after the close.
  const putBallot = db.transaction((b: BallotRecord): BallotOutcome => {
    if (q.voteState.get(b.voteId)?.state !== 'open') return 'closed';
    const prev = q.ballot.get(b.voteId, b.participantId);
    const order = ballotOrder(prev, b);
    if (order !== 'stored') return order;
    q.upsertBallot.run({ ...b, seq: Math.max(b.seq, prev?.seq ?? 0) });
    return 'stored';
  });

  // Ballots first: they reference the vote row.
  const cancelVote = db.transaction((id: string, voteId: string): CancelOutcome => {
    const vote = q.vote.get(id, voteId);
    if (!vote) return 'missing';
    if (vote.state === 'revealed') return 'revealed';
    q.deleteBallots.run(voteId);
    q.deleteVote.run(id, voteId);
    return 'cancelled';
  });

  /** Loading reads only the newest snapshot: the older ones go as a new one is written (a long session would keep hundreds). */
  const writeSnapshot = db.transaction((id: string, seq: number, at: number, data: Uint8Array) => {
    q.insertSnapshot.run(id, seq, at, data);
    q.pruneSnapshots.run(id, seq);
  });
  const loadDocument = db.transaction((id: string): StoredDocument => {
    const snap = q.lastSnapshot.get(id);
    const tail = q.tail.all(id, snap?.seq ?? 0).map(toEntry);
    const lastSeq = q.lastSeq.get(id)?.seq ?? 0;
    return { snapshot: snap ? { seq: snap.seq, data: new Uint8Array(snap.data) } : null, tail, lastSeq };
  });

  return {
    createWorkshop: (w, initialUpdate, remember) => createWorkshop(w, initialUpdate, remember),
    getWorkshop: (id) => {
      const row = q.workshop.get(id);
      return row && toWorkshop(row);
    },
    findWorkshopByJoinCode: (code) => {
      const row = q.workshopByCode.get(code);
      return row && toWorkshop(row);
    },
    resolveCredential: (workshopId, tokenHash): Credential | undefined => {
      const f = q.facilitator.get({ id: workshopId, hash: tokenHash });
      if (f?.role === 'facilitator') return { role: 'facilitator', author: 'facilitator' };
      if (f?.role === 'observer') return { role: 'observer', author: 'observer' };
      const p = q.participantByToken.get(workshopId, tokenHash);
      return p && { role: 'participant', author: p.id, participantId: p.id, name: p.name };
    },
    addParticipant: (p, maxSeats, remember) => addParticipant(p, maxSeats, remember),
    countParticipants: (id) => q.countParticipants.get(id)?.n ?? 0,
    listParticipants: (id) => q.listParticipants.all(id).map(toParticipant),
    createVote: (v, remember) => createVote(v, remember),
    getVote: (id, voteId) => {
      const r = q.vote.get(id, voteId);
      return r && toVote(r);
    },
    listVotes: (id) => q.votes.all(id).map(toVote),
    setVoteState: (id, voteId, from, to, at) => q.setVoteState.run({ to, at, id, voteId, from }).changes > 0,
    putBallot: (b) => putBallot(b),
    cancelVote: (id, voteId) => cancelVote(id, voteId),
    getBallot: (voteId, pid) => {
      const r = q.ballot.get(voteId, pid);
      return r && toBallot(r);
    },
    listBallots: (voteId) => q.ballots.all(voteId).map(toBallot),
    setJoinCode: (id, code) => void q.setJoinCode.run(code, id),
    rotateObserver: (id, hash, version) => void q.rotateObserver.run(hash, version, id),
    renameParticipant: (id, pid, name) => q.renameParticipant.run(name, id, pid).changes > 0,
    removeParticipant: (id, pid, at) => q.removeParticipant.run(at, id, pid).changes > 0,
    reissueParticipantToken: (id, pid, hash) => q.reissueToken.run(hash, id, pid).changes > 0,
    reissueFacilitatorKey: (id, keyHash, observerHash) => q.reissueKey.run(keyHash, observerHash, id).changes > 0,
    findRequest: requests.findRequest,
    forgetRequest: requests.forgetRequest,
    purgeRequests: requests.purgeRequests,
    appendUpdate: (id, e) => {
      q.append.run(id, e.seq, e.at, e.author, e.data);
      checkpointer?.wrote();
    },
    loadDocument: (id) => loadDocument(id),
    writeSnapshot: (id, seq, at, data) => {
      writeSnapshot(id, seq, at, data);
      checkpointer?.wrote();
    },
    history: (id, since, limit) => q.history.all(id, since, limit).map(toEntry),
    appendEvent,
    listEvents: (id) => q.listEvents.all(id).map(toEvent),
    importWorkshop: importer.importWorkshop,
    close: async () => {
      await importer.settled();
      await checkpointer?.stop();
      // A final full checkpoint leaves the database file whole and the WAL empty.
      db.pragma('wal_checkpoint(TRUNCATE)');
      db.close();
      lock?.release();
    },
  };
}
