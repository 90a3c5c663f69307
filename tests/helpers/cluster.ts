import { execFileSync } from 'node:child_process';
import pg from 'pg';
import { OWNER_QUERY } from '../../server/ownership.ts';
import { startCluster, type Cluster, type ClusterOptions } from '../../scripts/cluster.ts';
import { freshDatabase, testDatabaseUrl, testPool } from './pg.ts';

/** HAProxy for the cluster tests: `STAGEBOARD_TEST_HAPROXY` or `haproxy` on the PATH. */
export function testHaproxy(): string | undefined {
  const bin = process.env.STAGEBOARD_TEST_HAPROXY ?? 'haproxy';
  try {
    execFileSync(bin, ['-v'], { stdio: 'ignore' });
    return bin;
  } catch {
    if (process.env.CI === 'true') throw new Error(`CI=true but HAProxy (${bin}) is missing: the cluster tests cannot run (see .ci/run)`);
    console.warn(`HAProxy (${bin}) not found: skipping the cluster tests`);
    return undefined;
  }
}

/** What the cluster tests need, or undefined (with a warning; an error in CI). */
export function clusterPrerequisites(): { databaseUrl: string; haproxy: string } | undefined {
  const databaseUrl = testDatabaseUrl();
  const haproxy = testHaproxy();
  return databaseUrl && haproxy ? { databaseUrl, haproxy } : undefined;
}

export interface TestCluster extends Cluster {
  db: pg.Pool;
  /** Index of the process holding the workshop's lock, or -1. */
  ownerOf(workshopId: string): Promise<number>;
}

/** A cluster on a fresh database of its own; `close()` stops everything and drops it. */
export async function startTestCluster(
  pre: { databaseUrl: string; haproxy: string },
  opts: Omit<ClusterOptions, 'databaseUrl' | 'haproxy'>,
): Promise<TestCluster> {
  const database = await freshDatabase(pre.databaseUrl);
  const cluster = await startCluster({
    ...opts,
    databaseUrl: database.url,
    haproxy: pre.haproxy,
    verbose: !!process.env.TEST_LOG,
    env: { LOG_LEVEL: process.env.TEST_LOG ? 'debug' : 'info', ...opts.env },
  }).catch(async (err) => {
    await database.drop();
    throw err;
  });
  const db = testPool(database.url);
  return {
    ...cluster,
    db,
    async ownerOf(id) {
      const { rows } = await db.query<{ owner: string }>(OWNER_QUERY, [id]);
      const owner = rows[0]?.owner;
      return cluster.processes.findIndex((p) => owner === `stageboard:${p.port}`);
    },
    async close() {
      await cluster.close();
      await db.end();
      await database.drop();
    },
  };
}
