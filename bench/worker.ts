import { parentPort } from 'node:worker_threads';
import WebSocket from 'ws';
import * as decoding from 'lib0/decoding';
import * as Y from 'yjs';
import { decodeSync, encodeSync, STEP1, STEP2, UPDATE, type ServerKind } from './wire.ts';

/**
 * One load-generator thread. It holds a share of a room's clients: movers
 * (a Y.Doc each, setting one team's `stageCurrent` at a fixed rate) and
 * receivers (no document; a probe reads which structs each update carries and
 * notes when they arrived). Times come from the monotonic clock, which every
 * thread and process on the machine shares.
 */
export interface ClientSpec {
  kind: ServerKind;
  url: string;
  room: string;
  role: 'mover' | 'probe' | 'plain';
  teamId?: string;
  /** Mover only: 0..1, staggers movers so they do not all fire in the same tick. */
  phase?: number;
}

export type ToWorker =
  | { type: 'connect'; clients: ClientSpec[] }
  | { type: 'run'; ratePerMover: number; durationMs: number; drainMs: number }
  | { type: 'close' };

export type FromWorker =
  | { type: 'connected'; failed: number }
  | {
      type: 'result';
      /** Each update sent: its key, when, and its room. */
      sends: [string, number, string][];
      arrivals: [string, number, number, number][];
      /** Probes per room: an update has reached everyone once that many probes have it. */
      probes: [string, number][];
      sent: number;
      closed: number;
    }
  | { type: 'closed' }
  | { type: 'error'; message: string };

const now = () => Number(process.hrtime.bigint()) / 1e6;

interface Client {
  spec: ClientSpec;
  ws: WebSocket;
  doc?: Y.Doc;
  synced: boolean;
  sent: number;
}

let clients: Client[] = [];
let running = false;
let closedDuringRun = 0;
const sends = new Map<string, { t: number; room: string }>();
/** Per update: when the last and the first probe had it, and how many did. */
const arrivals = new Map<string, { t: number; n: number; first: number }>();

function open(spec: ClientSpec): Promise<Client> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(spec.url, { perMessageDeflate: false });
    ws.binaryType = 'nodebuffer';
    const c: Client = { spec, ws, synced: false, sent: 0 };
    if (spec.role === 'mover') {
      c.doc = new Y.Doc();
      c.doc.on('update', (update: Uint8Array, origin: unknown) => {
        if (origin === 'remote' || ws.readyState !== ws.OPEN) return;
        ws.send(encodeSync(spec.kind, spec.room, UPDATE, update));
      });
    }
    const ready = () => {
      if (c.synced) return;
      if (c.doc && spec.teamId && !(c.doc.getMap('teams').get(spec.teamId) instanceof Y.Map)) return;
      c.synced = true;
      resolve(c);
    };
    ws.on('open', () => {
      const sv = c.doc ? Y.encodeStateVector(c.doc) : new Uint8Array([0]);
      ws.send(encodeSync(spec.kind, spec.room, STEP1, sv));
    });
    ws.on('message', (data: Buffer) => {
      const msg = decodeSync(spec.kind, data);
      if (!msg || msg.sub === STEP1) return;
      if (c.doc && (!running || msg.sub === STEP2)) Y.applyUpdate(c.doc, msg.payload, 'remote');
      if (msg.sub === STEP2 || (c.doc && !c.synced)) ready();
      if (msg.sub === UPDATE && running && spec.role === 'probe') {
        const t = now();
        const lone = loneStruct(msg.payload);
        if (lone) arrive(lone, t);
        else {
          const { from, to } = Y.parseUpdateMeta(msg.payload);
          for (const [client, end] of to) for (let clock = from.get(client) ?? 0; clock < end; clock++) arrive(`${client}:${clock}`, t);
        }
      }
    });
    ws.on('close', (code) => {
      if (running) closedDuringRun++;
      if (!c.synced) reject(new Error(`closed ${code} before sync`));
    });
    ws.on('error', (err) => {
      if (!c.synced) reject(err);
    });
  });
}

