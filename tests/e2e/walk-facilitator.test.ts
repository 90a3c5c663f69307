import { describe, expect, it } from 'vitest';
import { createWorkshop } from '../helpers/api.ts';
import { openPage, useBrowser } from '../helpers/browser.ts';
import { useServer } from '../helpers/server.ts';

/** A facilitator driving the agenda from the keyboard. */
const srv = useServer();
const browser = useBrowser();

describe('the agenda buttons from the keyboard', () => {
  it('keep focus on ▶ at the last step and on ◀ at the first, where there is nowhere further to go', async () => {
    const w = await createWorkshop(srv.url, 'Leadership offsite');
    const page = await openPage(browser, { width: 1280, height: 800 });
    await page.goto(w.facilitatorUrl);
    await page.getByTestId('join-code').waitFor();
    const bar = page.getByRole('toolbar', { name: 'Facilitator controls' });
    const step = bar.getByText(/^Step \d+\/8$/);
    const focused = () => page.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? document.activeElement?.tagName);

    await bar.getByRole('button', { name: 'Next step' }).focus();
    for (let i = 2; i <= 8; i++) {
      await page.keyboard.press('Enter');
      await expect.poll(() => step.textContent()).toBe(`Step ${i}/8`);
    }
    // Broke: ▶ went disabled at the last step and focus fell to the page; the next Tab began at the top.
    expect(await focused()).toBe('Next step');
    expect(await bar.getByRole('button', { name: 'Next step' }).getAttribute('aria-disabled')).toBe('true');
    await page.keyboard.press('Enter');
    expect(await step.textContent()).toBe('Step 8/8');

    await bar.getByRole('button', { name: 'Previous step' }).focus();
    for (let i = 7; i >= 1; i--) {
      await page.keyboard.press('Enter');
      await expect.poll(() => step.textContent()).toBe(`Step ${i}/8`);
    }
    expect(await focused()).toBe('Previous step');
    await page.keyboard.press('Enter');
    expect(await step.textContent()).toBe('Step 1/8');
    await page.context().close();
  });
});
