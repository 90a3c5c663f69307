import type { Locator, Page } from 'playwright-core';
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
 * The i-th team of a crowd, called `name`, spread over the stage map: every fourth in the red zone,
 * so its lane carries a flag too.
 */
export const crowdTeam = (i: number, name: string) => ({
  name,
  color: CROWD_COLORS[i % 8]!,
  createdAt: i + 1,
  stageCurrent: 1 + (i % 10) / 10,
  stageTarget: 1.5 + (i % 7) / 5,
  autonomy: i % 4 ? 0.2 : 0.9,
  controls: i % 4 ? 0.6 : 0.1,
  reliance: 'mixed' as const,
});

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

/** A locator's box on the screen, and its computed type size in px. */
export const box = (l: Locator) => l.evaluate((el) => el.getBoundingClientRect().toJSON() as DOMRect);
export const fontPx = (l: Locator) => l.evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
/** The edges of a box on the screen. */
export type Edges = Pick<DOMRect, 'left' | 'right' | 'top' | 'bottom'>;
/** `a` within `b`, to a pixel. */
export const inside = (a: Edges, b: Edges) =>
  a.left >= b.left - 1 && a.right <= b.right + 1 && a.top >= b.top - 1 && a.bottom <= b.bottom + 1;
/** `a` and `b` overlap by more than a pixel each way. */
export const meet = (a: Edges, b: Edges) =>
  Math.min(a.right, b.right) - Math.max(a.left, b.left) > 1 && Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 1;
