import type pg from 'pg';
import { LIMITS, type Limits } from '../shared/limits.ts';
import { openPgPools } from './pg-db.ts';
import { healthProbe, unavailableWhenStalled } from './pg-health.ts';
import { pgImportWorkshop } from './pg-import.ts';
import { pgJoinFailures, type JoinFailures } from './pg-join-failures.ts';
import { pgLog } from './pg-log.ts';
import { pgRequests } from './pg-requests.ts';
import { pgVotes } from './pg-votes.ts';
import { pgWorkshops } from './pg-workshops.ts';
import type { Store } from './store.ts';

export interface PgStore extends Store, JoinFailures {
  readonly pool: pg.Pool;
  /** Whether the database answers; cheap enough for a health check twice a second (see `pgHealthTimeoutMs`). */
  reachable(): Promise<boolean>;
}

export interface PgStoreOptions {
  max?: number;
  /** Limits from shared/limits.ts; unset ones take their defaults. */
  limits?: Partial<Pick<Limits, 'pgConnectTimeoutMs' | 'pgQueryTimeoutMs' | 'pgHealthTimeoutMs'>>;
}

/**
 * The networked store (issue 10). Every call returns a promise; writes that
 * span several rows run in one transaction on one pooled connection. Its parts:
 * pg-db (pools, timeouts, transactions), pg-workshops (workshops, tokens,
 * participants), pg-log (updates, snapshots, events), pg-votes, pg-import,
 * pg-join-failures and pg-requests (Idempotency-Key).
 */
export async function openPgStore(connectionString: string, opts: PgStoreOptions = {}): Promise<PgStore> {
  const limits = { ...LIMITS, ...opts.limits };
  const { db, probe } = await openPgPools(connectionString, opts.max ?? 10, limits);
  return unavailableWhenStalled({
    pool: db.pool,
    reachable: healthProbe(() => probe.query('SELECT 1'), limits.pgHealthTimeoutMs),
    ...pgWorkshops(db),
    ...pgLog(db),
    importWorkshop: pgImportWorkshop(db),
    ...pgVotes(db),
    ...pgJoinFailures(db),
    ...pgRequests(db),
    close: async () => {
      await Promise.all([db.pool.end(), probe.end()]);
    },
  });
}
