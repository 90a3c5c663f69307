import type Database from 'better-sqlite3';
import { RequestKeyTaken, type RememberedAnswer, type RememberedRequest } from './store.ts';

/**
 * The SQLite store's remembered requests (Idempotency-Key, server/idempotency.ts). `remember`
 * runs inside the transaction of the write it belongs to, so a request is remembered exactly when
 * what it made is stored.
 */
export function sqliteRequests(db: Database.Database) {
  const q = {
    // A row past its window is replaced; one inside it is a key another request took: no row changes.
    remember: db.prepare<[RememberedRequest]>(
      `INSERT INTO idempotency_keys (scope, key_hash, request_hash, result, created_at)
       VALUES (@scope, @keyHash, @requestHash, @result, @at)
       ON CONFLICT (scope, key_hash) DO UPDATE SET request_hash = excluded.request_hash, result = excluded.result,
         created_at = excluded.created_at
       WHERE idempotency_keys.created_at < @forgetBefore`,
    ),
    find: db.prepare<[string, string, number], { requestHash: string; result: string }>(
      `SELECT request_hash AS requestHash, result FROM idempotency_keys WHERE scope = ? AND key_hash = ? AND created_at >= ?`,
    ),
    forget: db.prepare<[string, string]>('DELETE FROM idempotency_keys WHERE scope = ? AND key_hash = ?'),
    purge: db.prepare<[number, number]>(
      'DELETE FROM idempotency_keys WHERE rowid IN (SELECT rowid FROM idempotency_keys WHERE created_at < ? LIMIT ?)',
    ),
  };
  return {
    /** Remembers `r`, if given; throws RequestKeyTaken (and so rolls back the caller's transaction) when its key is taken. */
    remember(r: RememberedRequest | undefined): void {
      if (r && q.remember.run(r).changes === 0) throw new RequestKeyTaken(r.scope);
    },
    findRequest: (scope: string, keyHash: string, since: number): RememberedAnswer | undefined => q.find.get(scope, keyHash, since),
    forgetRequest: (scope: string, keyHash: string): void => void q.forget.run(scope, keyHash),
    purgeRequests: (before: number, limit: number): number => q.purge.run(before, limit).changes,
  };
}
