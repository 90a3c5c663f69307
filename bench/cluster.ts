/**
 * `npm run bench:cluster` (issue 10): the cost and the correctness of running
 * Stageboard as K processes behind HAProxy. Needs DATABASE_URL (an admin URL:
 * each run creates and drops its own database) and haproxy on the PATH.
 *
 * A 2-core machine cannot show speed-up, so this measures cost: CPU-seconds
 * per delivered update (cluster over one process), fan-out p99 through
 * HAProxy against direct, PostgreSQL against SQLite appends, and a kill -9.
 */
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import * as Y from 'yjs';
import { addTeam, ROOTS } from '../shared/doc.ts';
import { OWNER_QUERY } from '../server/ownership.ts';
import { openPgStore } from '../server/pg-store.ts';
import { openSqliteStore } from '../server/sqlite-store.ts';
import type { Store } from '../server/store.ts';
import { startCluster, startProxy, type Cluster } from '../scripts/cluster.ts';
import { createWorkshop, join as joinWorkshop } from '../tests/helpers/api.ts';
import { freshDatabase } from '../tests/helpers/pg.ts';
import { connect, synced, type Client } from '../tests/helpers/yclient.ts';
import { createRoom, Generator, percentile, prepareClients, type Endpoint } from './load.ts';
import { startServer as startPeer } from './servers.ts';
import type { ClientSpec } from './worker.ts';
import { emptyTimerWakeUs, schedstatAvailable, sumSched } from './wake-cost.ts';

// Each stock provider adds a process 'exit' listener; hundreds of them are expected here.
process.setMaxListeners(0);
const ADMIN = process.env.DATABASE_URL;
if (!ADMIN) throw new Error('bench:cluster needs DATABASE_URL=postgres://… (eval "$(deploy/dev-postgres.sh)")');
const W = Number(process.env.ROOMS ?? 3);
const CLIENTS = Number(process.env.CLIENTS ?? 50);
/** Each room's marker moves per second. */
const RATE = Number(process.env.RATE ?? 50);
/** How long each configuration is measured, after WARMUP_MS of the same load. */
const RUN_MS = Number(process.env.RUN_MS ?? 8000);
const WARMUP_MS = Number(process.env.WARMUP_MS ?? 1000);

const p99 = (xs: number[]) =>
  percentile(
    [...xs].sort((a, b) => a - b),
    0.99,
  );
const cpuSeconds = (pid: number) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
};
/**
 * The failover run adds a team every 20 ms in each room, far more teams than
 * a workshop has: the processes take that many (maxTeams is a limit on a
 * workshop's content, not on its speed).
 */
const ENV = { LOG_LEVEL: 'info', STAGEBOARD_MAX_TEAMS: '100000' };
/** The load generator's threads (bench/load.ts), shared by every configuration. */
const gen = new Generator(2);

interface Room {
  id: string;
  clients: Client[];
}

async function rooms(base: string, wsUrl: string, count = W): Promise<Room[]> {
  const out: Room[] = [];
  for (let r = 0; r < count; r++) {
    const w = await createWorkshop(base, `Bench ${r}`);
    const tokens = [w.facilitatorKey];
    for (let i = 1; i < CLIENTS; i++) tokens.push((await joinWorkshop(base, w.joinCode, `P${i}`)).token);
    const clients = tokens.map((t) => connect(wsUrl, w.id, t));
    await Promise.all(clients.map(synced));
    out.push({ id: w.id, clients });
  }
  return out;
}

/**
 * The fan-out load: in each room one mover (a participant's socket in the
 * generator's worker threads, as `npm run bench` drives its rooms) moves its
 * team's marker RATE times a second, every other client a probe that notes
 * when the move reached it. The rooms' movers take turns (staggered phases),
 * as independent workshops do: were they to send at the same instant, one
 * process serving them all would handle them in one wake-up, a saving that
 * real traffic does not give it and a cluster could never match. The
 * generator runs in its own threads so that what is measured is the servers
 * and HAProxy, not the bench's own event loop.
 */
