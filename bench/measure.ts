import { loadavg } from 'node:os';
import { createRoom, prepareClients, prepareRoom, type Generator } from './load.ts';
import { startServer, type RunningServer } from './servers.ts';
import type { ServerKind } from './wire.ts';

/** How long each measurement runs; `--quick` shortens all of them. */
export interface Durations {
  fanoutMs: number;
  stepMs: number;
  idleClients: number;
  rooms: number;
}

export const FULL: Durations = { fanoutMs: 5000, stepMs: 1500, idleClients: 900, rooms: 40 };
export const QUICK: Durations = { fanoutMs: 2500, stepMs: 1000, idleClients: 100, rooms: 20 };

const MOVERS = 10;
const HZ = 20;
/** Rates tried in turn for the sustained figure, updates per second in the room. */
const RATES = [250, 500, 1000, 1500, 2000, 2600, 3400, 4400, 5700, 7400, 9600, 12500, 16000, 20000, 25000, 32000];
const P99_LIMIT_MS = 100;

export const load1 = () => loadavg()[0]!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Fan-out latency in one room: 10 movers at 20 Hz, every other client a probe. */
export async function fanout(gen: Generator, server: RunningServer, clients: number, d: Durations) {
  const { specs, release } = await prepareRoom(server, { clients, movers: MOVERS, probeEvery: 1 });
  await gen.connect(specs);
  release();
  try {
    await gen.run(HZ, 1000, 300); // warm-up: JIT, buffers, first-write paths
    // A long drain, so a server that falls behind shows as a long tail rather than as loss.
    return await gen.run(HZ, d.fanoutMs, 3000);
  } finally {
    await gen.disconnect();
  }
}

/** The highest rate (updates/s in a 50-client room) whose p99 stays under 100 ms with nothing lost. */
export async function sustained(gen: Generator, server: RunningServer, d: Durations) {
  const { specs, release } = await prepareRoom(server, { clients: 50, movers: MOVERS, probeEvery: 4 });
  await gen.connect(specs);
  release();
  let best = 0;
  const steps: string[] = [];
  try {
    await gen.run(50, 500, 300);
    for (const rate of RATES) {
      const r = await gen.run(rate / MOVERS, d.stepMs, 700);
      steps.push(`${rate}:${r.p99 === Infinity ? 'lost' : r.p99.toFixed(0)}`);
      if (r.p99 > P99_LIMIT_MS || r.closed > 0 || r.rate < rate * 0.9) break;
      best = r.rate;
    }
  } finally {
    await gen.disconnect();
  }
  return { rate: best, steps: steps.join(' ') };
}

async function settledRss(server: RunningServer): Promise<number> {
  await sleep(1000);
  const samples: number[] = [];
  for (let i = 0; i < 3; i++) {
    samples.push(server.rss());
    await sleep(200);
  }
  return samples.sort((a, b) => a - b)[1]!;
}

/** RSS per idle connection: one room, `idleClients` synced clients that do nothing. Fresh server. */
export async function idleMemory(gen: Generator, kind: ServerKind, d: Durations): Promise<number> {
  const server = await startServer(kind);
  try {
    const { specs, release } = await prepareRoom(server, { clients: d.idleClients, movers: 0, probeEvery: 1e9 });
    // A first client loads the room and warms every code path before the baseline.
    await gen.connect(specs.slice(0, 1));
    release();
    const before = await settledRss(server);
    await gen.connect(specs.slice(1));
    const after = await settledRss(server);
    await gen.disconnect();
    return (after - before) / (specs.length - 1);
  } finally {
    await server.stop();
  }
}

/** RSS per loaded room: `rooms` workshops with one team and one connected client each. Fresh server. */
export async function roomMemory(gen: Generator, kind: ServerKind, d: Durations): Promise<number> {
  const server = await startServer(kind);
  try {
    const warm = await prepareRoom(server, { clients: 1, movers: 1, probeEvery: 1 });
    await gen.connect(warm.specs);
    warm.release();
    const infos = [];
    for (let i = 0; i < d.rooms; i++) infos.push(await createRoom(server, 1));
    const before = await settledRss(server);
    for (const info of infos) {
      const { specs, release } = await prepareClients(server, info, { clients: 1, movers: 1, probeEvery: 1 });
      await gen.connect(specs);
      release();
    }
    const after = await settledRss(server);
    await gen.disconnect();
    return (after - before) / d.rooms;
  } finally {
    await server.stop();
  }
}
