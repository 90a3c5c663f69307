import { describe, expect, it } from 'vitest';
import { createWorkshop } from '../helpers/api.ts';
import { openPage, useBrowser } from '../helpers/browser.ts';
import { useServer } from '../helpers/server.ts';

// PRODUCT.md: the facilitator and observer URLs carry their secret as key=/token= "in the query
// or, better, the fragment". A link whose fragment was lost (some mail clients and scripts keep
// only the query) must open the same board.
const srv = useServer();
const browser = useBrowser();

/** The same link with its secret in the query instead of the fragment. */
function inQuery(link: string): string {
  const url = new URL(link);
  const secret = new URLSearchParams(url.hash.slice(1));
  url.hash = '';
  for (const [k, v] of secret) url.searchParams.set(k, v);
  return url.toString();
}

describe('a link with its secret in the query', () => {
  it("opens the facilitator's board, and the key leaves the query for the fragment", async () => {
    const w = await createWorkshop(srv.url, 'Query key');
    const page = await openPage(browser);
    await page.goto(inQuery(w.facilitatorUrl));
    await page.getByTestId('join-code').waitFor();
    await page.getByText('Facilitator', { exact: true }).first().waitFor();
    const url = new URL(page.url());
    expect(url.searchParams.has('key')).toBe(false);
    expect(new URLSearchParams(url.hash.slice(1)).get('key')).toBe(w.facilitatorKey);
    // A reload keeps the seat: the fragment (and what the page kept) still hold it.
    await page.reload();
    await page.getByTestId('join-code').waitFor();
    await page.context().close();
  });

  it('opens the read-only projector view from an observer token in the query', async () => {
    const w = await createWorkshop(srv.url, 'Query token');
    const page = await openPage(browser);
    await page.goto(inQuery(w.observerUrl));
    await page.getByText('Read-only', { exact: true }).first().waitFor();
    expect(new URL(page.url()).search).toBe('');
    await page.context().close();
  });
});
