import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addTeam } from '../../shared/doc.ts';
import { createWorkshop } from '../helpers/api.ts';
import { openPage, openPhone, screenshot, useBrowser } from '../helpers/browser.ts';
import { useServer } from '../helpers/server.ts';
import { overrun, swatchOnFirstLine } from '../helpers/text-layout.ts';
import { connect, synced, until, type Client } from '../helpers/yclient.ts';

const srv = useServer();
const browser = useBrowser();

/** Single words of 40 letters: a team that wrote its name, and one its commitment, without spaces. */
const LONG_NAME = 'Infrastructureplatformengineeringservice';
const LONG_COMMITMENT = 'Sandboxedruntimesforeveryscheduledaudits';
/** The default agenda's commitments step. */
const COMMITMENTS = 6;

let phone: Page;
let fac: Client;
let w: Awaited<ReturnType<typeof createWorkshop>>;

beforeAll(async () => {
  w = await createWorkshop(srv.url, 'Long words');
  fac = connect(srv.wsUrl, w.id, w.facilitatorKey);
  await synced(fac);
  addTeam(fac.doc, 'long', { name: LONG_NAME, color: '#2563eb', createdAt: 1, commitment: LONG_COMMITMENT, owner: 'Priya' });
  addTeam(fac.doc, 'mob', { name: 'Mobile', color: '#16a34a', createdAt: 2, commitment: 'Review bot for release notes', owner: 'Aiko' });
  const room = srv.server.rooms.get(w.id)!;
  await until(room.doc, () => room.doc.getMap('teams').size === 2, 'the teams');
  phone = await openPhone(browser);
  // The facilitator link keeps the key in this browser, for the replay.
  await phone.goto(w.facilitatorUrl);
  await phone.getByTestId('join-code').waitFor();
}, 60_000);

afterAll(async () => {
  fac?.destroy();
  await phone?.context().close();
});

describe('a 40-letter word', () => {
  it('stays inside its cell on the projector, name and commitment', async () => {
    fac.doc.getMap('control').set('step', COMMITMENTS);
    for (const size of [
      { width: 1920, height: 1080 },
      { width: 1280, height: 720 },
    ]) {
      const page = await openPage(browser, size);
      await page.goto(w.observerUrl);
      const row = page.locator(`tr[data-team="long"]`);
      await row.waitFor();
      await screenshot(page, `long-words-projector-${size.width}x${size.height}`);
      expect(await overrun(row.locator('th'))).toBe(0);
      // Broke: the swatch was a place to break the line, so the name began on the line under it.
      expect(await swatchOnFirstLine(row.locator('th'))).toBe(true);
      expect(await overrun(row.locator('td[data-cell="commitment"]'))).toBe(0);
      expect(await row.locator('th').evaluate((el) => getComputedStyle(el).hyphens)).toBe('auto');
      await page.context().close();
    }
  });

  it('stays on a 390 px phone in the replay, without sideways scrolling', async () => {
    await phone.goto(`${srv.url}/w/${w.id}/replay`);
    const added = phone.getByRole('button', { name: `Team added: ${LONG_NAME}` });
    await added.waitFor();
    await screenshot(phone, 'long-words-replay-390');
    expect(await overrun(added)).toBe(0);
    const width = await phone.evaluate(() => ({ scroll: document.scrollingElement!.scrollWidth, inner: innerWidth }));
    expect(width).toEqual({ scroll: 390, inner: 390 });
  });
});
