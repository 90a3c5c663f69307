import type { Page, Route } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createWorkshopInUi, focused, joinCodeOf, joinInUi, openPage, useBrowser } from '../helpers/browser.ts';
import { useServer } from '../helpers/server.ts';

/**
 * Buttons that wait on a request (pick a group, open, close or cancel a vote, ask again) pressed from
 * the keyboard: a disabled button cannot hold the focus, so while one waited the keyboard user was
 * put back at the top of the page, and stayed there when the request failed or the button stayed.
 */
const srv = useServer();
const browser = useBrowser();
let facilitator: Page;
let code: string;

beforeAll(async () => {
  facilitator = await openPage(browser, { width: 1280, height: 800 });
  await createWorkshopInUi(facilitator, srv.url, 'Keyboard walkthrough');
  code = await joinCodeOf(facilitator);
  await facilitator.getByLabel('Team name').fill('Payments');
  await facilitator.getByLabel('Team name').press('Enter');
  await facilitator.getByRole('slider', { name: 'Payments: current stage' }).waitFor();
}, 60_000);

/** Holds each matching request until `release()`; counts them. */
function hold() {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const state = { calls: 0, release };
  const handler = async (route: Route) => {
    state.calls++;
    await gate;
    await route.continue();
  };
  return { state, handler };
}

/** Answers a request with a refusal, as a server that is busy would. */
const refuse = (route: Route) =>
  route.fulfill({ status: 503, contentType: 'application/json', body: JSON.stringify({ error: 'busy' }), headers: { 'retry-after': '1' } });

const panel = () => facilitator.getByRole('region', { name: 'Vote' });
const button = (name: string) => panel().getByRole('button', { name, exact: true });
async function enterOn(name: string) {
  await button(name).focus();
  await facilitator.keyboard.press('Enter');
}
/** Presses `name` by keyboard while its request is refused: once the refusal shows, the focus is still on `name`. */
async function refusedPress(name: string, url: string, method: string) {
  let refused = 0;
  const handler = (route: Route) => (route.request().method() === method ? (refused++, refuse(route)) : route.continue());
  await facilitator.route(url, handler);
  await enterOn(name);
  // Once the request is out, the last error is gone (the press cleared it); the next one is this refusal.
  await expect.poll(() => refused).toBe(1);
  await panel().getByRole('alert').filter({ hasText: 'not answering properly' }).waitFor();
  // Broke: the button went disabled while its request ran, and after the refusal the focus was on the page.
  expect(await focused(facilitator)).toBe(name);
  expect(await button(name).getAttribute('aria-disabled')).toBe('false');
  await facilitator.unroute(url, handler);
}

describe('a participant picking their breakout group by keyboard', () => {
  it('keeps the focus on the group pressed, and a second Enter while it is sent sends nothing more', async () => {
    const groups = facilitator.getByRole('region', { name: 'Breakout groups' });
    await groups.getByRole('button', { name: 'New group' }).click();
    await groups.getByRole('button', { name: 'New group' }).click();
    await groups.getByRole('combobox', { name: 'How people join groups' }).selectOption('pick');
    const ana = await openPage(browser, { width: 1280, height: 800 });
    await joinInUi(ana, srv.url, code, 'Ana');
    const first = ana.getByRole('group', { name: 'Breakout groups' }).getByRole('button', { name: /^Group 1 / });
    await first.waitFor();

    const { state, handler } = hold();
    await ana.route('**/groups/pick', handler);
    await first.focus();
    await ana.keyboard.press('Enter');
    await expect.poll(() => state.calls).toBe(1);
    // Broke: the button went disabled while the pick was sent and focus fell to the page, and stayed there.
    expect(await focused(ana)).toMatch(/^Group 1 /);
    expect(await first.getAttribute('aria-disabled')).toBe('true');
    await ana.keyboard.press('Enter');
    state.release();
    await expect.poll(() => first.getAttribute('aria-pressed')).toBe('true');
    await expect.poll(() => first.getAttribute('aria-disabled')).toBe('false');
    expect(await focused(ana)).toMatch(/^Group 1 /);
    expect(state.calls).toBe(1);
    await ana.context().close();
  });
});

describe('the facilitator’s vote buttons by keyboard, when the server refuses', () => {
  it('keeps the focus on Open vote, Close vote, Yes, cancel the vote and Ask again', async () => {
    const votes = '**/api/workshops/*/votes';
    await refusedPress('Open vote', votes, 'POST');

    await button('Open vote').click();
    await button('Close vote').waitFor();
    await refusedPress('Close vote', '**/api/workshops/*/votes/*/close', 'POST');

    await enterOn('Cancel vote…');
    await expect.poll(() => focused(facilitator)).toBe('Keep the vote');
    await refusedPress('Yes, cancel the vote', '**/api/workshops/*/votes/*', 'DELETE');
    await facilitator.keyboard.press('Tab');
    await facilitator.keyboard.press('Enter');
    await button('Cancel vote…').waitFor();

    await button('Close vote').click();
    await button('Ask again').waitFor();
    await refusedPress('Ask again', votes, 'POST');
  });

  it('sends one request for two presses of Ask again while the first is on its way', async () => {
    const { state, handler } = hold();
    await facilitator.route('**/api/workshops/*/votes', handler);
    await enterOn('Ask again');
    await expect.poll(() => state.calls).toBe(1);
    expect(await focused(facilitator)).toBe('Ask again');
    expect(await button('Ask again').getAttribute('aria-disabled')).toBe('true');
    await facilitator.keyboard.press('Enter');
    state.release();
    await panel().getByText('round 2').waitFor();
    expect(state.calls).toBe(1);
    await facilitator.unroute('**/api/workshops/*/votes', handler);
  });
});
