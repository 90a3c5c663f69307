import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createWorkshopInUi, joinInUi, openPage, screenshot, useBrowser } from '../helpers/browser.ts';
import { createWorkshop, join } from '../helpers/api.ts';
import { useServer } from '../helpers/server.ts';

/** Getting in and being told why not: sharing the links, joining, who is here, and being removed. */
const srv = useServer({ limits: { maxParticipantsPerWorkshop: 5 } });
const browser = useBrowser();

const people = (p: Page) => p.locator('header .people');

/** The WCAG contrast of an element's text on its own background (both opaque, as computed). */
const contrast = (p: Page, selector: string) =>
  p.locator(selector).evaluateAll((els) =>
    els.map((el) => {
      const rgb = (c: string) =>
        c
          .match(/[\d.]+/g)!
          .slice(0, 3)
          .map(Number);
      const lum = (c: string) => {
        const [r, g, b] = rgb(c).map((v) => (v / 255 <= 0.03928 ? v / 255 / 12.92 : ((v / 255 + 0.055) / 1.055) ** 2.4));
        return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
      };
      const s = getComputedStyle(el);
      const [a, b] = [lum(s.color), lum(s.backgroundColor)].sort((x, y) => y - x);
      return (a! + 0.05) / (b! + 0.05);
    }),
  );
const codeOf = async (p: Page) => (await p.getByTestId('join-code').first().textContent())!.replace(/\s/g, '');

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
    // Broke: on a phone the message sat under the fold, focus stayed in the name, and the code looked fine.
    const error = await page.getByTestId('join-error').boundingBox();
    expect(error!.y).toBeGreaterThanOrEqual(0);
    expect(error!.y + error!.height).toBeLessThanOrEqual(844 + 1);
    const code = page.getByLabel('Code');
    expect(await code.evaluate((el) => el === document.activeElement)).toBe(true);
    expect(await code.getAttribute('aria-invalid')).toBe('true');
    expect(await code.getAttribute('aria-describedby')).toBe('join-error');
  });

  it('says no workshop has the code, and what to do', async () => {
    // A code of the right shape that no workshop has (O and 0 never appear in one: "ZZZZZZ" is free in a fresh store).
    expect(await tryJoin('zzz zzz')).toBe('No workshop has that code. Check it with the facilitator.');
    expect(await page.getByLabel('Code').evaluate((el) => el === document.activeElement)).toBe(true);
  });

  it('says the workshop is full and who can make room', async () => {
    const w = await createWorkshop(srv.url, 'Small room');
    for (let i = 0; i < 5; i++) await join(srv.url, w.joinCode, `Seat ${i + 1}`);
    expect(await tryJoin(w.joinCode)).toBe('This workshop is full. Ask the facilitator to make room.');
    // Not the code's fault: the code field is not marked wrong.
    expect(await page.getByLabel('Code').getAttribute('aria-invalid')).toBeNull();
    await screenshot(page, 'access-join-full');
  });

  it('says what to do when a link no longer opens the workshop', async () => {
    const w = await createWorkshop(srv.url, 'Wrong key');
    await page.goto(`${srv.url}/w/${w.id}#key=not-the-key`);
    await page.getByRole('alert').filter({ hasText: 'This link no longer opens this workshop' }).waitFor();
    expect(await page.getByRole('alert').textContent()).toContain('Ask the facilitator for a new link, or join again with the code.');
  });
});

