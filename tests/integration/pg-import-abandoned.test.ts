import { describe, expect, it } from 'vitest';
import { openPgStore } from '../../server/pg-store.ts';
import { ROWS_PER_INSERT } from '../../server/pg-import.ts';
import type { ImportedWorkshop } from '../../server/store.ts';
import { freshDatabase, testDatabaseUrl } from '../helpers/pg.ts';

/*
 * An abandoned PostgreSQL import (Store.importWorkshop's signal) stops between statements. Broke:
 * the transaction's connection was then discarded, as if the database had stalled, instead of
 * rolled back and pooled again: every abandoned import cost a new connection (and its setup).
 */
const adminUrl = testDatabaseUrl();

function imported(id: string, entries: number): ImportedWorkshop {
  return {
    workshop: {
      id,
      title: 'Imported',
      templateId: 'stages',
      joinCode: `A${Math.random().toString(36).slice(2, 7)}`.toUpperCase(),
      createdAt: 1000,
      facilitatorKeyHash: `f-${id}`,
      observerTokenHash: `o-${id}`,
    },
    entries: Array.from({ length: entries }, (_, i) => ({ seq: i + 1, at: 1000 + i, author: 'server', data: new Uint8Array([0, 0]) })),
    snapshot: new Uint8Array([0, 0]),
    participants: [],
    events: [],
    votes: [],
    ballots: [],
  };
}

/** A signal that is aborted as it is looked at for the `n`th time: part-way through the import's statements. */
function abortedAtLook(n: number, reason: Error): AbortSignal {
  const controller = new AbortController();
  const signal = controller.signal;
  const look = signal.throwIfAborted.bind(signal);
  let looks = 0;
  signal.throwIfAborted = () => {
    if (++looks === n) controller.abort(reason);
    look();
  };
  return signal;
}

describe.skipIf(!adminUrl)('an abandoned PostgreSQL import', () => {
  it('is rolled back and its connection pooled again, not discarded', async () => {
    const db = await freshDatabase(adminUrl!);
    // One connection: the one the import used is the one asked after it.
    const store = await openPgStore(db.url, { max: 1 });
    try {
      const backend = async () => (await store.pool.query('SELECT pg_backend_pid() AS pid')).rows[0].pid as number;
      const before = await backend();
      // Looks: once before the transaction, then after each statement of log entries; the third is inside it.
      const imp = imported('w_gone', ROWS_PER_INSERT * 3);
      await expect(store.importWorkshop(imp, abortedAtLook(3, new Error('client gone')))).rejects.toThrow('client gone');
      expect(await backend()).toBe(before);
      // Nothing of it was kept, and the connection is not left inside the aborted transaction.
      expect(await store.getWorkshop('w_gone')).toBeUndefined();
      expect(await store.history('w_gone', 0, 10)).toEqual([]);
      expect((await store.pool.query('SELECT count(*)::int AS n FROM updates')).rows[0].n).toBe(0);
      await store.importWorkshop(imported('w_kept', 3));
      expect((await store.loadDocument('w_kept')).lastSeq).toBe(3);
      expect(await backend()).toBe(before);
    } finally {
      await store.close();
      await db.drop();
    }
  });
});
