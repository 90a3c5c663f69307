import { performance } from 'node:perf_hooks';
import pg from 'pg';
import * as Y from 'yjs';
import { openPgStore } from '../server/pg-store.ts';
import type { ImportedWorkshop } from '../server/store.ts';

/**
 * `npx tsx bench/pg-import.ts [events…]` (default 10000 100000) with STAGEBOARD_TEST_DATABASE_URL
 * set (`eval "$(deploy/dev-postgres.sh)"`): how long the PostgreSQL store takes to write an
 * imported workshop with that many timeline events (and 100 participants, 1,000 log entries),
 * the store step alone, in a fresh database. Each size runs RUNS times; the median is printed.
 */
const sizes = process.argv.slice(2).map(Number).filter(Boolean);
const RUNS = 3;
const adminUrl = process.env.STAGEBOARD_TEST_DATABASE_URL;
if (!adminUrl) throw new Error('set STAGEBOARD_TEST_DATABASE_URL (eval "$(deploy/dev-postgres.sh)")');

function imported(n: number, events: number): ImportedWorkshop {
  const id = `bench_${n}_${Math.random().toString(36).slice(2, 8)}`;
  const doc = new Y.Doc();
  const entries: ImportedWorkshop['entries'] = [];
  doc.on('update', (u: Uint8Array) =>
    entries.push({ seq: entries.length + 1, at: 1_700_000_000_000 + entries.length, author: 'facilitator', data: u }),
  );
  for (let i = 0; i < 1_000; i++) doc.getMap('meta').set('n', i);
  const participants = Array.from({ length: 100 }, (_, i) => ({
    id: `p_${id}_${i}`,
    workshopId: id,
    name: `Person ${i}`,
    createdAt: 1_700_000_000_000,
    removedAt: null,
    tokenHash: `t_${id}_${i}`,
  }));
  return {
    workshop: {
      id,
      title: 'Bench',
      templateId: 'stages',
      joinCode: `B${n}${Math.random().toString(36).slice(2, 7)}`.toUpperCase(),
      createdAt: 1_700_000_000_000,
      facilitatorKeyHash: `fk_${id}`,
      observerTokenHash: `ob_${id}`,
    },
    entries,
    snapshot: Y.encodeStateAsUpdate(doc),
    participants,
    events: Array.from({ length: events }, (_, i) => ({
      at: 1_700_000_000_000 + i,
      kind: i % 2 ? 'disconnect' : 'connect',
      actor: participants[i % participants.length]!.id,
      data: {},
    })),
    votes: [],
    ballots: [],
  };
}

const name = `sb_bench_${Math.random().toString(36).slice(2, 10)}`;
const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();
await admin.query(`CREATE DATABASE ${name}`);
const url = new URL(adminUrl);
url.pathname = `/${name}`;
const store = await openPgStore(url.toString(), { limits: { pgQueryTimeoutMs: 600_000 } });
try {
  let n = 0;
  for (const events of sizes.length ? sizes : [10_000, 100_000]) {
    const times: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const imp = imported(n++, events);
      const t0 = performance.now();
      await store.importWorkshop(imp);
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    console.log(
      `${events} events: store step median ${times[RUNS >> 1]!.toFixed(0)} ms (runs: ${times.map((t) => t.toFixed(0)).join(', ')})`,
    );
  }
} finally {
  await store.close();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
}
