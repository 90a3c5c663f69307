import type { Locator, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createWorkshopInUi, joinCodeOf, joinInUi, openPage, screenshot, SCREENSHOTS, useBrowser } from '../helpers/browser.ts';
import { useServer } from '../helpers/server.ts';

const srv = useServer();
const browser = useBrowser();
let facilitator: Page;
let alice: Page;
let bob: Page;
/** Projectors at the two sizes the room's screens have. */
let projectors: Page[];

const BALLOT = "Your vote: Payments's stage";
const QUESTION = 'Where is Payments on the stage map?';

beforeAll(async () => {
  facilitator = await openPage(browser, { width: 1280, height: 900 });
  const id = await createWorkshopInUi(facilitator, srv.url, 'Cancel drill');
  const code = await joinCodeOf(facilitator);
  alice = await openPage(browser, { width: 1100, height: 800 });
  bob = await openPage(browser, { width: 375, height: 812 });
  await joinInUi(alice, srv.url, code, 'Alice');
  await joinInUi(bob, srv.url, code, 'Bob');
  const key = new URLSearchParams(new URL(facilitator.url()).hash.slice(1)).get('key')!;
  const session = await (await fetch(`${srv.url}/api/workshops/${id}/session`, { headers: { authorization: `Bearer ${key}` } })).json();
  projectors = [];
  for (const size of [
    { width: 1280, height: 720 },
    { width: 1920, height: 1080 },
  ]) {
    const p = await openPage(browser, size);
    await p.goto(session.observerUrl);
    projectors.push(p);
  }
  await facilitator.getByLabel('Team name').fill('Payments');
  await facilitator.getByRole('button', { name: 'Add team' }).click();
  for (const p of [alice, bob]) await p.getByRole('slider', { name: 'Payments: current stage' }).waitFor();
  // Two breakout groups: Alice in Group 1, Bob in Group 2.
  const groups = facilitator.getByRole('region', { name: 'Breakout groups' });
  await groups.getByLabel('Number of groups').fill('2');
  await groups.getByRole('button', { name: 'Split at random' }).click();
  await groups.getByLabel('Move Alice').selectOption({ label: 'Group 1' });
  await groups.getByLabel('Move Bob').selectOption({ label: 'Group 2' });
  await bob.getByRole('region', { name: 'Your group' }).getByRole('heading', { name: 'Group 2' }).waitFor();
}, 90_000);

const panel = () => facilitator.getByRole('region', { name: 'Vote', exact: true });
const focused = (p: Page) => p.evaluate(() => document.activeElement?.id || document.activeElement?.textContent?.trim());

async function vote(p: Page, keys: string[]) {
  await p.getByRole('slider', { name: BALLOT }).focus();
  for (const k of keys) await p.keyboard.press(k);
  await p.getByRole('button', { name: 'Submit my vote' }).click();
  await p.getByTestId('vote-in').waitFor();
}

/** Whether all of the element is on the screen. */
async function onScreen(l: Locator): Promise<boolean> {
  const b = await l.evaluate((el) => el.getBoundingClientRect().toJSON() as DOMRect);
  const vp = l.page().viewportSize()!;
  return b.top >= -1 && b.left >= -1 && b.bottom <= vp.height + 1 && b.right <= vp.width + 1 && b.height > 0;
}
const noScroll = (p: Page) => p.evaluate(() => document.documentElement.scrollHeight <= innerHeight + 1);

