import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { addTeam } from '../../shared/doc.ts';
import { HEADINGS } from '../../client/lib/team-columns.ts';
import { createWorkshop } from '../helpers/api.ts';
import { useBrowser } from '../helpers/browser.ts';
import { useServer } from '../helpers/server.ts';
import { connect, synced, until } from '../helpers/yclient.ts';

const srv = useServer();
const browser = useBrowser();
let w: Awaited<ReturnType<typeof createWorkshop>>;

const TEAMS = ['Checkout', 'Mobile', 'Infrastructureplatformengineeringservice'];
/** Fields in an opened row: every column but the name. */
const FIELDS = HEADINGS.length - 1;

beforeAll(async () => {
  w = await createWorkshop(srv.url, 'Table roles');
  const fac = connect(srv.wsUrl, w.id, w.facilitatorKey);
  await synced(fac);
  TEAMS.forEach((name, i) =>
    addTeam(fac.doc, `t${i}`, { name, color: '#2563eb', createdAt: i, stageCurrent: 1.5, autonomy: 0.4, controls: 0.6 }),
  );
  const room = srv.server.rooms.get(w.id)!;
  await until(room.doc, () => room.doc.getMap('teams').size === TEAMS.length, 'the teams');
  fac.destroy();
});

async function open(width: number): Promise<Page> {
  const context = await browser.newContext({ viewport: { width, height: 844 }, isMobile: width < 500, hasTouch: width < 500 });
  const page = await context.newPage();
  page.on('pageerror', (err) => console.error(`[page error] ${err.message}`));
  await page.goto(w.facilitatorUrl);
  await page.getByRole('table', { name: 'Teams' }).getByLabel(`${TEAMS[2]}: name`).waitFor();
  return page;
}

/** The table's parts as Chromium's accessibility tree (what a screen reader gets) has them, counted by role. */
async function tableRoles(page: Page): Promise<Record<string, number>> {
  const cdp = await page.context().newCDPSession(page);
  const { nodes } = (await cdp.send('Accessibility.getFullAXTree')) as { nodes: { role?: { value: string }; ignored: boolean }[] };
  await cdp.detach();
  const counts: Record<string, number> = {};
  for (const n of nodes) {
    const role = n.role?.value ?? '';
    if (!n.ignored && ['table', 'rowgroup', 'row', 'columnheader', 'rowheader', 'cell'].includes(role))
      counts[role] = (counts[role] ?? 0) + 1;
  }
  return counts;
}

describe('the teams table to a screen reader', () => {
  it('is still a table with its column headers on a 390 px phone, where its rows are laid out as cards', async () => {
    const page = await open(390);
    const table = page.getByRole('table', { name: 'Teams' });
    // The phone layout: the table is a block, each row a grid, the headings off screen.
    expect(await table.evaluate((el) => getComputedStyle(el).display)).toBe('block');
    expect(
      await table
        .locator('tbody tr')
        .first()
        .evaluate((el) => getComputedStyle(el).display),
    ).toBe('grid');
    // Closed rows show no field, so there is no cell yet; each team's name leads its row.
    // Broke: the headings were display: none, so no field was read with its column, and no row group was left.
    expect(await tableRoles(page)).toEqual({
      table: 1,
      rowgroup: 2,
      row: TEAMS.length + 1,
      columnheader: HEADINGS.length,
      rowheader: TEAMS.length,
    });
    expect(await table.getByRole('columnheader').allTextContents()).toEqual(HEADINGS);
    for (const name of TEAMS)
      expect(
        await table
          .getByRole('rowheader')
          .filter({ has: page.getByLabel(`${name}: name`) })
          .count(),
      ).toBe(1);
    // The headings take no room on the phone.
    const top = (await table.boundingBox())!.y;
    expect((await table.locator('tbody tr').first().boundingBox())!.y - top).toBeLessThan(1);

    // Opened, a row's fields are its cells, each read with its column's name and not its caption twice.
    await page.getByRole('button', { name: 'Edit Mobile' }).click();
    const mobile = table.getByRole('row').filter({ has: page.getByLabel('Mobile: owner') });
    await page.getByLabel('Mobile: owner').waitFor();
    expect(await mobile.getByRole('cell').count()).toBe(FIELDS);
    expect((await tableRoles(page)).cell).toBe(FIELDS);
    const caption = await mobile
      .getByRole('cell')
      .first()
      .evaluate((td) => {
        const before = getComputedStyle(td, '::before');
        return { shown: before.display, content: before.content };
      });
    expect(caption.shown).toBe('block');
    expect(caption.content).toMatch(/\/ ""$/);
    await page.context().close();
  });

  it('keeps the same roles on a laptop, where the table is laid out as one', async () => {
    const page = await open(1280);
    expect(await tableRoles(page)).toEqual({
      table: 1,
      rowgroup: 2,
      row: TEAMS.length + 1,
      columnheader: HEADINGS.length,
      rowheader: TEAMS.length,
      cell: TEAMS.length * FIELDS,
    });
    // Broke: at 1280 px the "Autonomy %" heading broke inside its word ("Autonom" / "y %").
    const words = await page.getByRole('columnheader', { name: 'Autonomy %' }).evaluate((th) => {
      const r = document.createRange();
      r.selectNodeContents(th.firstChild!);
      r.setEnd(th.firstChild!, 'Autonomy'.length);
      return r.getClientRects().length;
    });
    expect(words).toBe(1);
    await page.context().close();
  });
});
