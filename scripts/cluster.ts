/**
 * `npm run cluster -- --processes 3 [--port 8080]`: N Stageboard processes on
 * PostgreSQL (DATABASE_URL) behind HAProxy on one port (issue 10). Also the
 * library the cluster tests and `npm run bench:cluster` start clusters with.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

export interface ClusterOptions {
  processes: number;
  databaseUrl: string;
  /** HAProxy's port; 0 picks a free one. */
  port?: number;
  host?: string;
  haproxy?: string;
  /** Extra environment for every Stageboard process (limits, LOG_LEVEL…). */
  env?: Record<string, string>;
  /** Pass the processes' and HAProxy's output through. */
  verbose?: boolean;
}

export interface ClusterProcess {
  name: string;
  port: number;
  url: string;
  child: ChildProcess;
}

export interface Cluster {
  url: string;
  wsUrl: string;
  processes: ClusterProcess[];
  /** Starts process i again on its port (after a kill) and waits until HAProxy routes to it. */
  restart(i: number): Promise<void>;
  /** HAProxy's view of each server: "UP", "DOWN"… by name. */
  serverStates(): Promise<Record<string, string>>;
  /** Resolves once HAProxy reports the server in this state. */
  waitForState(name: string, state: 'UP' | 'DOWN'): Promise<number>;
  close(): Promise<void>;
}

