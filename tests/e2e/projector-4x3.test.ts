import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addTeam } from '../../shared/doc.ts';
import { createWorkshop, join, post } from '../helpers/api.ts';
import { openPage, screenshot, useBrowser } from '../helpers/browser.ts';
import { diagonal } from '../helpers/maps.ts';
import { useServer } from '../helpers/server.ts';
import { overrun } from '../helpers/text-layout.ts';
import { connect, synced, type Client } from '../helpers/yclient.ts';
import { box, fontPx, inside, meet, settled } from '../helpers/projector.ts';

/** A venue's address, as long as a real one: the projector's top bar says it all session. */
const VENUE = 'https://workshops.example-company.org';
const srv = useServer({ publicUrl: VENUE });
const browser = useBrowser();

/** Venue projectors that are still 4:3, and a 1366×768 one. */
const XGA = { width: 1024, height: 768 };
const SVGA = { width: 800, height: 600 };
const WXGA = { width: 1366, height: 768 };
const FOUR_THREE = [XGA, SVGA];
const STEP = { stage: 1, risk: 3, reveal: 5, commitments: 6 };
/** A team that wrote its name as one 40-letter word. */
const LONG = 'Infrastructureplatformengineeringservice';
const TEAMS = [
  { name: LONG, commitment: '', owner: '' },
  { name: 'Customer Identity and Access Management', commitment: 'Sandbox every agent run before Q3', owner: 'Priya' },
  { name: 'Search', commitment: '', owner: '' },
];
const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#db2777', '#4d7c0f'];

let seed: Client;
let crowd: Client;
let w: Awaited<ReturnType<typeof createWorkshop>>;
let big: Awaited<ReturnType<typeof createWorkshop>>;
let voters: { token: string }[];

beforeAll(async () => {
  w = await createWorkshop(srv.url, 'Platform leadership offsite');
  seed = connect(srv.wsUrl, w.id, w.facilitatorKey);
  await synced(seed);
  TEAMS.forEach((t, i) =>
    addTeam(seed.doc, `t${i}`, {
      ...t,
      color: COLORS[i]!,
      createdAt: i + 1,
      stageCurrent: 1 + i * 0.3,
      stageTarget: 1.6 + i * 0.6,
      autonomy: [0.05, 0.3, 0.8][i],
      controls: [0.05, 0.7, 0.3][i],
      reliance: (['guardrails', 'guarantees', 'mixed'] as const)[i],
    }),
  );
  voters = await Promise.all(['Aiko', 'Priya', 'Tom'].map((name) => join(srv.url, w.joinCode, name)));
  // Thirty teams, every other one without a commitment or an owner yet.
  big = await createWorkshop(srv.url, 'Big room');
  crowd = connect(srv.wsUrl, big.id, big.facilitatorKey);
  await synced(crowd);
  for (let i = 0; i < 30; i++)
    addTeam(crowd.doc, `c${i}`, {
      name: `${TEAMS[1]!.name.slice(0, 34)} #${i + 1}`,
      color: COLORS[i % 8]!,
      createdAt: i + 1,
      commitment: i % 2 ? 'Invest in a review rota and an automated evaluation harness for agent pull requests' : '',
      owner: i % 2 ? 'Jane Doe-Smithson' : '',
    });
  crowd.doc.getMap('control').set('step', STEP.commitments);
}, 60_000);

afterAll(() => {
  seed?.destroy();
  crowd?.destroy();
});

const control = (key: string, value: unknown) => seed.doc.getMap('control').set(key, value);
const api = (path: string, body: unknown, token = w.facilitatorKey) =>
  post(`${srv.url}/api/workshops/${w.id}/votes${path}`, body, { authorization: `Bearer ${token}` });
const size = (s: { width: number; height: number }) => `${s.width}×${s.height}`;

/** The projector link, opened on this server (the links name the venue's address). */
async function projector(s: { width: number; height: number }, link = w.observerUrl): Promise<Page> {
  const page = await openPage(browser, s);
  const url = new URL(link);
  await page.goto(srv.url + url.pathname + url.hash);
  return page;
}
/** A projector page never scrolls, either way. */
const scroll = (p: Page) =>
  p.evaluate(() => ({
    x: Math.max(0, document.scrollingElement!.scrollWidth - innerWidth),
    y: Math.max(0, document.scrollingElement!.scrollHeight - innerHeight),
  }));
