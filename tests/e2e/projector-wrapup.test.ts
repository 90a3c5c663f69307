import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { addTeam } from '../../shared/doc.ts';
import { createWorkshop, join, post } from '../helpers/api.ts';
import { SCREENSHOTS, joinInUi, openPage, openPhone, screenshot, useBrowser } from '../helpers/browser.ts';
import { useServer } from '../helpers/server.ts';
import { connect, synced, useClients } from '../helpers/yclient.ts';
import { CROWD_COLORS, crowdName as name, settled } from '../helpers/projector.ts';

const srv = useServer();
const browser = useBrowser();
const { track } = useClients(srv);

/** The default agenda's last step. */
const WRAPUP = 7;
const SIZES = [
  { width: 1920, height: 1080 },
  { width: 1366, height: 768 },
  { width: 1280, height: 720 },
  { width: 1024, height: 768 },
  { width: 800, height: 600 },
] as const;
/** The commitments step's least type on the projector (projector-crowd.test.ts): read from the back of a room. */
const LEAST_PX = 16;
/** How long a page of the commitments stays on the projector (ProjectorCommitments). */
const PAGE_MS = 15_000;
/** Every third team sits below the diagonal: the red zone. */
const red = (i: number) => i % 3 === 1;

interface Room {
  n: number;
  observerUrl: string;
  facilitatorUrl: string;
  joinCode: string;
}
const rooms = new Map<number, Room>();

/** A workshop of `n` teams at the wrap-up, every commitment and owner filled in, two votes revealed. */
async function room(n: number): Promise<Room> {
  const w = await createWorkshop(srv.url, 'Platform leadership offsite');
  const seed = track(connect(srv.wsUrl, w.id, w.facilitatorKey));
  await synced(seed);
  for (let i = 0; i < n; i++)
    addTeam(seed.doc, `t${i}`, {
      name: name(i),
      color: CROWD_COLORS[i % 8]!,
      createdAt: i + 1,
      stageCurrent: 1.5,
      stageTarget: 2.2,
      autonomy: red(i) ? 0.85 : 0.3,
      controls: red(i) ? 0.15 : 0.6,
      commitment: `Invest in a review rota and an evaluation harness for agent pull requests in pipeline ${i + 1}`,
      owner: `Jane Doe-Smithson ${i + 1}`,
    });
  const voters = await Promise.all(['Aiko', 'Priya'].map((v) => join(srv.url, w.joinCode, v)));
  const api = (path: string, body: unknown, token = w.facilitatorKey) =>
    post(`${srv.url}/api/workshops/${w.id}/votes${path}`, body, { authorization: `Bearer ${token}` });
  for (const question of ['Which investment should we fund first?', 'Where should agents be allowed to merge on their own?']) {
    const choices = ['Review capacity (pairing, review tooling)', 'Sandboxed agent runtime'];
    const opened = await api('', { question, kind: 'choice', choices });
    expect(opened.status).toBe(201);
    const id = (opened.json as { voteId: string }).voteId;
    for (const v of voters) expect((await api(`/${id}/ballots`, { choice: choices[0] }, v.token)).status).toBeLessThan(300);
    expect((await api(`/${id}/reveal`, {})).status).toBeLessThan(300);
  }
  seed.doc.getMap('control').set('step', WRAPUP);
  return { n, observerUrl: w.observerUrl, facilitatorUrl: w.facilitatorUrl, joinCode: w.joinCode };
}

beforeAll(async () => {
  for (const n of [3, 12, 30]) rooms.set(n, await room(n));
}, 60_000);

/**
 * What the wrap-up shows now: each piece of text (an element holding text of its own) with its type
 * size and box, the boxes of the cards that hold them, and which teams and red-zone names are shown.
 */
const shown = (page: Page) =>
  page.getByRole('region', { name: 'Wrap-up' }).evaluate((wrap) => {
    const box = (e: Element) => e.getBoundingClientRect().toJSON() as DOMRect;
    const texts = [...wrap.querySelectorAll('*')]
      .filter((e) => [...e.childNodes].some((c) => c.nodeType === Node.TEXT_NODE && c.textContent!.trim()))
      .map((e) => ({
        text: e.textContent!.trim().slice(0, 40),
        size: parseFloat(getComputedStyle(e).fontSize),
        // The card (or the wrap-up itself) the text is in.
        card: box(e.closest('section')!),
        ...box(e),
      }));
    const overflowing = [...wrap.querySelectorAll<HTMLElement>('section, ul, li, p')]
      .filter((e) => e.scrollWidth > e.clientWidth + 1 || e.scrollHeight > e.clientHeight + 1)
      .map((e) => `${e.tagName} ${e.textContent!.trim().slice(0, 40)}`);
    return {
      texts,
      overflowing,
      cards: [...wrap.querySelectorAll('section')].map(box),
      teams: [...wrap.querySelectorAll('[data-team]')].map((e) => e.getAttribute('data-team')!),
      red: [...wrap.querySelectorAll('[data-testid="wrap-red"] li')].map((e) => e.textContent!.replace('⚠', '').trim()),
      page: wrap.querySelector('[data-testid="wrapup-page"]')?.textContent ?? '',
    };
  });

