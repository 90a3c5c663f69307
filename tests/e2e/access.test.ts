import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createWorkshopInUi, openPage, screenshot, useBrowser } from '../helpers/browser.ts';
import { createWorkshop, join } from '../helpers/api.ts';
import { useServer } from '../helpers/server.ts';

/** Getting in and being told why not: sharing the links, joining, who is here, and being removed. */
const srv = useServer({ limits: { maxParticipantsPerWorkshop: 5 } });
const browser = useBrowser();

describe('sharing the links over plain http', () => {
  /** A LAN address over http is no secure context: no navigator.clipboard there (127.0.0.1 counts as secure, so it is taken away). */
  const insecure = async (p: Page, execCommandWorks: boolean) => {
    await p.addInitScript((works) => {
      Object.defineProperty(Navigator.prototype, 'clipboard', { get: () => undefined, configurable: true });
      Document.prototype.execCommand = () => works;
    }, execCommandWorks);
  };

  it('shows the links selectable and says how to copy them when the browser cannot', async () => {
    const page = await openPage(browser);
    await insecure(page, false);
    await createWorkshopInUi(page, srv.url, 'LAN room');
    const share = page.getByRole('region', { name: 'Invite participants' });
    const link = share.getByLabel('Link for participants');
    const observer = share.getByLabel(/Projector link/);
    expect(await link.inputValue()).toMatch(/\/join\/[A-Z2-9]{6}$/);
    expect(await observer.inputValue()).toMatch(/\/w\/[\w-]+#token=/);

    await share.getByRole('button', { name: 'Copy link' }).click();
    await share.getByRole('status').filter({ hasText: "Couldn't copy — select the link and copy it" }).waitFor();
    // The link is selected, ready for Ctrl+C.
    const selected = await page.evaluate(() => {
      const el = document.activeElement as HTMLInputElement;
      return el.value.slice(el.selectionStart ?? 0, el.selectionEnd ?? 0);
    });
    expect(selected).toBe(await link.inputValue());
    await screenshot(page, 'access-copy-insecure');

    await share.getByRole('button', { name: 'Copy observer link' }).click();
    expect(await page.evaluate(() => (document.activeElement as HTMLInputElement).id)).toBe(await observer.getAttribute('id'));
    await page.context().close();
  });

  it('copies with the fallback and says "Copied" in a live region', async () => {
    const page = await openPage(browser);
    await insecure(page, true);
    await createWorkshopInUi(page, srv.url, 'LAN room, older way');
    const share = page.getByRole('region', { name: 'Invite participants' });
    await share.getByRole('button', { name: 'Copy link' }).click();
    const note = share.getByTestId('copy-note');
    await expect.poll(() => note.textContent()).toContain('Copied');
    expect(await note.getAttribute('aria-live')).toBe('polite');
    await page.context().close();
  });

  it('opens the projector view from the facilitator page, which stays the facilitator’s', async () => {
    const page = await openPage(browser);
    const id = await createWorkshopInUi(page, srv.url, 'Projector from the desk');
    const [projector] = await Promise.all([
      page.context().waitForEvent('page'),
      page.getByRole('link', { name: 'Open projector view' }).click(),
    ]);
    await projector.waitForLoadState();
    await projector.locator('.board-page.projector').waitFor();
    expect(await projector.getByText('Read-only').count()).toBeGreaterThan(0);
    // The projector's token did not replace the facilitator's key in this browser: replay still opens.
    await page.goto(`${srv.url}/w/${id}`);
    await page.getByText('Replay & export').first().waitFor();
    expect(await page.locator('header').getByText('Facilitator', { exact: true }).count()).toBeGreaterThan(0);
    await page.context().close();
  });
});

describe('joining, in words a participant understands', () => {
  let page: Page;
  beforeAll(async () => {
    page = await openPage(browser, { width: 390, height: 844 });
  });
  const tryJoin = async (code: string) => {
    await page.goto(srv.url + '/');
    await page.getByLabel('Code').fill(code);
    await page.getByLabel('Your name').fill('Sam');
    await page.getByRole('button', { name: 'Join', exact: true }).click();
    const error = page.getByTestId('join-error');
    await error.waitFor();
    return (await error.textContent())!.trim();
  };

  it('says a code has six characters when it does not', async () => {
    expect(await tryJoin('ABC23')).toBe('Codes have 6 characters; that one has 5. Check it with the facilitator.');
    expect(await tryJoin('ABC-2345')).toBe('Codes have 6 characters; that one has 7. Check it with the facilitator.');
    await screenshot(page, 'access-join-wrong-length');
  });

  it('says no workshop has the code, and what to do', async () => {
    // A code of the right shape that no workshop has (O and 0 never appear in one: "ZZZZZZ" is free in a fresh store).
    expect(await tryJoin('zzz zzz')).toBe('No workshop has that code. Check it with the facilitator.');
  });

  it('says the workshop is full and who can make room', async () => {
    const w = await createWorkshop(srv.url, 'Small room');
    for (let i = 0; i < 5; i++) await join(srv.url, w.joinCode, `Seat ${i + 1}`);
    expect(await tryJoin(w.joinCode)).toBe('This workshop is full. Ask the facilitator to make room.');
    await screenshot(page, 'access-join-full');
  });

  it('says what to do when a link no longer opens the workshop', async () => {
    const w = await createWorkshop(srv.url, 'Wrong key');
    await page.goto(`${srv.url}/w/${w.id}#key=not-the-key`);
    await page.getByRole('alert').filter({ hasText: 'This link no longer opens this workshop' }).waitFor();
    expect(await page.getByRole('alert').textContent()).toContain('Ask the facilitator for a new link, or join again with the code.');
  });
});