/** Each item of the risk legend: its box, how many lines its text takes, and its type size. */
const legendItems = (page: Page) =>
  page.getByRole('list', { name: 'Marker shapes' }).evaluate((ul) =>
    [...ul.querySelectorAll('li')].map((li) => ({
      name: li.querySelector('strong')!.textContent!,
      box: li.getBoundingClientRect().toJSON() as DOMRect,
      lines: li.querySelector('span')!.getClientRects().length,
    })),
  );

describe('the projector on a 4:3 screen', () => {
  it('shows the step’s map alone, whole and legible, with nothing to scroll', async () => {
    for (const s of FOUR_THREE) {
      const page = await projector(s);
      for (const [step, shown, other] of [
        [STEP.stage, /Stage map/, /Risk diagonal/],
        [STEP.risk, /Risk diagonal/, /Stage map/],
      ] as const) {
        control('step', step);
        await page.getByText(`Step ${step + 1} of`).waitFor();
        const map = page.getByRole('application', { name: shown });
        await map.waitFor();
        await settled(page);
        await screenshot(page, `projector-4x3-step${step + 1}-${s.width}x${s.height}`);
        // Broke: both maps side by side; at 800×600 the page scrolled 40 px, the stage map's names ran
        // over its lanes, and the risk chart beside it had 9 px axis labels.
        expect(await page.getByRole('application', { name: other }).isVisible(), `${size(s)} step ${step + 1}`).toBe(false);
        expect(await scroll(page)).toEqual({ x: 0, y: 0 });
        expect(inside(await box(map), { left: 0, top: 0, right: s.width, bottom: s.height })).toBe(true);
        if (step === STEP.stage) {
          const heads = await map.locator('text.stage-number').evaluateAll((ts) => ts.map((t) => parseFloat(getComputedStyle(t).fontSize)));
          for (const h of heads) expect(h, `stage header at ${size(s)}`).toBeGreaterThanOrEqual(14);
          for (const n of await map.locator('.team-name').evaluateAll((ts) => ts.map((t) => parseFloat(getComputedStyle(t).fontSize))))
            expect(n).toBeGreaterThanOrEqual(13);
        } else {
          const ticks = await diagonal(page)
            .locator('text.tick')
            .evaluateAll((ts) => ts.map((t) => parseFloat(getComputedStyle(t).fontSize)));
          expect(Math.min(...ticks), `axis labels at ${size(s)}`).toBeGreaterThanOrEqual(11);
          const card = await box(page.locator('.risk-card'));
          for (const item of await legendItems(page)) expect(inside(item.box, card), item.name).toBe(true);
        }
      }
      await page.context().close();
    }
  }, 60_000);

  it('shows how to join at the welcome, the code on one line and the venue’s address broken after its host', async () => {
    control('step', 0);
    for (const s of [...FOUR_THREE, WXGA]) {
      const page = await projector(s);
      const card = page.getByRole('region', { name: 'Invite participants' });
      const link = card.getByTestId('participant-url');
      await link.waitFor();
      await card.getByRole('img', { name: /^QR code/ }).waitFor();
      await settled(page);
      await screenshot(page, `projector-4x3-welcome-${s.width}x${s.height}`);
      expect(await scroll(page), size(s)).toEqual({ x: 0, y: 0 });
      const screen = { left: 0, top: 0, right: s.width, bottom: s.height };
      expect(inside(await box(card), screen)).toBe(true);
      expect(await card.getByTestId('join-code').evaluate((el) => el.getClientRects().length)).toBe(1);
      // The link's lines as the room reads them. Broke: "workshops.example-company.or" / "g/join/…" at 800×600.
      const lines = await link.evaluate((a) => {
        const rows = new Map<number, string>();
        const walker = document.createTreeWalker(a, NodeFilter.SHOW_TEXT);
        for (let n = walker.nextNode(); n; n = walker.nextNode())
          for (let i = 0; i < n.textContent!.length; i++) {
            const r = document.createRange();
            r.setStart(n, i);
            r.setEnd(n, i + 1);
            const top = Math.round(r.getBoundingClientRect().top);
            rows.set(top, (rows.get(top) ?? '') + n.textContent![i]);
          }
        return [...rows.values()].map((line) => line.replaceAll('\u2011', '-'));
      });
      const address = `workshops.example-company.org/join/${w.joinCode}`;
      expect([[address], ['workshops.example-company.org/', `join/${w.joinCode}`]], size(s)).toContainEqual(lines);
      await page.context().close();
    }
  }, 60_000);

  it('puts the risk legend under the chart at the reveal, by name, and the prompts in type the room can read', async () => {
    control('step', STEP.reveal);
    for (const s of FOUR_THREE) {
      const page = await projector(s);
      const prompts = page.getByRole('region', { name: 'Discuss' });
      await prompts.getByRole('listitem').last().waitFor();
      await diagonal(page).waitFor();
      await settled(page);
      await screenshot(page, `projector-4x3-reveal-${s.width}x${s.height}`);
      expect(await scroll(page), size(s)).toEqual({ x: 0, y: 0 });
      // Broke: beside the chart the legend had 140 px at 1024 (a word a line, "Guarantees" cut at the
      // card's edge) and none at 800, where it ran under the prompts.
      const card = await box(page.locator('.risk-card'));
      const chart = await box(diagonal(page));
      const items = await legendItems(page);
      expect(items.map((i) => [i.name, i.lines])).toEqual([
        ['Guardrails', 1],
        ['Guarantees', 1],
        ['A mix', 1],
        ['Red zone', 1],
      ]);
      for (const item of items) {
        expect(inside(item.box, card), item.name).toBe(true);
        expect(meet(item.box, chart), item.name).toBe(false);
      }
      for (const li of await prompts.getByRole('listitem').all())
        expect(inside(await box(li), { left: 0, top: 0, right: s.width, bottom: s.height })).toBe(true);
      // Broke: 14 px at 1024×768, in a column a third of the chart's width.
      expect(await fontPx(prompts.locator('.text').first())).toBeGreaterThanOrEqual(s.width >= 1024 ? 18 : 14);
      await page.context().close();
    }
  }, 60_000);

  it('keeps “no owner yet” on one line at the commitments step, in its column, and the column heads whole', async () => {
    control('step', STEP.commitments);
    for (const [s, link] of [
      ...[...FOUR_THREE, WXGA].map((s) => [s, w.observerUrl] as const),
      ...[XGA, SVGA].map((s) => [s, big.observerUrl] as const),
    ]) {
      const page = await projector(s, link);
      const table = page.getByRole('region', { name: 'Commitments' });
      await table.locator('tr[data-team]').first().waitFor();
      await settled(page);
      const teams = await table.locator('tr[data-team]').count();
      await screenshot(page, `projector-4x3-commitments-${teams}-${s.width}x${s.height}`);
      expect(await scroll(page), size(s)).toEqual({ x: 0, y: 0 });
      const blanks = await table.locator('[data-cell="owner"] .blank').evaluateAll((els) =>
        els.map((el) => ({
          lines: (() => {
            // An inline-block is one box however many lines it holds: count the lines of its text.
            const r = document.createRange();
            r.selectNodeContents(el);
            return new Set([...r.getClientRects()].map((x) => Math.round(x.top))).size;
          })(),
          height: el.getBoundingClientRect().height,
          size: parseFloat(getComputedStyle(el).fontSize),
          right: el.getBoundingClientRect().right,
          cell: el.parentElement!.getBoundingClientRect().right,
        })),
      );
      expect(blanks.length).toBeGreaterThan(0);
      for (const b of blanks) {
        // Broke: a pill of two or three lines (89 px tall at 1024×768).
        expect(b.lines, `${teams} teams at ${size(s)}`).toBe(1);
        expect(b.height).toBeLessThan(b.size * 2.2);
        expect(b.right).toBeLessThanOrEqual(b.cell + 1);
        expect(b.size).toBeGreaterThanOrEqual(14);
      }
      expect(await table.evaluate((el) => el.scrollWidth - el.clientWidth)).toBeLessThanOrEqual(1);
      // Broke: thirty teams at 1024 read "BOTTLENECK AT TAR…".
      for (const th of await table.locator('thead th').all())
        expect(await th.evaluate((el) => el.scrollWidth - el.clientWidth)).toBeLessThanOrEqual(0);
      for (const cell of await table.locator('[data-cell="commitment"]').all()) expect(await fontPx(cell)).toBeGreaterThanOrEqual(16);
      await page.context().close();
    }
  }, 90_000);

  it('keeps the top bar to the screen with a venue’s address, the title giving way to how to join', async () => {
    control('step', STEP.risk);
    for (const s of FOUR_THREE) {
      const page = await projector(s);
      const joinLine = page.getByTestId('header-join');
      await joinLine.waitFor();
      await settled(page);
      expect(await joinLine.textContent()).toContain('workshops.example-company.org/join');
      // Broke: at 800×600 "Stageboard" and "Read-only" were written over the join line, and the
      // connection badge was pushed past the screen's right edge.
      const bar = page.locator('header.topbar');
      const title = await box(bar.locator('.title'));
      const join = await box(joinLine);
      expect(meet(title, join), size(s)).toBe(false);
      // What shows of the title's parts: cut at the title's edge if the bar cuts it, else all of each.
      const parts = await bar.locator('.title').evaluate((t) => {
        const edge = t.getBoundingClientRect();
        const cut = getComputedStyle(t).overflowX !== 'visible';
        return [...t.children].map((c) => {
          const b = c.getBoundingClientRect();
          return {
            text: c.textContent!,
            left: cut ? Math.max(b.left, edge.left) : b.left,
            right: cut ? Math.min(b.right, edge.right) : b.right,
            top: b.top,
            bottom: b.bottom,
          };
        });
      });
      for (const p of parts) if (p.right > p.left) expect(meet(p, join), p.text).toBe(false);
      expect((await box(bar.locator('.status'))).right).toBeLessThanOrEqual(s.width);
      // The code is read in one go: never split over two lines.
      expect(await joinLine.locator('.join-code').evaluate((el) => el.getClientRects().length)).toBe(1);
      expect(await scroll(page)).toEqual({ x: 0, y: 0 });
      await page.context().close();
    }
  }, 60_000);

  it('keeps a running vote’s question inside its column when it names a one-word team', async () => {
    control('step', STEP.stage);
    const pages = await Promise.all([...FOUR_THREE, WXGA].map((s) => projector(s)));
    for (const p of pages) await p.getByRole('application', { name: /Stage map/ }).waitFor();
    const opened = await api('', { question: `Where is ${LONG} today?`, kind: 'stage', teamId: 't0' });
    expect(opened.status).toBe(201);
    for (const page of pages) {
      const s = page.viewportSize()!;
      const live = page.getByRole('region', { name: 'Vote in progress' });
      await live.waitFor();
      await settled(page);
      await screenshot(page, `projector-4x3-vote-open-${s.width}x${s.height}`);
      // Broke: the question ran 455 px past a 1024 screen's right edge, and the page scrolled sideways.
      expect(await scroll(page), size(s)).toEqual({ x: 0, y: 0 });
      expect(await overrun(live.getByRole('heading'))).toBe(0);
      expect((await box(live)).right).toBeLessThanOrEqual(s.width);
      await page.context().close();
    }
    for (const [i, v] of voters.entries())
      expect((await api(`/${opened.json.voteId}/ballots`, { stage: 1.2 + i * 0.4 }, v.token)).status).toBe(202);
    expect((await api(`/${opened.json.voteId}/reveal`, {})).status).toBe(200);
  }, 60_000);

  it('shows a revealed risk vote beside its question, its chart and type as large as the screen allows', async () => {
    control('step', STEP.risk);
    const pages = await Promise.all([XGA, SVGA, { width: 1280, height: 720 }].map((s) => projector(s)));
    for (const p of pages) await diagonal(p).waitFor();
    const opened = await api('', { question: `Where is ${LONG} on the risk diagonal?`, kind: 'risk', teamId: 't0' });
    expect(opened.status).toBe(201);
    for (const [i, v] of voters.entries())
      expect((await api(`/${opened.json.voteId}/ballots`, { autonomy: 0.5 + i * 0.1, controls: 0.3 + i * 0.15 }, v.token)).status).toBe(
        202,
      );
    expect((await api(`/${opened.json.voteId}/reveal`, {})).status).toBe(200);
    for (const page of pages) {
      const s = page.viewportSize()!;
      const result = page.getByRole('region', { name: 'Vote results' });
      const chart = result.getByRole('img', { name: /on the risk diagonal$/ });
      await chart.waitFor();
      await settled(page);
      await screenshot(page, `projector-4x3-risk-result-${s.width}x${s.height}`);
      expect(await scroll(page), size(s)).toEqual({ x: 0, y: 0 });
      const plot = await box(chart.locator('rect.plot'));
      const question = await box(result.getByRole('heading', { name: /on the risk diagonal/ }));
      // Broke: the chart sat under the question, the height set its size and the width went empty:
      // a 180 px plot and 9 px axis labels at 800×600, 280 px at 1280×720.
      expect(plot.left, `beside the question at ${size(s)}`).toBeGreaterThan(question.right);
      expect(plot.width, `plot at ${size(s)}`).toBeGreaterThanOrEqual(s.height >= 768 ? 340 : s.height >= 720 ? 300 : 210);
      const ticks = await chart.locator('text.tick').evaluateAll((ts) => ts.map((t) => parseFloat(getComputedStyle(t).fontSize)));
      if (s.height >= 720) expect(Math.min(...ticks), `axis labels at ${size(s)}`).toBeGreaterThanOrEqual(12);
      expect(await overrun(result.getByRole('heading', { name: /on the risk diagonal/ }))).toBe(0);
      await page.context().close();
    }
  }, 60_000);
});
