import { mkdirSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { launch } from './chromium.ts';

/**
 * `STAGEBOARD_TEST_LAG=300 npx vitest run tests/e2e`: every page's socket messages, both ways,
 * arrive that many milliseconds late, as on a loaded CI machine, but every time. A test that reads
 * once what another screen is still receiving fails under it; one that waits for the value passes.
 * `STAGEBOARD_TEST_LAG=0-600`: each browser context its own lag in that range, so one screen hears
 * of a change well before another (a test that takes one for the other fails). A test counting a
 * page's socket frames itself (remote-batching.test.ts) sees them before the page does. Unset,
 * nothing is routed.
 */
const LAG = (process.env.STAGEBOARD_TEST_LAG ?? '').split('-').map(Number);

async function lagged(context: BrowserContext): Promise<BrowserContext> {
  const [least = 0, most = least] = LAG;
  const lagMs = least + Math.random() * (most - least);
  if (!lagMs) return context;
  const later = (fn: () => unknown) => void setTimeout(fn, lagMs);
  await context.routeWebSocket(/\/ws\//, (page) => {
    const server = page.connectToServer();
    // Timers of one length fire in the order they were set: messages keep their order, and a
    // close comes after the messages sent before it.
    page.onMessage((m) => later(() => server.send(m)));
    server.onMessage((m) => later(() => page.send(m)));
    page.onClose((code, reason) => later(() => server.close({ code, reason })));
    server.onClose((code, reason) => later(() => page.close({ code, reason })));
  });
  return context;
}

export { CHROMIUM, launch } from './chromium.ts';

/** The worker's Chromium: launched by its first browser file, kept for the next (a launch costs half a second here). */
let running: Promise<Browser> | undefined;

async function workerBrowser(): Promise<Browser> {
  const b = await running;
  if (b?.isConnected()) return b;
  running = launch();
  return running;
}

/**
 * Chromium for the calling file's tests, closing every context they opened after them. Call it
 * once, at the top of a test file, after useServer() (so the pages close before the server stops)
 * and before the file's own hooks. One Chromium serves every browser file of a worker in turn;
 * each context has its own storage, so nothing carries from one file to the next. What it
 * returns stands for the browser, so use it in hooks and tests only.
 */
export function useBrowser(): Browser {
  let browser: Browser | undefined;
  const opened = new Set<BrowserContext>();
  beforeAll(async () => {
    browser = await workerBrowser();
  });
  afterAll(async () => {
    await Promise.all([...opened].map((c) => c.close().catch(() => {})));
    opened.clear();
  });
  // Browser is too wide an interface to forward by hand: every property is read from the launched one.
  return new Proxy({} as Browser, {
    get(_, key) {
      if (!browser) throw new Error('useBrowser(): the browser launches in beforeAll; use it in a hook or a test');
      if (key === 'newContext') {
        const b = browser;
        return async (...args: Parameters<Browser['newContext']>) => {
          const context = await b.newContext(...args);
          opened.add(context);
          context.once('close', () => opened.delete(context));
          return lagged(context);
        };
      }
      const value: unknown = Reflect.get(browser, key, browser);
      return typeof value === 'function' ? value.bind(browser) : value;
    },
  });
}

export const SCREENSHOTS = 'test-results/screenshots';

/**
 * The page as it is on screen, saved for a person to look at; all of it if it scrolls. A page that
 * fits is taken as it is: a full-page capture resizes the page twice around the picture, which
 * makes every fitted layout (the projector's) measure itself again (four times the time here).
 */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = `${SCREENSHOTS}/${name}.png`;
  const scrolls = await page.evaluate(() => {
    const root = document.scrollingElement!;
    return root.scrollHeight > innerHeight || root.scrollWidth > innerWidth;
  });
  await page.screenshot({ path, fullPage: scrolls });
  return path;
}

/** A fresh browser context (its own storage) and page, at a size. */
export async function openPage(browser: Browser, size: { width: number; height: number } = { width: 1280, height: 860 }) {
  const context = await browser.newContext({ viewport: size, deviceScaleFactor: 1 });
  const page = await context.newPage();
  page.on('pageerror', (err) => console.error(`[page error] ${err.message}`));
  return page;
}

/** A touch phone (390×844, two device pixels per CSS pixel), in a fresh context of its own. */
export async function openPhone(browser: Browser): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true, deviceScaleFactor: 2 });
  const page = await context.newPage();
  page.on('pageerror', (err) => console.error(`[page error] ${err.message}`));
  return page;
}

/** The join code a board shows its facilitator, as a participant types it (without the space). */
export async function joinCodeOf(page: Page): Promise<string> {
  return (await page.getByTestId('join-code').textContent())!.replace(/\s/g, '');
}

/** Creates a workshop through the home page, as a facilitator would. Returns its id. */
export async function createWorkshopInUi(page: Page, base: string, title: string, template?: string): Promise<string> {
  await page.goto(base + '/');
  await page.getByLabel('Workshop title').fill(title);
  if (template) await page.getByLabel('Framework').selectOption(template);
  await page.getByRole('button', { name: 'Create workshop' }).click();
  await page.waitForURL(/\/w\/[\w-]+#key=/);
  await page.getByTestId('join-code').waitFor();
  return /\/w\/([\w-]+)/.exec(page.url())![1]!;
}

export async function joinInUi(page: Page, base: string, code: string, name: string): Promise<void> {
  await page.goto(base + '/');
  await page.getByLabel('Code').fill(code);
  await page.getByLabel('Your name').fill(name);
  await page.getByRole('button', { name: 'Join', exact: true }).click();
  await page.waitForURL(/\/w\/[\w-]+$/);
}

/** Drags `selector`'s element by (dx, dy) pixels with the mouse, in steps, from its centre or its right edge. */
export async function dragBy(page: Page, selector: string, dx: number, dy = 0, from: 'centre' | 'right edge' = 'centre'): Promise<void> {
  const box = (await page.locator(selector).boundingBox())!;
  // The right edge: just inside it, where a ring is grabbed by its outline.
  const x = from === 'centre' ? box.x + box.width / 2 : box.x + box.width - 4;
  const y = box.y + box.height / 2;
  await page.mouse.move(x, y);
  await page.mouse.down();
  await page.mouse.move(x + dx / 2, y + dy / 2, { steps: 5 });
  await page.mouse.move(x + dx, y + dy, { steps: 5 });
  await page.mouse.up();
}

/** What has the keyboard focus on a page: its accessible name as a test would look it up, or "body". */
export const focused = (p: Page): Promise<string> =>
  p.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return 'body';
    return (el.getAttribute('aria-label') ?? el.textContent ?? '').trim().replace(/\s+/g, ' ');
  });
