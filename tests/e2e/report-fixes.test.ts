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
});
