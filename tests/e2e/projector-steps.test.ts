import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addTeam, setTeamField } from '../../shared/doc.ts';
import { createWorkshop, join, post } from '../helpers/api.ts';
import { openPage, screenshot, useBrowser } from '../helpers/browser.ts';
import { useServer } from '../helpers/server.ts';
import { connect, synced, type Client } from '../helpers/yclient.ts';

const srv = useServer();
const browser = useBrowser();
let seed: Client;
let w: Awaited<ReturnType<typeof createWorkshop>>;
let voters: { token: string }[];

const SIZES = [
  { width: 1920, height: 1080 },
  { width: 1280, height: 720 },
] as const;
/** The default agenda: 5 reveal and discuss, 6 commitments, 7 wrap-up. */
const STEP = { stage: 1, risk: 3, reveal: 5, commitments: 6, wrapup: 7 };

/** Eight teams, as a big session has: some committed with an owner, some not yet. */
const TEAMS = [
  { name: 'Payments platform', commitment: 'Sandbox every agent run before Q3', owner: 'Priya' },
  { name: 'Mobile apps', commitment: 'Review bot for release notes', owner: '' },
  { name: 'Data platform', commitment: '', owner: 'Marcus' },
  { name: 'Search', commitment: 'Evaluation suite for ranking changes', owner: 'Aiko' },
  { name: 'Identity and access', commitment: '', owner: '' },
  { name: 'Developer experience', commitment: 'Agent templates for every repository', owner: 'Lena' },
  { name: 'Checkout', commitment: 'Pair review on agent pull requests', owner: 'Tom' },
  { name: 'Infrastructure', commitment: 'Scoped credentials for CI agents', owner: 'Sam' },
];
const COLORS = ['#2563eb', '#db2777', '#9333ea', '#16a34a', '#ea580c', '#0891b2', '#ca8a04', '#4b5563'];

beforeAll(async () => {
  w = await createWorkshop(srv.url, 'Platform leadership offsite');
  seed = connect(srv.wsUrl, w.id, w.facilitatorKey);
  await synced(seed);
  TEAMS.forEach((t, i) =>
    addTeam(seed.doc, `team-${i}`, {
      ...t,
      color: COLORS[i]!,
      createdAt: i + 1,
      stageCurrent: 1 + (i % 3) * 0.5,
      stageTarget: 1.5 + (i % 3) * 0.6,
      // Payments and Checkout sit below the diagonal: the red zone.
      autonomy: i === 0 || i === 6 ? 0.75 : 0.3 + i * 0.05,
      controls: i === 0 || i === 6 ? 0.25 : 0.6,
      ...(i === 3 ? { bottleneck: 'Ranking evaluation' } : {}),
    }),
  );
  voters = await Promise.all(['Aiko', 'Priya'].map((name) => join(srv.url, w.joinCode, name)));
}, 60_000);

afterAll(() => {
  seed?.destroy();
});

const control = (key: string, value: unknown) => seed.doc.getMap('control').set(key, value);
const noScroll = (p: Page) => p.evaluate(() => document.documentElement.scrollHeight <= innerHeight + 1);
/** Whether all of the element is on the screen. */
async function onScreen(l: Locator): Promise<boolean> {
  const b = await l.evaluate((el) => el.getBoundingClientRect().toJSON() as DOMRect);
  const vp = l.page().viewportSize()!;
  return b.top >= -1 && b.left >= -1 && b.bottom <= vp.height + 1 && b.right <= vp.width + 1 && b.height > 0;
}
async function projector(size: { width: number; height: number }): Promise<Page> {
  const page = await openPage(browser, size);
  await page.goto(w.observerUrl);
  return page;
}
const api = (path: string, body: unknown, token = w.facilitatorKey) =>
  post(`${srv.url}/api/workshops/${w.id}/votes${path}`, body, { authorization: `Bearer ${token}` });

