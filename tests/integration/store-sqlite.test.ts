import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../../server/sqlite-store.ts';
import { storeSuite } from '../store/store-suite.ts';

storeSuite('SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'stageboard-store-'));
  return {
    store: openSqliteStore(join(dir, 'stageboard.sqlite')),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
});