function arrive(key: string, t: number): void {
  const a = arrivals.get(key);
  if (a) {
    a.n++;
    if (t > a.t) a.t = t;
    if (t < a.first) a.first = t;
  } else arrivals.set(key, { t, n: 1, first: t });
}

/**
 * The key of an update that holds one struct of one client (a single marker
 * move), read from its first varuints; null for anything else, which takes
 * the full (slower) Y.parseUpdateMeta. Keeps the probes cheap, so the
 * generator adds as little as it can to every server's latency.
 */
function loneStruct(update: Uint8Array): string | null {
  const d = decoding.createDecoder(update);
  if (decoding.readVarUint(d) !== 1 || decoding.readVarUint(d) !== 1) return null;
  const client = decoding.readVarUint(d);
  return `${client}:${decoding.readVarUint(d)}`;
}

function move(c: Client, seq: number): void {
  const doc = c.doc!;
  const team = doc.getMap('teams').get(c.spec.teamId!) as Y.Map<unknown>;
  const key = `${doc.clientID}:${Y.getState(doc.store, doc.clientID)}`;
  sends.set(key, { t: now(), room: c.spec.room });
  team.set('stageCurrent', 1 + ((seq * 0.013) % 2));
}

function run(ratePerMover: number, durationMs: number, drainMs: number): Promise<void> {
  sends.clear();
  arrivals.clear();
  closedDuringRun = 0;
  running = true;
  const movers = clients.filter((c) => c.spec.role === 'mover');
  for (const m of movers) m.sent = 0;
  const start = now();
  return new Promise((resolve) => {
    const tick = () => {
      const elapsed = now() - start;
      if (elapsed >= durationMs) {
        setTimeout(() => {
          running = false;
          resolve();
        }, drainMs);
        return;
      }
      for (const m of movers) {
        const due = Math.floor((elapsed / 1000) * ratePerMover + (m.spec.phase ?? 0));
        while (m.sent < due) move(m, m.sent++);
      }
      setTimeout(tick, 1);
    };
    tick();
  });
}

function probesPerRoom(): Map<string, number> {
  const n = new Map<string, number>();
  for (const c of clients) if (c.spec.role === 'probe') n.set(c.spec.room, (n.get(c.spec.room) ?? 0) + 1);
  return n;
}

parentPort!.on('message', async (msg: ToWorker) => {
  try {
    switch (msg.type) {
      case 'connect': {
        // A few at a time, as people arriving would; a burst of hundreds only measures the accept queue.
        let failed = 0;
        for (let i = 0; i < msg.clients.length; i += 20) {
          const batch = await Promise.allSettled(msg.clients.slice(i, i + 20).map(open));
          for (const r of batch) {
            if (r.status === 'fulfilled') clients.push(r.value);
            else failed++;
          }
        }
        post({ type: 'connected', failed });
        break;
      }
      case 'run': {
        await run(msg.ratePerMover, msg.durationMs, msg.drainMs);
        post({
          type: 'result',
          sends: [...sends].map(([k, s]) => [k, s.t, s.room]),
          arrivals: [...arrivals].map(([k, a]) => [k, a.t, a.n, a.first]),
          probes: [...probesPerRoom()],
          sent: sends.size,
          closed: closedDuringRun,
        });
        break;
      }
      case 'close': {
        await Promise.all(
          clients.map(
            (c) =>
              new Promise<void>((r) => {
                if (c.ws.readyState === c.ws.CLOSED) return r();
                c.ws.once('close', () => r());
                c.ws.terminate();
              }),
          ),
        );
        for (const c of clients) c.doc?.destroy();
        clients = [];
        post({ type: 'closed' });
        break;
      }
    }
  } catch (err) {
    post({ type: 'error', message: String((err as Error)?.stack ?? err) });
  }
});

function post(m: FromWorker) {
  parentPort!.postMessage(m);
}
