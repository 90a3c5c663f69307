import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { addTeam, readTeams } from '../../shared/doc.ts';
import { createWorkshop, join } from '../helpers/api.ts';
import { openPage, useBrowser } from '../helpers/browser.ts';
import { useServer } from '../helpers/server.ts';
import { synced, until, useClients } from '../helpers/yclient.ts';

// PRODUCT.md "Accessible names": each map is an SVG with role img or application and a name
// containing "Stage map" or "Risk diagonal"; each team marker on it is focusable, has a name
// beginning with the team's name, and moves with the arrow keys when focused. Checked for every
// marker each map draws for a fully placed team, and for every arrow key.

const srv = useServer();
const browser = useBrowser();
const { open } = useClients(srv);

const MAPS = [/Stage map/, /Risk diagonal/];
const ARROWS = ['ArrowRight', 'ArrowLeft', 'ArrowUp', 'ArrowDown'];

/** The map with this name, found by role as a screen reader finds it. */
function map(page: Page, name: RegExp): Locator {
  return page.getByRole('application', { name }).or(page.getByRole('img', { name }));
}

/** Where a marker is drawn and what it says it is at. */
const placeOf = (marker: Locator) => marker.evaluate((el) => `${el.getAttribute('transform')} ${el.getAttribute('aria-valuetext')}`);

async function workshopWithPlacedTeam() {
  const w = await createWorkshop(srv.url, 'Names');
  const f = open(w.id, w.facilitatorKey);
  await synced(f);
  addTeam(f.doc, 't1', {
    name: 'Payments',
    color: '#2563eb',
    stageCurrent: 1.5,
    stageTarget: 2.5,
    autonomy: 0.5,
    controls: 0.5,
    autonomyTarget: 0.6,
    controlsTarget: 0.7,
  });
  return { w, f };
}

describe('the maps as a participant finds them', () => {
  it('names both maps, and every team marker on them is focusable, named after its team and moved by each arrow key', async () => {
    const { w, f } = await workshopWithPlacedTeam();
    const p = await join(srv.url, w.joinCode, 'Kim');
    // Each key is undone by its opposite, so the facilitator's board is watched for any move at all.
    const seenAt = new Set<number>();
    f.doc.on('update', () => seenAt.add(readTeams(f.doc, 3)[0]?.stageCurrent ?? 0));
    const page = await openPage(browser, { width: 1280, height: 900 });
    await page.goto(`${srv.url}/w/${w.id}#token=${p.token}`);
    for (const name of MAPS) {
      const svg = map(page, name);
      await svg.waitFor();
      expect(await svg.evaluate((el) => el.tagName.toLowerCase()), String(name)).toBe('svg');
      const markers = svg.getByRole('slider');
      await markers.first().waitFor();
      const count = await markers.count();
      // The stage map draws where the team is and its target; the diagonal, where it is and where it plans to be.
      expect(count, String(name)).toBe(2);
      for (let i = 0; i < count; i++) {
        const marker = markers.nth(i);
        const label = (await marker.getAttribute('aria-label')) ?? '';
        expect(label, String(name)).toMatch(/^Payments\b/);
        await marker.focus();
        expect(await marker.evaluate((el) => el === document.activeElement), label).toBe(true);
        for (const key of ARROWS) {
          const before = await placeOf(marker);
          await page.keyboard.press(key);
          await expect.poll(() => placeOf(marker), { message: `${label} on ${key}` }).not.toBe(before);
        }
      }
    }
    // The moves are the board's: they reached the facilitator.
    await until(f.doc, () => [...seenAt].some((x) => x !== 1.5), 'a stage move reaches the facilitator');
    await page.context().close();
  });
});
