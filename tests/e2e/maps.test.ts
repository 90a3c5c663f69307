import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addTeam } from '../../shared/doc.ts';
import { createWorkshop } from '../helpers/api.ts';
import { createWorkshopInUi, dragBy, joinInUi, launch, openPage, screenshot } from '../helpers/browser.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { connect, synced } from '../helpers/yclient.ts';

let srv: TestServer;
let browser: Browser;

beforeAll(async () => {
  srv = await startServer();
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
  await srv?.close();
});

const diagonal = (page: Page) => page.getByRole('application', { name: /Risk diagonal/ });
const riskMarker = (page: Page, team: string) => diagonal(page).getByRole('slider', { name: `${team}: risk position` });
const point = async (page: Page, team: string) => {
  const m = riskMarker(page, team);
  return { autonomy: Number(await m.getAttribute('data-autonomy')), controls: Number(await m.getAttribute('data-controls')) };
};
const redFlagInList = (page: Page, team: string) =>
  page.getByRole('list', { name: 'Teams' }).getByRole('button', { name: `${team}, in the red zone: open` });

/** Screen position of a point on the chart, from the plot's own box, after bringing the chart into view. */
async function chartPoint(page: Page, autonomy: number, controls: number) {
  await diagonal(page).evaluate((el) => el.scrollIntoView({ block: 'center' }));
  const box = (await diagonal(page).locator('rect.plot').boundingBox())!;
  return { x: box.x + autonomy * box.width, y: box.y + (1 - controls) * box.height };
}

async function mouseDrag(page: Page, team: string, autonomy: number, controls: number) {
  const to = await chartPoint(page, autonomy, controls);
  const box = (await riskMarker(page, team).boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(to.x, to.y, { steps: 8 });
  await page.mouse.up();
}

/** A one-finger drag, as a phone sends it (touch events through the DevTools protocol). */
async function touchDrag(page: Page, team: string, autonomy: number, controls: number) {
  const to = await chartPoint(page, autonomy, controls);
  const box = (await riskMarker(page, team).boundingBox())!;
  const cdp = await page.context().newCDPSession(page);
  const from = { x: box.x + box.width / 2, y: box.y + box.height / 2 };
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [from] });
  for (let i = 1; i <= 8; i++) {
    const p = { x: from.x + ((to.x - from.x) * i) / 8, y: from.y + ((to.y - from.y) * i) / 8 };
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [p] });
  }
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
  await cdp.detach();
}

async function addTeamInUi(page: Page, name: string) {
  await page.getByLabel('Team name').fill(name);
  await page.getByRole('button', { name: 'Add team' }).click();
  await riskMarker(page, name).waitFor();
}