describe('the projector, step by step', () => {
  it('shows every team’s commitment and owner at the commitments step, blanks flagged, on one screen', async () => {
    control('step', STEP.commitments);
    for (const size of SIZES) {
      const page = await projector(size);
      const table = page.getByRole('region', { name: 'Commitments' });
      await table
        .locator('tr[data-team]')
        .nth(TEAMS.length - 1)
        .waitFor();
      await expect.poll(() => noScroll(page)).toBe(true);
      for (const [i, t] of TEAMS.entries()) {
        const row = table.locator(`tr[data-team="team-${i}"]`);
        expect(await onScreen(row)).toBe(true);
        expect(await row.locator('[data-cell="commitment"]').textContent()).toContain(t.commitment || 'no commitment yet');
        expect(await row.locator('[data-cell="owner"]').textContent()).toContain(t.owner || 'no owner yet');
      }
      // The team's own bottleneck, else the framework's at its target stage.
      expect(await table.locator('tr[data-team="team-3"]').textContent()).toContain('Ranking evaluation');
      expect(await table.locator('tr[data-team="team-0"]').textContent()).toContain('Review and evaluation (framework)');
      // The type is large enough to read from the back of the room.
      const px = await table
        .locator('[data-cell="commitment"]')
        .first()
        .evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
      expect(px).toBeGreaterThanOrEqual(size.height >= 1080 ? 22 : 16);
      await screenshot(page, `projector-commitments-${size.width}x${size.height}`);
      if (size.width === 1280) {
        // Typed live on a phone, it appears on the projector.
        setTeamField(seed.doc, 'team-4', 'owner', 'Noor');
        await expect.poll(() => table.locator('tr[data-team="team-4"] [data-cell="owner"]').textContent()).toBe('Noor');
        await expect.poll(() => noScroll(page)).toBe(true);
        setTeamField(seed.doc, 'team-4', 'owner', '');
      }
      await page.context().close();
    }
  });

  it('refits the commitments to the window when the projector is resized, smaller and back', async () => {
    control('step', STEP.commitments);
    const page = await projector({ width: 1920, height: 1080 });
    const table = page.getByRole('region', { name: 'Commitments' });
    const cell = table.locator('[data-cell="commitment"]').first();
    const px = () => cell.evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
    await table
      .locator('tr[data-team]')
      .nth(TEAMS.length - 1)
      .waitFor();
    await expect.poll(() => noScroll(page)).toBe(true);
    const large = await px();
    expect(large).toBeGreaterThanOrEqual(22);
    // A laptop's window dragged smaller: the type shrinks until every team fits again, nothing to scroll.
    await page.setViewportSize({ width: 1280, height: 720 });
    await expect.poll(px).toBeLessThan(large);
    await expect.poll(() => noScroll(page)).toBe(true);
    const rows = await table.locator('tr[data-team]').count();
    for (let i = 0; i < rows; i++) expect(await onScreen(table.locator('tr[data-team]').nth(i))).toBe(true);
    // And back: the type grows again to what the large screen had.
    await page.setViewportSize({ width: 1920, height: 1080 });
    await expect.poll(px).toBeCloseTo(large, 0);
    await expect.poll(() => noScroll(page)).toBe(true);
    await page.context().close();
  });

  it('refits the framework at the welcome when the projector is resized', async () => {
    control('step', 0);
    const page = await projector({ width: 1920, height: 1080 });
    const questions = page.getByRole('list', { name: 'Questions for every team' });
    await questions.waitFor();
    const px = () => questions.evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
    await expect.poll(() => noScroll(page)).toBe(true);
    const large = await px();
    await page.setViewportSize({ width: 1024, height: 768 });
    await expect.poll(px).toBeLessThan(large);
    await expect.poll(() => noScroll(page)).toBe(true);
    expect(await onScreen(page.locator('section[data-board~="welcome"]'))).toBe(true);
    await page.setViewportSize({ width: 1920, height: 1080 });
    await expect.poll(px).toBeCloseTo(large, 0);
    await page.context().close();
  });

  it('lists a choice vote’s options while voting, then shows the result fully on screen until the step moves on', async () => {
    control('step', STEP.reveal);
    const page = await projector({ width: 1280, height: 720 });
    // At the reveal a 1280 projector keeps the risk diagonal beside the prompts (framework.test.ts).
    await page.getByRole('application', { name: /Risk diagonal/ }).waitFor();
    const choices = [
      'Review capacity (pairing, review tooling)',
      'Test coverage for agent-written code',
      'Sandboxed agent runtime',
      'Skills and habits',
    ];
    const opened = await api('', { question: 'Which investment should we fund first?', kind: 'choice', choices });
    expect(opened.status).toBe(201);
    const live = page.getByRole('region', { name: 'Vote in progress' });
    await live.waitFor();
    expect(await live.getByRole('list', { name: 'Choices' }).getByRole('listitem').allTextContents()).toEqual(choices);
    expect(await onScreen(live.getByRole('list', { name: 'Choices' }))).toBe(true);
    // A choice vote is about neither map: below 1600 px its question and options take their place, whole.
    expect(await page.getByRole('application', { name: /Stage map|Risk diagonal/ }).count()).toBe(0);
    await expect.poll(() => noScroll(page)).toBe(true);
    await screenshot(page, 'projector-choice-open-1280x720');
    // A wide projector gives the vote a column beside both maps, and still does not scroll.
    const wide = await projector({ width: 1920, height: 1080 });
    const beside = wide.getByRole('region', { name: 'Vote in progress' });
    await beside.getByRole('list', { name: 'Choices' }).waitFor();
    expect(await beside.getByRole('listitem').count()).toBe(choices.length);
    await expect.poll(() => noScroll(wide)).toBe(true);
    for (const name of ['Stage map', 'Risk diagonal'])
      expect(await onScreen(wide.getByRole('application', { name: new RegExp(name) }))).toBe(true);
    await screenshot(wide, 'projector-choice-open-1920x1080');
    await wide.context().close();
    for (const [i, v] of voters.entries()) {
      expect((await api(`/${opened.json.voteId}/ballots`, { choice: choices[i === 0 ? 2 : 0] }, v.token)).status).toBeLessThan(300);
    }
    expect((await api(`/${opened.json.voteId}/reveal`, {})).status).toBeLessThan(300);
    const result = page.getByRole('region', { name: 'Vote results' }).locator('article');
    await result.getByRole('heading', { name: 'Which investment should we fund first?' }).waitFor();
    // In place of the maps, every option and its count on the screen, nothing to scroll.
    await expect.poll(() => noScroll(page)).toBe(true);
    for (const c of choices) expect(await onScreen(result.locator(`[data-choice="${c}"]`))).toBe(true);
    expect(await page.getByRole('application', { name: /Stage map/ }).count()).toBe(0);
    await screenshot(page, 'projector-choice-revealed-1280x720');
    // A projector opened now, on the step that discusses results, shows it too.
    const late = await projector({ width: 1920, height: 1080 });
    await late.getByRole('region', { name: 'Vote results' }).locator('article').waitFor();
    await expect.poll(() => noScroll(late)).toBe(true);
    expect(await onScreen(late.getByRole('region', { name: 'Vote results' }).locator('[data-choice]').last())).toBe(true);
    await screenshot(late, 'projector-choice-revealed-1920x1080');
    await late.context().close();
    // The next step takes the screen back.
    control('step', STEP.commitments);
    await page.getByRole('region', { name: 'Commitments' }).waitFor();
    expect(await page.getByRole('region', { name: 'Vote results' }).count()).toBe(0);
    await page.context().close();
  });

  it('sums the session up at the wrap-up: commitments, what the votes said, the red zone, thanks', async () => {
    control('step', STEP.wrapup);
    for (const size of SIZES) {
      const page = await projector(size);
      const wrap = page.getByRole('region', { name: 'Wrap-up' });
      await wrap.getByText('Thank you for taking part in Platform leadership offsite.').waitFor();
      await expect.poll(() => noScroll(page)).toBe(true);
      for (const [i, t] of TEAMS.entries()) {
        const li = wrap.locator(`li[data-team="team-${i}"]`);
        expect(await onScreen(li)).toBe(true);
        expect(await li.textContent()).toContain(t.commitment || 'no commitment');
        expect(await li.textContent()).toContain(t.owner || 'no owner');
      }
      const vote = wrap.locator('li[data-result]');
      expect(await vote.textContent()).toContain('Which investment should we fund first?');
      expect(await vote.textContent()).toMatch(/\(1 of 2\)/);
      expect(await onScreen(vote)).toBe(true);
      const red = wrap.getByTestId('wrap-red');
      expect(await red.getByRole('listitem').allTextContents()).toEqual(['⚠ Payments platform', '⚠ Checkout']);
      expect(await onScreen(red)).toBe(true);
      await screenshot(page, `projector-wrapup-${size.width}x${size.height}`);
      await page.context().close();
    }
  });

  it('names each marker shape of the risk legend whole, on one line, none written over another', async () => {
    control('step', STEP.stage);
    const page = await projector({ width: 1280, height: 720 });
    const legend = page.getByRole('list', { name: 'Marker shapes' });
    await legend.waitFor();
    const boxes = await legend.evaluate((ul) =>
      [...ul.querySelectorAll('li')].map((li) => {
        const text = li.querySelector('span')!;
        return {
          name: text.textContent!,
          lines: text.getClientRects().length,
          parts: [...li.children].map((c) => c.getBoundingClientRect().toJSON() as DOMRect),
        };
      }),
    );
    // Broke: fixed columns too narrow for projector type wrote "Guarantees" over the next shape and split "Red zone".
    expect(boxes.map((b) => [b.name, b.lines])).toEqual([
      ['Guardrails', 1],
      ['Guarantees', 1],
      ['A mix', 1],
      ['Red zone', 1],
    ]);
    const parts = boxes.flatMap((b) => b.parts);
    for (const [i, a] of parts.entries()) {
      for (const b of parts.slice(i + 1)) {
        const overlap =
          Math.min(a.right, b.right) - Math.max(a.left, b.left) > 1 && Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 1;
        expect(overlap).toBe(false);
      }
    }
    await page.context().close();
  });

  it('puts insights beside the maps, the risk chart kept legible and the prompts as text', async () => {
    control('step', STEP.risk);
    control('showInsights', true);
    for (const size of SIZES) {
      const page = await projector(size);
      const insights = page.getByRole('region', { name: 'Insights' });
      await insights.getByRole('heading', { name: 'Discussion prompts' }).waitFor();
      await expect.poll(() => noScroll(page)).toBe(true);
      const risk = page.getByRole('application', { name: /Risk diagonal/ });
      // Broke: the panel pushed the maps down and the diagonal shrank to about 200px.
      const least = size.height >= 1080 ? 420 : 260;
      await expect.poll(async () => (await risk.boundingBox())!.height).toBeGreaterThanOrEqual(least);
      expect(await onScreen(risk)).toBe(true);
      // A 1920 screen keeps both maps beside the insights; a narrower one keeps the map the step is about.
      const stage = page.getByRole('application', { name: /Stage map/ });
      if (size.width >= 1920) expect(await onScreen(stage)).toBe(true);
      else expect(await stage.count()).toBe(0);
      expect(await onScreen(insights)).toBe(true);
      expect(await insights.getByRole('link').count()).toBe(0); // nothing to click on a projector
      expect(await insights.locator('details').count()).toBe(0);
      await screenshot(page, `projector-insights-${size.width}x${size.height}`);
      await page.context().close();
    }
    control('showInsights', false);
  });

  it('shows the lock as a chip and the timer as a large badge, and still fits the screen', async () => {
    control('step', STEP.risk);
    control('locked', true);
    control('timer', { endsAt: Date.now() - 1000, durationMs: 300_000, pausedRemainingMs: null });
    const page = await projector({ width: 1920, height: 1080 });
    await page.getByText('Board locked').waitFor();
    const timer = page.getByRole('timer');
    await timer.getByText('Time is up').waitFor();
    // Broke: the lock banner made the page 15px taller than the screen.
    await expect.poll(() => noScroll(page)).toBe(true);
    const digits = await timer.locator('.digits').evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
    expect(digits).toBeGreaterThanOrEqual(64);
    expect(await timer.evaluate((el) => getComputedStyle(el).backgroundColor)).toBe('rgb(200, 30, 30)');
    // Beside the step's title, not in the top bar.
    expect(await page.locator('header').getByRole('timer').count()).toBe(0);
    const join = await page.getByTestId('header-join').evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
    expect(join).toBeGreaterThanOrEqual(28);
    await screenshot(page, 'projector-locked-timer-1920x1080');
    await page.context().close();
    control('locked', false);
    control('timer', null);
  });

  it('tells an empty projector that teams arrive from the room, not to add one', async () => {
    const empty = await createWorkshop(srv.url, 'Empty room');
    // The maps' first step: the welcome explains the framework in their place (framework.test.ts).
    const c = connect(srv.wsUrl, empty.id, empty.facilitatorKey);
    await synced(c);
    c.doc.getMap('control').set('step', STEP.stage);
    const page = await openPage(browser, { width: 1280, height: 720 });
    await page.goto(empty.observerUrl);
    await page.getByText('Teams appear here as people add them on their phones and laptops.').waitFor();
    expect(await page.getByText(/Add one to place it/).count()).toBe(0);
    await page.context().close();
    c.destroy();
  });

  it('gives a 720-line projector the map a running vote is about, the vote beside it, and no scrolling', async () => {
    control('step', STEP.stage);
    control('locked', false);
    control('timer', null);
    const page = await projector({ width: 1280, height: 720 });
    await page.getByRole('application', { name: /Risk diagonal/ }).waitFor();
    const opened = await api('', { question: 'Where is Search today?', kind: 'stage', teamId: 'team-3' });
    expect(opened.status).toBe(201);
    const live = page.getByRole('region', { name: 'Vote in progress' });
    await live.waitFor();
    // Broke: the vote card beside the title and both maps of eight teams were taller than the screen.
    await expect.poll(() => page.getByRole('application', { name: /Risk diagonal/ }).count()).toBe(0);
    await expect.poll(() => noScroll(page)).toBe(true);
    expect(await onScreen(page.getByRole('application', { name: /Stage map/ }))).toBe(true);
    expect(await onScreen(live)).toBe(true);
    await screenshot(page, 'projector-stage-vote-1280x720');
    expect((await api(`/${opened.json.voteId}/reveal`, {})).status).toBe(200);
    await page.context().close();
  });
});
