import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type * as Y from 'yjs';
import { addTeam, ROOTS } from '../../shared/doc.ts';
import { createWorkshop } from '../helpers/api.ts';
import { createWorkshopInUi, dragBy, joinCodeOf, joinInUi, openPage, openPhone, screenshot, useBrowser } from '../helpers/browser.ts';
import { diagonal, point, redFlagInList, riskMarker } from '../helpers/maps.ts';
import { useServer } from '../helpers/server.ts';
import { connect, synced } from '../helpers/yclient.ts';

const srv = useServer();
const browser = useBrowser();

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
    const code = await joinCodeOf(facilitator);
    const priya = await openPage(browser, { width: 1280, height: 900 });
    await joinInUi(priya, srv.url, code, 'Priya');
    await addTeamInUi(priya, 'Payments');
    expect(await riskMarker(priya, 'Payments').getAttribute('aria-valuetext')).toBe('not placed yet');
    // Broke: at 1280 px the square chart was taller than the screen, its tray below the fold.
    // Chart and tray fit under the top bar, so one drag takes a team from the tray to the top.
    await priya.setViewportSize({ width: 1280, height: 720 });
    const fit = () =>
      priya.getByRole('application', { name: /Risk diagonal/ }).evaluate((svg) => {
        const room = innerHeight - (document.querySelector('header')?.getBoundingClientRect().height ?? 0);
        const chart = svg.getBoundingClientRect().height;
        return chart <= room && chart > room * 0.7;
      });
    await expect.poll(fit).toBe(true);
    await priya.setViewportSize({ width: 1280, height: 900 });

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
    // Shown to one decimal, as its value text says it.
    await expect.poll(() => target.getAttribute('aria-valuenow')).toBe('1.1');
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
    // The dot moved (had the ring taken the press, the dot would still be at 1), and pushed the ring along.
    expect(await target.getAttribute('aria-valuenow')).toBe(await current.getAttribute('aria-valuenow'));
    // Together again, the ring is taken by its outline, and pulled ahead of the dot.
    await dragBy(priya, '[data-field="stageTarget"] .ring', 300, 0, 'right edge');
    await expect
      .poll(async () => Number(await target.getAttribute('aria-valuenow')))
      .toBeGreaterThan(Number(await current.getAttribute('aria-valuenow')) + 0.3);

    // A drag that stays in the tray places nothing (the drop writes at once, so this reads the page's own copy).
    await riskMarker(priya, 'Payments').scrollIntoViewIfNeeded();
    const inTray = (await riskMarker(priya, 'Payments').boundingBox())!;
    await priya.mouse.move(inTray.x + inTray.width / 2, inTray.y + inTray.height / 2);
    await priya.mouse.down();
    await priya.mouse.move(inTray.x + inTray.width / 2 + 60, inTray.y + inTray.height / 2, { steps: 4 });
    await priya.mouse.up();
    expect(await riskMarker(priya, 'Payments').getAttribute('aria-valuetext')).toBe('not placed yet');

    // Drag from the tray into the red zone: high autonomy, few controls.
    await mouseDrag(priya, 'Payments', 0.8, 0.2);
    // The drag reaches the facilitator a move at a time: wait for where it ended, both coordinates together
    // (broke: autonomy was already there on the way up from the tray, and controls read once was not).
    await expect.poll(() => point(facilitator, 'Payments')).toEqual({ autonomy: expect.closeTo(0.8, 1), controls: expect.closeTo(0.2, 1) });
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
    // The last press (ArrowRight) may reach the facilitator a frame after the flag went: wait for it.
    const mine = await point(priya, 'Payments');
    await expect.poll(async () => (await point(facilitator, 'Payments')).autonomy).toBeCloseTo(mine.autonomy, 10);
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
    // Broke: the empty map's one-line note ran past both edges; and the hint spoke of arrow keys and clicks.
    const empty = await phone.locator('text.empty').evaluate((t) => {
      const box = t.getBoundingClientRect();
      const map = t.closest('svg')!.getBoundingClientRect();
      return box.left >= map.left && box.right <= map.right;
    });
    expect(empty).toBe(true);
    expect(await phone.getByText('Drag a marker with your finger').isVisible()).toBe(true);
    expect(await phone.getByText(/use the arrow keys/).isVisible()).toBe(false);
    await addTeamInUi(phone, 'Mobile apps');

    const marker = riskMarker(phone, 'Mobile apps');
    await marker.scrollIntoViewIfNeeded();
    const box = (await marker.boundingBox())!;
    expect(Math.min(box.width, box.height)).toBeGreaterThanOrEqual(44);
    await touchDrag(phone, 'Mobile apps', 0.3, 0.6);
    await expect
      .poll(() => point(facilitator, 'Mobile apps'))
      .toEqual({ autonomy: expect.closeTo(0.3, 1), controls: expect.closeTo(0.6, 1) });

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
    await phone.context().close();
    await facilitator.context().close();
  }, 60_000);

  it('deletes a team after confirmation and brings it back with Undo', async () => {
    const facilitator = await openPage(browser);
    await createWorkshopInUi(facilitator, srv.url, 'Undo drill');
    const code = await joinCodeOf(facilitator);
    const lee = await openPage(browser);
    await joinInUi(lee, srv.url, code, 'Lee');
    await addTeamInUi(lee, 'Data');
    await riskMarker(lee, 'Data').focus();
    await lee.keyboard.press('Shift+ArrowRight');
    await expect.poll(async () => (await point(facilitator, 'Data')).autonomy).toBe(0.1);

    await lee.getByRole('list', { name: 'Teams' }).getByRole('button', { name: /^Data/ }).click();
    const panel = lee.getByRole('dialog', { name: 'Data' });
    await panel.getByLabel('Owner').fill('Ana');
    // A drag that starts in the sheet (selecting text) and ends out on the board leaves it open.
    const owner = (await panel.getByLabel('Owner').boundingBox())!;
    await lee.mouse.move(owner.x + 10, owner.y + owner.height / 2);
    await lee.mouse.down();
    await lee.mouse.move(5, 300, { steps: 4 });
    await lee.mouse.up();
    expect(await panel.isVisible()).toBe(true);
    // A press on the dimmed board around the sheet closes it; what was typed is kept.
    await lee.mouse.click(5, 300);
    await panel.waitFor({ state: 'hidden' });
    await lee.getByRole('list', { name: 'Teams' }).getByRole('button', { name: /^Data/ }).click();
    expect(await panel.getByLabel('Owner').inputValue()).toBe('Ana');
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

  it('keeps focus in the name field after Add team, says so, and gives each new team a colour not yet used', async () => {
    const page = await openPage(browser);
    await createWorkshopInUi(page, srv.url, 'Keyboard adds');
    const form = page.getByRole('form', { name: 'Add a team' });
    const name = form.getByLabel('Team name');
    const colour = () => form.locator('input[name="team-color"]:checked').inputValue();
    const focusedLabel = () =>
      page.evaluate(() => document.activeElement?.closest('label')?.textContent?.trim() ?? document.activeElement?.tagName);
    // A keyboard user: type, Tab past the colours to the button, press it.
    await name.fill('Payments');
    const first = await colour();
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Add team');
    await page.keyboard.press('Enter');
    await page.getByRole('slider', { name: 'Payments: current stage' }).waitFor();
    // Broke: the button went disabled under focus, and focus fell to the page.
    expect(await focusedLabel()).toBe('Team name');
    expect(await form.getByRole('status').textContent()).toBe('Added Payments to the stage map.');

    // The next team is offered a colour nobody has; the used one is marked for everyone.
    await expect.poll(colour).not.toBe(first);
    expect(await form.getByRole('radio', { name: /\(in use\)$/ }).count()).toBe(1);
    expect(await form.locator('input[name="team-color"]:checked').getAttribute('aria-label')).not.toContain('in use');
    await page.keyboard.type('Mobile');
    await page.keyboard.press('Enter');
    await page.getByRole('slider', { name: 'Mobile: current stage' }).waitFor();
    expect(await focusedLabel()).toBe('Team name');
    const swatches = page.getByRole('table', { name: 'Teams' }).locator('.swatch');
    await expect.poll(() => swatches.count()).toBe(2);
    const colours = await swatches.evaluateAll((els) => els.map((el) => el.getAttribute('style')));
    expect(new Set(colours).size).toBe(2);

    // The team's own colour picker marks the other team's colour.
    await page
      .getByRole('list', { name: 'Teams' })
      .getByRole('button', { name: /^Mobile/ })
      .click();
    const dialog = page.getByRole('dialog', { name: 'Mobile' });
    const inUse = dialog.getByRole('radiogroup', { name: 'Colour' }).getByRole('radio', { name: /\(in use\)$/ });
    expect(await inUse.count()).toBe(1);
    expect(await inUse.getAttribute('aria-checked')).toBe('false');
    await screenshot(page, 'maps-colour-in-use');
    await page.context().close();
  });

  it('leaves a team deleted while someone drags it deleted, and the dragger carries on', async () => {
    const w = await createWorkshop(srv.url, 'Mid-drag delete');
    const facilitator = connect(srv.wsUrl, w.id, w.facilitatorKey);
    await synced(facilitator);
    const sam = await openPage(browser);
    const errors: string[] = [];
    sam.on('pageerror', (e) => errors.push(e.message));
    await joinInUi(sam, srv.url, w.joinCode, 'Sam');
    await addTeamInUi(sam, 'Payments');
    const teams = facilitator.doc.getMap(ROOTS.teams);
    await expect.poll(() => teams.size).toBe(1);
    const id = [...teams.keys()][0]!;

    // Sam is halfway through dragging Payments' dot when the facilitator deletes the team.
    const dot = sam.locator('[data-field="stageCurrent"] .dot').first();
    await dot.scrollIntoViewIfNeeded();
    const box = (await dot.boundingBox())!;
    await sam.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await sam.mouse.down();
    await sam.mouse.move(box.x + 80, box.y + box.height / 2, { steps: 4 });
    teams.delete(id);
    await sam.getByRole('slider', { name: 'Payments: current stage' }).waitFor({ state: 'detached' });
    await sam.mouse.move(box.x + 160, box.y + box.height / 2, { steps: 4 });
    await sam.mouse.up();

    // Sam's next change lands after anything the drag still had to send: Payments never comes back.
    await addTeamInUi(sam, 'Checkout');
    await expect.poll(() => [...teams.values()].map((t) => (t as Y.Map<unknown>).get('name'))).toEqual(['Checkout']);
    expect(teams.has(id)).toBe(false);
    expect(await sam.getByRole('slider', { name: /^Payments/ }).count()).toBe(0);
    // And the map still answers Sam: the new team's dot drags.
    await dragBy(sam, '[data-field="stageCurrent"] .dot', 120);
    await expect.poll(() => (teams.values().next().value as Y.Map<unknown>).get('stageCurrent') as number | undefined).toBeGreaterThan(1.2);
    expect(errors).toEqual([]);
    facilitator.destroy();
    await sam.context().close();
  }, 60_000);

  it('fans out teams placed at the same point so each can be seen and dragged, with a line back to where they are', async () => {
    const w = await createWorkshop(srv.url, 'Same point');
    const facilitator = connect(srv.wsUrl, w.id, w.facilitatorKey);
    await synced(facilitator);
    for (const [id, name] of [
      ['t-pay', 'Payments'],
      ['t-chk', 'Checkout'],
    ]) {
      addTeam(facilitator.doc, id!, { name: name!, color: id === 't-pay' ? '#1f77b4' : '#d62728', autonomy: 0.6, controls: 0.7 });
    }
    const sam = await openPage(browser);
    await joinInUi(sam, srv.url, w.joinCode, 'Sam');
    await riskMarker(sam, 'Checkout').waitFor();
    await diagonal(sam).evaluate((el) => el.scrollIntoView({ block: 'center' }));

    const centre = async (team: string) => {
      const b = (await riskMarker(sam, team).locator('.shape').boundingBox())!;
      return { x: b.x + b.width / 2, y: b.y + b.height / 2, size: b.width };
    };
    const a = await centre('Payments');
    const b = await centre('Checkout');
    // Side by side rather than one on top of the other, and both still say where they are.
    expect(Math.hypot(a.x - b.x, a.y - b.y)).toBeGreaterThanOrEqual(a.size);
    expect(await point(sam, 'Payments')).toEqual({ autonomy: 0.6, controls: 0.7 });
    expect(await point(sam, 'Checkout')).toEqual({ autonomy: 0.6, controls: 0.7 });
    expect(await diagonal(sam).locator('.hub[data-hub="2"] line').count()).toBe(2);
    await screenshot(sam, 'risk-same-point');

    // The one underneath before can be grabbed: Sam drags Checkout away, and both are alone again.
    await mouseDrag(sam, 'Checkout', 0.3, 0.4);
    const teams = facilitator.doc.getMap(ROOTS.teams);
    await expect.poll(() => (teams.get('t-chk') as Y.Map<unknown>).get('autonomy') as number).toBeCloseTo(0.3, 1);
    expect((teams.get('t-pay') as Y.Map<unknown>).get('autonomy')).toBe(0.6);
    await expect.poll(() => diagonal(sam).locator('.hub').count()).toBe(0);
    facilitator.destroy();
    await sam.context().close();
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

/** Each lane's arrow as drawn (x1 → x2), if it has one, by team id. */
const laneArrows = (page: Page) =>
  page.locator('g.lane').evaluateAll((lanes) =>
    lanes.map((g) => {
      const line = g.querySelector('line.arrow');
      return { id: g.getAttribute('data-lane')!, arrow: line ? Number(line.getAttribute('x2')) - Number(line.getAttribute('x1')) : null };
    }),
  );

describe('the stage map', () => {
  it('points each arrow from where a team is towards its target, and draws none where there is no room for one', async () => {
    const w = await createWorkshop(srv.url, 'Arrows');
    const facilitator = connect(srv.wsUrl, w.id, w.facilitatorKey);
    await synced(facilitator);
    const lanes = [
      { id: 'near', name: 'Slightly ahead', stageCurrent: 1.3, stageTarget: 1.6 },
      { id: 'far', name: 'Far ahead', stageCurrent: 1.2, stageTarget: 2.8 },
      { id: 'back', name: 'Stepping back', stageCurrent: 2.7, stageTarget: 1.5 },
      { id: 'still', name: 'Staying', stageCurrent: 2, stageTarget: 2 },
    ];
    lanes.forEach(({ id, ...t }, i) => addTeam(facilitator.doc, id, { ...t, color: '#2563eb', createdAt: i + 1 }));
    const phone = await openPhone(browser);
    await joinInUi(phone, srv.url, w.joinCode, 'Sam');
    await phone.getByRole('slider', { name: 'Staying: current stage' }).waitFor();
    const drawn = new Map((await laneArrows(phone)).map((a) => [a.id, a.arrow]));
    // Broke: 1.3 → 1.6 on a phone drew a line from right of the dot to left of it, its head inside the ring.
    for (const t of lanes) {
      const arrow = drawn.get(t.id);
      if (arrow !== null) expect(Math.sign(arrow!), t.name).toBe(Math.sign(t.stageTarget - t.stageCurrent));
    }
    expect(drawn.get('near')).toBeNull();
    expect(drawn.get('far')).toBeGreaterThan(0);
    expect(drawn.get('back')).toBeLessThan(0);
    expect(drawn.get('still')).toBeNull();
    await phone.getByRole('application', { name: /Stage map/ }).scrollIntoViewIfNeeded();
    await screenshot(phone, 'stage-arrows-phone-390');
    facilitator.destroy();
    await phone.context().close();
  }, 60_000);
});