describe('the risk diagonal and the team panel', () => {
  it('places a team by drag and by keyboard on a desktop; the facilitator sees it and its red-zone flag', async () => {
    const facilitator = await openPage(browser);
    await createWorkshopInUi(facilitator, srv.url, 'Risk review');
    const code = (await facilitator.getByTestId('join-code').textContent())!.replace(/\s/g, '');
    const priya = await openPage(browser, { width: 1280, height: 900 });
    await joinInUi(priya, srv.url, code, 'Priya');
    await addTeamInUi(priya, 'Payments');
    expect(await riskMarker(priya, 'Payments').getAttribute('aria-valuetext')).toBe('not placed yet');

    // On the stage map a new team's target ring sits on its current dot. Tab reads the lane left to right,
    // a press at the centre of the two takes the dot, and the ring is dragged on its own once apart.
    const current = priya.getByRole('slider', { name: 'Payments: current stage' });
    const target = priya.getByRole('slider', { name: 'Payments: target stage' });
    await current.focus();
    await priya.keyboard.press('Tab');
    expect(await target.evaluate((el) => el === document.activeElement)).toBe(true);
    expect(await target.getAttribute('aria-valuenow')).toBe(await current.getAttribute('aria-valuenow'));
    // Just apart, the ring overlaps the dot: a press at the dot's centre still takes the dot.
    const targetField = priya.getByRole('table', { name: 'Teams' }).getByLabel('Payments: target stage');
    await targetField.fill('1.05');
    await targetField.press('Enter');
    await expect.poll(() => target.getAttribute('aria-valuenow')).toBe('1.05');
    const centre = async (l: typeof current, part: string) => {
      const b = (await l.locator(part).boundingBox())!;
      return b.x + b.width / 2;
    };
    await current.scrollIntoViewIfNeeded();
    const apart = (await centre(target, '.ring')) - (await centre(current, '.dot'));
    expect(apart).toBeGreaterThan(5);
    expect(apart).toBeLessThan(24); // inside the ring's band, where the ring used to take the press
    await dragBy(priya, '[data-field="stageCurrent"] .dot', 200);
    await expect.poll(async () => Number(await current.getAttribute('aria-valuenow'))).toBeGreaterThan(1.5);
    expect(await target.getAttribute('aria-valuenow')).toBe('1.05');
    await dragBy(priya, '[data-field="stageTarget"]', 300);
    await expect.poll(async () => Number(await target.getAttribute('aria-valuenow'))).toBeGreaterThan(1.5);

    // Drag from the tray into the red zone: high autonomy, few controls.
    await mouseDrag(priya, 'Payments', 0.8, 0.2);
    await expect.poll(async () => (await point(facilitator, 'Payments')).autonomy).toBeCloseTo(0.8, 1);
    expect((await point(facilitator, 'Payments')).controls).toBeCloseTo(0.2, 1);
    await expect.poll(() => redFlagInList(facilitator, 'Payments').count()).toBe(1);
    expect(await riskMarker(facilitator, 'Payments').getAttribute('aria-valuetext')).toMatch(/in the red zone/);
    await expect
      .poll(() => facilitator.getByRole('slider', { name: 'Payments: current stage' }).getAttribute('aria-valuetext'))
      .toMatch(/red zone/);

    // Shift+ArrowUp raises controls by a tenth; six presses take it onto the diagonal and the flag goes.
    await riskMarker(priya, 'Payments').focus();
    for (let i = 0; i < 6; i++) await priya.keyboard.press('Shift+ArrowUp');
    await priya.keyboard.press('ArrowRight');
    await expect.poll(async () => (await point(facilitator, 'Payments')).controls).toBeGreaterThan(0.75);
    await expect.poll(() => redFlagInList(facilitator, 'Payments').count()).toBe(0);
    const placed = await point(facilitator, 'Payments');
    expect(placed.autonomy).toBeCloseTo((await point(priya, 'Payments')).autonomy, 10);
    await screenshot(facilitator, 'maps-facilitator-desktop');
    await priya.context().close();
    await facilitator.context().close();
  }, 60_000);

  it('places a team by touch and by keyboard on a 375×667 phone, without sideways scrolling', async () => {
    const w = await createWorkshop(srv.url, 'Phone check');
    const facilitator = await openPage(browser);
    await facilitator.goto(w.facilitatorUrl);
    const context = await browser.newContext({
      viewport: { width: 375, height: 667 },
      hasTouch: true,
      isMobile: true,
      deviceScaleFactor: 2,
    });
    const phone = await context.newPage();
    phone.on('pageerror', (err) => console.error(`[page error] ${err.message}`));
    await joinInUi(phone, srv.url, w.joinCode, 'Sam');
    await addTeamInUi(phone, 'Mobile apps');

    const marker = riskMarker(phone, 'Mobile apps');
    await marker.scrollIntoViewIfNeeded();
    const box = (await marker.boundingBox())!;
    expect(Math.min(box.width, box.height)).toBeGreaterThanOrEqual(44);
    await touchDrag(phone, 'Mobile apps', 0.3, 0.6);
    await expect.poll(async () => (await point(facilitator, 'Mobile apps')).autonomy).toBeCloseTo(0.3, 1);
    expect((await point(facilitator, 'Mobile apps')).controls).toBeCloseTo(0.6, 1);

    await marker.focus();
    await phone.keyboard.press('Shift+ArrowRight');
    await expect
      .poll(async () => (await point(facilitator, 'Mobile apps')).autonomy)
      .toBeCloseTo((await point(phone, 'Mobile apps')).autonomy, 10);

    for (const name of ['Stage map', 'Risk diagonal']) {
      const svg = (await phone.getByRole('application', { name: new RegExp(name) }).boundingBox())!;
      expect(svg.x).toBeGreaterThanOrEqual(0);
      expect(svg.x + svg.width).toBeLessThanOrEqual(375);
    }
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    const stageMarker = (await phone.getByRole('slider', { name: 'Mobile apps: current stage' }).boundingBox())!;
    expect(Math.min(stageMarker.width, stageMarker.height)).toBeGreaterThanOrEqual(44);
    await phone.evaluate(() => window.scrollTo(0, 0));
    await screenshot(phone, 'maps-phone-375x667');
    await context.close();
    await facilitator.context().close();
  }, 60_000);

  it('deletes a team after confirmation and brings it back with Undo', async () => {
    const facilitator = await openPage(browser);
    await createWorkshopInUi(facilitator, srv.url, 'Undo drill');
    const code = (await facilitator.getByTestId('join-code').textContent())!.replace(/\s/g, '');
    const lee = await openPage(browser);
    await joinInUi(lee, srv.url, code, 'Lee');
    await addTeamInUi(lee, 'Data');
    await riskMarker(lee, 'Data').focus();
    await lee.keyboard.press('Shift+ArrowRight');
    await expect.poll(async () => (await point(facilitator, 'Data')).autonomy).toBe(0.1);

    await lee.getByRole('list', { name: 'Teams' }).getByRole('button', { name: /^Data/ }).click();
    const panel = lee.getByRole('dialog', { name: 'Data' });
    await panel.getByLabel('Owner').fill('Ana');
    await panel.getByRole('button', { name: 'Delete team…' }).click();
    await panel.getByRole('button', { name: 'Delete Data' }).click();
    await expect.poll(() => riskMarker(facilitator, 'Data').count()).toBe(0);

    await lee.getByRole('status').filter({ hasText: 'Deleted Data.' }).getByRole('button', { name: 'Undo' }).click();
    await expect.poll(() => riskMarker(facilitator, 'Data').count()).toBe(1);
    expect((await point(facilitator, 'Data')).autonomy).toBe(0.1);
    await expect.poll(() => facilitator.getByRole('list', { name: 'Teams' }).getByText('Ana').count()).toBe(1);
    await lee.context().close();
    await facilitator.context().close();
  }, 60_000);

  it('shows the chosen framework’s labels when the workshop is created with another template', async () => {
    const facilitator = await openPage(browser);
    await createWorkshopInUi(facilitator, srv.url, 'Notion levels', 'notion-ai-transformation');
    const stageMap = facilitator.getByRole('application', { name: /Stage map/ });
    await expect.poll(() => stageMap.getByText('AI as the System').count()).toBe(1);
    expect(await stageMap.getByText('Level 4').count()).toBe(1);
    expect(await stageMap.getByText('AI-assisted').count()).toBe(0);
    expect(await diagonal(facilitator).getByText('Runs processes end to end').count()).toBe(1);

    const aws = await openPage(browser);
    await createWorkshopInUi(aws, srv.url, 'AWS lifecycle', 'aws-ai-dlc');
    await expect
      .poll(() =>
        aws
          .getByRole('application', { name: /Stage map/ })
          .getByText('Inception')
          .count(),
      )
      .toBe(1);
    await aws.context().close();
    await facilitator.context().close();
  }, 60_000);
});

