import type { Page } from 'playwright-core';
import { expect } from 'vitest';

/** Names of up to 40 letters that share their first words, as a big session has. */
export const CROWD_BASE = [
  'Customer Identity and Access Management',
  'Payments Reconciliation and Settlement',
  'Mobile Checkout Experience (iOS/Android)',
  'Data Platform Ingestion and Warehousing',
  'Site Reliability Engineering, EMEA shift',
];
export const CROWD_COLORS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#db2777', '#4d7c0f'];
/** The i-th team of a crowd: the five names, then the same cut to 34 letters and numbered. */
export const crowdName = (i: number) => (i < 5 ? CROWD_BASE[i]! : `${CROWD_BASE[i % 5]!.slice(0, 34)} #${i + 1}`);

/**
 * Resolves once the page's size, every fitted type scale, the stage map's lanes and the teams
 * shown hold still across two frames: the projector's fits have found their sizes.
 */
export async function settled(page: Page): Promise<void> {
  const still = () =>
    page.evaluate(async () => {
      const shape = () =>
        [
          document.scrollingElement!.scrollWidth,
          document.scrollingElement!.scrollHeight,
          document.querySelectorAll('g.lane').length,
          ...[...document.querySelectorAll<HTMLElement>('[style*="--k"]')].map((e) => e.style.cssText),
          ...[...document.querySelectorAll('[data-team]')].map((e) => e.getAttribute('data-team')),
        ].join('|');
      const before = shape();
      await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
      return before === shape();
    });
  await expect.poll(still).toBe(true);
}
