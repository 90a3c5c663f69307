import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkshopInUi, joinCodeOf, joinInUi, openPage, useBrowser } from '../helpers/browser.ts';
import { useServer } from '../helpers/server.ts';
import { connect, synced, type Client } from '../helpers/yclient.ts';
import { ROOTS } from '../../shared/doc.ts';

/**
 * What a participant using a screen reader is told of the room, and what they are spared. The
 * news comes through one polite live region that is on the page before anything happens: a region
 * inserted together with its text (the lock banner, the timer's "Time is up") is often not read.
 */
const srv = useServer();
const browser = useBrowser();
let facilitator: Page;
let ada: Page;
let f: Client;
/** Ada's live region, as it was when her board opened. */
let news: Locator;

beforeAll(async () => {
  facilitator = await openPage(browser, { width: 1366, height: 768 });
  const id = await createWorkshopInUi(facilitator, srv.url, 'Screen reader drill');
  const code = await joinCodeOf(facilitator);
  f = connect(srv.wsUrl, id, new URLSearchParams(new URL(facilitator.url()).hash.slice(1)).get('key')!);
  await synced(f);
  await facilitator.getByLabel('Team name').fill('Payments');
  await facilitator.getByLabel('Team name').press('Enter');
  ada = await openPage(browser, { width: 1366, height: 768 });
  await joinInUi(ada, srv.url, code, 'Ada');
  await ada.getByRole('slider', { name: 'Payments: current stage' }).waitFor();
  news = ada.getByTestId('board-news');
  // There, empty, before anything happened: nothing is read as the page opens.
  expect(await news.getAttribute('role')).toBe('status');
  expect((await news.textContent())!.trim()).toBe('');
  await news.evaluate((el) => ((window as unknown as { newsAtLoad: Element }).newsAtLoad = el));
}, 60_000);

afterAll(() => f.destroy());

const said = async () => (await news.textContent())!.replace(/\u00a0/g, ' ').trim();
/** Whether the region now speaking is the one there since the page opened (not one inserted with its text). */
const sameRegion = () => news.evaluate((el) => el === (window as unknown as { newsAtLoad: Element }).newsAtLoad);
const bar = () => facilitator.getByRole('toolbar', { name: 'Facilitator controls' });

describe('a participant’s screen reader hears the room change', () => {
  it('is told the board is locked and unlocked', async () => {
    await bar().getByRole('button', { name: 'Lock board' }).click();
    // Broke: the banner carried its own role="status" and came with its text, which is seldom read.
    await expect.poll(said).toBe('The facilitator locked the board.');
    expect(await sameRegion()).toBe(true);
    expect(await ada.getByText('The facilitator has locked the board.').getAttribute('role')).toBeNull();
    await bar().getByRole('button', { name: 'Unlock board' }).click();
    await expect.poll(said).toBe('The board is unlocked: you can move your teams again.');
  });

  it('is told a vote opened with its question, and when it closed and was revealed, but not each ballot cast', async () => {
    const panel = facilitator.getByRole('region', { name: 'Vote' });
    await panel.getByRole('button', { name: 'Open vote' }).click();
    await expect.poll(said).toBe('Vote open: Where is Payments on the stage map?');
    // Broke: the card's "0 of 1 voted" was a live region too, read to every voter at each ballot anyone cast.
    const card = ada.getByRole('region', { name: 'Where is Payments on the stage map?' });
    expect(
      await card
        .locator('[aria-live], [role="status"]')
        .filter({ has: ada.getByTestId('vote-count') })
        .count(),
    ).toBe(0);
    // The facilitator, waiting for the room, still hears the count. (The open vote reaches the facilitator's
    // page on its own socket: Ada having it says nothing of that page.)
    await expect.poll(() => panel.getByRole('status', { name: 'Votes cast' }).count()).toBe(1);
    await panel.getByRole('button', { name: 'Close vote' }).click();
    await expect.poll(said).toBe('Vote closed. The results come when the facilitator reveals them.');
    await panel.getByRole('button', { name: 'Reveal results' }).click();
    await expect.poll(said).toBe('Results revealed: Where is Payments on the stage map?');
  });

  it('is told a timer started and that time is up', async () => {
    await bar().getByRole('button', { name: 'Start timer' }).click();
    await expect.poll(said).toBe('Timer: 5 min.');
    f.doc.getMap(ROOTS.control).set('timer', { endsAt: Date.now() - 1000, durationMs: 5 * 60_000, pausedRemainingMs: null });
    await expect.poll(said).toBe('Time is up.');
    expect(await sameRegion()).toBe(true);
    // The badge still says so on screen, without a live region of its own coming and going.
    expect(await ada.getByRole('timer').getByText('Time is up').getAttribute('role')).toBeNull();
    // The facilitator, who started it, hears only that it ran out.
    await expect.poll(() => facilitator.getByTestId('board-news').textContent()).toContain('Time is up.');
    f.doc.getMap(ROOTS.control).set('timer', null);
  });

  it('is told where follow-me took the screen', async () => {
    await bar().getByRole('button', { name: 'Follow me' }).click();
    await bar().getByRole('button', { name: 'Next step' }).click();
    await expect.poll(said).toBe('Step 2 of 8: Where is your team today?');
  });
});
