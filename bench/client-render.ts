/**
 * How much work a big, busy room costs each page's main thread: 50 teams, 200 participants present
 * (awareness), and 10 of them dragging markers at 20 Hz with their cursors. For the facilitator's
 * board, a participant's page and the projector in turn, it prints main-thread busy ms per second
 * (CDP Performance.getMetrics TaskDuration, with its script, layout and style shares), long tasks and
 * the p95 gap between animation frames; `--profile` adds the functions with most self time.
 *
 *   npm run build && npx tsx bench/client-render.ts [--seconds 8] [--profile] [--throttle 4]
 *
 * STATIC_DIR=<another build> measures that build instead (a checkout of an older commit, for a before/after).
 *
 * The server runs in this process on a loopback port with a throwaway data folder.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { addTeam, setTeamField } from '../shared/doc.ts';
import { createServer } from '../server/app.ts';
import { createLogger } from '../server/log.ts';
import { createWorkshop, join as joinWorkshop } from '../tests/helpers/api.ts';
import { launch } from '../tests/helpers/chromium.ts';
import { connect, synced, type Client } from '../tests/helpers/yclient.ts';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const SECONDS = arg('seconds', 8);
const PROFILE = process.argv.includes('--profile');
/** `--mutations`: which elements the page changes most. */
const WHERE = process.argv.includes('--mutations');
/** `--throttle N`: the page's CPU N times slower (CDP), as on a mid-range phone; 1 is this machine. */
const THROTTLE = arg('throttle', 1);
// Each stock provider adds a process 'exit' listener; hundreds of them are expected here.
process.setMaxListeners(0);
const TEAMS = arg('teams', 50);
const PEOPLE = arg('people', 200);
const MOVERS = 10;
const HZ = 20;
const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#db2777', '#4d7c0f'];

const dataDir = mkdtempSync(join(tmpdir(), 'stageboard-bench-'));
const server = createServer({
  port: 0,
  host: '127.0.0.1',
  dataDir,
  staticDir: process.env.STATIC_DIR ?? 'dist',
  log: createLogger('silent'),
});
const { port } = await server.listen();
const base = `http://127.0.0.1:${port}`;
const wsUrl = `ws://127.0.0.1:${port}/ws`;
const clients: Client[] = [];

const w = await createWorkshop(base, 'Big busy room');
const seed = connect(wsUrl, w.id, w.facilitatorKey);
clients.push(seed);
await synced(seed);
seed.doc.transact(() => {
  for (let i = 0; i < TEAMS; i++) {
    addTeam(seed.doc, `t${i}`, {
      name: `Team ${i + 1}: ${['Payments', 'Identity', 'Mobile Checkout', 'Data Platform', 'SRE'][i % 5]} squad`,
      color: COLORS[i % COLORS.length]!,
      createdAt: i + 1,
      stageCurrent: 1 + (i % 10) / 10,
      stageTarget: 2 + (i % 10) / 10,
      autonomy: (i % 9) / 10,
      controls: ((i * 7) % 10) / 10,
      bottleneck: i % 2 ? 'Review and evaluation of agent output' : '',
    });
  }
  seed.doc.getMap('control').set('step', 1); // the stage map
});

// Everyone present: a participant credential each, an awareness state each.
const people: Client[] = [];
for (let i = 0; i < PEOPLE; i++) {
  const p = await joinWorkshop(base, w.joinCode, `Person ${i + 1}`);
  const c = connect(wsUrl, w.id, p.token);
  c.provider.awareness.setLocalState({
    user: { name: `Person ${i + 1}`, color: COLORS[i % COLORS.length], role: 'participant' },
    cursor: null,
  });
  people.push(c);
  clients.push(c);
}
await Promise.all(people.map(synced));

/** Movers drag a team's current marker back and forth at 20 Hz, their cursor following. */
function startMovers(): () => void {
  const timers = people.slice(0, MOVERS).map((c, m) => {
    let tick = 0;
    return setInterval(() => {
      tick++;
      const v = 1 + Math.abs(((tick % 40) - 20) / 20) * 1.8;
      setTeamField(c.doc, `t${m * 3}`, 'stageCurrent', Math.round(v * 1000) / 1000);
      c.provider.awareness.setLocalStateField('cursor', { board: 'stage', x: (v - 1) / 2, y: (m * 3 + 1) / TEAMS });
    }, 1000 / HZ);
  });
  return () => timers.forEach(clearInterval);
}

interface Figures {
  busy: number;
  script: number;
  layout: number;
  style: number;
  longTasks: number;
  longMs: number;
  p95Gap: number;
  maxGap: number;
  mutations: number;
  /** WebSocket messages the page received: the remote changes (merged by the server) it had to take in. */
  frames: number;
  top?: string[];
}

