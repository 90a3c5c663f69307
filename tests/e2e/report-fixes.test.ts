import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addTeam } from '../../shared/doc.ts';
import { createWorkshopInUi, openPage, useBrowser } from '../helpers/browser.ts';
import { useServer } from '../helpers/server.ts';
import { connect, synced, type Client } from '../helpers/yclient.ts';

const srv = useServer();
const browser = useBrowser();
let page: Page;
let client: Client | undefined;

beforeAll(async () => {
  page = await openPage(browser);
}, 60_000);

afterAll(() => {
  client?.destroy();
});

describe('the printable report', () => {
  it('words a missing commitment or owner naturally in the teams table', async () => {
    const id = await createWorkshopInUi(page, srv.url, 'Report wording');
    const key = decodeURIComponent(new URL(page.url()).hash.match(/key=([^&]+)/)![1]!);
    client = connect(srv.wsUrl, id, key);
    await synced(client);
    const teams = [
      { name: 'Payments', owner: 'Priya' },
      { name: 'Search', commitment: 'Pilot review agents' },
      { name: 'Ledger', commitment: 'Sandbox agent runs', owner: 'Jonas' },
      { name: 'Mobile' },
    ];
    teams.forEach((t, i) => addTeam(client!.doc, `team-${i}`, { color: '#2563eb', stageCurrent: 1, ...t }));
    await expect.poll(() => srv.server.rooms.get(id)!.doc.getMap('teams').size).toBe(4);

    await page.goto(`${srv.url}/w/${id}/report`);
    const cell = async (team: string) =>
      (
        await page
          .getByRole('row')
          .filter({ has: page.getByRole('rowheader', { name: team }) })
          .locator('td')
          .nth(2)
          .textContent()
      )?.trim();
    await page.getByRole('rowheader', { name: 'Payments' }).waitFor();
    expect(await cell('Payments')).toBe('No commitment yet (owner: Priya)');
    expect(await cell('Search')).toBe('Pilot review agents (no owner yet)');
    expect(await cell('Ledger')).toBe('Sandbox agent runs (owner: Jonas)');
    expect(await cell('Mobile')).toBe('–');
  });

  it('prints the teams table on A4 with whole words and the team colours kept', async () => {
    const id = await createWorkshopInUi(page, srv.url, 'Report on paper');
    const key = decodeURIComponent(new URL(page.url()).hash.match(/key=([^&]+)/)![1]!);
    const fac = connect(srv.wsUrl, id, key);
    await synced(fac);
    const long = 'Build an evaluation harness for every agent change before it reaches review';
    [
      { name: 'Payments', reliance: 'guarantees' as const, autonomy: 0.8, controls: 0.65, commitment: long, owner: 'Priya' },
      { name: 'Search & Discovery', bottleneck: 'Eval harness', autonomy: 0.5, controls: 0.6, commitment: long },
    ].forEach((t, i) => addTeam(fac.doc, `t${i}`, { color: '#2563eb', stageCurrent: 1.8, stageTarget: 2.5, ...t }));
    await expect.poll(() => srv.server.rooms.get(id)!.doc.getMap('teams').size).toBe(2);
    fac.destroy();

    // A4 less the report's margins is about 700 CSS px wide.
    await page.setViewportSize({ width: 700, height: 1000 });
    await page.goto(`${srv.url}/w/${id}/report`);
    await page.getByRole('rowheader', { name: 'Search & Discovery' }).waitFor();
    await page.emulateMedia({ media: 'print' });
    const layout = await page.evaluate(() => {
      /** Words of the element's text drawn over more than one line. */
      const split = (el: Element) => {
        const out: string[] = [];
        const walk = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
        for (let n = walk.nextNode(); n; n = walk.nextNode()) {
          for (const m of n.textContent!.matchAll(/\S+/g)) {
            const r = document.createRange();
            r.setStart(n, m.index);
            r.setEnd(n, m.index + m[0].length);
            if (new Set([...r.getClientRects()].map((x) => Math.round(x.top))).size > 1) out.push(m[0]);
          }
        }
        return out;
      };
      const cells = [...document.querySelectorAll('thead th, tbody th, tbody td:last-child')];
      const names = [...document.querySelectorAll('tbody th')].map((th) => {
        const swatch = th.querySelector('.swatch')!;
        const text = [...th.childNodes].find((n) => n.nodeType === Node.TEXT_NODE && n.textContent!.trim())!;
        const r = document.createRange();
        r.selectNodeContents(text);
        const first = r.getClientRects()[0]!;
        return {
          sameLine:
            Math.abs(swatch.getBoundingClientRect().top + swatch.getBoundingClientRect().height / 2 - (first.top + first.height / 2)) < 6,
          adjust: getComputedStyle(swatch).printColorAdjust,
        };
      });
      return { split: cells.flatMap(split), names };
    });
    // Broke: on A4 the table squeezed "Autonomy", "guarantees" and the names until they broke mid-word,
    // and the colour swatches and red rows (backgrounds) were left off the paper.
    expect(layout.split).toEqual([]);
    expect(layout.names).toEqual([
      { sameLine: true, adjust: 'exact' },
      { sameLine: true, adjust: 'exact' },
    ]);
  });
});
