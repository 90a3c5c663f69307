import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { addTeam } from '../../shared/doc.ts';
import { createWorkshop } from '../helpers/api.ts';
import { joinInUi, screenshot, useBrowser } from '../helpers/browser.ts';
import { useServer } from '../helpers/server.ts';
import { connect, synced, until } from '../helpers/yclient.ts';

const srv = useServer();
const browser = useBrowser();
let w: Awaited<ReturnType<typeof createWorkshop>>;

const TEAMS = [
  ['Checkout', 1.3, 2, 0.25, 0.45, 'Code review capacity of 3 seniors', 'Pair reviewers with agent-generated test evidence', 'Priya'],
  ['Payments Platform & Ledger Reliability', 1.1, 1.6, 0.55, 0.3, 'Trust in agents touching ledger code', 'Scoped credentials', 'Jonas'],
  ['Mobile', 1.8, 2.5, 0.4, 0.55, 'Human review of parallel agent PRs', 'Eval harness for UI changes', 'Aiko'],
  ['Data Platform', 2.2, 2.8, 0.7, 0.8, 'Validation of outcomes', 'Sandboxed runtime for scheduled audits', 'Marcus'],
  ['SRE', 2, 3, 0.8, 0.5, 'Trust boundaries for incident auto-fix', 'Network egress policy', ''],
  ['Internal Tools', 1.3, 2.2, 0.2, 0.2, '', '', ''],
] as const;

beforeAll(async () => {
  w = await createWorkshop(srv.url, 'Table check');
  const fac = connect(srv.wsUrl, w.id, w.facilitatorKey);
  await synced(fac);
  TEAMS.forEach(([name, stageCurrent, stageTarget, autonomy, controls, bottleneck, commitment, owner], i) =>
    addTeam(fac.doc, `t${i}`, {
      name,
      color: '#2563eb',
      createdAt: i,
      stageCurrent,
      stageTarget,
      autonomy,
      controls,
      bottleneck,
      commitment,
      owner,
    }),
  );
  const room = srv.server.rooms.get(w.id)!;
  await until(room.doc, () => room.doc.getMap('teams').size === TEAMS.length, 'six teams');
  fac.destroy();
});

async function open(size: { width: number; height: number }, mobile = false, noFieldSizing = false): Promise<Page> {
  const context = await browser.newContext({ viewport: size, isMobile: mobile, hasTouch: mobile });
  const page = await context.newPage();
  // As Firefox and Safari before 26 are: no CSS field-sizing, so the table sizes its text boxes itself.
  if (noFieldSizing)
    await page.addInitScript(() => {
      const supports = CSS.supports.bind(CSS);
      CSS.supports = ((...args: [string, string?]) =>
        args[0] === 'field-sizing' || String(args[0]).includes('field-sizing')
          ? false
          : supports(...(args as [string, string]))) as typeof CSS.supports;
      document.addEventListener('DOMContentLoaded', () => {
        const style = document.createElement('style');
        style.textContent = 'textarea { field-sizing: fixed !important; }';
        document.head.append(style);
      });
    });
  page.on('pageerror', (err) => console.error(`[page error] ${err.message}`));
  await page.goto(w.facilitatorUrl);
  await page.getByRole('table', { name: 'Teams' }).getByLabel('SRE: name').waitFor();
  return page;
}

/** The controls whose text does not fit their box: what the review read as "Payments Pla", "Code review c". */
const cut = (page: Page) =>
  page
    .getByRole('table', { name: 'Teams' })
    .locator('input, textarea, select')
    .evaluateAll((els) =>
      els
        .filter((el) => el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1)
        .map((el) => el.getAttribute('aria-label')),
    );

