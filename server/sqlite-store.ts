import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Worker } from 'node:worker_threads';
import type {
  BallotRecord,
  Credential,
  EventRecord,
  ImportedWorkshop,
  LogEntry,
  NewWorkshop,
  ParticipantRecord,
  Store,
  StoredDocument,
  VoteRecord,
  WorkshopRecord,
} from './store.ts';

/**
 * Numbered up-migrations; `PRAGMA user_version` records how many have run.
 * Never edit one that has shipped: add the next.
 */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE workshops (
     id TEXT PRIMARY KEY,
     title TEXT NOT NULL,
     template_id TEXT NOT NULL,
     join_code TEXT NOT NULL UNIQUE,
     facilitator_key_hash TEXT NOT NULL,
     observer_token_hash TEXT NOT NULL,
     observer_version INTEGER NOT NULL DEFAULT 1,
     created_at INTEGER NOT NULL
   );
   CREATE TABLE participants (
     id TEXT PRIMARY KEY,
     workshop_id TEXT NOT NULL REFERENCES workshops(id),
     name TEXT NOT NULL,
     token_hash TEXT NOT NULL UNIQUE,
     created_at INTEGER NOT NULL,
     removed_at INTEGER
   );
   CREATE INDEX participants_by_workshop ON participants(workshop_id);
   CREATE TABLE updates (
     workshop_id TEXT NOT NULL,
     seq INTEGER NOT NULL,
     at INTEGER NOT NULL,
     author TEXT NOT NULL,
     data BLOB NOT NULL,
     PRIMARY KEY (workshop_id, seq)
   ) WITHOUT ROWID;
   CREATE TABLE snapshots (
     workshop_id TEXT NOT NULL,
     seq INTEGER NOT NULL,
     at INTEGER NOT NULL,
     data BLOB NOT NULL,
     PRIMARY KEY (workshop_id, seq)
   ) WITHOUT ROWID;`,
  // 2: presence for the replay timeline (connects and disconnects are not in the update log).
  `CREATE TABLE events (
     workshop_id TEXT NOT NULL,
     seq INTEGER NOT NULL,
     at INTEGER NOT NULL,
     kind TEXT NOT NULL,
     actor TEXT NOT NULL,
     data TEXT NOT NULL DEFAULT '{}',
     PRIMARY KEY (workshop_id, seq)
   ) WITHOUT ROWID;`,
  // 3: votes and secret ballots; ballots stay here until the reveal.
  `CREATE TABLE votes (
     id TEXT PRIMARY KEY,
     workshop_id TEXT NOT NULL REFERENCES workshops(id),
     question TEXT NOT NULL,
     kind TEXT NOT NULL,
     team_id TEXT,
     choices TEXT,
     groups_json TEXT,
     state TEXT NOT NULL,
     round INTEGER NOT NULL,
     self_json TEXT,
     opened_at INTEGER NOT NULL,
     closed_at INTEGER,
     revealed_at INTEGER
   );
   CREATE INDEX votes_by_workshop ON votes(workshop_id, opened_at);
   CREATE TABLE ballots (
     vote_id TEXT NOT NULL REFERENCES votes(id),
     participant_id TEXT NOT NULL,
     group_id TEXT,
     value TEXT NOT NULL,
     seq INTEGER NOT NULL,
     at INTEGER NOT NULL,
     PRIMARY KEY (vote_id, participant_id)
   ) WITHOUT ROWID;`,
  // 4: verifiable ballots (receipt = sha256 of vote, salt and value) and auto-reveal.
  `ALTER TABLE ballots ADD COLUMN salt TEXT NOT NULL DEFAULT '';
   ALTER TABLE ballots ADD COLUMN receipt TEXT NOT NULL DEFAULT '';
   ALTER TABLE votes ADD COLUMN auto_reveal INTEGER NOT NULL DEFAULT 0;`,
  // 5: named votes, whose export keeps who voted what.
  `ALTER TABLE votes ADD COLUMN named INTEGER NOT NULL DEFAULT 0;`,
];

interface WorkshopRow {
  id: string;
  title: string;
  template_id: string;
  join_code: string;
  created_at: number;
  observer_version: number;
}
const toWorkshop = (r: WorkshopRow): WorkshopRecord => ({
  id: r.id,
  title: r.title,
  templateId: r.template_id,
  joinCode: r.join_code,
  createdAt: r.created_at,
  observerVersion: r.observer_version,
});

interface VoteRow {
  id: string;
  workshop_id: string;
  question: string;
  kind: VoteRecord['kind'];
  team_id: string | null;
  choices: string | null;
  groups_json: string | null;
  auto_reveal: number;
  named: number;
  state: VoteRecord['state'];
  round: number;
  self_json: string | null;
  opened_at: number;
  closed_at: number | null;
  revealed_at: number | null;
}
const toVote = (r: VoteRow): VoteRecord => ({
  id: r.id,
  workshopId: r.workshop_id,
  question: r.question,
  kind: r.kind,
  teamId: r.team_id,
  choices: r.choices === null ? null : JSON.parse(r.choices),
  groups: r.groups_json === null ? null : JSON.parse(r.groups_json),
  autoReveal: r.auto_reveal === 1,
  named: r.named === 1,
  state: r.state,
  round: r.round,
  self: r.self_json === null ? null : JSON.parse(r.self_json),
  openedAt: r.opened_at,
  closedAt: r.closed_at,
  revealedAt: r.revealed_at,
});
interface BallotRow {
  vote_id: string;
  participant_id: string;
  group_id: string | null;
  value: string;
  salt: string;
  receipt: string;
  seq: number;
  at: number;
}
const toBallot = (r: BallotRow): BallotRecord => ({
  voteId: r.vote_id,
  participantId: r.participant_id,
  group: r.group_id,
  value: r.value,
  salt: r.salt,
  receipt: r.receipt,
  seq: r.seq,
  at: r.at,
});

interface EntryRow {
  seq: number;
  at: number;
  author: string;
  data: Buffer;
}
const toEntry = (r: EntryRow): LogEntry => ({ seq: r.seq, at: r.at, author: r.author, data: new Uint8Array(r.data) });

export function migrate(db: Database.Database): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  for (let v = version; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}

/**
 * The embedded store. WAL with synchronous=NORMAL: a committed append survives
 * a killed process (only a power cut can lose the last transactions), and an
 * append costs a page write, not an fsync.
 */
export function openSqliteStore(file: string): Store {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
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
    workshop: db.prepare<[string], WorkshopRow>('SELECT * FROM workshops WHERE id = ?'),
    workshopByCode: db.prepare<[string], WorkshopRow>('SELECT * FROM workshops WHERE join_code = ?'),
    facilitator: db.prepare<[{ id: string; hash: string }], { role: string }>(
      `SELECT CASE WHEN facilitator_key_hash = @hash THEN 'facilitator' ELSE 'observer' END AS role
       FROM workshops WHERE id = @id AND (facilitator_key_hash = @hash OR observer_token_hash = @hash)`,
    ),
    participantByToken: db.prepare<[string, string], { id: string; name: string }>(
      'SELECT id, name FROM participants WHERE workshop_id = ? AND token_hash = ? AND removed_at IS NULL',
    ),
    insertParticipant: db.prepare(
      `INSERT INTO participants (id, workshop_id, name, token_hash, created_at, removed_at)
       VALUES (@id, @workshopId, @name, @tokenHash, @createdAt, NULL)`,
    ),
    countParticipants: db.prepare<[string], { n: number }>(
      'SELECT count(*) AS n FROM participants WHERE workshop_id = ? AND removed_at IS NULL',
    ),
    listParticipants: db.prepare<
      [string],
      { id: string; workshop_id: string; name: string; created_at: number; removed_at: number | null }
    >('SELECT * FROM participants WHERE workshop_id = ? ORDER BY created_at, id'),
    insertVote: db.prepare(
      `INSERT INTO votes (id, workshop_id, question, kind, team_id, choices, groups_json, auto_reveal, named, state, round, self_json, opened_at, closed_at, revealed_at)
       VALUES (@id, @workshopId, @question, @kind, @teamId, @choices, @groups, @autoReveal, @named, @state, @round, @self, @openedAt, @closedAt, @revealedAt)`,
    ),
    vote: db.prepare<[string, string], VoteRow>('SELECT * FROM votes WHERE workshop_id = ? AND id = ?'),
    votes: db.prepare<[string], VoteRow>('SELECT * FROM votes WHERE workshop_id = ? ORDER BY opened_at, id'),
    setVoteState: db.prepare<[{ to: string; at: number; id: string; voteId: string; from: string }]>(
      `UPDATE votes SET state = @to,
         closed_at = CASE WHEN @to = 'closed' THEN @at ELSE closed_at END,
         revealed_at = CASE WHEN @to = 'revealed' THEN @at ELSE revealed_at END
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
    setJoinCode: db.prepare<[string, string]>('UPDATE workshops SET join_code = ? WHERE id = ?'),
    rotateObserver: db.prepare<[string, number, string]>('UPDATE workshops SET observer_token_hash = ?, observer_version = ? WHERE id = ?'),
    renameParticipant: db.prepare<[string, string, string]>(
      'UPDATE participants SET name = ? WHERE workshop_id = ? AND id = ? AND removed_at IS NULL',
    ),
    removeParticipant: db.prepare<[number, string, string]>(
      'UPDATE participants SET removed_at = ? WHERE workshop_id = ? AND id = ? AND removed_at IS NULL',
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
    history: db.prepare<[string, number, number], EntryRow>(
      'SELECT seq, at, author, data FROM updates WHERE workshop_id = ? AND seq > ? ORDER BY seq LIMIT ?',
    ),
    // The next seq is computed inside the INSERT, so two appends can never take the same number.
    appendEvent: db.prepare<[string, string, number, string, string, string]>(
      `INSERT INTO events (workshop_id, seq, at, kind, actor, data)
       VALUES (?, (SELECT coalesce(max(seq), 0) + 1 FROM events WHERE workshop_id = ?), ?, ?, ?, ?)`,
    ),
    listEvents: db.prepare<[string], { seq: number; at: number; kind: string; actor: string; data: string }>(
      'SELECT seq, at, kind, actor, data FROM events WHERE workshop_id = ? ORDER BY seq',
    ),
  };

  const createWorkshop = db.transaction((w: NewWorkshop, initialUpdate: Uint8Array) => {
    q.insertWorkshop.run(w);
    q.append.run(w.id, 1, w.createdAt, 'server', initialUpdate);
  });

  const appendEvent = (id: string, e: Omit<EventRecord, 'seq'>) =>
    void q.appendEvent.run(id, id, e.at, e.kind, e.actor, JSON.stringify(e.data));

  const importWorkshop = db.transaction((imp: ImportedWorkshop) => {
    const w = imp.workshop;
    q.insertWorkshop.run(w);
    for (const e of imp.entries) q.append.run(w.id, e.seq, e.at, e.author, e.data);
    const last = imp.entries[imp.entries.length - 1]!;
    q.insertSnapshot.run(w.id, last.seq, last.at, imp.snapshot);
    for (const p of imp.participants) q.insertParticipant.run(p);
    for (const e of imp.events) appendEvent(w.id, e);
  });

  // Checked and written in one transaction, so a ballot can never land after the close.
  const putBallot = db.transaction((b: BallotRecord): 'stored' | 'stale' | 'closed' => {
    if (q.voteState.get(b.voteId)?.state !== 'open') return 'closed';
    const prev = q.ballot.get(b.voteId, b.participantId);
    if (prev && prev.seq > b.seq) return 'stale';
    q.upsertBallot.run(b);
    return 'stored';
  });

  const loadDocument = db.transaction((id: string): StoredDocument => {
    const snap = q.lastSnapshot.get(id);
    const tail = q.tail.all(id, snap?.seq ?? 0).map(toEntry);
    const lastSeq = q.lastSeq.get(id)?.seq ?? 0;
    return { snapshot: snap ? { seq: snap.seq, data: new Uint8Array(snap.data) } : null, tail, lastSeq };
  });

  return {
    createWorkshop: (w, initialUpdate) => createWorkshop(w, initialUpdate),
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
    addParticipant: (p) => void q.insertParticipant.run(p),
    countParticipants: (id) => q.countParticipants.get(id)?.n ?? 0,
    listParticipants: (id): ParticipantRecord[] =>
      q.listParticipants.all(id).map((r) => ({
        id: r.id,
        workshopId: r.workshop_id,
        name: r.name,
        createdAt: r.created_at,
        removedAt: r.removed_at,
      })),
    createVote: (v) =>
      void q.insertVote.run({
        ...v,
        choices: v.choices && JSON.stringify(v.choices),
        groups: v.groups && JSON.stringify(v.groups),
        self: v.self && JSON.stringify(v.self),
        autoReveal: v.autoReveal ? 1 : 0,
        named: v.named ? 1 : 0,
      }),
    getVote: (id, voteId) => {
      const r = q.vote.get(id, voteId);
      return r && toVote(r);
    },
    listVotes: (id) => q.votes.all(id).map(toVote),
    setVoteState: (id, voteId, from, to, at) => q.setVoteState.run({ to, at, id, voteId, from }).changes > 0,
    putBallot: (b) => putBallot(b),
    getBallot: (voteId, pid) => {
      const r = q.ballot.get(voteId, pid);
      return r && toBallot(r);
    },
    listBallots: (voteId) => q.ballots.all(voteId).map(toBallot),
    setJoinCode: (id, code) => void q.setJoinCode.run(code, id),
    rotateObserver: (id, hash, version) => void q.rotateObserver.run(hash, version, id),
    renameParticipant: (id, pid, name) => q.renameParticipant.run(name, id, pid).changes > 0,
    removeParticipant: (id, pid, at) => q.removeParticipant.run(at, id, pid).changes > 0,
    appendUpdate: (id, e) => void q.append.run(id, e.seq, e.at, e.author, e.data),
    loadDocument: (id) => loadDocument(id),
    writeSnapshot: (id, seq, at, data) => void q.insertSnapshot.run(id, seq, at, data),
    history: (id, since, limit) => q.history.all(id, since, limit).map(toEntry),
    appendEvent,
    listEvents: (id): EventRecord[] =>
      q.listEvents.all(id).map((r) => ({ seq: r.seq, at: r.at, kind: r.kind, actor: r.actor, data: JSON.parse(r.data) })),
    importWorkshop: (imp) => importWorkshop(imp),
    close: async () => {
      await checkpointer?.stop();
      // A final full checkpoint leaves the database file whole and the WAL empty.
      db.pragma('wal_checkpoint(TRUNCATE)');
      db.close();
    },
  };
}

/** How often the checkpointer moves the WAL into the database file. */
const CHECKPOINT_INTERVAL_MS = 1000;

/**
 * Turns automatic WAL checkpoints off for the writer and runs them on a worker
 * thread instead (server/checkpointer.cjs), so the write path never pays for one.
 */
function startCheckpointer(file: string): { stop(): Promise<void> } {
  const worker = new Worker(new URL('./checkpointer.cjs', import.meta.url), {
    workerData: { file, intervalMs: CHECKPOINT_INTERVAL_MS },
  });
  worker.unref();
  worker.on('message', (m: { error?: string }) => {
    if (m.error)
      process.stderr.write(
        JSON.stringify({ t: new Date().toISOString(), level: 'warn', msg: 'WAL checkpoint failed', error: m.error }) + '\n',
      );
  });
  worker.on('error', () => {});
  return {
    stop: () =>
      new Promise<void>((resolve) => {
        worker.once('exit', () => resolve());
        // Hold the process open until the worker has closed its connection.
        worker.ref();
        worker.postMessage('stop');
        // A worker stuck on a busy database is not worth waiting for at shutdown.
        setTimeout(() => void worker.terminate(), 2000).unref();
      }),
  };
}
