import type pg from 'pg';

/**
 * Numbered up-migrations, recorded in `schema_migrations`. Never edit one that
 * has shipped: add the next. Migration 1 is the schema SQLite reached through
 * its migrations 1–4, so both backends hold the same facts.
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
     created_at BIGINT NOT NULL
   );
   CREATE TABLE participants (
     id TEXT PRIMARY KEY,
     workshop_id TEXT NOT NULL REFERENCES workshops(id),
     name TEXT NOT NULL,
     token_hash TEXT NOT NULL UNIQUE,
     created_at BIGINT NOT NULL,
     removed_at BIGINT
   );
   CREATE INDEX participants_by_workshop ON participants(workshop_id);
   CREATE TABLE updates (
     workshop_id TEXT NOT NULL,
     seq INTEGER NOT NULL,
     at BIGINT NOT NULL,
     author TEXT NOT NULL,
     data BYTEA NOT NULL,
     PRIMARY KEY (workshop_id, seq)
   );
   CREATE TABLE snapshots (
     workshop_id TEXT NOT NULL,
     seq INTEGER NOT NULL,
     at BIGINT NOT NULL,
     data BYTEA NOT NULL,
     PRIMARY KEY (workshop_id, seq)
   );
   CREATE TABLE events (
     workshop_id TEXT NOT NULL,
     seq INTEGER NOT NULL,
     at BIGINT NOT NULL,
     kind TEXT NOT NULL,
     actor TEXT NOT NULL,
     data TEXT NOT NULL DEFAULT '{}',
     PRIMARY KEY (workshop_id, seq)
   );
   CREATE TABLE votes (
     id TEXT PRIMARY KEY,
     workshop_id TEXT NOT NULL REFERENCES workshops(id),
     question TEXT NOT NULL,
     kind TEXT NOT NULL,
     team_id TEXT,
     choices TEXT,
     groups_json TEXT,
     auto_reveal BOOLEAN NOT NULL DEFAULT false,
     state TEXT NOT NULL,
     round INTEGER NOT NULL,
     self_json TEXT,
     opened_at BIGINT NOT NULL,
     closed_at BIGINT,
     revealed_at BIGINT
   );
   CREATE INDEX votes_by_workshop ON votes(workshop_id, opened_at);
   CREATE TABLE ballots (
     vote_id TEXT NOT NULL REFERENCES votes(id),
     participant_id TEXT NOT NULL,
     group_id TEXT,
     value TEXT NOT NULL,
     salt TEXT NOT NULL DEFAULT '',
     receipt TEXT NOT NULL DEFAULT '',
     seq INTEGER NOT NULL,
     at BIGINT NOT NULL,
     PRIMARY KEY (vote_id, participant_id)
   );`,
  // 2: join failures per address, shared by every process (issue 10), so the
  // limit is not multiplied by the number of processes.
  `CREATE TABLE join_failures (
     address TEXT PRIMARY KEY,
     window_start BIGINT NOT NULL,
     count INTEGER NOT NULL
   );`,
  // 3: named votes, whose export keeps who voted what (SQLite migration 5).
  `ALTER TABLE votes ADD COLUMN named BOOLEAN NOT NULL DEFAULT false;`,
  // 4: the id an imported vote has in its workshop's log (SQLite migration 6).
  `ALTER TABLE votes ADD COLUMN doc_id TEXT;`,
  // 5: imported participants, history rather than seats (SQLite migration 7).
  `ALTER TABLE participants ADD COLUMN imported BOOLEAN NOT NULL DEFAULT false;`,
  // 6: requests sent with an Idempotency-Key, remembered with what they made (SQLite migration 9).
  `CREATE TABLE idempotency_keys (
     scope TEXT NOT NULL,
     key_hash TEXT NOT NULL,
     request_hash TEXT NOT NULL,
     result TEXT NOT NULL,
     created_at BIGINT NOT NULL,
     PRIMARY KEY (scope, key_hash)
   );
   CREATE INDEX idempotency_keys_by_age ON idempotency_keys(created_at);`,
];

/** Taken for the migrations, so processes that start together migrate once. */
const MIGRATION_LOCK = 0x5354_4147; // "STAG"

export async function migratePg(pool: pg.Pool): Promise<void> {
  const c = await pool.connect();
  try {
    await c.query('BEGIN');
    await c.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await c.query('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)');
    const { rows } = await c.query<{ v: number | null }>('SELECT max(version) AS v FROM schema_migrations');
    for (let v = rows[0]?.v ?? 0; v < MIGRATIONS.length; v++) {
      await c.query(MIGRATIONS[v]!);
      await c.query('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)', [v + 1, Date.now()]);
    }
    await c.query('COMMIT');
  } catch (err) {
    await c.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    c.release();
  }
}
