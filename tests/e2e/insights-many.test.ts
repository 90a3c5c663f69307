import { beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { addTeam } from '../../shared/doc.ts';
import { createWorkshop } from '../helpers/api.ts';
import { openPage, screenshot, useBrowser } from '../helpers/browser.ts';
import { useServer } from '../helpers/server.ts';
import { connect, synced, until } from '../helpers/yclient.ts';

const srv = useServer();
const browser = useBrowser();

/** What the board lists before "Show all" (INSIGHTS_LISTED in InsightsPanel.svelte). */
const LISTED = 6;
const DANGER = ['redZone', 'guardrails'];

let page: Page;

beforeAll(async () => {
  const w = await createWorkshop(srv.url, 'A big room');
  const fac = connect(srv.wsUrl, w.id, w.facilitatorKey);
  await synced(fac);
  // Thirty teams, most aiming stages ahead; every fifth from the 16th in the red zone, so the
  // urgent ones come late in the teams' order.
  for (let i = 0; i < 30; i++) {
    const red = i >= 12 && i % 5 === 0;
    addTeam(fac.doc, `t${i}`, {
      name: `Team ${i + 1}`,
      color: '#2563eb',
      createdAt: i,
      stageCurrent: 1,
      stageTarget: 2.5,
      autonomy: red ? 0.9 : 0.2,
      controls: red ? 0.1 : 0.3,
    });
  }
  const room = srv.server.rooms.get(w.id)!;
  await until(room.doc, () => room.doc.getMap('teams').size === 30, 'the teams');
  fac.destroy();
  page = await openPage(browser, { width: 1280, height: 800 });
  await page.goto(w.facilitatorUrl);
}, 60_000);

const panel = () => page.getByRole('region', { name: 'Insights' });
const items = () =>
  panel()
    .getByRole('listitem')
    .filter({ has: page.locator('.msg') });
const mapTop = () =>
  page
    .getByRole('heading', { name: 'Stage map', exact: true })
    .first()
    .evaluate((h) => h.getBoundingClientRect().top + scrollY);

describe('insights in a room of thirty teams', () => {
  it('lists the urgent few first and keeps the maps near, the rest a press away', async () => {
    // The panel is there, counting 0, before the board's thirty teams arrive: wait for the last of them.
    await page.getByRole('slider', { name: 'Team 30: current stage' }).waitFor();
    const count = async () => Number(await panel().getAttribute('data-count'));
    await expect.poll(count).toBeGreaterThan(LISTED + 10);
    const total = await count();
    await expect.poll(() => items().count()).toBe(LISTED);
    const rules = await panel()
      .locator('li[data-rule]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-rule')));
    // The red-zone teams (16, 21, 26) come first, though they are late in the room's order.
    expect(rules.slice(0, 3).every((r) => DANGER.includes(r!))).toBe(true);
    expect(await items().first().textContent()).toContain('Team 16');
    const collapsedTop = await mapTop();
    await screenshot(page, 'insights-many-collapsed');

    const more = panel().getByRole('button', { name: `Show all ${total} insights` });
    expect(await more.getAttribute('aria-expanded')).toBe('false');
    await more.click();
    await expect.poll(() => items().count()).toBe(total);
    const fewer = panel().getByRole('button', { name: 'Show fewer' });
    expect(await fewer.getAttribute('aria-expanded')).toBe('true');
    // Listing them all pushes the maps a long way down: what the short list saves.
    expect((await mapTop()) - collapsedTop).toBeGreaterThan(400);
    await fewer.click();
    await expect.poll(() => items().count()).toBe(LISTED);
  });
});
