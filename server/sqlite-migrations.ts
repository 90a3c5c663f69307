import type Database from 'better-sqlite3';

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
  // 6: imported votes keep the id their workshop's log knows them by (results.<id>), while the
  // row gets a fresh one: the same export imported twice would otherwise collide on votes.id.
  `ALTER TABLE votes ADD COLUMN doc_id TEXT;`,
  // 7: participants that came with an import are history, not seats: they keep their
  // removed_at as the export had it (so a re-export matches) but no longer fill the workshop.
  `ALTER TABLE participants ADD COLUMN imported INTEGER NOT NULL DEFAULT 0;`,
  // 8: an import is written in batches (server/sqlite-import.ts); until its last one its workshop
  // is marked, and nothing finds it. A start deletes the imports a killed process left marked.
  `ALTER TABLE workshops ADD COLUMN importing INTEGER NOT NULL DEFAULT 0;
   CREATE INDEX workshops_importing ON workshops(id) WHERE importing = 1;`,
  // 9: requests sent with an Idempotency-Key, remembered with what they made (server/idempotency.ts),
  // so a repeat answers with the same seat, workshop or vote. Only the key's hash is kept.
  `CREATE TABLE idempotency_keys (
     scope TEXT NOT NULL,
     key_hash TEXT NOT NULL,
     request_hash TEXT NOT NULL,
     result TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     PRIMARY KEY (scope, key_hash)
   );
   CREATE INDEX idempotency_keys_by_age ON idempotency_keys(created_at);`,
];

export function migrate(db: Database.Database): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  for (let v = version; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}
