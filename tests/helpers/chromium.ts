import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium; the flags keep it off a network this machine does not have. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Chromium 15x builds the omnibox's pop-ups as web pages and, headless too, starts a renderer for
 * them with every window: two pages nobody sees per browser context, as much CPU in a projector
 * suite as the pages under test. Switched off here.
 */
const UNSEEN_PAGES = ['WebUIOmniboxPopup', 'WebUIOmniboxAimPopup'];

/**
 * Chromium reads only the last `--disable-features` it is given, and playwright-core gives one of
 * its own (features that make pages behave unlike a test expects: paint holding, HTTPS upgrades,
 * partitioned storage…), so ours has to carry playwright's list as well. It is not exported: read
 * from the installed bundle. Should a later playwright-core move it, the launch keeps playwright's
 * flags and only loses the saving.
 */
function disabledFeatures(): string[] {
  const bundle = readFileSync(createRequire(import.meta.url).resolve('playwright-core/lib/coreBundle'), 'utf8');
  const list = /\bdisabledFeatures = \[([^\]]*)\]/.exec(bundle)?.[1];
  if (!list) return [];
  const own = [...list.matchAll(/^\s*"(\w+)",?\s*$/gm)].map((m) => m[1]!);
  return own.length ? [...own, ...UNSEEN_PAGES] : [];
}

const features = disabledFeatures();
const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
  ...(features.length ? [`--disable-features=${features.join(',')}`] : []),
];

/** Headless Chromium as the tests and the client benchmark use it (no test runner needed). */
export function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
}
