import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { addTeam } from '../../shared/doc.ts';
import { createWorkshop } from '../helpers/api.ts';
import { openPage, screenshot, useBrowser } from '../helpers/browser.ts';
import { useServer } from '../helpers/server.ts';
import { connect, synced, useClients } from '../helpers/yclient.ts';

const srv = useServer();
const browser = useBrowser();
const { track } = useClients(srv);

/** The default agenda's last step. */
const WRAPUP = 7;

async function workshopAtWrapUp(teams: number, placeOnRisk: boolean) {
  const w = await createWorkshop(srv.url, 'Platform leadership offsite');
  const seed = track(connect(srv.wsUrl, w.id, w.facilitatorKey));
  await synced(seed);
  for (let i = 0; i < teams; i++) {
    addTeam(seed.doc, `team-${i}`, {
      name: `Customer identity and access team ${String(i + 1).padStart(2, '0')}`,
      color: '#2563eb',
      createdAt: i + 1,
      stageCurrent: 1.5,
      stageTarget: 2,
      commitment: `Scoped credentials for every agent in pipeline ${i + 1}`,
      owner: `Owner ${i + 1}`,
      ...(placeOnRisk ? { autonomy: 0.3, controls: 0.6 } : {}),
    });
  }
  seed.doc.getMap('control').set('step', WRAPUP);
  return w;
}

const fontPx = (page: Page, selector: string) =>
  page
    .locator(selector)
    .first()
    .evaluate((el) => parseFloat(getComputedStyle(el).fontSize));

describe('the wrap-up', () => {
  it('does not call an unplaced room safe: "no team was placed on the risk diagonal"', async () => {
    const w = await workshopAtWrapUp(3, false);
    const page = await openPage(browser, { width: 1920, height: 1080 });
    await page.goto(w.observerUrl);
    const red = page.getByRole('region', { name: 'Wrap-up' }).getByRole('region', { name: 'In the red zone' });
    // Broke: with no team on the diagonal, it said in green that no team had more autonomy than controls.
    await red.getByText('No team was placed on the risk diagonal.').waitFor();
    expect(await red.getByText('No team has more autonomy than controls.').count()).toBe(0);
    await page.context().close();
  });

  it('fits thirty teams’ commitments on a 1280×720 projector, legibly, in columns', async () => {
    const w = await workshopAtWrapUp(30, true);
    const page = await openPage(browser, { width: 1280, height: 720 });
    await page.goto(w.observerUrl);
    const wrap = page.getByRole('region', { name: 'Wrap-up' });
    await wrap.locator('li[data-team="team-0"]').waitFor();
    await expect.poll(() => page.evaluate(() => document.documentElement.scrollHeight <= innerHeight + 1)).toBe(true);
    // A page at a time (projector-wrapup.test.ts walks the pages): the page's last team on the screen.
    const last = await wrap.locator('li[data-team]').last().boundingBox();
    expect(last!.y + last!.height).toBeLessThanOrEqual(720);
    await screenshot(page, 'wrapup-30-teams-1280x720');
    // Broke: one column scaled down to about 9 px, and the list still ran off the screen at team 28.
    expect(await fontPx(page, 'li[data-team] strong')).toBeGreaterThanOrEqual(16);
    await page.context().close();
  });

  it('says the teams are loading, not "No teams yet", until the board has arrived', async () => {
    const w = await workshopAtWrapUp(2, true);
    const page = await openPage(browser, { width: 1280, height: 900 });
    // The socket opens and nothing ever comes back: a line too slow to bring the board.
    await page.routeWebSocket(/\/ws\//, () => {});
    await page.goto(w.facilitatorUrl);
    await page.getByText('Loading the board…').waitFor();
    // Broke: both team lists said "No teams yet." while two teams were on their way, inviting a second copy.
    expect(await page.getByText('Loading the teams…').count()).toBe(2);
    expect(await page.getByText('No teams yet.').count()).toBe(0);
    await page.context().close();
  });
});
