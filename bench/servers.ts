import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServerKind } from './wire.ts';

export interface RunningServer {
  kind: ServerKind;
  pid: number;
  http: string;
  ws: string;
  dataDir?: string;
  /** Resident set size of the server process, in bytes (Linux /proc). */
  rss(): number;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/**
 * The Node flags `npm start` gives the server (`node <flags> scripts/start.mjs`
 * in package.json), so the bench measures Stageboard exactly as it ships.
 * `BENCH_NODE_FLAGS` replaces them, to try a flag before it ships.
 */
export function startFlags(): string[] {
  // For trying a flag before it goes into package.json: BENCH_NODE_FLAGS="--max-semi-space-size=2".
  if (process.env.BENCH_NODE_FLAGS) return process.env.BENCH_NODE_FLAGS.split(/\s+/).filter(Boolean);
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts?: { start?: string } };
  const m = /^node\s+(.*?)\s*scripts\/start\.mjs/.exec(pkg.scripts?.start ?? '');
  return m?.[1] ? m[1].split(/\s+/).filter((f) => f.startsWith('--')) : [];
}

export function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /VmRSS:\s+(\d+)/.exec(status);
  return kb ? Number(kb[1]) * 1024 : NaN;
}

/** Polls the server's HTTP port until it answers (every server here answers plain GETs). */
async function waitForHttp(child: ChildProcess, url: string, what: string): Promise<void> {
  let output = '';
  child.stderr?.on('data', (c: Buffer) => void (output = (output + c.toString()).slice(-2000)));
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}: ${output}`);
    try {
      await fetch(url);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`${what} did not start: ${output}`);
}

export interface StartOptions {
  /** Stageboard only: reuse this data folder (for restarts). */
  dataDir?: string;
  env?: Record<string, string>;
}

/** Starts one server under test in its own process, on loopback. */
export async function startServer(kind: ServerKind, opts: StartOptions = {}): Promise<RunningServer> {
  const port = await freePort();
  const env = { ...process.env, HOST: '127.0.0.1', PORT: String(port), ...opts.env } as NodeJS.ProcessEnv;
  let child: ChildProcess;
  let dataDir: string | undefined;
  switch (kind) {
    case 'stageboard':
      dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'stageboard-bench-'));
      child = spawn(process.execPath, [...startFlags(), '--import', 'tsx', 'server/main.ts'], {
        env: { ...env, DATA_DIR: dataDir, LOG_LEVEL: env.LOG_LEVEL ?? 'silent', STATIC_DIR: 'dist' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      break;
    case 'y-websocket':
      child = spawn(process.execPath, ['node_modules/y-websocket/bin/server.cjs'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      break;
    case 'hocuspocus':
    case 'floor':
      child = spawn(process.execPath, ['--import', 'tsx', `bench/peers/${kind}.ts`], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      break;
  }
  await waitForHttp(child, `http://127.0.0.1:${port}/${kind === 'stageboard' ? 'api/health' : ''}`, kind);
  // Keep draining output so a chatty server never blocks on a full pipe.
  child.stdout?.resume();
  child.stderr?.resume();
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    kind,
    pid: child.pid!,
    http: `http://127.0.0.1:${port}`,
    ws: `ws://127.0.0.1:${port}`,
    dataDir,
    rss: () => rssOf(child.pid!),
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
      if (kind === 'stageboard' && !opts.dataDir && signal !== 'SIGKILL') rmSync(dataDir!, { recursive: true, force: true });
    },
  };
}
