import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as Y from 'yjs';
import { loadHistory } from '../client/lib/replay-load.ts';
import { createServer } from '../server/app.ts';
import { createLogger } from '../server/log.ts';
import { openSqliteStore } from '../server/sqlite-store.ts';
import { hashSecret, newSecret } from '../server/tokens.ts';
import { addTeam, initWorkshopDoc, ROOTS, setTeamField } from '../shared/doc.ts';
import { LIMITS } from '../shared/limits.ts';
import { ReplayEngine } from '../shared/replay.ts';
import { DEFAULT_TEMPLATE_ID, findTemplate } from '../shared/templates/index.ts';

/**
 * Replay benchmark: a three-hour, 50,000-update session (12 teams dragged
 * by 16 participants, the facilitator stepping through the agenda), stored
 * as the server stores it, then loaded through the real history endpoint
 * by the browser's own loader and engine, and seeked at random.
 */
const UPDATES = 50_000;
const DURATION_MS = 3 * 60 * 60 * 1000;
const TEAMS = 12;
const PEOPLE = 16;
const SEEKS = 300;

/** Deterministic, so runs are comparable. */
function rng(seed: number) {
  return () => {
    seed = (seed * 1664525 + 1013904223) >>> 0;
    return seed / 2 ** 32;
  };
}

async function buildSession(dataDir: string): Promise<{ id: string; key: string }> {
  const store = openSqliteStore(join(dataDir, 'stageboard.sqlite'));
  const rand = rng(7);
  const template = findTemplate(DEFAULT_TEMPLATE_ID)!;
  const start = Date.UTC(2025, 0, 15, 9);
  const id = 'bench-replay';
  const key = newSecret();
  const doc = new Y.Doc();
  initWorkshopDoc(doc, { title: 'Replay benchmark', template, createdAt: start });
  store.createWorkshop(
    {
      id,
      title: 'Replay benchmark',
      templateId: template.id,
      joinCode: 'BENCH2',
      createdAt: start,
      facilitatorKeyHash: hashSecret(key),
      observerTokenHash: hashSecret(newSecret()),
    },
    Y.encodeStateAsUpdate(doc),
  );
  let seq = 1;
  let at = start;
  let author = 'server';
  const pending: Uint8Array[] = [];
  doc.on('update', (u: Uint8Array) => pending.push(u));
  // Each author writes with its own Yjs client id, as separate browsers would.
  const clientIds = new Map<string, number>();
  const as = (who: string, change: () => void) => {
    author = who;
    if (!clientIds.has(who)) clientIds.set(who, 1000 + clientIds.size);
    doc.clientID = clientIds.get(who)!;
    change();
    for (const data of pending.splice(0)) {
      store.appendUpdate(id, { seq: ++seq, at, author, data });
      if ((seq - 1) % LIMITS.snapshotEveryUpdates === 0) store.writeSnapshot(id, seq, at, Y.encodeStateAsUpdate(doc));
    }
  };
  const people = Array.from({ length: PEOPLE }, (_, i) => `p_bench${i}`);
  for (let t = 0; t < TEAMS; t++) {
    as(people[t % PEOPLE]!, () =>
      addTeam(doc, `team${t}`, { name: `Team ${t + 1}`, color: '#2563eb', createdAt: start + t, stageCurrent: 1, stageTarget: 2 }),
    );
  }
  const stepEvery = Math.floor(UPDATES / template.agenda.length);
  while (seq < UPDATES) {
    at = start + Math.floor((seq / UPDATES) * DURATION_MS);
    if (seq % stepEvery === 0) {
      as('facilitator', () => doc.getMap(ROOTS.control).set('step', Math.min(template.agenda.length - 1, seq / stepEvery)));
      continue;
    }
    const team = `team${Math.floor(rand() * TEAMS)}`;
    const field = (['stageCurrent', 'stageTarget', 'autonomy', 'controls'] as const)[Math.floor(rand() * 4)]!;
    const value = field.startsWith('stage') ? 1 + rand() * 2 : rand();
    as(people[Math.floor(rand() * PEOPLE)]!, () => setTeamField(doc, team, field, value));
  }
  await store.close();
  doc.destroy();
  return { id, key };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;

export async function runReplayBench(): Promise<Record<string, number>> {
  const dataDir = mkdtempSync(join(tmpdir(), 'stageboard-bench-replay-'));
  // Written and closed before the server opens the file: one store per file (server/data-dir-lock.ts).
  const t0 = performance.now();
  const { id, key } = await buildSession(dataDir);
  const buildMs = performance.now() - t0;
  const server = createServer({ port: 0, host: '127.0.0.1', dataDir, log: createLogger('silent') });
  try {
    const { url } = await server.listen();

    const engine = new ReplayEngine();
    const t1 = performance.now();
    await loadHistory({ base: url, workshopId: id, token: key, engine });
    engine.frameAt(engine.length - 1);
    const loadMs = performance.now() - t1;

    const rand = rng(11);
    const seeks: number[] = [];
    for (let i = 0; i < SEEKS; i++) {
      const t = engine.startAt + rand() * (engine.endAt - engine.startAt);
      const s = performance.now();
      const frame = engine.frameAt(engine.indexAt(t));
      for (const team of frame.teams) engine.trailUntil(team.id, frame.index);
      seeks.push(performance.now() - s);
    }
    // The exact document (checkpoint + tail through Yjs), for comparison with the view's seek.
    const exact: number[] = [];
    for (let i = 0; i < 60; i++) {
      const s = performance.now();
      engine.docAt(Math.floor(rand() * engine.length));
      exact.push(performance.now() - s);
    }
    // Playback at 60×: one frame (1/60 s) moves the clock by one second.
    const steps: number[] = [];
    let t = engine.startAt;
    for (let i = 0; i < 600; i++) {
      t += 1000;
      const s = performance.now();
      engine.frameAt(engine.indexAt(t));
      steps.push(performance.now() - s);
    }
    const result = {
      replay_updates: engine.length,
      replay_build_session_ms: Math.round(buildMs),
      replay_load_ms: Math.round(loadMs),
      replay_seek_median_ms: +median(seeks).toFixed(2),
      replay_seek_p99_ms: +percentile(seeks, 0.99).toFixed(2),
      replay_exact_doc_seek_median_ms: +median(exact).toFixed(2),
      replay_play_frame_p99_ms: +percentile(steps, 0.99).toFixed(2),
      replay_checkpoints: Math.floor(engine.length / engine.checkpointEvery),
    };
    engine.destroy();
    return result;
  } finally {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const figures = await runReplayBench();
  for (const [name, value] of Object.entries(figures)) console.log(`${name.padEnd(32)} ${value}`);
}