describe('the projector', () => {
  it('shows both maps, big and read-only, at 1920×1080 and 1280×720', async () => {
    const w = await createWorkshop(srv.url, 'Platform leadership offsite');
    const seed = connect(srv.wsUrl, w.id, w.facilitatorKey);
    await synced(seed);
    const teams = [
      {
        name: 'Payments',
        color: '#2563eb',
        stageCurrent: 1.4,
        stageTarget: 2.2,
        autonomy: 0.72,
        controls: 0.3,
        reliance: 'guardrails',
        bottleneck: 'Review and evaluation',
        autonomyTarget: 0.75,
        controlsTarget: 0.8,
      },
      {
        name: 'Platform',
        color: '#16a34a',
        stageCurrent: 2.1,
        stageTarget: 2.8,
        autonomy: 0.55,
        controls: 0.62,
        reliance: 'guarantees',
        bottleneck: 'Trust, security and validation',
      },
      {
        name: 'Mobile apps',
        color: '#9333ea',
        stageCurrent: 1,
        stageTarget: 1.6,
        autonomy: 0.2,
        controls: 0.75,
        reliance: 'mixed',
        bottleneck: 'Test coverage',
      },
      { name: 'Data and analytics engineering', color: '#ea580c', stageCurrent: 1.2, stageTarget: 2, autonomy: 0.56, controls: 0.6 },
    ] as const;
    teams.forEach((t, i) => addTeam(seed.doc, `team-${i}`, { ...t, createdAt: i + 1 }));
    // A value out of range and one of the wrong type are ignored, not drawn and not fatal.
    seed.doc.getMap('teams').set('broken', new (await import('yjs')).Map());
    addTeam(seed.doc, 'odd', { name: 'Odd values', color: '#0891b2', createdAt: 9 });
    const odd = seed.doc.getMap('teams').get('odd') as import('yjs').Map<unknown>;
    odd.set('autonomy', 7);
    odd.set('stageCurrent', 'three');

    for (const size of [
      { width: 1920, height: 1080 },
      { width: 1280, height: 720 },
    ]) {
      const page = await openPage(browser, size);
      await page.goto(w.observerUrl);
      await riskMarker(page, 'Payments').waitFor();
      expect(await page.getByRole('button', { name: 'Add team' }).count()).toBe(0);
      expect(await redFlagInList(page, 'Payments').count()).toBe(0); // the list is chrome the projector hides
      expect(await riskMarker(page, 'Payments').getAttribute('aria-valuetext')).toMatch(/in the red zone/);
      expect(await diagonal(page).getByText('Not placed yet: Odd values').count()).toBe(1);
      await screenshot(page, `maps-projector-${size.width}x${size.height}`);
      // No chrome and no scrolling: both maps fit the screen.
      for (const name of ['Stage map', 'Risk diagonal']) {
        const map = (await page.getByRole('application', { name: new RegExp(name) }).boundingBox())!;
        expect(map.y + map.height).toBeLessThanOrEqual(size.height);
        expect(map.x + map.width).toBeLessThanOrEqual(size.width);
      }
      // The first step shows the room how to join; the code never pushes the maps off the screen (checked above).
      const invite = page.getByRole('region', { name: 'Invite participants' });
      expect(await invite.getByTestId('join-code').textContent()).toBe(`${w.joinCode.slice(0, 3)} ${w.joinCode.slice(3)}`);
      expect(await invite.getByRole('button').count()).toBe(0); // nothing to click on a projector
      await page.context().close();
    }
    // Past the first step the code moves to a corner of the top bar, for latecomers.
    const page = await openPage(browser, { width: 1920, height: 1080 });
    await page.goto(w.observerUrl);
    await page.getByRole('region', { name: 'Invite participants' }).waitFor();
    seed.doc.getMap('control').set('step', 1);
    await page.getByRole('region', { name: 'Invite participants' }).waitFor({ state: 'detached' });
    expect(await page.getByTestId('header-join').textContent()).toContain(`${w.joinCode.slice(0, 3)} ${w.joinCode.slice(3)}`);
    // A live vote sits beside the step; the maps still fit a 720-line screen.
    const vote = await fetch(`${srv.url}/api/workshops/${w.id}/votes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${w.facilitatorKey}` },
      body: JSON.stringify({ question: 'Where is Payments on the risk diagonal?', kind: 'risk', teamId: 'team-0' }),
    });
    expect(vote.status).toBe(201);
    const small = await openPage(browser, { width: 1280, height: 720 });
    await small.goto(w.observerUrl);
    await small.getByRole('region', { name: 'Vote in progress' }).waitFor();
    for (const name of ['Stage map', 'Risk diagonal']) {
      const map = (await small.getByRole('application', { name: new RegExp(name) }).boundingBox())!;
      expect(map.y + map.height).toBeLessThanOrEqual(720);
    }
    await screenshot(small, 'maps-projector-vote-1280x720');
    await small.context().close();

    // The facilitator can take it off the projector, and put it back.
    seed.doc.getMap('control').set('showJoin', false);
    await page.getByTestId('header-join').waitFor({ state: 'detached' });
    seed.doc.getMap('control').set('showJoin', true);
    await page.getByTestId('header-join').waitFor();
    await page.context().close();
    seed.destroy();
  }, 60_000);
});
