import type { Page } from 'playwright-core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { addTeam, readTeams, setTeamField } from '../../shared/doc.ts';
import { createWorkshop } from '../helpers/api.ts';
import { openPage, useBrowser } from '../helpers/browser.ts';
import { useServer } from '../helpers/server.ts';
import { useClients, synced, until, type Client } from '../helpers/yclient.ts';

/**
 * Other people's changes reach the board once per animation frame, however many arrive in it
 * (client/lib/frame-batch.ts); this user's own show at once. The page's clock is paused
 * (Playwright's fake clock drives requestAnimationFrame), so "within one frame" is not left to timing.
 */
const srv = useServer();
const browser = useBrowser();
const clients = useClients(srv);
let w: Awaited<ReturnType<typeof createWorkshop>>;
let seed: Client;
let page: Page;

beforeAll(async () => {
  w = await createWorkshop(srv.url, 'Frames');
  seed = clients.open(w.id, w.facilitatorKey);
  await synced(seed);
  seed.doc.transact(() => {
    for (const i of [1, 2, 3]) addTeam(seed.doc, `t${i}`, { name: `Team ${i}`, color: '#2563eb', createdAt: i, stageCurrent: 1.5 });
    seed.doc.getMap('control').set('step', 1);
  });
});

afterEach(async () => {
  await page.context().close();
});

/** Opens the facilitator's board with a fake clock, counting the document updates its socket receives. */
async function openBoard(): Promise<{ updates: () => number }> {
  page = await openPage(browser);
  let updates = 0;
  page.on('websocket', (ws) =>
    ws.on('framereceived', ({ payload }) => {
      // y-websocket: message type 0 (sync), then 2 (an update).
      if (typeof payload !== 'string' && payload[0] === 0 && payload[1] === 2) updates++;
    }),
  );
  // The page's clock stands still from the start: no animation frame (and no fallback timer) comes
  // until the test lets time run. The board loads without one: its first state is read at once.
  await page.clock.install();
  await page.clock.pauseAt(Date.now() + 5000);
  await page.goto(w.facilitatorUrl);
  await page.locator('[data-team="t2"][data-field="stageCurrent"]').waitFor();
  return { updates: () => updates };
}

/** Counts the times `selector`'s aria-valuenow is rewritten, from now on. */
async function countValueWrites(selector: string): Promise<() => Promise<number>> {
  await page.evaluate((sel) => {
    const el = document.querySelector(sel)!;
    const w = window as unknown as { __writes: number };
    w.__writes = 0;
    new MutationObserver((records) => (w.__writes += records.length)).observe(el, { attributeFilter: ['aria-valuenow'] });
  }, selector);
  return () => page.evaluate(() => (window as unknown as { __writes: number }).__writes);
}

describe('a busy room', () => {
  it('redraws the board once for several remote changes within one frame', async () => {
    const { updates } = await openBoard();
    const marker = '[data-team="t2"][data-field="stageCurrent"]';
    const writes = await countValueWrites(marker);
    const before = updates();
    const values = [1.6, 1.7, 1.8, 1.9, 2.1];
    for (const [i, v] of values.entries()) {
      setTeamField(seed.doc, 't2', 'stageCurrent', v);
      // Each arrives in a message of its own before the next is sent: five changes, one frame.
      await expect.poll(updates).toBe(before + i + 1);
    }
    // Broke (before batching): each message redrew the marker on arrival, five writes in one frame.
    expect(await writes()).toBe(0);
    expect(await page.locator(marker).getAttribute('aria-valuenow')).toBe('1.5');
    await page.clock.runFor(20); // one frame
    await expect.poll(() => page.locator(marker).getAttribute('aria-valuenow')).toBe('2.1');
    expect(await writes()).toBe(1);
  });

  it("moves this user's own marker at once, with no frame to wait for", async () => {
    await openBoard();
    const marker = page.locator('[data-team="t3"][data-field="stageCurrent"]');
    await marker.focus();
    await page.keyboard.press('Shift+ArrowRight');
    // The clock stands still: what the user did is on screen without waiting for a frame.
    await expect.poll(() => marker.getAttribute('aria-valuenow')).toBe('2');
    await until(seed.doc, () => readTeams(seed.doc, 10).find((t) => t.id === 't3')?.stageCurrent === 2, 'the move sent');
  });
});
