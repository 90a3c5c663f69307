import type { PgDb, Queryable } from './pg-db.ts';
import { RequestKeyTaken, type RememberedAnswer, type RememberedRequest, type Store } from './store.ts';

/* The PostgreSQL store's remembered requests (Idempotency-Key, server/idempotency.ts). */

/**
 * Remembers `r`, if given, on `c`: the transaction of the write it belongs to. A concurrent request
 * with the same key, in any process, waits here for the first one's transaction; once that commits,
 * its row is inside the window, no row changes, and this one throws RequestKeyTaken (its transaction
 * rolls back). A row past its window is replaced.
 */
export async function rememberPg(c: Queryable, r: RememberedRequest | undefined): Promise<void> {
  if (!r) return;
  const { rowCount } = await c.query(
    `INSERT INTO idempotency_keys AS k (scope, key_hash, request_hash, result, created_at) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (scope, key_hash) DO UPDATE SET request_hash = excluded.request_hash, result = excluded.result,
       created_at = excluded.created_at
     WHERE k.created_at < $6`,
    [r.scope, r.keyHash, r.requestHash, r.result, r.at, r.forgetBefore],
  );
  if (!rowCount) throw new RequestKeyTaken(r.scope);
}

export function pgRequests({ one, pool }: PgDb): Pick<Store, 'findRequest' | 'forgetRequest' | 'purgeRequests'> {
  return {
    findRequest: (scope, keyHash, since) =>
      one<RememberedAnswer>(
        `SELECT request_hash AS "requestHash", result FROM idempotency_keys WHERE scope = $1 AND key_hash = $2 AND created_at >= $3`,
        [scope, keyHash, since],
      ),
    forgetRequest: async (scope, keyHash) =>
      void (await pool.query('DELETE FROM idempotency_keys WHERE scope = $1 AND key_hash = $2', [scope, keyHash])),
    purgeRequests: async (before, limit) =>
      (
        await pool.query(
          `DELETE FROM idempotency_keys WHERE (scope, key_hash) IN
             (SELECT scope, key_hash FROM idempotency_keys WHERE created_at < $1 LIMIT $2)`,
          [before, limit],
        )
      ).rowCount ?? 0,
  };
}
