/**
 * Time from the facilitator's reveal to the results on every voter's screen,
 * with 100 voters connected through the stock y-websocket client.
 * Run: npx tsx bench/reveal.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';
import { addTeam, readResults } from '../shared/doc.ts';
import { createServer } from '../server/app.ts';
import { createLogger } from '../server/log.ts';

async function post(url: string, body: unknown, token?: string) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return res.json();
}

export async function runRevealBench(voters = 100): Promise<{ voters: number; p50Ms: number; allMs: number }> {
  const dataDir = mkdtempSync(joinPath(tmpdir(), 'stageboard-reveal-'));
  const server = createServer({ port: 0, host: '127.0.0.1', dataDir, log: createLogger('silent') });
  const { url } = await server.listen();
  const ws = url.replace('http', 'ws') + '/ws';
  const providers: WebsocketProvider[] = [];
  const open = (id: string, token: string) => {
    const doc = new Y.Doc();
    const p = new WebsocketProvider(ws, id, doc, { params: { token }, WebSocketPolyfill: WebSocket as never, disableBc: true });
    providers.push(p);
    return { doc, p, synced: new Promise<void>((r) => p.once('sync', () => r())) };
  };
  try {
    const w = await post(`${url}/api/workshops`, { title: 'Reveal bench' });
    const f = open(w.id, w.facilitatorKey);
    await f.synced;
    addTeam(f.doc, 'team', { name: 'Payments', color: '#2563eb', stageCurrent: 1.5 });
    const people = await Promise.all(
      Array.from({ length: voters }, (_, i) => post(`${url}/api/join`, { code: w.joinCode, name: `V${i}` })),
    );
    const screens = people.map((p) => open(w.id, p.token));
    await Promise.all(screens.map((s) => s.synced));
    const { voteId } = await post(
      `${url}/api/workshops/${w.id}/votes`,
      { question: 'Where?', kind: 'stage', teamId: 'team' },
      w.facilitatorKey,
    );
    await Promise.all(
      people.map((p, i) => post(`${url}/api/workshops/${w.id}/votes/${voteId}/ballots`, { stage: 1 + (i % 20) / 10 }, p.token)),
    );
    const arrivals: number[] = [];
    const t0 = performance.now();
    const all = Promise.all(
      screens.map(
        (s) =>
          new Promise<void>((resolve) => {
            const check = () => {
              if (readResults(s.doc).length === 0) return;
              arrivals.push(performance.now() - t0);
              s.doc.off('update', check);
              resolve();
            };
            s.doc.on('update', check);
          }),
      ),
    );
    await post(`${url}/api/workshops/${w.id}/votes/${voteId}/reveal`, {}, w.facilitatorKey);
    await all;
    arrivals.sort((a, b) => a - b);
    return { voters, p50Ms: arrivals[Math.floor(arrivals.length / 2)]!, allMs: arrivals[arrivals.length - 1]! };
  } finally {
    for (const p of providers) p.destroy();
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const runs = [];
  for (let i = 0; i < 3; i++) runs.push(await runRevealBench());
  const med = (xs: number[]) => xs.sort((a, b) => a - b)[1]!;
  console.log(
    `reveal → results on all ${runs[0]!.voters} voters' screens: median of 3 runs ${med(runs.map((r) => r.allMs)).toFixed(1)} ms ` +
      `(half the screens by ${med(runs.map((r) => r.p50Ms)).toFixed(1)} ms)`,
  );
  // Providers leave reconnect timers behind on purpose; the measurement is done.
  process.exit(0);
}
