import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createWorkshopInUi, joinCodeOf, joinInUi, openPage, screenshot, useBrowser } from '../helpers/browser.ts';
import { useServer } from '../helpers/server.ts';
import type * as Y from 'yjs';
import { connect, synced } from '../helpers/yclient.ts';
import { addTeam, ROOTS } from '../../shared/doc.ts';
import { BUILTIN_TEMPLATES } from '../../shared/templates/index.ts';

const srv = useServer();
const browser = useBrowser();
let facilitator: Page;
let priya: Page;

beforeAll(async () => {
  facilitator = await openPage(browser, { width: 1920, height: 1080 });
  await createWorkshopInUi(facilitator, srv.url, 'Insights drill');
  const code = await joinCodeOf(facilitator);
  priya = await openPage(browser, { width: 1100, height: 900 });
  await joinInUi(priya, srv.url, code, 'Priya');
  await priya.getByLabel('Team name').first().fill('Payments');
  await priya.getByRole('button', { name: 'Add team' }).click();
  await facilitator.getByRole('table', { name: 'Teams' }).getByLabel('Payments: name').waitFor();
}, 60_000);

const insights = (p: Page) => p.getByRole('region', { name: 'Insights' });

describe('insights and the table view', () => {
  it('are usable with the keyboard alone, and the table and the maps are the same changes', async () => {
    const table = priya.getByRole('table', { name: 'Teams' });
    // Keyboard only: focus the first field of the row and Tab through it, typing values.
    await table.getByLabel('Payments: name').focus();
    await priya.keyboard.press('Tab');
    await priya.keyboard.press('Tab');
    await priya.keyboard.type('2.6');
    await priya.keyboard.press('Tab');
    await priya.keyboard.type('Review and evaluation');
    await priya.keyboard.press('Tab');
    await priya.keyboard.type('Build an eval suite');
    await priya.keyboard.press('Tab');
    await priya.keyboard.type('Ana');
    await priya.keyboard.press('Tab');
    await priya.keyboard.type('30');
    await priya.keyboard.press('Tab');
    await priya.keyboard.type('30');
    await priya.keyboard.press('Tab');
    await priya.keyboard.press('ArrowDown'); // reliance select: the first real option
    await priya.keyboard.press('Tab');
    // The target typed in the table moves the marker on the facilitator's map.
    const target = facilitator.getByRole('slider', { name: 'Payments: target stage' });
    await expect.poll(() => target.getAttribute('aria-valuenow')).toBe('2.6');
    const fTable = facilitator.getByRole('table', { name: 'Teams' });
    await expect.poll(() => fTable.getByLabel('Payments: owner').inputValue()).toBe('Ana');
    await expect.poll(() => fTable.getByLabel('Payments: autonomy').inputValue()).toBe('30');
    // Out of range is refused by the table, and nothing changes.
    await table.getByLabel('Payments: current stage').fill('7');
    await table.getByLabel('Payments: current stage').press('Tab');
    expect(await table.getByLabel('Payments: current stage').inputValue()).toBe('1');
  });

  it('shows a team in the red zone within a second, and drops it when it moves out', async () => {
    const panel = insights(facilitator);
    await expect.poll(() => panel.locator('[data-rule="redZone"]').count()).toBe(0);
    // Priya drives autonomy up from the table.
    const autonomy = priya.getByRole('table', { name: 'Teams' }).getByLabel('Payments: autonomy');
    await autonomy.fill('90');
    // Timed by the two pages on the machine's one clock: the Enter as Priya's page takes it, the insight as it
    // appears on the facilitator's. Timed from the test, the second also held the test's own round trips to
    // both browsers and the polling for the insight, which on a busy machine took more than the second itself.
    await facilitator.evaluate(() => {
      const at = window as unknown as { redZoneShownAt?: number };
      const seen = () => !!document.querySelector('[data-rule="redZone"]');
      if (seen()) return;
      const observer = new MutationObserver(() => {
        if (!seen()) return;
        at.redZoneShownAt = Date.now();
        observer.disconnect();
      });
      observer.observe(document.body, { childList: true, subtree: true });
    });
    await autonomy.evaluate((el) =>
      el.addEventListener('keydown', () => ((window as unknown as { changedAt?: number }).changedAt = Date.now()), {
        capture: true,
        once: true,
      }),
    );
    await autonomy.press('Enter');
    await panel.locator('[data-rule="redZone"]').waitFor();
    const changedAt = await priya.evaluate(() => (window as unknown as { changedAt?: number }).changedAt);
    const shownAt = await facilitator.evaluate(() => (window as unknown as { redZoneShownAt?: number }).redZoneShownAt);
    expect(shownAt! - changedAt!).toBeLessThan(1000);
    expect(await panel.locator('[data-rule="redZone"]').textContent()).toContain('Payments is in the red zone');
    await panel
      .getByRole('link', { name: /How do we bring this in securely/ })
      .first()
      .waitFor();
    await screenshot(facilitator, 'insights-projector');

    // Moving it out on the risk diagonal with the keyboard clears it.
    const marker = priya.getByRole('slider', { name: 'Payments: risk position' });
    await marker.focus();
    for (let i = 0; i < 6; i++) await priya.keyboard.press('Shift+ArrowUp');
    await expect.poll(() => panel.locator('[data-rule="redZone"]').count()).toBe(0);

    // Enter opens the team; Escape closes it and gives focus back to the marker, not to the page.
    await priya.keyboard.press('Enter');
    const dialog = priya.getByRole('dialog');
    await dialog.waitFor();
    await priya.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    expect(await marker.evaluate((el) => el === document.activeElement)).toBe(true);
  });

  it('reaches every screen when the facilitator shows it', async () => {
    expect(await insights(priya).count()).toBe(0);
    await insights(facilitator).getByLabel('Show on every screen').check();
    await insights(priya).waitFor();
  });

  it('raises a missing commitment at the commitments step, and a team off the diagonal at the risk step, not before', async () => {
    const id = new URL(facilitator.url()).pathname.split('/')[2]!;
    const key = new URLSearchParams(new URL(facilitator.url()).hash.slice(1)).get('key')!;
    const f = connect(srv.wsUrl, id, key);
    await synced(f);
    const agenda = BUILTIN_TEMPLATES[0]!.agenda;
    const stepOf = (board: string) => agenda.findIndex((a) => a.board === board);
    const step = (i: number) => f.doc.getMap(ROOTS.control).set('step', i);
    // Mobile is on the stage map, heading for stage 2 past a named bottleneck, with no commitment and no risk placement.
    addTeam(f.doc, 'mob', { name: 'Mobile', color: '#0d9488', stageCurrent: 1, stageTarget: 2, bottleneck: 'Review' });
    step(0);
    const about = (rule: string) => insights(facilitator).locator(`[data-rule="${rule}"][data-team="mob"]`);
    await facilitator.getByRole('table', { name: 'Teams' }).getByLabel('Mobile: name').waitFor();
    await expect.poll(() => facilitator.locator('.step-title').textContent()).toBe(agenda[0]!.title);
    // Broke: at the welcome step the room was told Mobile had no commitment and was not on the diagonal.
    expect(await about('noCommitment').count()).toBe(0);
    expect(await about('notOnDiagonal').count()).toBe(0);
    step(stepOf('risk'));
    await about('notOnDiagonal').waitFor();
    expect(await about('noCommitment').count()).toBe(0);
    step(stepOf('commitments'));
    await about('noCommitment').waitFor();
    f.doc.getMap(ROOTS.teams).delete('mob');
    step(0);
    await expect.poll(() => facilitator.locator('.step-title').textContent()).toBe(agenda[0]!.title);
    f.destroy();
  });

  it('drops a disagreement with a vote once the team moves to where the room put it', async () => {
    const id = new URL(facilitator.url()).pathname.split('/')[2]!;
    const key = new URLSearchParams(new URL(facilitator.url()).hash.slice(1)).get('key')!;
    const code = await joinCodeOf(facilitator);
    const f = connect(srv.wsUrl, id, key);
    await synced(f);
    addTeam(f.doc, 'ops', { name: 'Ops', color: '#7c3aed', stageCurrent: 1, stageTarget: 2 });
    const call = async (path: string, token: string, body: unknown) =>
      (
        await fetch(`${srv.url}/api/workshops/${id}/${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify(body),
        })
      ).json() as Promise<{ voteId: string }>;
    const { voteId } = await call('votes', key, { question: 'Where is Ops?', kind: 'stage', teamId: 'ops' });
    for (const name of ['Ravi', 'Sam']) {
      const joined = (await (
        await fetch(`${srv.url}/api/join`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ code, name }),
        })
      ).json()) as { token: string };
      await call(`votes/${voteId}/ballots`, joined.token, { stage: 2.5 });
    }
    await call(`votes/${voteId}/reveal`, key, {});
    const disagreement = insights(facilitator).locator('[data-rule="disagreement"][data-team="ops"]');
    await disagreement.first().waitFor();
    // Ops takes the room's view. Broke: the panel went on saying Ops "placed itself at 1.0", judging
    // against where Ops stood when the vote opened.
    f.doc.transact(() => (f.doc.getMap(ROOTS.teams).get('ops') as Y.Map<unknown>).set('stageCurrent', 2.5));
    await expect.poll(() => disagreement.count()).toBe(0);
    f.doc.getMap(ROOTS.teams).delete('ops');
    f.destroy();
  });

  it('gentle follow asks a participant who looked away; strict follow moves them', async () => {
    await facilitator.getByRole('button', { name: 'Follow me' }).click();
    await facilitator.getByLabel('Follow mode').selectOption('gentle');
    const agenda = priya.getByRole('navigation', { name: 'Agenda' });
    // Both changes have reached Priya: she follows, and gentle follow leaves her agenda to press. (Broke: the
    // agenda was pressable before follow-me arrived at all; she looked away then, strict follow-me arrived
    // and took her back, and nobody was asked.)
    await expect
      .poll(
        async () =>
          (await priya.getByText('Following the facilitator').count()) === 1 && !(await agenda.getByRole('button').first().isDisabled()),
      )
      .toBe(true);
    await agenda.getByRole('button', { name: /Commitments/ }).click();
    await facilitator.getByRole('button', { name: 'Next step' }).click();
    const ask = priya.getByRole('alert').filter({ hasText: 'Follow the facilitator' });
    await ask.waitFor();
    expect(await priya.locator('.step-title').textContent()).toBe('Commitments');
    // Broke: the step card offered "Back to the live step" beside the banner's button, which does the same.
    expect(await priya.getByRole('button', { name: 'Back to the live step' }).count()).toBe(0);
    expect(await priya.getByRole('button', { name: 'Follow the facilitator' }).count()).toBe(1);
    await ask.getByRole('button', { name: 'Follow the facilitator' }).click();
    await expect.poll(() => priya.locator('.step-title').textContent()).toBe(await facilitator.locator('.step-title').textContent());

    await agenda.getByRole('button', { name: /Wrap-up/ }).click();
    // Without follow-me nobody is asked, and the step card's button is the way back.
    await facilitator.getByRole('button', { name: 'Follow me' }).click();
    await priya.getByRole('button', { name: 'Back to the live step' }).waitFor();
    expect(await ask.count()).toBe(0);
    await facilitator.getByRole('button', { name: 'Follow me' }).click();
    await facilitator.getByLabel('Follow mode').selectOption('strict');
    await expect.poll(() => priya.locator('.step-title').textContent()).toBe(await facilitator.locator('.step-title').textContent());
    await facilitator.getByRole('button', { name: 'Next step' }).click();
    await expect.poll(() => priya.locator('.step-title').textContent()).toBe(await facilitator.locator('.step-title').textContent());
    expect(await priya.getByRole('alert').filter({ hasText: 'Follow the facilitator' }).count()).toBe(0);
  });
});
