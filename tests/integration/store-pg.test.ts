import { describe, expect, it } from 'vitest';
import { migratePg } from '../../server/pg-migrations.ts';
import { openPgStore } from '../../server/pg-store.ts';
import { freshDatabase, testDatabaseUrl, testPool } from '../helpers/pg.ts';
import { storeSuite } from '../store/store-suite.ts';

const adminUrl = testDatabaseUrl();

describe.skipIf(!adminUrl)('PostgreSQL backend', () => {
  storeSuite('PostgreSQL', async () => {
    const db = await freshDatabase(adminUrl!);
    const reader = testPool(db.url, 1);
    return {
      store: await openPgStore(db.url),
      cleanup: async () => {
        await reader.end();
        await db.drop();
      },
      snapshotRows: async (id) =>
        Number((await reader.query('SELECT count(*) AS n FROM snapshots WHERE workshop_id = $1', [id])).rows[0].n),
    };
  });

  it('records each migration once, even when processes start together', async () => {
    const db = await freshDatabase(adminUrl!);
    const pools = [1, 2, 3].map(() => testPool(db.url, 1));
    try {
      await Promise.all(pools.map((p) => migratePg(p)));
      const { rows } = await pools[0]!.query('SELECT version FROM schema_migrations ORDER BY version');
      expect(rows.map((r) => r.version)).toEqual([1, 2, 3, 4, 5, 6]);
    } finally {
      await Promise.all(pools.map((p) => p.end()));
      await db.drop();
    }
  });
});
