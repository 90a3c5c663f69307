import type { Locator, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { addTeam, ROOTS } from '../../shared/doc.ts';
import { createWorkshop } from '../helpers/api.ts';
import { screenshot, useBrowser } from '../helpers/browser.ts';
import { diagonal, riskMarker } from '../helpers/maps.ts';
import { useServer } from '../helpers/server.ts';
import { connect, synced, until } from '../helpers/yclient.ts';

const srv = useServer();
const browser = useBrowser();

/** Names written as one long word, several sharing their first 32 letters, as a German or a careless room writes them. */
const LONG = [
  'Zahlungsverkehrsplattformbetrieb',
  'Zahlungsverkehrsplattformbetriebsteam',
  'Infrastructureplatformengineeringservice',
  'Infrastructureplatformengineeringservices',
  // Not placed on the risk diagonal: they wait in its tray.
  'Zahlungsverkehrsplattformbetriebsteamkartenabwicklungnord',
  'Zahlungsverkehrsplattformbetriebsteamkartenabwicklungsued',
];
const PLACED = 4;
/** The default agenda's last step. */
const WRAP_UP = 7;
const COLORS = ['#2563eb', '#16a34a', '#dc2626', '#9333ea', '#ea580c', '#0891b2'];
/** A big room: the long names and 24 more, each one word after its number. */
const CROWD = [...LONG, ...Array.from({ length: 24 }, (_, i) => `Team ${i + 7} Platformengineeringgroupnumber${i + 7}`)];

let few: Awaited<ReturnType<typeof createWorkshop>>;
let many: Awaited<ReturnType<typeof createWorkshop>>;

async function seed(title: string, names: string[]) {
  const w = await createWorkshop(srv.url, title);
  const fac = connect(srv.wsUrl, w.id, w.facilitatorKey);
  await synced(fac);
  names.forEach((name, i) =>
    addTeam(fac.doc, `t${i}`, {
      name,
      color: COLORS[i % COLORS.length]!,
      createdAt: i,
      stageCurrent: 1 + (i % 5) * 0.4,
      stageTarget: 2 + (i % 3) * 0.5,
      bottleneck: 'Code review capacity',
      // The first ones spread over the chart (the third in the red zone), the rest (of a big room) in a band.
      ...(i < PLACED ? { autonomy: [0.1, 0.35, 0.85, 0.6][i]!, controls: [0.05, 0.7, 0.2, 0.9][i]! } : {}),
      ...(i >= LONG.length ? { autonomy: ((i * 37) % 100) / 100, controls: ((i * 53) % 100) / 100 } : {}),
    }),
  );
  const room = srv.server.rooms.get(w.id)!;
  await until(room.doc, () => room.doc.getMap('teams').size === names.length, 'the teams');
  return { w, fac };
}

beforeAll(async () => {
  const a = await seed('Long names', LONG);
  const b = await seed('Long names, big room', CROWD);
  few = a.w;
  many = b.w;
  a.fac.destroy();
  b.fac.destroy();
}, 60_000);

async function board(w: typeof few, size: { width: number; height: number }, phone = false): Promise<Page> {
  const context = await browser.newContext({ viewport: size, isMobile: phone, hasTouch: phone, deviceScaleFactor: 1 });
  const page = await context.newPage();
  page.on('pageerror', (err) => console.error(`[page error] ${err.message}`));
  await page.goto(w.facilitatorUrl);
  await stageMap(page)
    .getByRole('slider', { name: `${LONG[5]}: current stage` })
    .waitFor();
  return page;
}

const stageMap = (page: Page) => page.getByRole('application', { name: /Stage map/ });
/** Letters of a name as drawn, without the spaces and hyphens of its line breaks. */
const letters = (text: string) => text.replace(/[\s-]/g, '');

/** Each lane's name as drawn (its lines, read in order), and whether it stays inside the map. */
const laneNames = (page: Page) =>
  stageMap(page).evaluate((svg) => {
    const map = svg.getBoundingClientRect();
    return [...svg.querySelectorAll('g.lane')].map((g) => {
      const name = g.querySelector('.team-name')!;
      const box = name.getBoundingClientRect();
      return {
        id: g.getAttribute('data-lane')!,
        text: [...name.childNodes]
          .filter((n) => n.nodeName !== 'title' && !(n as Element).classList?.contains('flag'))
          .map((n) => n.textContent!.trim())
          .join(' '),
        inside: box.left >= map.left - 0.5 && box.right <= map.right + 0.5,
      };
    });
  });

/**
 * The text a map shows whole for a team just now: a visible <text> whose letters are the name's
 * (a tip, or the name itself), and whether it is inside the map.
 */
const shownWhole = (map: Locator, name: string) =>
  map.evaluate((svg, want) => {
    const box = svg.getBoundingClientRect();
    const letters = (t: string) => t.replace(/[\s-]/g, '');
    const seen = [...svg.querySelectorAll('text')].filter((t) => {
      const r = t.getBoundingClientRect();
      const style = getComputedStyle(t);
      return r.width > 0 && style.display !== 'none' && style.visibility !== 'hidden' && letters(t.textContent ?? '') === letters(want);
    });
    return seen.map((t) => {
      const r = t.getBoundingClientRect();
      return r.left >= box.left - 0.5 && r.right <= box.right + 0.5 && r.top >= box.top - 0.5 && r.bottom <= box.bottom + 0.5;
    });
  }, name);

describe('long team names on the board', () => {
  it('are drawn whole and apart beside the stage map at 1280×800, with 6 teams and with 30', async () => {
    for (const [w, names] of [
      [few, LONG],
      [many, CROWD],
    ] as const) {
      const page = await board(w, { width: 1280, height: 800 });
      await screenshot(page, `board-long-names-1280-${names.length}`);
      const lanes = await laneNames(page);
      expect(lanes).toHaveLength(names.length);
      // Broke: "Infrastructureplatfo…ineeringservice", cut on one line with the room for two beside it.
      for (const lane of lanes) {
        const name = names[Number(lane.id.slice(1))]!;
        expect(lane.text, name).not.toMatch(/…/);
        expect(letters(lane.text)).toBe(letters(name));
        expect(lane.inside, name).toBe(true);
      }
      expect(new Set(lanes.map((l) => l.text)).size).toBe(names.length);
      await page.context().close();
    }
  });

  it('tell every team apart on 390 and 360 px phones, show a cut name whole on focus, and never widen the page', async () => {
    for (const width of [390, 360]) {
      const page = await board(many, { width, height: 800 }, true);
      // Broke: one long word in an insight ("Infrastructureplatformengineeringservice is in the red zone")
      // widened the whole board to 454 px, so every screen of it scrolled sideways.
      const sideways = () => page.evaluate(() => ({ scroll: document.scrollingElement!.scrollWidth, inner: innerWidth }));
      expect(await sideways()).toEqual({ scroll: width, inner: width });
      const lanes = await laneNames(page);
      expect(new Set(lanes.map((l) => l.text)).size).toBe(CROWD.length);
      for (const lane of lanes) expect(lane.inside, lane.text).toBe(true);
      // The longest name is cut on a phone's one line; focused, its lane shows it whole, inside the map.
      const cut = lanes.find((l) => l.id === 't4')!;
      expect(cut.text).toMatch(/…/);
      expect(await shownWhole(stageMap(page), LONG[4]!)).toEqual([]);
      await stageMap(page)
        .getByRole('slider', { name: `${LONG[4]}: target stage` })
        .focus();
      await expect.poll(() => shownWhole(stageMap(page), LONG[4]!)).toEqual([true]);
      await screenshot(page, `board-long-names-${width}-focus`);
      await page.keyboard.press('Tab');
      await expect.poll(() => shownWhole(stageMap(page), LONG[4]!)).toEqual([]);
      // The last step's summary lists every team too (broke: it widened the page to 427 px).
      const fac = connect(srv.wsUrl, many.id, many.facilitatorKey);
      await synced(fac);
      fac.doc.getMap(ROOTS.control).set('step', WRAP_UP);
      await page.locator('[data-board="wrapup"]').waitFor();
      expect(await sideways()).toEqual({ scroll: width, inner: width });
      fac.doc.getMap(ROOTS.control).set('step', 0);
      fac.destroy();
      await page.context().close();
    }
  });

  it('names each team on the risk diagonal apart, and whole while its marker is pointed at or focused', async () => {
    for (const [size, phone] of [
      [{ width: 1280, height: 800 }, false],
      [{ width: 390, height: 844 }, true],
    ] as const) {
      const page = await board(few, size, phone);
      const chart = diagonal(page);
      await chart.scrollIntoViewIfNeeded();
      // Broke: the tray cut every name at 12 letters, so both "…kartenabwicklungnord" and "…sued" read "Zahlungsver…".
      const tray = await chart.locator('.team.unplaced text.name').allTextContents();
      expect(tray).toHaveLength(LONG.length - PLACED);
      expect(new Set(tray).size).toBe(tray.length);
      // Broke: a label cut in the middle ("Zahlungsv…etrieb") showed the whole name nowhere, not even on focus.
      const cut: string[] = [];
      for (const name of LONG) if (!(await shownWhole(chart, name)).length) cut.push(name);
      expect(cut.length).toBeGreaterThan(1);
      for (const name of cut) {
        await riskMarker(page, name).focus();
        await expect.poll(() => shownWhole(chart, name), { message: `${name} at ${size.width}` }).toEqual([true]);
        // Broke: the cut label stayed beside the whole name, and the team read twice (a spotlit one on every screen).
        const group = page.locator('[data-risk-team]', { has: riskMarker(page, name) });
        expect(await group.locator('text.name').count(), name).toBe(0);
      }
      await screenshot(page, `board-long-names-risk-${size.width}`);
      await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
      await expect.poll(() => shownWhole(chart, cut.at(-1)!)).toEqual([]);
      if (!phone) {
        const box = (await riskMarker(page, cut[0]!).boundingBox())!;
        await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
        await expect.poll(() => shownWhole(chart, cut[0]!)).toEqual([true]);
      }
      await page.context().close();
    }
  });
});