const inside = (a: DOMRect, b: { left: number; top: number; right: number; bottom: number }) =>
  a.left >= b.left - 1 && a.top >= b.top - 1 && a.right <= b.right + 1 && a.bottom <= b.bottom + 1;

describe('the wrap-up on the projector', () => {
  it('fits every size in legible type, nothing scrolled or cut, every team and red-zone team shown a page at a time', async () => {
    for (const n of [3, 12, 30]) {
      const r = rooms.get(n)!;
      for (const size of SIZES) {
        const at = `${n} teams at ${size.width}×${size.height}`;
        const page = await openPage(browser, size);
        // The pages take turns on a timer: the test moves the clock on rather than wait for it.
        await page.clock.install();
        await page.goto(r.observerUrl);
        await page.getByRole('region', { name: 'Wrap-up' }).locator('[data-team]').first().waitFor();
        await settled(page);
        const teams = new Set<string>();
        const reds = new Set<string>();
        let first = '';
        for (let p = 0; p < 20; p++) {
          const s = await shown(page);
          const key = `${s.teams.join()}|${s.red.join()}`;
          if (p > 0 && key === first) break;
          first ||= key;
          await screenshot(page, `wrapup-${n}-${size.width}x${size.height}-page${p + 1}`);
          // Broke: the red-zone list ran off the bottom at every size, and the page scrolled.
          expect(await page.evaluate(() => document.scrollingElement!.scrollHeight <= innerHeight), at).toBe(true);
          expect(await page.evaluate(() => document.scrollingElement!.scrollWidth <= innerWidth), at).toBe(true);
          expect(s.overflowing, at).toEqual([]);
          const screen = { left: 0, top: 0, right: size.width, bottom: size.height };
          for (const t of s.texts) {
            // Broke: 8–9 px text, thirty teams squeezed onto one screen.
            expect(t.size, `${t.text} (${at})`).toBeGreaterThanOrEqual(LEAST_PX);
            expect(inside(t, screen), `${t.text} on the screen (${at})`).toBe(true);
            expect(inside(t, t.card), `${t.text} inside its card (${at})`).toBe(true);
          }
          for (const c of s.cards) expect(inside(c, screen), `a card on the screen (${at})`).toBe(true);
          s.teams.forEach((t) => teams.add(t));
          s.red.forEach((t) => reds.add(t));
          await page.clock.fastForward(PAGE_MS);
          await settled(page);
        }
        // Every team's commitment, and every team in the red zone, comes round.
        expect([...teams].sort(), at).toEqual(Array.from({ length: n }, (_, i) => `t${i}`).sort());
        expect([...reds].sort(), at).toEqual(
          Array.from({ length: n }, (_, i) => i)
            .filter(red)
            .map(name)
            .sort(),
        );
        await page.context().close();
      }
    }
  }, 300_000);
});

describe('the wrap-up on a board', () => {
  it('lists every team on the facilitator’s laptop and a phone, readable, nothing wider than the screen', async () => {
    const r = rooms.get(30)!;
    const laptop = await openPage(browser, { width: 1366, height: 768 });
    await laptop.goto(r.facilitatorUrl);
    const phone = await openPhone(browser);
    await joinInUi(phone, srv.url, r.joinCode, 'Sam');
    for (const [page, what] of [
      [laptop, 'laptop-1366'],
      [phone, 'phone-390'],
    ] as const) {
      const wrap = page.getByRole('region', { name: 'Wrap-up' });
      await wrap.locator('[data-team="t29"]').waitFor();
      await wrap.screenshot({ path: `${SCREENSHOTS}/wrapup-30-board-${what}.png` });
      const width = page.viewportSize()!.width;
      expect(await page.evaluate(() => document.scrollingElement!.scrollWidth), what).toBeLessThanOrEqual(width);
      const s = await shown(page);
      // The board is a card of its natural height: every team on it, the page scrolls to them.
      expect(s.teams).toHaveLength(30);
      expect(s.red).toHaveLength(10);
      expect(s.overflowing, what).toEqual([]);
      for (const t of s.texts) {
        expect(t.size, `${t.text} (${what})`).toBeGreaterThanOrEqual(14);
        expect(t.right, `${t.text} (${what})`).toBeLessThanOrEqual(width + 1);
        expect(t.left).toBeGreaterThanOrEqual(-1);
      }
    }
    await laptop.context().close();
    await phone.context().close();
  }, 90_000);
});