describe('a vote opened by mistake', () => {
  it('is cancelled after asking once more: ballot cards go, voters are told, and the real question is round 1', async () => {
    await panel().getByRole('button', { name: 'Open vote' }).click();
    for (const p of [alice, bob]) await p.getByRole('slider', { name: BALLOT }).waitFor();
    await vote(alice, ['ArrowRight']);
    await expect.poll(() => panel().getByTestId('vote-count').textContent()).toMatch(/^1 of 2/);

    // Asked once more, the safe answer focused; keeping it changes nothing.
    await panel().getByRole('button', { name: 'Cancel vote…' }).click();
    await panel()
      .getByRole('alert')
      .filter({ hasText: `Cancel “${QUESTION}” for everyone?` })
      .waitFor();
    expect(await focused(facilitator)).toBe('Keep the vote');
    await panel().screenshot({ path: `${SCREENSHOTS}/vote-cancel-confirm.png` });
    await panel().getByRole('button', { name: 'Keep the vote' }).click();
    expect(await focused(facilitator)).toBe('Cancel vote…');
    expect(await alice.getByRole('slider', { name: BALLOT }).count()).toBe(1);

    await panel().getByRole('button', { name: 'Cancel vote…' }).click();
    await panel().getByRole('button', { name: 'Yes, cancel the vote' }).click();
    // Every ballot card goes, and each voter is told why.
    for (const p of [alice, bob]) {
      await p.locator('[data-vote]').waitFor({ state: 'detached' });
      await p
        .getByRole('alert')
        .filter({ hasText: `The facilitator cancelled the vote “${QUESTION}”.` })
        .waitFor();
    }
    for (const p of projectors) await p.getByRole('region', { name: 'Vote in progress' }).waitFor({ state: 'detached' });
    // The panel's buttons went with the vote: focus is on its heading, the form back below it.
    await expect.poll(() => focused(facilitator)).toBe('vote-heading');
    await panel().getByRole('button', { name: 'Open vote' }).waitFor();
    expect(await panel().getByRole('button', { name: 'Ask again' }).count()).toBe(0);
    // Nothing was revealed: no result anywhere.
    for (const p of [facilitator, alice, ...projectors]) expect(await p.getByRole('region', { name: 'Vote results' }).count()).toBe(0);
    await screenshot(alice, 'vote-cancelled-participant');

    // Broke: the mistaken vote stayed round 1 and this one became round 2.
    await panel().getByRole('button', { name: 'Open vote' }).click();
    await alice.getByRole('slider', { name: BALLOT }).waitFor();
    // The new vote is the news now: the note goes, not to stay on the projector all session.
    for (const p of [alice, ...projectors]) await p.getByText('The facilitator cancelled the vote').waitFor({ state: 'detached' });
    expect(await alice.locator('[data-vote] .kicker').textContent()).not.toContain('round');
    expect(await panel().locator('[data-vote-state="open"]').textContent()).not.toContain('round');
    // Revealed with no ballots, for the next test's first round.
    await panel().getByRole('button', { name: 'Reveal results' }).click();
    await alice.getByRole('region', { name: 'Vote results' }).locator('article').waitFor();
  });

  it('labels each round, an empty one without a doubled separator, and the projector names the round it shows', async () => {
    await panel().getByRole('button', { name: 'Ask again' }).click();
    await vote(alice, ['End']);
    await panel().getByRole('button', { name: 'Reveal results' }).click();
    const rounds = alice.getByRole('region', { name: 'Vote results' }).getByRole('group', { name: 'Rounds' });
    await rounds.getByRole('button').nth(1).waitFor();
    // Broke: "Round 1 · · 0 votes".
    expect((await rounds.getByRole('button').allTextContents()).map((t) => t.trim())).toEqual([
      'Round 1 · 0 votes',
      expect.stringMatching(/^Round 2 · median \d\.\d · 1 vote$/),
    ]);
    // Broke: the projector showed the newest round with nothing saying which round it was.
    for (const p of projectors) {
      const heading = p.getByRole('region', { name: 'Vote results' }).locator('article h3');
      await expect.poll(() => heading.textContent()).toMatch(/round 2\s*$/);
      expect(await onScreen(heading)).toBe(true);
      expect(await onScreen(p.getByRole('region', { name: 'Vote results' }).locator('[data-panel="overall"]'))).toBe(true);
      await expect.poll(() => noScroll(p)).toBe(true);
      await screenshot(p, `vote-round-2-projector-${p.viewportSize()!.width}`);
    }
  });

  it('starts the next vote’s form for all groups again, and says beside Open vote whom it asks', async () => {
    const audience = panel().getByTestId('vote-audience');
    expect(await audience.textContent()).toBe('For all groups');
    await panel().getByLabel('Multiple choice').check();
    await panel().getByRole('checkbox', { name: 'Group 1' }).check();
    expect(await audience.textContent()).toBe('For Group 1 only');
    expect(await panel().getByRole('button', { name: 'Open vote' }).getAttribute('aria-describedby')).toContain('vote-audience');
    await panel().getByRole('button', { name: 'Open vote' }).click();
    await bob.getByText('This vote is for other groups.').waitFor();
    // A closed vote can be cancelled too.
    await panel().getByRole('button', { name: 'Close vote' }).click();
    await panel().locator('[data-vote-state="closed"]').waitFor();
    await panel().getByRole('button', { name: 'Cancel vote…' }).click();
    await panel().getByRole('button', { name: 'Yes, cancel the vote' }).click();
    await bob.locator('[data-vote]').waitFor({ state: 'detached' });
    // Broke: the form kept Group 1 ticked, and the next vote went to Group 1 alone unnoticed.
    expect(await panel().getByRole('checkbox', { name: 'All groups' }).isChecked()).toBe(true);
    expect(await panel().getByRole('checkbox', { name: 'Group 1' }).isChecked()).toBe(false);
    expect(await audience.textContent()).toBe('For all groups');
    await panel().getByRole('button', { name: 'Open vote' }).click();
    await bob.getByRole('radiogroup', { name: 'Choices' }).waitFor();
    expect(await bob.getByText('This vote is for other groups.').count()).toBe(0);
  });
});
