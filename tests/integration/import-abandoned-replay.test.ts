import { beforeAll, describe, expect, it, vi } from 'vitest';
import { LIMITS } from '../../shared/limits.ts';
import { importExport } from '../../server/import.ts';
import type { ImportedWorkshop, Store } from '../../server/store.ts';
import { exportWithLog } from '../helpers/api.ts';
import { useServer } from '../helpers/server.ts';

/*
 * An abandoned import (its client hung up, a shutdown answered it 503) used to parse and replay
 * its whole file before the store step noticed: seconds of CPU for nobody, while a shutdown
 * waited. Counted by the log entries the replay inspected, not by time.
 */
const inspected = vi.hoisted(() => ({ entries: 0, onEntry: (_n: number) => {} }));
vi.mock('../../server/write-filter.ts', async (original) => {
  const real = await original<typeof import('../../server/write-filter.ts')>();
  return {
    ...real,
    logEntryRefusal: (...args: Parameters<typeof real.logEntryRefusal>) => {
      inspected.onEntry(++inspected.entries);
      return real.logEntryRefusal(...args);
    },
  };
});

const srv = useServer();
/** Log entries in the file: far more than one time slice replays. */
const ENTRIES = 30_000;
let body: string;

beforeAll(async () => {
  body = await exportWithLog(srv.url, ENTRIES);
});

/** A store that records the imports it is asked for and, like the real ones, refuses an abandoned one. */
function storeSpy() {
  const asked: ImportedWorkshop[] = [];
  const store = {
    importWorkshop: (imp: ImportedWorkshop, abandoned?: AbortSignal) => {
      asked.push(imp);
      abandoned?.throwIfAborted();
    },
  } as unknown as Store;
  return { store, asked };
}

describe('an abandoned import', () => {
  it('stops in the replay at its next pause, and never reaches the store', async () => {
    inspected.entries = 0;
    const client = new AbortController();
    let abandonedAt = 0;
    inspected.onEntry = (n) => {
      if (n === 1) {
        abandonedAt = n;
        client.abort(new Error('client gone'));
      }
    };
    const { store, asked } = storeSpy();
    await expect(importExport(store, JSON.parse(body), LIMITS, client.signal)).rejects.toThrow('client gone');
    expect(abandonedAt).toBe(1);
    // Broke: all ENTRIES were inspected and replayed, then the store was asked and refused.
    expect(inspected.entries).toBeLessThan(ENTRIES);
    expect(asked).toEqual([]);
  }, 60_000);

  it('abandoned during the parse, replays nothing', async () => {
    inspected.entries = 0;
    inspected.onEntry = () => {};
    const { store, asked } = storeSpy();
    const gone = AbortSignal.abort(new Error('answered 503'));
    await expect(importExport(store, JSON.parse(body), LIMITS, gone)).rejects.toThrow('answered 503');
    expect(inspected.entries).toBe(0);
    expect(asked).toEqual([]);
  }, 60_000);

  it('still imports when nobody abandons it', async () => {
    inspected.onEntry = () => {};
    const { store, asked } = storeSpy();
    await importExport(store, JSON.parse(body), LIMITS, new AbortController().signal);
    expect(asked).toHaveLength(1);
    expect(asked[0]!.entries).toHaveLength(ENTRIES);
  }, 60_000);
});
