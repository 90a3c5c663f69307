/**
 * What opening the projector costs its main thread at each step that fits its type to the screen
 * (the welcome's framework, reveal and discuss, the commitments, the wrap-up), with 30 teams on a
 * small 800×600 projector: layouts, layout and style ms, and all main-thread ms until it settles
 * (CDP Performance.getMetrics, a new page per step, the median of ROUNDS).
 *
 *   npm run build && npx tsx bench/projector-load.ts
 *
 * STATIC_DIR=<another build> measures that build instead (a checkout of an older commit, for a before/after).
 */
import { addTeam } from '../shared/doc.ts';
import { createWorkshop } from '../tests/helpers/api.ts';
import { launch } from '../tests/helpers/chromium.ts';
import { crowdName, crowdTeam } from '../tests/helpers/projector.ts';
import { startServer } from '../tests/helpers/server.ts';
import { connect, synced } from '../tests/helpers/yclient.ts';

const STEPS = { welcome: 0, 'reveal and discuss': 5, commitments: 6, 'wrap-up': 7 };
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const SIZE = { width: 800, height: 600 };
/** Long enough for every search to end: the page does nothing after (no team moves). */
const SETTLE_MS = 1500;

const srv = await startServer({ staticDir: process.env.STATIC_DIR ?? 'dist' });
const w = await createWorkshop(srv.url, 'Projector load');
const seed = connect(srv.wsUrl, w.id, w.facilitatorKey);
await synced(seed);
for (let i = 0; i < 30; i++) addTeam(seed.doc, `t${i}`, { ...crowdTeam(i, crowdName(i)), bottleneck: 'Review and evaluation' });
const browser = await launch();
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(`the projector at ${SIZE.width}×${SIZE.height}, 30 teams, median of ${ROUNDS}: ${process.env.STATIC_DIR ?? 'dist'}`);
console.log('step                 | layouts | layout ms | style ms | main thread ms');
for (const [name, step] of Object.entries(STEPS)) {
  seed.doc.getMap('control').set('step', step);
  const runs: Record<string, number>[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const ctx = await browser.newContext({ viewport: SIZE });
    const page = await ctx.newPage();
    const cdp = await ctx.newCDPSession(page);
    await cdp.send('Performance.enable');
    await page.goto(w.observerUrl);
    await page.waitForLoadState('networkidle');
    await page.waitForTimeout(SETTLE_MS);
    runs.push(Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value])));
    await ctx.close();
  }
  const m = (key: string, scale = 1) => median(runs.map((x) => x[key]! * scale));
  console.log(
    `${name.padEnd(20)} | ${m('LayoutCount').toFixed(0).padStart(7)} | ${m('LayoutDuration', 1000).toFixed(0).padStart(9)} | ${m('RecalcStyleDuration', 1000).toFixed(0).padStart(8)} | ${m('TaskDuration', 1000).toFixed(0).padStart(14)}`,
  );
}
await browser.close();
seed.destroy();
await srv.close();
process.exit(0);
