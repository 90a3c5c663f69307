import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { addTeam } from '../../shared/doc.ts';
import { createWorkshop, post } from '../helpers/api.ts';
import { joinInUi, openPage, openPhone, screenshot, useBrowser } from '../helpers/browser.ts';
import { useServer } from '../helpers/server.ts';
import { synced, useClients } from '../helpers/yclient.ts';

/** A participant's walk through a session on a phone: what they would trip over. */
const srv = useServer();
const browser = useBrowser();
const clients = useClients(srv);

/** A workshop with one team, Payments, placed in the red zone by the facilitator. */
async function workshopWithTeam(title: string) {
  const w = await createWorkshop(srv.url, title);
  const c = clients.open(w.id, w.facilitatorKey);
  await synced(c);
  addTeam(c.doc, 't1', { name: 'Payments', color: '#2563eb', stageCurrent: 1, autonomy: 0.6, controls: 0.3 });
  return w;
}

async function phoneAt(size: { width: number; height: number }, code: string, name: string): Promise<Page> {
  const page = await openPhone(browser);
  await page.setViewportSize(size);
  await joinInUi(page, srv.url, code, name);
  return page;
}

/** Opens Payments' sheet from its stage-map dot, as Enter on the focused marker does. */
async function openSheet(page: Page) {
  await page.getByRole('slider', { name: 'Payments: current stage' }).focus();
  await page.keyboard.press('Enter');
  const sheet = page.getByRole('dialog', { name: 'Payments' });
  await sheet.waitFor();
  return sheet;
}

describe('a participant on a phone', () => {
  it('reads a red-zone team’s name whole at the top of its sheet on a 360 px phone', async () => {
    const w = await workshopWithTeam('Narrow sheet');
    const phone = await phoneAt({ width: 360, height: 640 }, w.joinCode, 'Priya');
    const sheet = await openSheet(phone);
    await sheet.getByText('⚠ Red zone').waitFor();
    // Broke: the flag kept its line beside the name, and "Payments" was cut into "Paym" and "ents".
    const lines = await sheet.getByRole('heading', { name: 'Payments' }).evaluate((h) => {
      const range = document.createRange();
      range.selectNodeContents(h);
      return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size;
    });
    expect(lines).toBe(1);
    await screenshot(phone, 'walk-sheet-red-zone-360');
    await phone.context().close();
  });

  it('shows "+N" for the people past the first faces on the top bar’s line, beside them', async () => {
    const w = await createWorkshop(srv.url, 'Full room');
    const phone = await phoneAt({ width: 390, height: 844 }, w.joinCode, 'Priya');
    const others = await Promise.all(['Marcus', 'Lea', 'Tom', 'Ana'].map(() => openPage(browser, { width: 800, height: 600 })));
    for (const [i, p] of others.entries()) await joinInUi(p, srv.url, w.joinCode, ['Marcus', 'Lea', 'Tom', 'Ana'][i]!);
    const people = phone.getByRole('group', { name: /^5 here: you/ });
    await people.waitFor();
    const more = people.getByText('+1');
    await more.waitFor();
    // Broke: app.css's page-width class "narrow" gave the "+1" a 2rem top margin: it sat below the faces
    // and made the phone's top bar a line taller.
    const [face, count] = await Promise.all([people.locator('.avatar').first().boundingBox(), more.boundingBox()]);
    expect(Math.abs(face!.y + face!.height / 2 - (count!.y + count!.height / 2))).toBeLessThan(3);
    expect((await people.boundingBox())!.height).toBeLessThanOrEqual(face!.height + 1);
    await phone.locator('header').screenshot({ path: 'test-results/screenshots/walk-people-390.png' });
    for (const p of [phone, ...others]) await p.context().close();
  }, 60_000);

  it('is told in the open team sheet when a vote opens and when its results come in, and taken to them', async () => {
    const w = await workshopWithTeam('Vote under the sheet');
    const auth = { authorization: `Bearer ${w.facilitatorKey}` };
    const phone = await phoneAt({ width: 390, height: 844 }, w.joinCode, 'Priya');
    const sheet = await openSheet(phone);
    await sheet.getByLabel(/^Commitment/).fill('Sandbox the agents');

    const opened = await post(
      `${srv.url}/api/workshops/${w.id}/votes`,
      { question: 'Where is Payments on the stage map?', kind: 'stage', teamId: 't1' },
      auth,
    );
    expect(opened.status).toBe(201);
    // Broke: the ballot opened under the sheet, and nothing in the sheet said so.
    await sheet.getByRole('status').getByText('The facilitator opened a vote: “Where is Payments on the stage map?”.').waitFor();
    await screenshot(phone, 'walk-sheet-vote-opened');
    await sheet.getByRole('button', { name: 'Close and vote' }).click();
    await sheet.waitFor({ state: 'detached' });
    const ballotHeading = phone.getByRole('heading', { name: 'Where is Payments on the stage map?' });
    await expect.poll(() => ballotHeading.evaluate((h) => h === document.activeElement)).toBe(true);
    await expect
      .poll(() =>
        ballotHeading.evaluate((h) => {
          const r = h.getBoundingClientRect();
          return r.top >= (document.querySelector('header')?.getBoundingClientRect().bottom ?? 0) - 1 && r.bottom <= innerHeight;
        }),
      )
      .toBe(true);

    // A sheet opened while the vote runs says nothing of it; the reveal is news.
    const again = await openSheet(phone);
    expect(await again.getByText('opened a vote').count()).toBe(0);
    for (const step of ['close', 'reveal'])
      expect((await post(`${srv.url}/api/workshops/${w.id}/votes/${opened.json.voteId}/${step}`, {}, auth)).status).toBe(200);
    await again.getByRole('status').getByText('The results of “Where is Payments on the stage map?” are in.').waitFor();
    await again.getByRole('button', { name: 'Close and see them' }).click();
    await again.waitFor({ state: 'detached' });
    await expect.poll(() => phone.getByRole('heading', { name: 'Vote results' }).evaluate((h) => h === document.activeElement)).toBe(true);
    // What was typed before the vote is kept.
    expect(await (await openSheet(phone)).getByLabel(/^Commitment/).inputValue()).toBe('Sandbox the agents');
    await phone.context().close();
  });
});