async function measure(page: Page): Promise<Figures> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  await cdp.send('Network.enable');
  if (THROTTLE > 1) await cdp.send('Emulation.setCPUThrottlingRate', { rate: THROTTLE });
  let frames = 0;
  cdp.on('Network.webSocketFrameReceived', () => frames++);
  if (WHERE) await page.evaluate('window.__benchWhere = true');
  // A string, not a function: tsx would wrap named functions in a helper the page does not have.
  await page.evaluate(`(() => {
    const b = (window.__bench = { long: [], gaps: [], stop: false, mutations: 0 });
    b.where = {};
    new MutationObserver((records) => {
      b.mutations += records.length;
      if (!window.__benchWhere) return;
      for (const r of records) {
        const el = r.target.nodeType === 1 ? r.target : r.target.parentElement;
        const at = el?.closest('[data-lane],[data-team],[class]');
        const key = (at ? at.tagName + '.' + (at.getAttribute('class') || '').split(' ')[0] : '?') + ' ' + r.type + ' ' + (r.attributeName || '');
        b.where[key] = (b.where[key] || 0) + 1;
      }
    }).observe(document.body, {
      subtree: true, childList: true, attributes: true, characterData: true,
    });
    new PerformanceObserver((list) => list.getEntries().forEach((e) => b.long.push(e.duration))).observe({ type: 'longtask' });
    let last = performance.now();
    const frame = (t) => {
      b.gaps.push(t - last);
      last = t;
      if (!b.stop) requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
  })()`);
  if (PROFILE) {
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
    await cdp.send('Profiler.start');
  }
  const metrics = async () => Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]));
  const before = await metrics();
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  const after = await metrics();
  const framesSeen = frames;
  const seen = await page.evaluate<{ long: number[]; gaps: number[]; mutations: number; where: Record<string, number> }>(`(() => {
    window.__bench.stop = true;
    return { long: window.__bench.long, gaps: window.__bench.gaps, mutations: window.__bench.mutations, where: window.__bench.where };
  })()`);
  const per = (k: string) => ((after[k]! - before[k]!) * 1000) / SECONDS;
  const gaps = seen.gaps.slice(1).sort((a, b) => a - b);
  const figures: Figures = {
    busy: per('TaskDuration'),
    script: per('ScriptDuration'),
    layout: per('LayoutDuration'),
    style: per('RecalcStyleDuration'),
    longTasks: seen.long.length,
    longMs: seen.long.reduce((a, b) => a + b, 0),
    p95Gap: gaps[Math.floor(gaps.length * 0.95)] ?? NaN,
    maxGap: gaps[gaps.length - 1] ?? NaN,
    mutations: seen.mutations / SECONDS,
    frames: framesSeen / SECONDS,
  };
  if (WHERE)
    figures.top = Object.entries(seen.where)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 12)
      .map(([k, n]) => `${(n / SECONDS).toFixed(0).padStart(6)} /s  ${k}`);
  if (PROFILE) {
    const { profile } = await cdp.send('Profiler.stop');
    const self = new Map<string, number>();
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const dt = profile.timeDeltas ?? [];
    (profile.samples ?? []).forEach((id, i) => {
      const n = byId.get(id)!;
      const f = n.callFrame;
      const key = `${f.functionName || '(anon)'} ${f.url.split('/').pop()}:${f.lineNumber + 1}`;
      self.set(key, (self.get(key) ?? 0) + (dt[i] ?? 0) / 1000);
    });
    figures.top = [...self]
      .filter(([k]) => !k.startsWith('(idle)') && !k.startsWith('(program)'))
      .sort((a, b) => b[1] - a[1])
      .slice(0, 12)
      .map(([k, ms]) => `${(ms / SECONDS).toFixed(1).padStart(6)} ms/s  ${k}`);
  }
  await cdp.detach();
  return figures;
}

const browser = await launch();
const stop = startMovers();
try {
  const pages: { name: string; open: (page: Page) => Promise<void>; size: { width: number; height: number } }[] = [
    {
      name: 'facilitator',
      size: { width: 1280, height: 800 },
      open: async (page) => {
        await page.goto(w.facilitatorUrl);
        await page.locator('[data-lane="t49"], [data-lane]').first().waitFor();
      },
    },
    {
      name: 'participant',
      size: { width: 1280, height: 800 },
      open: async (page) => {
        await page.goto(base + '/');
        await page.getByLabel('Code').fill(w.joinCode);
        await page.getByLabel('Your name').fill('Bench participant');
        await page.getByRole('button', { name: 'Join', exact: true }).click();
        await page.waitForURL(/\/w\/[\w-]+$/);
        await page.locator('[data-lane]').first().waitFor();
      },
    },
    {
      name: 'projector',
      size: { width: 1920, height: 1080 },
      open: async (page) => {
        await page.goto(w.observerUrl);
        await page.locator('[data-lane]').first().waitFor();
      },
    },
  ];
  console.log(`${TEAMS} teams, ${PEOPLE} people present, ${MOVERS} movers at ${HZ} Hz; ${SECONDS} s per page`);
  for (const p of pages) {
    const context = await browser.newContext({ viewport: p.size, deviceScaleFactor: 1 });
    const page = await context.newPage();
    page.on('console', (m) => m.type() === 'error' && console.error(`  [${p.name} console] ${m.text()}`));
    await p.open(page);
    await new Promise((r) => setTimeout(r, 1500)); // past the first render and fits
    const f = await measure(page);
    console.log(
      `${p.name.padEnd(12)} busy ${f.busy.toFixed(0).padStart(4)} ms/s (script ${f.script.toFixed(0)}, layout ${f.layout.toFixed(0)}, style ${f.style.toFixed(0)})` +
        `  long tasks ${f.longTasks} (${f.longMs.toFixed(0)} ms)  frame gap p95 ${f.p95Gap.toFixed(1)} ms, max ${f.maxGap.toFixed(0)} ms  DOM mutations ${f.mutations.toFixed(0)}/s  messages in ${f.frames.toFixed(0)}/s`,
    );
    for (const line of f.top ?? []) console.log(`    ${line}`);
    await context.close();
  }
} finally {
  stop();
  await browser.close();
  for (const c of clients) c.destroy();
  await server.close();
  rmSync(dataDir, { recursive: true, force: true });
}
