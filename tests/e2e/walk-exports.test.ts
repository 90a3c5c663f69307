import { describe, expect, it } from 'vitest';
import { createWorkshop } from '../helpers/api.ts';
import { openPage, useBrowser } from '../helpers/browser.ts';
import { useServer } from '../helpers/server.ts';

/** The facilitator's take-home files after the session, pressed from the keyboard. */
const srv = useServer();
const browser = useBrowser();

describe('exporting from the replay page', () => {
  it('keeps focus on the export pressed, says the file was saved, and says in words when the server is out of reach', async () => {
    const w = await createWorkshop(srv.url, 'Leadership offsite');
    const page = await openPage(browser, { width: 1280, height: 800 });
    await page.goto(w.facilitatorUrl);
    await page.getByTestId('join-code').waitFor();
    await page.getByRole('link', { name: 'Replay & export' }).first().click();
    const exports = page.getByRole('region', { name: 'Export' });
    const teams = exports.getByRole('button', { name: 'Teams (CSV)' });
    await teams.waitFor();
    const focused = () => page.evaluate(() => document.activeElement?.textContent?.trim() ?? null);

    await teams.focus();
    const [download] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Enter')]);
    expect(download.suggestedFilename()).toMatch(/-leadership-offsite-teams\.csv$/);
    // Broke: every export button went disabled while the file was made, and focus fell to the page
    // (the next Tab started again at the top); and once made, nothing said the press had done anything.
    await exports.getByRole('status').getByText(`Saved ${download.suggestedFilename()} to your downloads.`).waitFor();
    expect(await focused()).toBe('Teams (CSV)');

    await page.context().setOffline(true);
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('Votes (CSV)');
    await page.keyboard.press('Enter');
    // Broke: the browser's own "Failed to fetch".
    const alert = exports.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toBe('Votes (CSV) could not be made: Cannot reach the server. Check your connection and try again.');
    expect(await focused()).toBe('Votes (CSV)');
    await page.context().close();
  });
});