async function measure(server: Endpoint, pids: number[], count: number) {
  const specs: ClientSpec[] = [];
  const releases: (() => void)[] = [];
  for (let r = 0; r < count; r++) {
    const p = await prepareClients(server, await createRoom(server, 1), { clients: CLIENTS, movers: 1, probeEvery: 1 });
    for (const spec of p.specs) if (spec.role === 'mover') spec.phase = r / count;
    specs.push(...p.specs);
    releases.push(p.release);
  }
  await gen.connect(specs);
  for (const release of releases) release();
  try {
    // Warm-up first, so start-up work (JIT, first GCs, pools) is not billed to the steady state.
    await gen.run(RATE, WARMUP_MS, 300);
    const cpu0 = pids.reduce((s, p) => s + cpuSeconds(p), 0);
    const sched0 = sumSched(pids);
    const r = await gen.run(RATE, RUN_MS, 3000);
    const cpu = pids.reduce((s, p) => s + cpuSeconds(p), 0) - cpu0;
    const sched1 = sumSched(pids);
    const slices = sched1.slices - sched0.slices;
    if (r.lost || r.closed) throw new Error(`${r.lost} of ${r.sent} updates did not reach every client, ${r.closed} sockets closed`);
    return {
      cpuPerUpdate: cpu / (r.sent * (CLIENTS - 1)),
      p99: r.p99,
      delivered: r.sent * (CLIENTS - 1),
      /** Times the processes' threads were put on a CPU (woken, or resumed after a preemption), per update sent. */
      wakesPerUpdate: slices / r.sent,
      /** CPU each time, microseconds. */
      usPerWake: (sched1.runNs - sched0.runNs) / Math.max(1, slices) / 1000,
    };
  } finally {
    await gen.disconnect();
  }
}

async function phase(k: number, direct: boolean, count = W) {
  const db = await freshDatabase(ADMIN!);
  const cluster = await startCluster({ processes: k, databaseUrl: db.url, env: ENV });
  try {
    const http = direct ? cluster.processes[0]!.url : cluster.url;
    return await measure(
      { kind: 'stageboard', http, ws: http.replace(/^http/, 'ws') },
      cluster.processes.map((p) => p.child.pid!),
      count,
    );
  } finally {
    await cluster.close();
    await db.drop();
  }
}

/**
 * The same load on the floor (bench/peers/floor.ts: a relay that keeps nothing, checks nothing and
 * passes each update on as it came), K of them behind the same HAProxy configuration, or one
 * direct. What its ratios reach is what the machine, HAProxy and the load generator cost by
 * themselves: a Stageboard target under them is under the machine's floor.
 */
async function floorPhase(k: number, direct: boolean, count = W) {
  const relays = await Promise.all(Array.from({ length: k }, () => startPeer('floor')));
  const proxy = direct
    ? undefined
    : await startProxy(relays.map((r, i) => ({ name: `floor${i + 1}`, port: Number(new URL(r.http).port) })));
  try {
    const ws = proxy ? proxy.wsUrl : `${relays[0]!.ws}/ws`;
    return await measure(
      { kind: 'floor', http: '', ws },
      relays.map((r) => r.pid),
      count,
    );
  } finally {
    await proxy?.close();
    await Promise.all(relays.map((r) => r.stop()));
  }
}

async function appendP99(store: Store, id: string): Promise<number> {
  const d = new Y.Doc();
  const times: number[] = [];
  for (let seq = 2; seq <= 1001; seq++) {
    d.getMap('teams').set('x', seq);
    const data = Y.encodeStateAsUpdate(d);
    const t0 = performance.now();
    await store.appendUpdate(id, { seq, at: Date.now(), author: 'p', data });
    times.push(performance.now() - t0);
  }
  return p99(times);
}

async function storeCompare() {
  const w = {
    id: 'bench',
    title: 'b',
    templateId: 'stages',
    joinCode: 'BENCH1',
    createdAt: 1,
    facilitatorKeyHash: 'f',
    observerTokenHash: 'o',
  };
  const dir = mkdtempSync(join(tmpdir(), 'sb-bench-'));
  const sqlite = openSqliteStore(join(dir, 'x.sqlite'));
  await sqlite.createWorkshop(w, new Uint8Array([0, 0]));
  const sq = await appendP99(sqlite, w.id);
  await sqlite.close();
  rmSync(dir, { recursive: true, force: true });
  const db = await freshDatabase(ADMIN!);
  const store = await openPgStore(db.url);
  await store.createWorkshop(w, new Uint8Array([0, 0]));
  const pq = await appendP99(store, w.id);
  await store.close();
  await db.drop();
  return { sqlite: sq, pg: pq };
}