export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Starts one Stageboard process and resolves once it listens. */
function startProcess(p: { name: string; port: number; host: string }, opts: ClusterOptions): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'server/main.ts')], {
    cwd: ROOT,
    env: {
      ...process.env,
      LOG_LEVEL: 'info',
      ...opts.env,
      PORT: String(p.port),
      HOST: p.host,
      DATABASE_URL: opts.databaseUrl,
      TRUST_PROXY: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let seen = '';
    const onData = (chunk: Buffer) => {
      if (opts.verbose) process.stdout.write(`[${p.name}] ${chunk}`);
      if (seen === null) return;
      seen += chunk;
      if (seen.includes('Stageboard is running')) {
        seen = null!;
        resolve(child);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${p.name} exited with ${code} before listening:\n${seen ?? ''}`)));
  });
}

/** deploy/haproxy.cfg with this cluster's port, servers and an admin socket. */
function haproxyConfig(port: number, host: string, servers: { name: string; port: number }[], socket: string): string {
  const cfg = readFileSync(join(ROOT, 'deploy/haproxy.cfg'), 'utf8');
  const lines = servers.map((s) => `    server ${s.name} 127.0.0.1:${s.port}`).join('\n');
  return cfg
    .replace(/^global\n/m, `global\n    stats socket ${socket} mode 600 level admin\n`)
    .replace(/^ {4}bind .*$/m, `    bind ${host}:${port}`)
    .replace(/# servers: begin\n[\s\S]*?# servers: end/, `# servers: begin\n${lines}\n    # servers: end`);
}

function adminCommand(socket: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = createConnection(socket);
    let out = '';
    c.on('connect', () => c.write(`${command}\n`));
    c.on('data', (d) => (out += d));
    c.on('end', () => resolve(out));
    c.on('error', reject);
  });
}

/** HAProxy in front of servers already listening: the routing half of a cluster. */
export interface Proxy {
  url: string;
  wsUrl: string;
  /** HAProxy's view of each server: "UP", "DOWN"… by name. */
  serverStates(): Promise<Record<string, string>>;
  /** Resolves once HAProxy reports the server in this state. */
  waitForState(name: string, state: 'UP' | 'DOWN'): Promise<number>;
  close(): Promise<void>;
}

function stop(c: ChildProcess | undefined): Promise<void> {
  return new Promise<void>((resolve) => {
    if (!c || c.exitCode !== null || c.signalCode !== null) return resolve();
    c.once('exit', () => resolve());
    c.kill('SIGTERM');
    setTimeout(() => c.kill('SIGKILL'), 5_000).unref();
  });
}

/**
 * Starts HAProxy with deploy/haproxy.cfg in front of `servers` (each must answer GET /api/health)
 * and resolves once it reports every one of them up. Also what `npm run bench:cluster` puts in
 * front of its floor relays.
 */
export async function startProxy(
  servers: { name: string; port: number }[],
  opts: Pick<ClusterOptions, 'port' | 'host' | 'haproxy' | 'verbose'> = {},
): Promise<Proxy> {
  const host = opts.host ?? '127.0.0.1';
  const dir = mkdtempSync(join(tmpdir(), 'stageboard-haproxy-'));
  const socket = join(dir, 'admin.sock');
  const port = opts.port || (await freePort(host));
  const cfgFile = join(dir, 'haproxy.cfg');
  writeFileSync(cfgFile, haproxyConfig(port, host, servers, socket));
  const haproxy = spawn(opts.haproxy ?? 'haproxy', ['-db', '-f', cfgFile], {
    stdio: ['ignore', opts.verbose ? 'inherit' : 'ignore', 'pipe'],
  });
  let haproxyErr = '';
  haproxy.stderr!.on('data', (d) => (haproxyErr += d));
  const exited = new Promise<never>((_, reject) =>
    haproxy.once('exit', (code) => reject(new Error(`haproxy exited with ${code}: ${haproxyErr}`))),
  );
  exited.catch(() => {});
  const close = async () => {
    await stop(haproxy);
    rmSync(dir, { recursive: true, force: true });
  };

  const serverStates = async () => {
    const csv = await adminCommand(socket, 'show stat');
    const out: Record<string, string> = {};
    for (const line of csv.split('\n')) {
      const f = line.split(',');
      if (f[0] === 'stageboard' && f[1] && f[1] !== 'BACKEND') out[f[1]] = f[17] ?? '';
    }
    return out;
  };
  // HAProxy has no event to await from outside: poll its admin socket, quickly.
  const waitForState = async (name: string, state: 'UP' | 'DOWN') => {
    const t0 = Date.now();
    for (;;) {
      const s = await serverStates().catch(() => ({}) as Record<string, string>);
      if (s[name]?.startsWith(state)) return Date.now() - t0;
      if (Date.now() - t0 > 30_000) throw new Error(`${name} not ${state} after 30 s: ${JSON.stringify(s)}`);
      await Promise.race([new Promise((r) => setTimeout(r, 50)), exited]);
    }
  };
  try {
    for (const s of servers) await waitForState(s.name, 'UP');
  } catch (err) {
    await close();
    throw err;
  }
  return { url: `http://${host}:${port}`, wsUrl: `ws://${host}:${port}/ws`, serverStates, waitForState, close };
}

export async function startCluster(opts: ClusterOptions): Promise<Cluster> {
  const host = opts.host ?? '127.0.0.1';
  const processes: ClusterProcess[] = [];
  let proxy: Proxy | undefined;
  const stopAll = async () => {
    await Promise.all([proxy?.close(), ...processes.map((p) => stop(p.child))]);
  };
  try {
    const ports = [];
    for (let i = 0; i < opts.processes; i++) ports.push(await freePort(host));
    const started = await Promise.all(
      ports.map(async (port, i) => {
        const name = `sb${i + 1}`;
        const child = await startProcess({ name, port, host }, opts);
        return { name, port, url: `http://${host}:${port}`, child };
      }),
    );
    processes.push(...started);
    const p = (proxy = await startProxy(processes, opts));
    return {
      url: p.url,
      wsUrl: p.wsUrl,
      processes,
      serverStates: p.serverStates,
      waitForState: p.waitForState,
      async restart(i) {
        const one = processes[i]!;
        one.child = await startProcess({ name: one.name, port: one.port, host }, opts);
        await p.waitForState(one.name, 'UP');
      },
      close: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

async function main() {
  const args = process.argv.slice(2);
  const arg = (name: string) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) {
    console.error('npm run cluster needs DATABASE_URL=postgres://… (see README, "Running many workshops")');
    process.exit(2);
  }
  const processes = Number(arg('processes') ?? 3);
  const port = Number(arg('port') ?? process.env.PORT ?? 8080);
  const cluster = await startCluster({
    processes,
    databaseUrl,
    port,
    host: process.env.HOST ?? '127.0.0.1',
    verbose: args.includes('--verbose'),
  });
  console.log(`Stageboard cluster: ${processes} processes behind HAProxy on ${cluster.url}`);
  for (const p of cluster.processes) console.log(`  ${p.name}  ${p.url}  pid ${p.child.pid}`);
  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping) process.exit(1);
      stopping = true;
      void cluster.close().then(() => process.exit(0));
    });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