describe('who is here, and removing someone', () => {
  let facilitator: Page;
  let dana: Page;
  let danaAgain: Page;
  let otherDana: Page;
  let projector: Page;
  let workshopId: string;
  let code: string;
  const dialogs: string[] = [];

  beforeAll(async () => {
    facilitator = await openPage(browser, { width: 1280, height: 900 });
    facilitator.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    workshopId = await createWorkshopInUi(facilitator, srv.url, 'Who is here');
    code = await codeOf(facilitator);
    dana = await openPage(browser, { width: 1100, height: 800 });
    await joinInUi(dana, srv.url, code, 'Dana');
    // The same person in a second tab: same browser, same seat.
    danaAgain = await dana.context().newPage();
    await danaAgain.goto(`${srv.url}/w/${workshopId}`);
    otherDana = await openPage(browser, { width: 390, height: 844 });
    await joinInUi(otherDana, srv.url, code, 'Dana');
    const observerUrl = await facilitator.getByLabel(/Projector link/).inputValue();
    projector = await openPage(browser, { width: 1280, height: 720 });
    await projector.goto(observerUrl.replace(/^https?:\/\/[^/]+/, srv.url));
    await projector.locator('.board-page.projector').waitFor();
  }, 60_000);

  it('shows one face per person: two tabs of one participant are one, and the projector is nobody', async () => {
    // Dana's page: herself, the facilitator and the other Dana; not herself again for her second tab.
    await expect.poll(() => people(dana).getAttribute('aria-label')).toBe('3 here: you, Facilitator, Dana');
    expect(await people(dana).locator('.avatar').count()).toBe(3);
    // The facilitator sees two Danas (two people), each once.
    await expect.poll(() => people(facilitator).getAttribute('aria-label')).toBe('3 here: you, Dana, Dana');
    // The projector shows no face of its own.
    await expect.poll(() => people(projector).getAttribute('aria-label')).toBe('3 here: Facilitator, Dana, Dana');
    expect(await people(projector).getByText('P', { exact: true }).count()).toBe(0);
    await screenshot(dana, 'access-people-two-tabs');
    // Initials read on every face's colour (white on green or orange was 3.3:1).
    for (const p of [dana, facilitator, otherDana])
      for (const c of await contrast(p, 'header .avatar')) expect(c).toBeGreaterThanOrEqual(4.5);
  });

  it('keeps an upright phone’s faces apart, under a bar the page does not show through', async () => {
    await expect.poll(() => people(otherDana).locator('.avatar').count()).toBe(3);
    const boxes = await people(otherDana)
      .locator('.avatar')
      .evaluateAll((els) => els.map((el) => el.getBoundingClientRect().toJSON()));
    // Neighbours overlap by their rims at most, never over the letters.
    for (let i = 1; i < boxes.length; i++) expect(boxes[i].x).toBeGreaterThanOrEqual(boxes[i - 1].x + boxes[i - 1].width - 6);
    await otherDana.locator('header').screenshot({ path: 'test-results/screenshots/access-phone-header.png' });
    const bg = await otherDana.locator('header.topbar').evaluate((el) => getComputedStyle(el).backgroundColor);
    expect(bg).toBe(await otherDana.evaluate(() => getComputedStyle(document.documentElement).backgroundColor));
    expect(await facilitator.locator('header.topbar').evaluate((el) => getComputedStyle(el).backdropFilter)).toBe('none');
  });

  it('tells two participants with the same name apart for the facilitator', async () => {
    const panel = facilitator.getByRole('region', { name: /Participants/ });
    await expect
      .poll(() => panel.getByTestId('participant-name').allTextContents())
      .toEqual([expect.stringMatching(/^Dana \(1\) · joined \d/), expect.stringMatching(/^Dana \(2\) · joined \d/)]);
    expect(await panel.getByRole('button', { name: 'Rename Dana (2)' }).count()).toBe(1);
    await panel.screenshot({ path: 'test-results/screenshots/access-duplicate-names.png' });
  });

  it('asks in the page before removing, and the removed participant is told so and can join again', async () => {
    const sockets: string[] = [];
    otherDana.on('websocket', (ws) => sockets.push(ws.url()));
    const panel = facilitator.getByRole('region', { name: /Participants/ });
    const row = panel.locator('li', { hasText: 'Dana (2)' });
    for (const c of await contrast(facilitator, '[data-participant] .remove button')) expect(c).toBeGreaterThanOrEqual(4.5);
    await row.getByRole('button', { name: 'Remove…' }).click();
    await row
      .getByRole('alert')
      .filter({ hasText: /Remove Dana \(2\) \(joined .*\) from the workshop\?/ })
      .waitFor();
    await panel.screenshot({ path: 'test-results/screenshots/access-remove-confirm.png' });
    await row.getByRole('button', { name: 'Remove Dana (2)' }).click();
    expect(dialogs).toEqual([]);

    await otherDana.getByRole('heading', { name: 'You were removed from this workshop' }).waitFor();
    await expect.poll(() => panel.getByTestId('participant-name').allTextContents()).toEqual(['Dana']);
    // It stops: no new socket, no "Reconnecting…", no board behind the message.
    const after = sockets.length;
    await otherDana.waitForTimeout(3000);
    expect(sockets.length).toBe(after);
    expect(await otherDana.getByText(/Reconnecting/).count()).toBe(0);
    expect(await otherDana.getByRole('img', { name: /Stage map/ }).count()).toBe(0);
    // The join form, with the code and the name it had.
    const form = otherDana.getByRole('form', { name: 'Join a workshop' });
    expect(await form.getByLabel('Code').inputValue()).toBe(code);
    expect(await form.getByLabel('Your name').inputValue()).toBe('Dana');
    await screenshot(otherDana, 'access-removed');

    // A reload says the same, not "not valid".
    await otherDana.reload();
    await otherDana.getByRole('heading', { name: 'You were removed from this workshop' }).waitFor();
    expect(await otherDana.getByText(/not valid/).count()).toBe(0);

    // The facilitator let them back in: joining again gives a new seat.
    await otherDana.getByRole('button', { name: 'Join', exact: true }).click();
    await otherDana.locator('header .people').waitFor();
    await expect.poll(() => panel.getByTestId('participant-name').count()).toBe(2);
  });

  it('keeps the other participant unaffected by the removal', async () => {
    expect(await dana.getByRole('heading', { name: 'You were removed from this workshop' }).count()).toBe(0);
    await expect.poll(() => dana.locator('header [data-status]').getAttribute('data-status')).toBe('connected');
  });
});

