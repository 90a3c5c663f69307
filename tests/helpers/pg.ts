import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * The PostgreSQL the tests use: `STAGEBOARD_TEST_DATABASE_URL` (`.ci/run` and
 * `deploy/dev-postgres.sh` start one and set it). In CI its absence is an error,
 * never a silent skip; on a laptop without it the PostgreSQL tests say so and
 * are skipped.
 */
export function testDatabaseUrl(): string | undefined {
  const url = process.env.STAGEBOARD_TEST_DATABASE_URL;
  if (!url && process.env.CI === 'true') {
    throw new Error('CI=true but STAGEBOARD_TEST_DATABASE_URL is not set: the PostgreSQL tests cannot run (see .ci/run)');
  }
  if (!url) console.warn('STAGEBOARD_TEST_DATABASE_URL is not set: skipping the PostgreSQL tests (run deploy/dev-postgres.sh)');
  return url;
}

/** A fresh database on the test server, so test files never see each other's rows. */
export async function freshDatabase(adminUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `sb_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/**
 * A pool on a test database. Each database is dropped `WITH (FORCE)` when its
 * test is done, which ends any connection still open from the server's side;
 * that is expected, so it is not reported as an unhandled error.
 */
export function testPool(url: string, max = 2): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max });
  pool.on('error', () => {});
  return pool;
}