async function failover() {
  const db = await freshDatabase(ADMIN!);
  const cluster: Cluster = await startCluster({ processes: 3, databaseUrl: db.url, env: ENV });
  const admin = new pg.Pool({ connectionString: db.url, max: 2 });
  const ownerOf = async (id: string) => (await admin.query(OWNER_QUERY, [id])).rows[0]?.owner as string | undefined;
  try {
    const list = await rooms(cluster.url, cluster.wsUrl);
    const before = await Promise.all(list.map((r) => ownerOf(r.id)));
    const counts = new Map<string, number>();
    for (const o of before) counts.set(o!, (counts.get(o!) ?? 0) + 1);
    const victimName = [...counts].sort((a, b) => b[1] - a[1])[0]![0];
    const victim = cluster.processes.find((p) => `stageboard:${p.port}` === victimName)!;
    let n = 0;
    const timer = setInterval(() => list.forEach((r) => addTeam(r.clients[0]!.doc, `k_${n++}`, { name: 'K', color: '#000' })), 20);
    await new Promise((r) => setTimeout(r, 500));
    const moved = list.filter((_, i) => before[i] === victimName);
    const reconnects: number[] = [];
    const killedAt = performance.now();
    const back = moved.flatMap((r) =>
      r.clients.map(
        (c) =>
          new Promise<void>((resolve) => {
            const on = (s: boolean) => {
              if (!s || performance.now() - killedAt < 1) return;
              reconnects.push(performance.now() - killedAt);
              c.provider.off('sync', on);
              resolve();
            };
            c.provider.on('sync', on);
          }),
      ),
    );
    victim.child.kill('SIGKILL');
    await Promise.race([Promise.all(back), new Promise((r) => setTimeout(r, 20_000))]);
    await new Promise((r) => setTimeout(r, 500));
    clearInterval(timer);
    await new Promise((r) => setTimeout(r, 1500));
    let lost = 0;
    let gaps = 0;
    for (const r of list) {
      const { rows } = await admin.query<{ seq: number; data: Buffer }>(
        'SELECT seq, data FROM updates WHERE workshop_id = $1 ORDER BY seq',
        [r.id],
      );
      rows.forEach((e, i) => (gaps += e.seq === i + 1 ? 0 : 1));
      const replay = new Y.Doc();
      for (const e of rows) Y.applyUpdate(replay, e.data);
      for (const key of r.clients[0]!.doc.getMap(ROOTS.teams).keys()) if (!replay.getMap(ROOTS.teams).has(key)) lost++;
    }
    const after = await Promise.all(list.map((r) => ownerOf(r.id)));
    for (const r of list) for (const c of r.clients) c.destroy();
    return {
      reconnectP99: p99(reconnects),
      reconnected: reconnects.length,
      expected: moved.length * CLIENTS,
      lost,
      gaps,
      moved: after.filter((o, i) => o !== before[i]).length,
      written: n,
    };
  } finally {
    await admin.end();
    await cluster.close();
  }
}

