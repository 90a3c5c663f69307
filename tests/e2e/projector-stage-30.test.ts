import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addTeam } from '../../shared/doc.ts';
import { createWorkshop, post } from '../helpers/api.ts';
import { openPage, screenshot, useBrowser } from '../helpers/browser.ts';
import { useServer } from '../helpers/server.ts';
import { connect, synced, type Client } from '../helpers/yclient.ts';
import { crowdName as name, crowdTeam, settled } from '../helpers/projector.ts';

const srv = useServer();
const browser = useBrowser();

/** Venue projectors smaller than the ones projector-crowd.test.ts covers: 4:3, and a 1366×768. */
const SIZES = [
  { width: 1024, height: 768 },
  { width: 800, height: 600 },
  { width: 1366, height: 768 },
];
const STAGE_STEP = 1;
const N = 30;

let seed: Client;
let w: Awaited<ReturnType<typeof createWorkshop>>;

beforeAll(async () => {
  w = await createWorkshop(srv.url, 'Big room');
  seed = connect(srv.wsUrl, w.id, w.facilitatorKey);
  await synced(seed);
  for (let i = 0; i < N; i++) addTeam(seed.doc, `t${i}`, { ...crowdTeam(i, name(i)), bottleneck: 'Review and evaluation' });
  seed.doc.getMap('control').set('step', STAGE_STEP);
}, 60_000);

afterAll(() => seed?.destroy());

const size = (s: { width: number; height: number }) => `${s.width}×${s.height}`;

async function projector(s: { width: number; height: number }): Promise<Page> {
  const page = await openPage(browser, s);
  await page.goto(w.observerUrl);
  await page
    .getByRole('application', { name: /Stage map/ })
    .locator('g.lane')
    .first()
    .waitFor();
  return page;
}

/** What the stage map shows: each lane's name as drawn and its type size, the headers' sizes, and the map's box. */
const drawn = (page: Page) =>
  page.getByRole('application', { name: /Stage map/ }).evaluate((svg) => ({
    box: svg.getBoundingClientRect().toJSON() as DOMRect,
    lanes: [...svg.querySelectorAll('g.lane')].map((g) => {
      const text = g.querySelector('.team-name')!;
      const b = g.getBoundingClientRect();
      return {
        id: g.getAttribute('data-lane')!,
        text: [...text.childNodes]
          .filter((n) => n.nodeName !== 'title')
          .map((n) => n.textContent)
          .join(' ')
          .replace(/\s*⚠\s*/, ''),
        size: parseFloat(getComputedStyle(text).fontSize),
        bottom: b.bottom,
        right: b.right,
      };
    }),
    heads: [...svg.querySelectorAll('text.stage-number')].map((t) => parseFloat(getComputedStyle(t).fontSize)),
  }));

/** The page fits the screen, the lanes in legible type with names that tell the teams apart, every team on some page. */
async function expectFits(page: Page, s: { width: number; height: number }, what: string) {
  await settled(page);
  await screenshot(page, `projector-stage-30-${what}-${s.width}x${s.height}`);
  // Broke: 911 px tall on a 768 px screen at 1024×768, 930 on 600 at 800×600; beside a stage vote 843 at
  // 1024×768 and 898 at 1366×768, thirty lanes at their least height in one column.
  const scroll = await page.evaluate(() => ({
    x: Math.max(0, document.scrollingElement!.scrollWidth - innerWidth),
    y: Math.max(0, document.scrollingElement!.scrollHeight - innerHeight),
  }));
  expect(scroll, `${what} at ${size(s)}`).toEqual({ x: 0, y: 0 });
  const map = await drawn(page);
  expect(map.box.bottom, `${what} at ${size(s)}`).toBeLessThanOrEqual(s.height);
  expect(map.lanes.length).toBeGreaterThan(0);
  for (const l of map.lanes) {
    expect(l.bottom, `${l.text} at ${size(s)}`).toBeLessThanOrEqual(s.height);
    expect(l.right).toBeLessThanOrEqual(s.width);
    expect(l.size, `${l.text} at ${size(s)}`).toBeGreaterThanOrEqual(13);
  }
  for (const h of map.heads) expect(h, `stage header at ${size(s)}`).toBeGreaterThanOrEqual(14);
  expect(new Set(map.lanes.map((l) => l.text)).size, `names at ${size(s)}`).toBe(map.lanes.length);
  // Every team is on the screen, or on one of the pages the map says it takes turns with.
  if (map.lanes.length < N) {
    const note = await page.getByTestId('stage-map-page').textContent();
    const [, first, last, of, pages] = /Teams (\d+)–(\d+)\s*of (\d+), page \d+ of (\d+)/.exec(note!)!.map(Number);
    expect(of).toBe(N);
    expect(last! - first! + 1).toBe(map.lanes.length);
    expect(map.lanes.length * pages!).toBeGreaterThanOrEqual(N);
    // A spotlit team's page holds the screen: the last team, with the same fit.
    seed.doc.getMap('control').set('spotlight', `t${N - 1}`);
    await page.locator(`g.lane[data-lane="t${N - 1}"]`).waitFor();
    await settled(page);
    const last30 = await drawn(page);
    expect(await page.evaluate(() => document.scrollingElement!.scrollHeight <= innerHeight)).toBe(true);
    expect(new Set(last30.lanes.map((l) => l.text)).size).toBe(last30.lanes.length);
    for (const l of last30.lanes) expect(l.size).toBeGreaterThanOrEqual(13);
    seed.doc.getMap('control').delete('spotlight');
    await page.locator('g.lane[data-lane="t0"]').waitFor();
  }
}

