import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../../server/sqlite-store.ts';
import { storeSuite } from '../store/store-suite.ts';

storeSuite('SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'stageboard-store-'));
  const file = join(dir, 'stageboard.sqlite');
  const store = openSqliteStore(file);
  const reader = new Database(file, { readonly: true });
  return {
    store,
    cleanup: async () => {
      reader.close();
      rmSync(dir, { recursive: true, force: true });
    },
    snapshotRows: async (id) => (reader.prepare('SELECT count(*) AS n FROM snapshots WHERE workshop_id = ?').get(id) as { n: number }).n,
  };
});