const t0 = Date.now();
/** Each configuration runs this many times, interleaved; the table holds medians (the machine is shared and noisy). */
const ROUNDS = Number(process.env.ROUNDS ?? 3);
console.log(
  `bench:cluster — ${W} rooms × ${CLIENTS} clients, one marker moving ${RATE} times a second in each, ${RUN_MS / 1000} s after ${WARMUP_MS / 1000} s of warm-up, ${ROUNDS} rounds`,
);
const configs = [
  { k: 'direct', run: () => phase(1, true) },
  ...[1, 2, 3].map((k) => ({ k: String(k), run: () => phase(k, false) })),
  // The control: one process, no HAProxy, serving as few rooms as each of the
  // 3 processes does. CPU per update depends on how busy a process is (every
  // wake-up from idle costs the same however much work it brings), so this
  // separates that from anything the cluster itself adds.
  { k: `direct, ${Math.ceil(W / 3)} room${W > 3 ? 's' : ''}`, run: () => phase(1, true, Math.ceil(W / 3)) },
  // The floor, in the same rounds: FLOOR=0 leaves it out.
  ...(process.env.FLOOR === '0'
    ? []
    : [
        { k: 'floor direct', run: () => floorPhase(1, true) },
        ...[1, 2, 3].map((k) => ({ k: `floor ${k}`, run: () => floorPhase(k, false) })),
      ]),
];
const runs = new Map<string, Awaited<ReturnType<typeof phase>>[]>(configs.map((c) => [c.k, []]));
for (let round = 0; round < ROUNDS; round++) {
  for (const c of configs) {
    const r = await c.run();
    runs.get(c.k)!.push(r);
    console.log(
      `  round ${round + 1} ${c.k.padEnd(6)} CPU ${(r.cpuPerUpdate * 1000).toFixed(4)} ms/update, p99 ${r.p99.toFixed(1)} ms (load ${loadavg()[0]!.toFixed(2)})`,
    );
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const rows = configs.map((c) => {
  const rs = runs.get(c.k)!;
  return {
    k: c.k,
    cpuPerUpdate: median(rs.map((r) => r.cpuPerUpdate)),
    p99: median(rs.map((r) => r.p99)),
    delivered: median(rs.map((r) => r.delivered)),
    wakesPerUpdate: median(rs.map((r) => r.wakesPerUpdate)),
    usPerWake: median(rs.map((r) => r.usPerWake)),
  };
});
const floorRows = rows.filter((r) => r.k.startsWith('floor'));
const ours = rows.filter((r) => !r.k.startsWith('floor'));
const single = ours[0]!;
const control = ours[ours.length - 1]!;
const three = ours.find((r) => r.k === '3')!;
const table = (list: typeof rows, base: (typeof rows)[number]) => {
  for (const r of list) {
    console.log(
      `${r.k.padEnd(21)} | ${(r.cpuPerUpdate * 1000).toFixed(4).padStart(25)} | ${(r.cpuPerUpdate / base.cpuPerUpdate).toFixed(2).padStart(8)} | ${r.p99.toFixed(1).padStart(14)} | ${(r.p99 / base.p99).toFixed(2).padStart(8)} | ${String(r.delivered).padStart(9)} | ${r.wakesPerUpdate.toFixed(2).padStart(17)} | ${r.usPerWake.toFixed(0).padStart(12)}`,
    );
  }
};
console.log(
  '\nK processes (medians) | CPU ms / delivered update | × single | fan-out p99 ms | × direct | delivered | on a CPU / update | µs each',
);
table(ours, single);
if (floorRows.length) {
  console.log('the floor (bench/peers/floor.ts), its ratios over one floor direct:');
  table(floorRows, floorRows[0]!);
  // Each target beside what the floor pays for the same step. A ratio target allows an absolute
  // excess over one process (or over direct): (target - 1) × Stageboard's own single figure. When
  // the floor's excess alone, HAProxy's hop and K processes' wake-ups with nothing else in them,
  // is larger, no server's code can meet the target on this machine (the excess is the machine's).
  const check = (label: string, unit: string, k: string, figure: 'cpuPerUpdate' | 'p99', target: number, scale: number) => {
    const ratio = ours.find((r) => r.k === k)![figure] / single[figure];
    const allowed = (target - 1) * single[figure] * scale;
    const excess = (ratio - 1) * single[figure] * scale;
    const floor = (floorRows.find((r) => r.k === `floor ${k}`)![figure] - floorRows[0]![figure]) * scale;
    const under = ratio > target && floor > allowed ? ' (under the floor)' : '';
    const fmt = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(scale === 1000 ? 4 : 1)}`;
    console.log(
      `  K=${k} ${label} ${ratio.toFixed(2)}, target ≤ ${target}× ${ratio <= target ? '✓' : '✗'}${under}: ${fmt(excess)} ${unit} over one, the target allows ${fmt(allowed)}, the floor's own ${fmt(floor)}`,
    );
  };
  console.log('targets:');
  for (const k of ['1', '2', '3']) check('CPU per delivered update × single', 'ms', k, 'cpuPerUpdate', 1.1, 1000);
  for (const k of ['1', '2', '3']) check('fan-out p99 × direct', 'ms', k, 'p99', 1.2, 1);
}
console.log(
  `3 processes over one process serving as few rooms each (${control.k}): CPU ${(three.cpuPerUpdate / control.cpuPerUpdate).toFixed(2)}×`,
);
if (schedstatAvailable()) {
  // The same code costs more per wake-up in a process woken less often: the floor of that, for the
  // intervals at which one process serving every room and one of three serving one room are woken.
  const period = 1000 / RATE;
  const busy = period / W;
  const [often, seldom] = [await emptyTimerWakeUs(busy), await emptyTimerWakeUs(period)];
  console.log(
    `an empty Node timer on this machine costs ${often.toFixed(0)} µs of CPU per wake-up every ${busy.toFixed(1)} ms, ${seldom.toFixed(0)} µs every ${period} ms`,
  );
}
const stores = await storeCompare();
console.log(`\nappend p99 (1000 appends, one at a time): SQLite ${stores.sqlite.toFixed(3)} ms, PostgreSQL ${stores.pg.toFixed(3)} ms`);
const f = await failover();
console.log(
  `\nkill -9 of the busiest of 3 processes: reconnect p99 ${f.reconnectP99.toFixed(0)} ms (${f.reconnected}/${f.expected} clients), lost updates ${f.lost} of ${f.written}, log gaps ${f.gaps}, rooms moved ${f.moved}`,
);
console.log(`\n(${((Date.now() - t0) / 1000).toFixed(0)} s)`);
process.exit(0);