/** How far each lane's name, with the ⚠ after it, ends before its column's first stage band (px), on the page shown. */
const clearance = (page: Page) =>
  page.getByRole('application', { name: /Stage map/ }).evaluate((svg) =>
    [...svg.querySelectorAll('g.lane')].map((g) => {
      const name = g.querySelector('.team-name')!;
      const band = Math.min(...[...g.parentElement!.querySelectorAll('rect.band')].map((b) => b.getBoundingClientRect().left));
      const flag = name.querySelector('.flag');
      const text = [...name.querySelectorAll('tspan')].map((t) => t.textContent).join(' ');
      return { id: g.getAttribute('data-lane')!, text, flag: !!flag, clear: band - name.getBoundingClientRect().right };
    }),
  );

describe('the stage map with thirty teams on a small projector', () => {
  it('ends every name, and the ⚠ after a red-zone one, before the first stage band, on every page', async () => {
    for (const s of [
      { width: 800, height: 600 },
      { width: 1280, height: 720 },
    ]) {
      const page = await projector(s);
      await settled(page);
      const seen = new Map<string, Awaited<ReturnType<typeof clearance>>[number]>();
      for (const l of await clearance(page)) seen.set(l.id, l);
      // The other pages: the spotlit team's page holds the screen.
      for (let i = 0; i < N && seen.size < N; i++) {
        if (seen.has(`t${i}`)) continue;
        seed.doc.getMap('control').set('spotlight', `t${i}`);
        await page.locator(`g.lane[data-lane="t${i}"]`).waitFor();
        await settled(page);
        for (const l of await clearance(page)) seen.set(l.id, l);
      }
      seed.doc.getMap('control').delete('spotlight');
      await screenshot(page, `projector-stage-30-clear-${s.width}x${s.height}`);
      expect(seen.size).toBe(N);
      expect([...seen.values()].some((l) => l.flag)).toBe(true);
      // Broke: at 1280×720 "Payments Reco…ettlement" ran 9 px into the band, its column sized for 12 px names drawn at 13.
      for (const l of seen.values()) expect(l.clear, `${l.text} at ${size(s)}`).toBeGreaterThanOrEqual(2);
      await page.context().close();
    }
  }, 120_000);

  it('never scrolls, in legible type with names told apart', async () => {
    for (const s of SIZES) {
      const page = await projector(s);
      await expectFits(page, s, 'stage');
      await page.context().close();
    }
  }, 120_000);

  it('never scrolls with a stage vote open beside the map', async () => {
    const pages = await Promise.all(SIZES.map((s) => projector(s)));
    const opened = await post(
      `${srv.url}/api/workshops/${w.id}/votes`,
      { question: `Where is ${name(1)} today?`, kind: 'stage', teamId: 't1' },
      { authorization: `Bearer ${w.facilitatorKey}` },
    );
    expect(opened.status).toBe(201);
    for (const [i, page] of pages.entries()) {
      await page.getByRole('region', { name: 'Vote in progress' }).waitFor();
      await expectFits(page, SIZES[i]!, 'vote');
      await page.context().close();
    }
  }, 120_000);
});
