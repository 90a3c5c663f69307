import { Worker } from 'node:worker_threads';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { addTeam } from '../shared/doc.ts';
import type { RunningServer } from './servers.ts';
import { decodeSync, encodeSync, STEP1, STEP2, UPDATE, wsUrl, type ServerKind } from './wire.ts';
import type { ClientSpec, FromWorker, ToWorker } from './worker.ts';

/** The load generator's threads, shared by every measurement of a bench run. */
export class Generator {
  private readonly workers: Worker[];

  constructor(threads: number) {
    this.workers = Array.from({ length: threads }, () => new Worker(new URL('./worker-entry.mjs', import.meta.url)));
  }

  private ask<T extends FromWorker['type']>(w: Worker, msg: ToWorker, want: T): Promise<Extract<FromWorker, { type: T }>> {
    return new Promise((resolve, reject) => {
      const on = (m: FromWorker) => {
        w.off('message', on);
        if (m.type === 'error') reject(new Error(m.message));
        else if (m.type === want) resolve(m as Extract<FromWorker, { type: T }>);
        else reject(new Error(`worker answered ${m.type}, expected ${want}`));
      };
      w.on('message', on);
      w.postMessage(msg);
    });
  }

  /** Spreads clients round-robin over the threads; resolves once every one has synced. */
  async connect(clients: ClientSpec[]): Promise<void> {
    const shares = this.workers.map((): ClientSpec[] => []);
    clients.forEach((c, i) => shares[i % shares.length]!.push(c));
    const answers = await Promise.all(this.workers.map((w, i) => this.ask(w, { type: 'connect', clients: shares[i]! }, 'connected')));
    const failed = answers.reduce((n, a) => n + a.failed, 0);
    if (failed) throw new Error(`${failed} of ${clients.length} clients could not connect`);
  }

  /** Movers send at `ratePerMover` for `durationMs`; returns each update's time to reach every probe. */
  async run(ratePerMover: number, durationMs: number, drainMs: number): Promise<RunResult> {
    const answers = await Promise.all(this.workers.map((w) => this.ask(w, { type: 'run', ratePerMover, durationMs, drainMs }, 'result')));
    const sends = new Map<string, { t: number; room: string }>();
    const arrivals = new Map<string, { t: number; n: number; first: number }>();
    const probes = new Map<string, number>();
    let closed = 0;
    for (const a of answers) {
      for (const [room, n] of a.probes) probes.set(room, (probes.get(room) ?? 0) + n);
      closed += a.closed;
      for (const [k, t, room] of a.sends) sends.set(k, { t, room });
      for (const [k, t, n, first] of a.arrivals) {
        const prev = arrivals.get(k);
        if (prev) {
          prev.n += n;
          prev.t = Math.max(prev.t, t);
          prev.first = Math.min(prev.first, first);
        } else arrivals.set(k, { t, n, first });
      }
    }
    const latencies: number[] = [];
    const firsts: number[] = [];
    let lost = 0;
    for (const [k, s] of sends) {
      const a = arrivals.get(k);
      if (!a || a.n < (probes.get(s.room) ?? 0)) {
        lost++;
        latencies.push(Infinity);
      } else {
        latencies.push(a.t - s.t);
        firsts.push(a.first - s.t);
      }
    }
    latencies.sort((x, y) => x - y);
    firsts.sort((x, y) => x - y);
    return {
      sent: sends.size,
      rate: (sends.size / durationMs) * 1000,
      lost,
      closed,
      p50: percentile(latencies, 0.5),
      p99: percentile(latencies, 0.99),
      firstP50: percentile(firsts, 0.5),
      firstP99: percentile(firsts, 0.99),
    };
  }

  async disconnect(): Promise<void> {
    await Promise.all(this.workers.map((w) => this.ask(w, { type: 'close' }, 'closed')));
  }

