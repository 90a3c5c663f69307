import { describe, expect, it } from 'vitest';
import { addTeam, setTeamField } from '../../shared/doc.ts';
import { startTimer } from '../../shared/timer.ts';
import { createWorkshopInUi, openPage, useBrowser } from '../helpers/browser.ts';
import { useServer } from '../helpers/server.ts';
import { connect, synced, until } from '../helpers/yclient.ts';

/** The server's clock, moved by the script: log entries and the replay's "now" (GET /api/time) both read it. */
let now = Date.UTC(2025, 2, 4, 9, 0);
const MIN = 60_000;
const srv = useServer({ now: () => now });
const browser = useBrowser();

describe('time up in the replay and the report', () => {
  it('lists a timer that ran out, and the last one only once its time is up', async () => {
    const page = await openPage(browser, { width: 1280, height: 900 });
    const id = await createWorkshopInUi(page, srv.url, 'Timers');
    const fac = connect(srv.wsUrl, id, /#key=([^&]+)/.exec(page.url())![1]!);
    await synced(fac);
    const room = srv.server.rooms.get(id)!;
    const control = fac.doc.getMap('control');
    addTeam(fac.doc, 'pay', { name: 'Payments', color: '#2563eb', stageCurrent: 1 });
    await until(room.doc, () => room.doc.getMap('teams').size === 1, 'Payments');
    // A 2-minute timer, then a move 3 minutes later: time ran out between them.
    now += MIN;
    control.set('timer', startTimer(2 * MIN, now));
    await until(room.doc, () => room.doc.getMap('control').get('timer') !== null, 'the first timer');
    now += 3 * MIN;
    setTeamField(fac.doc, 'pay', 'stageCurrent', 2);
    await until(room.doc, () => (room.doc.getMap('teams').get('pay') as { get(k: string): unknown }).get('stageCurrent') === 2, 'the move');
    // A 5-minute timer, the last entry of the log.
    now += MIN;
    const last = startTimer(5 * MIN, now);
    control.set('timer', last);
    await until(room.doc, () => JSON.stringify(room.doc.getMap('control').get('timer')) === JSON.stringify(last), 'the second timer');

    const replayed = async () => {
      await page.goto(`${srv.url}/w/${id}/replay`);
      const events = page.locator('ol.events');
      await events.getByRole('button', { name: /Timer 5 min started/ }).waitFor();
      return (await events.getByRole('button').allTextContents()).map((t) => t.replace(/\s+/g, ' ').trim()).filter((t) => /Time/.test(t));
    };
    const reported = async () => {
      await page.goto(`${srv.url}/w/${id}/report`);
      await page.getByRole('heading', { name: 'Timeline' }).waitFor();
      return (await page.locator('ol.timeline li').allTextContents())
        .map((t) => t.replace(/\s+/g, ' ').trim())
        .filter((t) => /Time/.test(t));
    };
    // Two minutes into the 5-minute timer: it is still running, so only the first is up.
    now += 2 * MIN;
    const running = ['1:00 Timer 2 min started', '3:00 Time up', '5:00 Timer 5 min started'];
    expect(await replayed()).toEqual(running);
    expect(await reported()).toEqual(running);
    // Past its end with nothing written since: up at 10:00, where its time ran out.
    now += 10 * MIN;
    expect(await replayed()).toEqual([...running, '10:00 Time up']);
    expect(await reported()).toEqual([...running, '10:00 Time up']);
    fac.destroy();
    await page.context().close();
  }, 60_000);
});