describe('coming back', () => {
  it('lists the workshops this browser holds a seat in on the start page, and opens one with its role', async () => {
    const page = await openPage(browser);
    await createWorkshopInUi(page, srv.url, 'Quarterly platform review');
    await page.goto(srv.url + '/');
    // Broke: a facilitator who closed the tab had no way back from the start page without the link.
    const saved = page.getByRole('region', { name: 'Your workshops on this browser' });
    const link = saved.getByRole('link', { name: 'Quarterly platform review' });
    await link.waitFor();
    expect(await saved.textContent()).toContain('Facilitator');
    await screenshot(page, 'access-home-saved');
    await link.click();
    await page.getByRole('toolbar', { name: 'Facilitator controls' }).waitFor();
    await page.context().close();
  });

  /** The facilitator removes `name` through the API, as the board's Remove button does. */
  async function removeParticipant(w: Awaited<ReturnType<typeof createWorkshop>>, name: string): Promise<void> {
    const auth = { authorization: `Bearer ${w.facilitatorKey}` };
    const list = await fetch(`${srv.url}/api/workshops/${w.id}/participants`, { headers: auth });
    const seat = ((await list.json()) as { participants: { id: string; name: string }[] }).participants.find((p) => p.name === name)!;
    const removed = await fetch(`${srv.url}/api/workshops/${w.id}/participants/${seat.id}`, { method: 'DELETE', headers: auth });
    expect(removed.status).toBe(200);
  }

  /** Opens the board's link again and expects the removal said, with the join form filled in. */
  async function expectRemovedOnBoard(page: Page, board: string, code: string, name: string): Promise<void> {
    await page.goto(board);
    // Broke: "Can't open this workshop" and the server's sentence, with no way back in but the start page.
    await page.getByRole('heading', { name: 'You were removed from this workshop' }).waitFor();
    const form = page.getByRole('form', { name: 'Join a workshop' });
    expect(await form.getByLabel('Code').inputValue()).toBe(code);
    expect(await form.getByLabel('Your name').inputValue()).toBe(name);
  }

  it('tells a participant removed while their tab was closed, on their next visit, and offers the join form', async () => {
    const w = await createWorkshop(srv.url, 'Removed while away');
    const page = await openPage(browser, { width: 390, height: 844 });
    await joinInUi(page, srv.url, w.joinCode, 'Quinn');
    const board = page.url();
    await page.goto(srv.url + '/');
    await removeParticipant(w, 'Quinn');
    await expectRemovedOnBoard(page, board, w.joinCode, 'Quinn');
    await page.context().close();
  });

  it('still tells them after the start page found the seat gone first', async () => {
    const w = await createWorkshop(srv.url, 'Removed before the start page');
    const page = await openPage(browser, { width: 390, height: 844 });
    await joinInUi(page, srv.url, w.joinCode, 'Rosa');
    const board = page.url();
    // The tab closed (no board open to hear the removal live), then the seat removed.
    await page.goto('about:blank');
    await removeParticipant(w, 'Rosa');
    // The start page asks the server about every seat this browser keeps; this one is refused.
    const asked = page.waitForResponse((r) => r.url().includes(`/api/workshops/${w.id}/session`));
    await page.goto(srv.url + '/');
    expect((await asked).status()).toBe(401);
    // Broke: the start page forgot the seat, and the board's link then said only "You have no access".
    await expectRemovedOnBoard(page, board, w.joinCode, 'Rosa');
    await page.context().close();
  });
});