  async terminate(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

export interface RunResult {
  sent: number;
  /** Updates sent per second, all movers together. */
  rate: number;
  /** Updates that did not reach every probe before the drain ended. */
  lost: number;
  /** Sockets the server closed during the run. */
  closed: number;
  p50: number;
  p99: number;
  /**
   * The same, to the *first* client that has the update: the server's own
   * share of the latency (read, check, log, apply, first write) plus one
   * client's read. The rest of p50/p99 is the other writes and the clients.
   */
  firstP50: number;
  firstP99: number;
}

export function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

export interface RoomPlan {
  clients: number;
  movers: number;
  /** Every `probeEvery`-th receiver records arrival times; the rest only read. */
  probeEvery: number;
}

let roomCounter = 0;

/** A room on a server and the credentials its clients use (for the peers, just a name). */
export interface RoomInfo {
  room: string;
  facilitatorToken?: string;
  moverTokens: string[];
}

/** Where a server under test answers: all the room set-up needs of a running one (a cluster's HAProxy too). */
export type Endpoint = Pick<RunningServer, 'kind' | 'http' | 'ws'>;

/** For Stageboard a real workshop: created over HTTP, with one participant per mover. */
export async function createRoom(server: Endpoint, movers: number): Promise<RoomInfo> {
  if (server.kind !== 'stageboard') return { room: `bench-${process.pid}-${++roomCounter}`, moverTokens: [] };
  const w = await postJson(`${server.http}/api/workshops`, { title: 'Bench workshop' });
  const moverTokens = await Promise.all(
    Array.from({ length: movers }, (_, i) =>
      postJson(`${server.http}/api/join`, { code: w.joinCode, name: `Mover ${i}` }).then((j) => j.token as string),
    ),
  );
  return { room: w.id, facilitatorToken: w.facilitatorKey, moverTokens };
}

/**
 * Puts one team per mover into the room (as the facilitator would) and returns
 * the client specs for the generator: movers first, then receivers.
 */
export async function prepareClients(server: Endpoint, info: RoomInfo, plan: RoomPlan): Promise<PreparedRoom> {
  const { kind } = server;
  const { room, facilitatorToken, moverTokens } = info;
  const teams = Array.from({ length: plan.movers }, (_, i) => `team-${i}`);
  const setup = await setupTeams(kind, wsUrl(kind, server.ws, room, facilitatorToken), room, teams);
  const specs: ClientSpec[] = [];
  for (let i = 0; i < plan.clients; i++) {
    const mover = i < plan.movers;
    specs.push({
      kind,
      room,
      url: wsUrl(kind, server.ws, room, mover ? moverTokens[i] : facilitatorToken),
      role: mover ? 'mover' : (i - plan.movers) % plan.probeEvery === 0 ? 'probe' : 'plain',
      teamId: mover ? teams[i] : undefined,
      phase: mover ? i / plan.movers : undefined,
    });
  }
  return { specs, release: () => setup.terminate() };
}

/**
 * The generator's clients, and the facilitator's socket that keeps the room
 * alive until they are in (Hocuspocus drops a document its last client left).
 */
export interface PreparedRoom {
  specs: ClientSpec[];
  release(): void;
}

export async function prepareRoom(server: Endpoint, plan: RoomPlan): Promise<PreparedRoom> {
  return prepareClients(server, await createRoom(server, plan.movers), plan);
}

export async function postJson(url: string, body: unknown): Promise<any> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  return res.json();
}

/** A facilitator-like client that syncs, adds the teams, and waits until a second client sees them; returns its socket. */
async function setupTeams(kind: ServerKind, url: string, room: string, teams: string[]): Promise<WebSocket> {
  const doc = new Y.Doc();
  const ws = await syncedSocket(kind, url, room, doc);
  doc.on('update', (u: Uint8Array, origin: unknown) => {
    if (origin !== 'remote') ws.send(encodeSync(kind, room, UPDATE, u));
  });
  doc.transact(() => {
    teams.forEach((id, i) => addTeam(doc, id, { name: `Team ${i}`, color: '#2563eb', stageCurrent: 1, stageTarget: 2 }));
  });
  const check = new Y.Doc();
  for (let attempt = 0; ; attempt++) {
    const probe = await syncedSocket(kind, url, room, check);
    probe.terminate();
    if (teams.every((t) => check.getMap('teams').has(t))) break;
    if (attempt > 50) throw new Error(`${kind}: teams never arrived`);
    await new Promise((r) => setTimeout(r, 20));
  }
  check.destroy();
  ws.once('close', () => doc.destroy());
  return ws;
}

/** A socket synced into `doc`; `onSync` sees each sync message's kind as it arrives, before it is applied. */
export function syncedSocket(kind: ServerKind, url: string, room: string, doc: Y.Doc, onSync?: (sub: number) => void): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.binaryType = 'nodebuffer';
    ws.on('open', () => ws.send(encodeSync(kind, room, STEP1, Y.encodeStateVector(doc))));
    ws.on('message', (data: Buffer) => {
      const msg = decodeSync(kind, data);
      if (msg) onSync?.(msg.sub);
      if (!msg || msg.sub === STEP1) return;
      Y.applyUpdate(doc, msg.payload, 'remote');
      if (msg.sub === STEP2) resolve(ws);
    });
    ws.on('close', (code) => reject(new Error(`closed ${code} before sync`)));
    ws.on('error', reject);
  });
}