describe('the teams table', () => {
  it('shows every value whole at 1280 pixels, and Enter saves a text field', async () => {
    const page = await open({ width: 1280, height: 860 });
    expect(await cut(page)).toEqual([]);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1280);
    const headings = await page.getByRole('table', { name: 'Teams' }).getByRole('columnheader').allTextContents();
    // Sentence case throughout.
    for (const h of headings) expect(h.trim()).toMatch(/^[A-Z][a-z ]*%?$/);

    const commitment = page.getByLabel('SRE: commitment');
    await commitment.fill('Network egress policy per agent');
    await commitment.press('Enter');
    expect(await commitment.inputValue()).toBe('Network egress policy per agent');
    const room = srv.server.rooms.get(w.id)!;
    const sre = () => room.doc.getMap('teams').get('t4') as { get(k: string): unknown };
    await until(room.doc, () => sre().get('commitment') === 'Network egress policy per agent', 'commitment saved');
    await page.getByRole('table', { name: 'Teams' }).scrollIntoViewIfNeeded();
    await screenshot(page, 'teams-table-1280');
    // A table edit is this user's change like a drag: "Undo my last change" takes it back (broke: only map moves were undone).
    const before = String(sre().get('bottleneck') ?? '');
    const bottleneck = page.getByLabel('SRE: bottleneck at target');
    await bottleneck.fill('Egress review queue');
    await bottleneck.press('Enter');
    await until(room.doc, () => sre().get('bottleneck') === 'Egress review queue', 'bottleneck saved');
    await page.getByRole('button', { name: 'Undo my last change' }).click();
    await until(room.doc, () => String(sre().get('bottleneck') ?? '') === before, 'bottleneck undone');
    expect(sre().get('commitment')).toBe('Network egress policy per agent');
    await page.context().close();
  });

  it('is one closed row per team on a phone, each opening to labelled fields', async () => {
    const phone = await open({ width: 390, height: 844 }, true);
    const table = phone.getByRole('table', { name: 'Teams' });
    // Closed: the name and where the team is, no field to scroll past.
    expect(await table.getByLabel('Mobile: owner').isVisible()).toBe(false);
    const closed = (await table.boundingBox())!;
    expect(closed.height).toBeLessThan(TEAMS.length * 130);
    expect(await table.locator('tr[data-team="t2"]').textContent()).toContain('1.8 → 2.5');

    const edit = table.getByRole('button', { name: 'Edit Mobile' });
    expect(await edit.getAttribute('aria-expanded')).toBe('false');
    await edit.click();
    expect(await edit.getAttribute('aria-expanded')).toBe('true');
    for (const field of [
      'current stage',
      'target stage',
      'bottleneck at target',
      'commitment',
      'owner',
      'autonomy',
      'controls',
      'relies on',
    ]) {
      expect(await table.getByLabel(`Mobile: ${field}`).isVisible()).toBe(true);
    }
    expect(await table.getByLabel('Checkout: owner').isVisible()).toBe(false);
    await table.getByLabel('Mobile: owner').fill('Aiko T.');
    await table.getByLabel('Mobile: owner').press('Enter');
    const room = srv.server.rooms.get(w.id)!;
    await until(
      room.doc,
      () => (room.doc.getMap('teams').get('t2') as { get(k: string): unknown }).get('owner') === 'Aiko T.',
      'owner saved',
    );
    expect(await cut(phone)).toEqual([]);
    // Nothing sideways: the table fits the screen (the page's other panels are not this test's).
    const opened = (await table.boundingBox())!;
    expect(opened.x).toBeGreaterThanOrEqual(0);
    expect(opened.x + opened.width).toBeLessThanOrEqual(390);
    expect(await table.evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);
    await table.scrollIntoViewIfNeeded();
    await screenshot(phone, 'teams-table-phone');
    await phone.context().close();
  });

  it('sizes its text boxes to their text on a phone also where the browser cannot (no field-sizing)', async () => {
    const phone = await open({ width: 390, height: 844 }, true, true);
    const table = phone.getByRole('table', { name: 'Teams' });
    await table.getByRole('button', { name: 'Edit Mobile' }).click();
    for (const field of ['bottleneck at target', 'commitment', 'owner']) {
      const box = table.getByLabel(`Mobile: ${field}`);
      await box.waitFor();
      const { height, fits } = await box.evaluate((el) => ({ height: el.clientHeight, fits: el.scrollHeight <= el.clientHeight + 1 }));
      expect(height).toBeGreaterThanOrEqual(36);
      expect(fits).toBe(true);
    }
    await phone.context().close();
  });

  it('saves text after a pause in typing: another participant sees it while the field still has focus', async () => {
    // Broke: a text field saved only when focus left it, so the laptop saw nothing while the phone typed.
    const laptop = await open({ width: 1280, height: 860 });
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const phone = await context.newPage();
    phone.on('pageerror', (err) => console.error(`[page error] ${err.message}`));
    await joinInUi(phone, srv.url, w.joinCode, 'Priya');
    const table = phone.getByRole('table', { name: 'Teams' });
    await table.getByRole('button', { name: 'Edit Checkout' }).click();
    const owner = table.getByLabel('Checkout: owner');
    const seen = laptop.getByRole('table', { name: 'Teams' }).getByLabel('Checkout: owner');
    // The save comes after a pause in typing (600 ms): awaited on the server, then on the laptop, so the
    // pause is not counted against the second a poll gives the laptop (it left 0.4 s on a busy machine).
    const room = srv.server.rooms.get(w.id)!;
    const saved = (owner: string) =>
      until(room.doc, () => (room.doc.getMap('teams').get('t0') as { get(k: string): unknown }).get('owner') === owner, `"${owner}" saved`);
    await owner.click();
    await owner.press('ControlOrMeta+a');
    await phone.keyboard.type('Priya ');
    await saved('Priya');
    await expect.poll(() => seen.inputValue()).toBe('Priya');
    expect(await owner.evaluate((el) => el === document.activeElement)).toBe(true);
    // The save's echo ("Priya", trimmed) does not overwrite the space just typed under the cursor.
    await phone.keyboard.type('S.');
    expect(await owner.inputValue()).toBe('Priya S.');
    await saved('Priya S.');
    await expect.poll(() => seen.inputValue()).toBe('Priya S.');

    // Someone else's edit reaches the field once this user has left it.
    await phone.keyboard.press('Tab');
    await seen.fill('Priya Shah');
    await seen.press('Enter');
    await seen.press('Tab');
    await expect.poll(() => owner.inputValue()).toBe('Priya Shah');

    // A phone locked mid-typing keeps what was typed. The pause's timer is stopped from firing,
    // as a locked phone's would be: only the page being hidden can save.
    await phone.evaluate(() => {
      const real = window.setTimeout;
      window.setTimeout = ((fn: () => void, ms?: number) => (ms && ms >= 500 && ms <= 700 ? 0 : real(fn, ms))) as typeof setTimeout;
    });
    await owner.click();
    await phone.keyboard.press('End');
    await phone.keyboard.type(' (lead)');
    await phone.evaluate(() => {
      Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
      document.dispatchEvent(new Event('visibilitychange'));
    });
    await expect.poll(() => seen.inputValue()).toBe('Priya Shah (lead)');
    await context.close();
    await laptop.context().close();
  });
});
