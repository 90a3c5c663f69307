import { describe, expect, it } from 'vitest';
import { openPage, useBrowser } from '../helpers/browser.ts';
import { createWorkshop, join } from '../helpers/api.ts';
import { useServer } from '../helpers/server.ts';

const srv = useServer();
const browser = useBrowser();

describe("the facilitator's breakout groups", () => {
  it('keeps a long name whole: no word broken across lines beside its group menu', async () => {
    const w = await createWorkshop(srv.url);
    await join(srv.url, w.joinCode, 'Bartholomew Featherstonehaugh');
    const page = await openPage(browser, { width: 1280, height: 800 });
    await page.goto(`${srv.url}/w/${w.id}#key=${w.facilitatorKey}`);
    const row = page.getByRole('region', { name: 'Breakout groups' }).getByText('Bartholomew Featherstonehaugh');
    await row.waitFor();
    // A word split over two lines has two boxes (the old column broke it into "Bartholom" / "ew").
    const boxesPerWord = await row.evaluate((el) => {
      const text = el.firstChild!;
      const counts: Record<string, number> = {};
      for (const m of el.textContent!.matchAll(/\S+/g)) {
        const range = document.createRange();
        range.setStart(text, m.index);
        range.setEnd(text, m.index + m[0].length);
        counts[m[0]] = range.getClientRects().length;
      }
      return counts;
    });
    expect(boxesPerWord).toEqual({ Bartholomew: 1, Featherstonehaugh: 1 });
    await page.context().close();
  });
});
