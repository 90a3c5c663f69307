import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createServer } from '../server/app.ts';
import { createLogger } from '../server/log.ts';
import { exportWithLog } from '../tests/helpers/api.ts';

/**
 * `npx tsx bench/import-loop.ts [entries…]` (default 100000 400000): the longest the event loop
 * stood still while one import of an export with that many log entries ran on a real server in
 * this process, with the SQLite store on disk. A 10 ms interval timer notes every gap between its
 * ticks; the longest gaps are what another workshop on the process waited. JSON.parse of the same
 * body is timed on its own, since the server parses the body in one go before anything else.
 * The generated files are kept in the temp folder between runs.
 */
const sizes = process.argv.slice(2).map(Number).filter(Boolean);
const TICK_MS = 10;

async function exportWith(url: string, entries: number): Promise<string> {
  const cached = join(tmpdir(), `stageboard-import-bench-${entries}.json`);
  if (existsSync(cached)) return readFileSync(cached, 'utf8');
  const body = await exportWithLog(url, entries);
  writeFileSync(cached, body);
  return body;
}

function gaps() {
  const seen: number[] = [];
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    seen.push(now - last - TICK_MS);
    last = now;
  }, TICK_MS);
  return {
    stop: () => {
      clearInterval(timer);
      return seen.sort((a, b) => b - a);
    },
  };
}

const dataDir = mkdtempSync(join(tmpdir(), 'stageboard-import-bench-'));
const server = createServer({ port: 0, host: '127.0.0.1', dataDir, staticDir: 'dist', log: createLogger('silent') });
const { port } = await server.listen();
const url = `http://127.0.0.1:${port}`;
try {
  for (const entries of sizes.length ? sizes : [100_000, 400_000]) {
    const body = await exportWith(url, entries);
    const t0 = performance.now();
    JSON.parse(body);
    const parseMs = performance.now() - t0;
    global.gc?.();
    const watch = gaps();
    const t1 = performance.now();
    const res = await fetch(`${url}/api/workshops/import`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    await res.text();
    const totalMs = performance.now() - t1;
    const worst = watch.stop();
    const mib = (Buffer.byteLength(body) / 2 ** 20).toFixed(1);
    const top = worst.slice(0, 5).map((g) => g.toFixed(0));
    console.log(
      `${entries} entries, ${mib} MiB: status ${res.status}, import ${totalMs.toFixed(0)} ms, JSON.parse alone ${parseMs.toFixed(0)} ms, ` +
        `longest event-loop gaps (ms) ${top.join(', ')}`,
    );
  }
} finally {
  await server.close();
  rmSync(dataDir, { recursive: true, force: true });
}
