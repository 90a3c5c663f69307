import { describe, expect, it } from 'vitest';
import { createWorkshopInUi, openPage, useBrowser } from '../helpers/browser.ts';
import { useServer } from '../helpers/server.ts';

/** A facilitator giving a breakout group its teams, on the laptop screens they run a session from. */
const srv = useServer();
const browser = useBrowser();

describe('the team chips on a breakout group card', () => {
  for (const size of [
    { width: 1280, height: 800 },
    { width: 1440, height: 900 },
  ]) {
    it(`say on the card that they pick the teams the group works on, at ${size.width}×${size.height}`, async () => {
      const page = await openPage(browser, size);
      await createWorkshopInUi(page, srv.url, 'Breakout teams');
      for (const name of ['Payments', 'Search']) {
        await page.getByLabel('Team name').fill(name);
        await page.getByLabel('Team name').press('Enter');
        await page.getByRole('slider', { name: `${name}: current stage` }).waitFor();
      }
      const panel = page.getByRole('region', { name: 'Breakout groups' });
      await panel.getByRole('button', { name: 'New group' }).click();
      const chips = panel.getByRole('group', { name: 'Teams of Group 1' });
      const label = chips.getByText('Teams this group works on', { exact: true });
      // Broke: the chips had no visible label; what they were for was only in their group's accessible name.
      await expect.poll(() => label.isVisible()).toBe(true);
      const card = (await panel.getByRole('group', { name: /^Group 1: / }).boundingBox())!;
      const text = (await label.boundingBox())!;
      const first = (await chips.getByRole('button', { name: 'Payments' }).boundingBox())!;
      // Above the chips, on one line, inside the card.
      expect(text.y + text.height).toBeLessThanOrEqual(first.y + 1);
      expect(text.height).toBeLessThan(24);
      expect(text.x).toBeGreaterThanOrEqual(card.x);
      expect(text.x + text.width).toBeLessThanOrEqual(card.x + card.width);
      // The chips still toggle, and say so.
      await chips.getByRole('button', { name: 'Payments' }).click();
      await expect.poll(() => chips.getByRole('button', { name: 'Payments' }).getAttribute('aria-pressed')).toBe('true');
      await page.context().close();
    });
  }
});
