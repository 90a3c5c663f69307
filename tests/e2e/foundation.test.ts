import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { createWorkshopInUi, dragBy, joinCodeOf, joinInUi, openPage, screenshot, useBrowser } from '../helpers/browser.ts';
import { useServer } from '../helpers/server.ts';

const srv = useServer();
const browser = useBrowser();

const marker = (page: Page, team: string, which: 'current' | 'target') => page.getByRole('slider', { name: `${team}: ${which} stage` });

describe('a facilitator and a participant on the stage map', () => {
  it('creates, joins, adds and drags a team, and keeps it across a server restart', async () => {
    const facilitator = await openPage(browser);
    await createWorkshopInUi(facilitator, srv.url, 'Leadership offsite');
    const code = await joinCodeOf(facilitator);
    expect(code).toMatch(/^[A-HJ-NP-Z2-9]{6}$/);
    // The QR code's library loads on demand, and the board's socket connects and syncs, after the page
    // shows: each waited for, not given a poll's second.
    await facilitator.getByAltText(/QR code/).waitFor();
    expect(await facilitator.getByAltText(/QR code/).count()).toBe(1);
    await facilitator.locator('header [data-status="connected"]').waitFor();
    await expect.poll(() => facilitator.getByRole('status').filter({ hasText: 'Live' }).count()).toBe(1);

    const participant = await openPage(browser, { width: 1100, height: 800 });
    await joinInUi(participant, srv.url, code.toLowerCase(), 'Priya');
    await participant.getByRole('application', { name: /Stage map/ }).waitFor();

    await participant.getByLabel('Team name').fill('Payments');
    await participant.getByRole('button', { name: 'Add team' }).click();
    const onFacilitator = marker(facilitator, 'Payments', 'current');
    await onFacilitator.waitFor();
    expect(Number(await onFacilitator.getAttribute('aria-valuenow'))).toBe(1);

    // Drag the current marker about one stage to the right; the facilitator's page follows.
    const svgWidth = (await participant.getByRole('application', { name: /Stage map/ }).boundingBox())!.width;
    await dragBy(participant, '[data-field="stageCurrent"]', svgWidth * 0.27);
    // The dot pushed the target ring along: no arrow points back to stage 1. Read once the drag's last
    // change has arrived (other people's changes reach the board a frame at a time, so two reads
    // taken while it is still arriving can straddle one).
    const valueOf = async (which: 'current' | 'target') =>
      Number(await marker(facilitator, 'Payments', which).getAttribute('aria-valuenow'));
    await expect
      .poll(async () => {
        const [current, target] = [await valueOf('current'), await valueOf('target')];
        return current > 1.6 && current < 2.4 && Math.abs(target - current) < 1e-9;
      })
      .toBe(true);

    // The keyboard moves the target marker on its own.
    await marker(participant, 'Payments', 'target').focus();
    await participant.keyboard.press('Home');
    for (let i = 0; i < 3; i++) await participant.keyboard.press('Shift+ArrowRight');
    await expect.poll(async () => Number(await marker(facilitator, 'Payments', 'target').getAttribute('aria-valuenow'))).toBe(2.5);
    // Moving the dot back leaves the target where it is.
    await marker(participant, 'Payments', 'current').focus();
    await participant.keyboard.press('Home');
    await expect.poll(async () => Number(await marker(facilitator, 'Payments', 'current').getAttribute('aria-valuenow'))).toBe(1);
    expect(Number(await marker(facilitator, 'Payments', 'target').getAttribute('aria-valuenow'))).toBe(2.5);

    // Everyone sees who else is here.
    await expect.poll(() => facilitator.getByLabel(/here: you, Priya/).count()).toBe(1);
    await screenshot(facilitator, 'foundation-facilitator');
    await screenshot(participant, 'foundation-participant');

    await srv.restart();
    await Promise.all([facilitator.reload(), participant.reload()]);
    for (const page of [facilitator, participant]) {
      const m = marker(page, 'Payments', 'current');
      await m.waitFor();
      expect(Number(await m.getAttribute('aria-valuenow'))).toBe(1);
    }
    await participant.context().close();
    await facilitator.context().close();
  }, 60_000);

  it('keeps edits made while the server is away and merges them on reconnect', async () => {
    const facilitator = await openPage(browser);
    await createWorkshopInUi(facilitator, srv.url, 'Offline drill');
    await facilitator.locator('header [data-status="connected"]').waitFor();
    await expect.poll(() => facilitator.getByRole('status').filter({ hasText: 'Live' }).count()).toBe(1);
    await facilitator.getByLabel('Team name').fill('Mobile');
    await facilitator.getByRole('button', { name: 'Add team' }).click();
    await marker(facilitator, 'Mobile', 'current').waitFor();

    await facilitator.context().setOffline(true);
    await expect.poll(() => facilitator.locator('[data-status="offline"],[data-status="reconnecting"]').count()).toBe(1);
    await marker(facilitator, 'Mobile', 'current').focus();
    // Three moves, each its own change (tests/integration/offline.test.ts has the server's side of this).
    for (let i = 0; i < 3; i++) {
      await facilitator.keyboard.press('Shift+ArrowRight');
      await expect
        .poll(async () => Number(await marker(facilitator, 'Mobile', 'current').getAttribute('aria-valuenow')))
        .toBe(1.5 + i * 0.5);
    }
    await expect
      .poll(() => facilitator.getByRole('status').filter({ hasText: 'Offline: your changes are kept and will sync' }).count())
      .toBe(1);
    await screenshot(facilitator, 'foundation-offline');
    await facilitator.context().setOffline(false);
    // Back with the moves sent: "Back online: your changes were sent", then "Live".
    await expect.poll(() => facilitator.locator('header [data-status="connected"]').count(), { timeout: 10_000 }).toBe(1);

    // A second browser opening the same link sees the edit made offline.
    const url = facilitator.url();
    const second = await openPage(browser);
    await second.goto(url);
    const m = marker(second, 'Mobile', 'current');
    await m.waitFor();
    await expect.poll(async () => Number(await m.getAttribute('aria-valuenow'))).toBe(2.5);
    await second.context().close();
    await facilitator.context().close();
  }, 60_000);

  it('shows a phone the join form before the board code arrives, and fetches that code while the name is typed', async () => {
    const facilitator = await openPage(browser);
    await createWorkshopInUi(facilitator, srv.url, 'Quick join');
    const code = await joinCodeOf(facilitator);
    const phone = await openPage(browser, { width: 390, height: 844 });
    // What the browser's network layer did for the board's code: went to the server, or took it from its cache.
    const cdp = await phone.context().newCDPSession(phone);
    await cdp.send('Network.enable');
    const fetched: string[] = [];
    const cached = new Set<string>();
    const isBoard = (url: string) => /\/assets\/BoardPage-[^/]+\.js$/.test(url);
    // Chromium says "served from cache" before the response event of that request.
    cdp.on('Network.requestServedFromCache', (e) => void cached.add(e.requestId));
    cdp.on('Network.responseReceived', (e) => {
      if (!isBoard(e.response.url)) return;
      if (e.response.fromDiskCache) cached.add(e.requestId);
      if (!cached.has(e.requestId)) fetched.push(e.requestId);
    });
    const warmed = phone.waitForResponse((r) => isBoard(r.url()));
    await phone.goto(`${srv.url}/join/${code}`);
    await phone.getByLabel('Your name').waitFor();
    await phone.getByLabel('Your name').fill('Sam');
    const response = await warmed;
    expect(response.ok()).toBe(true);
    await response.finished();
    await phone.getByRole('button', { name: 'Join', exact: true }).click();
    await phone.getByRole('application', { name: /Stage map/ }).waitFor();
    // Fetched once, on the join page; the board opened from the browser's cache.
    expect(fetched).toHaveLength(1);
    await phone.context().close();
    await facilitator.context().close();
  });

  it('says so when the board code does not arrive, and loads it on Try again', async () => {
    const facilitator = await openPage(browser);
    await createWorkshopInUi(facilitator, srv.url, 'Flaky venue wifi');
    const boardCode = /\/assets\/BoardPage-[^/]+\.js$/;
    await facilitator.route(boardCode, (route) => route.abort('connectionreset'));
    await facilitator.reload();
    await facilitator.getByRole('alert').filter({ hasText: 'did not arrive' }).waitFor();
    await facilitator.unroute(boardCode);
    await facilitator.getByRole('button', { name: 'Try again' }).click();
    await facilitator.getByRole('application', { name: /Stage map/ }).waitFor();
    await facilitator.context().close();
  });

  it('undoes a run of arrow presses in one step, and redoes it', async () => {
    const facilitator = await openPage(browser);
    await createWorkshopInUi(facilitator, srv.url, 'Undo drill');
    // Colours are named for a screen reader, not read out as hex codes.
    await facilitator.getByRole('radio', { name: 'Teal', exact: true }).check();
    await facilitator.getByLabel('Team name').fill('Search');
    await facilitator.getByRole('button', { name: 'Add team' }).click();
    const current = marker(facilitator, 'Search', 'current');
    await current.focus();
    for (let i = 0; i < 3; i++) await facilitator.keyboard.press('ArrowRight');
    await expect.poll(() => current.getAttribute('aria-valuenow')).toBe('1.3');
    // Broke: each press was its own undo step, so three presses needed three undos.
    await facilitator.keyboard.press('ControlOrMeta+z');
    await expect.poll(() => current.getAttribute('aria-valuenow')).toBe('1');
    await facilitator.keyboard.press('ControlOrMeta+Shift+z');
    await expect.poll(() => current.getAttribute('aria-valuenow')).toBe('1.3');
    expect(await current.locator('.dot').evaluate((el) => getComputedStyle(el).fill)).toBe('rgb(8, 145, 178)');
    await facilitator.context().close();
  });
});
