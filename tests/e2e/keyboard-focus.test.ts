import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createWorkshopInUi, focused, joinCodeOf, joinInUi, openPage, useBrowser } from '../helpers/browser.ts';
import { useServer } from '../helpers/server.ts';

/**
 * A facilitator driving the room from the keyboard alone: a button that goes with the state it
 * changed ("Start timer" becomes "Pause") must not drop the focus onto the page, where the next Tab
 * starts again at the skip links, thirty stops from the toolbar.
 */
const srv = useServer();
const browser = useBrowser();
let facilitator: Page;
let code: string;

beforeAll(async () => {
  facilitator = await openPage(browser, { width: 1366, height: 768 });
  await createWorkshopInUi(facilitator, srv.url, 'Keyboard drill');
  code = await joinCodeOf(facilitator);
  await facilitator.getByLabel('Team name').fill('Payments');
  await facilitator.getByLabel('Team name').press('Enter');
  await facilitator.getByRole('slider', { name: 'Payments: current stage' }).waitFor();
}, 60_000);

/** Focuses a button by its name and presses Enter on it, as a keyboard user does. */
async function press(p: Page, name: string) {
  const button = p.getByRole('button', { name, exact: true });
  await button.focus();
  await p.keyboard.press('Enter');
}

describe('the facilitator keeps the focus where they were working', () => {
  it('stays on the timer as Start becomes Pause, Pause becomes Resume, and Stop gives Start back', async () => {
    const bar = facilitator.getByRole('toolbar', { name: 'Facilitator controls' });
    await press(facilitator, 'Start timer');
    await bar.getByRole('button', { name: 'Pause' }).waitFor();
    // Broke: focus fell to the page; the next Tab went to "Skip to the stage map".
    await expect.poll(() => focused(facilitator)).toBe('Pause');
    await facilitator.keyboard.press('Enter');
    await expect.poll(() => focused(facilitator)).toBe('Resume');
    await press(facilitator, 'Stop timer');
    await expect.poll(() => focused(facilitator)).toBe('Start timer');
    await facilitator.keyboard.press('Tab');
    expect(await focused(facilitator)).toBe('Spotlight a team');
  });

  it('puts the focus on the vote panel’s heading as opening, closing and revealing take the pressed button away', async () => {
    const panel = facilitator.getByRole('region', { name: 'Vote' });
    const heading = panel.getByRole('heading', { name: 'Vote', exact: true });
    const onHeading = () => heading.evaluate((h) => document.activeElement === h);
    await press(facilitator, 'Open vote');
    await panel.getByRole('button', { name: 'Close vote' }).waitFor();
    // Broke: each of the three left the focus on the page itself.
    await expect.poll(onHeading).toBe(true);
    // Not onto the next button: a second Enter there would have closed the vote just opened.
    await facilitator.keyboard.press('Tab');
    expect(await focused(facilitator)).toBe('Close vote');
    await facilitator.keyboard.press('Enter');
    await panel.locator('[data-vote-state="closed"]').waitFor();
    await expect.poll(onHeading).toBe(true);
    await press(facilitator, 'Reveal results');
    await panel.getByRole('button', { name: 'Ask again' }).waitFor();
    await expect.poll(onHeading).toBe(true);
  });

  it('puts the focus on the Participants heading once the person removed has gone', async () => {
    const sam = await openPage(browser, { width: 1366, height: 768 });
    await joinInUi(sam, srv.url, code, 'Sam');
    const people = facilitator.getByRole('region', { name: /Participants/ });
    await people.getByTestId('participant-name').filter({ hasText: 'Sam' }).waitFor();
    await press(facilitator, 'Remove…');
    await expect.poll(() => focused(facilitator)).toBe('Keep Sam');
    await facilitator.keyboard.press('Shift+Tab');
    expect(await focused(facilitator)).toBe('Remove Sam');
    await facilitator.keyboard.press('Enter');
    await people.getByTestId('participant-name').filter({ hasText: 'Sam' }).waitFor({ state: 'detached' });
    // Broke: the row went with the focused button, and the focus with it.
    await expect.poll(() => people.getByRole('heading', { level: 2 }).evaluate((h) => document.activeElement === h)).toBe(true);
    await sam.context().close();
  });
});

describe('a participant keeps the focus when the view changes under it', () => {
  let ada: Page;
  beforeAll(async () => {
    ada = await openPage(browser, { width: 1366, height: 768 });
    await joinInUi(ada, srv.url, code, 'Ada');
    await ada.getByRole('slider', { name: 'Payments: current stage' }).waitFor();
  });
  const onStepTitle = () => ada.locator('.step-title').evaluate((h) => document.activeElement === h);

  it('lands on the step’s title after “Back to the live step”, which goes as it is pressed', async () => {
    const agenda = ada.getByRole('navigation', { name: 'Agenda' });
    await agenda.getByRole('button', { name: /Risk diagonal/ }).focus();
    await ada.keyboard.press('Enter');
    await press(ada, 'Back to the live step');
    await ada.getByRole('button', { name: 'Back to the live step' }).waitFor({ state: 'detached' });
    // Broke: the focus went with the button; the next Tab started at the skip links.
    await expect.poll(onStepTitle).toBe(true);
  });

  it('lands on the step’s title when the reveal takes the ballot it was on', async () => {
    const panel = facilitator.getByRole('region', { name: 'Vote' });
    await panel.getByRole('button', { name: 'Ask again' }).click();
    const slider = ada.getByRole('slider', { name: /Your vote/ });
    await slider.focus();
    await ada.keyboard.press('ArrowRight');
    await ada.keyboard.press('Tab');
    expect(await focused(ada)).toBe('Submit my vote');
    await ada.keyboard.press('Enter');
    await ada.getByTestId('vote-in').waitFor();
    await panel.getByRole('button', { name: 'Reveal results' }).click();
    await ada.getByRole('button', { name: 'Change my vote' }).waitFor({ state: 'detached' });
    await expect.poll(onStepTitle).toBe(true);
  });
});
