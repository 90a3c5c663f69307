import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addTeam } from '../../shared/doc.ts';
import { createWorkshopInUi, openPhone, screenshot, SCREENSHOTS, useBrowser } from '../helpers/browser.ts';
import { useServer } from '../helpers/server.ts';
import { overrun, swatchOnFirstLine } from '../helpers/text-layout.ts';
import { connect, synced, until } from '../helpers/yclient.ts';

const srv = useServer();
const browser = useBrowser();
let page: Page;
let workshop: string;

/** One word of 40 letters, as a team that wrote its name without spaces. */
const LONG_NAME = 'Infrastructureplatformengineeringservice';
const TEAMS = [
  { name: 'Payments Platform & Ledger Reliability', reliance: 'guarantees' as const, autonomy: 0.8, controls: 0.3, owner: 'Priya' },
  { name: LONG_NAME, bottleneck: 'Trust boundaries for incident auto-fix', commitment: 'Sandboxed runtime for scheduled audits' },
  { name: 'Mobile', commitment: 'Build an evaluation harness for every agent change before it reaches review', owner: 'Aiko' },
];

beforeAll(async () => {
  page = await openPhone(browser);
  workshop = await createWorkshopInUi(page, srv.url, 'Report on a phone');
  const key = decodeURIComponent(new URL(page.url()).hash.match(/key=([^&]+)/)![1]!);
  const fac = connect(srv.wsUrl, workshop, key);
  await synced(fac);
  TEAMS.forEach((t, i) => addTeam(fac.doc, `t${i}`, { color: '#2563eb', createdAt: i, stageCurrent: 1.8, stageTarget: 2.5, ...t }));
  const room = srv.server.rooms.get(workshop)!;
  await until(room.doc, () => room.doc.getMap('teams').size === TEAMS.length, 'the teams');
  fac.destroy();
}, 60_000);

afterAll(async () => {
  await page?.context().close();
});

/** The roles Chromium's accessibility tree gives the report's teams table, counted. */
async function tableRoles(p: Page): Promise<Record<string, number>> {
  const cdp = await p.context().newCDPSession(p);
  const { nodes } = (await cdp.send('Accessibility.getFullAXTree')) as { nodes: { role?: { value: string }; ignored: boolean }[] };
  await cdp.detach();
  const counts: Record<string, number> = {};
  for (const n of nodes) {
    const role = n.role?.value ?? '';
    if (!n.ignored && ['table', 'row', 'columnheader', 'rowheader', 'cell'].includes(role)) counts[role] = (counts[role] ?? 0) + 1;
  }
  return counts;
}

describe('the report on a phone', () => {
  it('fits 390 and 360 px without sideways scrolling, its teams table still a table to a screen reader', async () => {
    for (const width of [390, 360]) {
      await page.setViewportSize({ width, height: 844 });
      await page.goto(`${srv.url}/w/${workshop}/report`);
      await page.getByRole('rowheader', { name: LONG_NAME }).waitFor();
      await screenshot(page, `report-phone-${width}`);
      await page.getByRole('table').screenshot({ path: `${SCREENSHOTS}/report-phone-${width}-teams.png` });
      // Broke: the five-column table was about 700 px wide, so the whole page scrolled sideways.
      // On a phone the browser zooms out to a page wider than the screen: innerWidth grew to it (556 px).
      const overflow = await page.evaluate(() => ({ scroll: document.scrollingElement!.scrollWidth, inner: innerWidth }));
      expect(overflow.inner).toBe(width);
      expect(overflow.scroll).toBeLessThanOrEqual(overflow.inner);
      expect(await tableRoles(page)).toEqual({
        table: 1,
        row: TEAMS.length + 1,
        columnheader: 5,
        rowheader: TEAMS.length,
        cell: TEAMS.length * 4,
      });
      // Each value is still read with its column.
      const commitment = page
        .getByRole('row', { name: new RegExp(`^${LONG_NAME}`) })
        .getByRole('cell')
        .nth(2);
      expect((await commitment.textContent())?.trim()).toBe('Sandboxed runtime for scheduled audits (no owner yet)');
    }
  });

  it('keeps a 40-letter team name inside its box', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${srv.url}/w/${workshop}/report`);
    const name = page.getByRole('rowheader', { name: LONG_NAME });
    await name.waitFor();
    expect(await overrun(name)).toBe(0);
    expect(await swatchOnFirstLine(name)).toBe(true);
    // Where the browser knows English syllables, the word breaks at one, with a hyphen.
    expect(await name.evaluate((el) => getComputedStyle(el).hyphens)).toBe('auto');
  });
});
