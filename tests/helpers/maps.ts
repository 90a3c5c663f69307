import type { Page } from 'playwright-core';

/** The risk diagonal's chart, as a screen reader finds it. */
export const diagonal = (page: Page) => page.getByRole('application', { name: /Risk diagonal/ });

export const riskMarker = (page: Page, team: string) => diagonal(page).getByRole('slider', { name: `${team}: risk position` });

/**
 * Where a team's marker says it is, at full precision: both read at once, so a change arriving
 * between two reads (another screen's drag comes a frame at a time) cannot mix two positions.
 */
export const point = (page: Page, team: string) =>
  riskMarker(page, team).evaluate((m) => ({
    autonomy: Number(m.getAttribute('data-autonomy')),
    controls: Number(m.getAttribute('data-controls')),
  }));

/** The team list's entry for a team, when it carries the red-zone flag. */
export const redFlagInList = (page: Page, team: string) =>
  page.getByRole('list', { name: 'Teams' }).getByRole('button', { name: `${team} · ⚠ Red zone` });
