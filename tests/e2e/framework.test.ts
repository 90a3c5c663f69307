import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addTeam } from '../../shared/doc.ts';
import { findTemplate } from '../../shared/templates/index.ts';
import { createWorkshop, join, post } from '../helpers/api.ts';
import { joinInUi, openPage, screenshot, useBrowser } from '../helpers/browser.ts';
import { useServer } from '../helpers/server.ts';
import { connect, synced, type Client } from '../helpers/yclient.ts';

const srv = useServer();
const browser = useBrowser();
const template = findTemplate('ai-sdlc')!;
const STEP = { welcome: 0, stage: 1, reveal: 5 };
const SIZES = [
  { width: 1920, height: 1080 },
  { width: 1280, height: 720 },
] as const;
const PHONE = { width: 390, height: 844 };
/** The two questions the stage map exists to ask (PRODUCT.md): the welcome step has no prompt of its own in this template. */
const QUESTIONS = [
  'What stage should each team operate in?',
  'What becomes the bottleneck when it gets there, and are we investing in removing it?',
];

let w: Awaited<ReturnType<typeof createWorkshop>>;
let seed: Client;
let facilitator: Page;
let phone: Page;

beforeAll(async () => {
  w = await createWorkshop(srv.url, 'Framing drill');
  seed = connect(srv.wsUrl, w.id, w.facilitatorKey);
  await synced(seed);
  const teams = [
    { name: 'Payments', autonomy: 0.75, controls: 0.25 },
    { name: 'Platform', autonomy: 0.5, controls: 0.6 },
    { name: 'Mobile apps', autonomy: 0.2, controls: 0.7 },
  ];
  teams.forEach((t, i) =>
    addTeam(seed.doc, `team-${i}`, {
      ...t,
      color: ['#2563eb', '#16a34a', '#9333ea'][i]!,
      createdAt: i + 1,
      stageCurrent: 1 + i * 0.6,
      stageTarget: 1.6 + i * 0.6,
    }),
  );
  facilitator = await openPage(browser, { width: 1280, height: 900 });
  await facilitator.goto(w.facilitatorUrl);
  await facilitator.getByTestId('join-code').waitFor();
  phone = await openPage(browser, PHONE);
  await joinInUi(phone, srv.url, w.joinCode, 'Priya');
}, 60_000);

afterAll(() => seed?.destroy());

const control = (key: string, value: unknown) => seed.doc.getMap('control').set(key, value);
const noScroll = (p: Page) => p.evaluate(() => document.documentElement.scrollHeight <= innerHeight + 1);
const fontPx = (l: Locator) => l.evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
/** Whether all of the element is on the screen. */
async function onScreen(l: Locator): Promise<boolean> {
  const b = await l.evaluate((el) => el.getBoundingClientRect().toJSON() as DOMRect);
  const vp = l.page().viewportSize()!;
  return b.top >= -1 && b.left >= -1 && b.bottom <= vp.height + 1 && b.right <= vp.width + 1 && b.height > 0;
}
async function projector(size: { width: number; height: number }, url = w.observerUrl): Promise<Page> {
  const page = await openPage(browser, size);
  await page.goto(url);
  return page;
}
const framework = (p: Page) =>
  p.locator('section[data-board~="welcome"]').filter({ has: p.getByRole('list', { name: 'Questions for every team' }) });
const prompts = (p: Page) => p.getByRole('region', { name: 'Discuss' });

describe('the framework, explained to the room', () => {
  it('puts every stage’s description, practice and bottleneck and the workshop’s questions on the projector at the welcome, on one screen', async () => {
    control('step', STEP.welcome);
    for (const size of SIZES) {
      const page = await projector(size);
      const intro = framework(page);
      await intro.getByText(template.stages[2]!.description).waitFor();
      // Broke: the welcome showed two empty maps; the template's descriptions were rendered nowhere.
      await expect.poll(() => noScroll(page)).toBe(true);
      for (const stage of template.stages) {
        for (const text of [stage.label, stage.description, stage.practice, stage.bottleneck]) {
          expect(await onScreen(intro.getByText(text).first())).toBe(true);
        }
      }
      for (const q of QUESTIONS) expect(await onScreen(intro.getByText(q))).toBe(true);
      // The risk diagonal's idea in a line: autonomy against controls, the red zone below.
      const risk = intro.locator('p').filter({ hasText: 'The risk diagonal' });
      expect(await onScreen(risk)).toBe(true);
      expect((await risk.textContent())!.replace(/\s+/g, ' ')).toContain(
        `${template.diagonal.x.label} against security controls. The goal is the diagonal, every gain in autonomy matched by controls; below it is the red zone`,
      );
      // How to join stays beside the step's title.
      expect(await onScreen(page.getByTestId('join-code'))).toBe(true);
      // Read from the back of the room.
      const px = await fontPx(intro.getByText(template.stages[0]!.description));
      expect(px).toBeGreaterThanOrEqual(size.height >= 1080 ? 20 : 14);
      await screenshot(page, `framework-welcome-projector-${size.width}x${size.height}`);
      await page.context().close();
    }
  }, 60_000);

  it('shows the same on a phone, stacked and readable, and compact on the facilitator’s page', async () => {
    control('step', STEP.welcome);
    const intro = framework(phone);
    await intro.getByText(template.stages[0]!.description).waitFor();
    for (const stage of template.stages) {
      const description = intro.getByText(stage.description);
      await description.scrollIntoViewIfNeeded();
      expect(await description.isVisible()).toBe(true);
      expect(await fontPx(description)).toBeGreaterThanOrEqual(15);
      const box = (await description.boundingBox())!;
      expect(box.x).toBeGreaterThanOrEqual(0);
      expect(box.x + box.width).toBeLessThanOrEqual(PHONE.width);
    }
    for (const q of QUESTIONS) expect(await intro.getByText(q).isVisible()).toBe(true);
    // Stacked: each stage's card below the one before it.
    const cards = intro.locator('article[data-stage]');
    const tops = await cards.evaluateAll((els) => els.map((el) => el.getBoundingClientRect().top));
    expect(tops).toEqual([...tops].sort((a, b) => a - b));
    expect(new Set(tops).size).toBe(template.stages.length);
    await phone.evaluate(() => scrollTo(0, 0));
    await screenshot(phone, 'framework-welcome-phone');

    const desk = framework(facilitator);
    await desk.getByText(template.stages[1]!.description).waitFor();
    for (const stage of template.stages) expect(await desk.getByText(stage.description).isVisible()).toBe(true);
    for (const q of QUESTIONS) expect(await desk.getByText(q).isVisible()).toBe(true);
    await screenshot(facilitator, 'framework-welcome-facilitator');
  });

  it('explains another framework from its own template: four levels fit a 720-line projector', async () => {
    const notion = findTemplate('notion-ai-transformation')!;
    const other = await createWorkshop(srv.url, 'Notion framing', notion.id);
    const page = await projector({ width: 1280, height: 720 }, other.observerUrl);
    const intro = framework(page);
    await intro.getByText(notion.stages[3]!.description).waitFor();
    await expect.poll(() => noScroll(page)).toBe(true);
    for (const stage of notion.stages) expect(await onScreen(intro.getByText(stage.description))).toBe(true);
    expect(await intro.getByText('What level should each team operate in?').count()).toBe(1);
    expect(await intro.getByText(template.stages[0]!.description).count()).toBe(0);
    await screenshot(page, 'framework-welcome-projector-notion-1280x720');
    await page.context().close();
  });

  it('lets a participant open a stage’s explanation from its header on the map, with the keyboard', async () => {
    control('step', STEP.stage);
    const page = await openPage(browser, { width: 1280, height: 900 });
    await joinInUi(page, srv.url, w.joinCode, 'Marcus');
    const header = page.getByRole('button', { name: `Stage 2 ${template.stages[1]!.label}: what it means` });
    await header.waitFor();
    // The hover text is the stage's description.
    expect(await header.locator('title').textContent()).toContain(template.stages[1]!.description);
    await header.focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: `Stage 2: ${template.stages[1]!.label}` });
    await dialog.waitFor();
    for (const text of [template.stages[1]!.description, template.stages[1]!.practice])
      expect(await dialog.getByText(text).isVisible()).toBe(true);
    await screenshot(page, 'framework-stage-explained');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    expect(await header.evaluate((el) => el === document.activeElement)).toBe(true);
    await page.context().close();
  });

  it('shows the four prompts at the reveal on the projector beside the risk diagonal, and open on every page', async () => {
    control('step', STEP.reveal);
    for (const size of SIZES) {
      const page = await projector(size);
      const list = prompts(page);
      await list.getByText(template.prompts[3]!.title).waitFor();
      await expect.poll(() => noScroll(page)).toBe(true);
      for (const p of template.prompts) {
        expect(await onScreen(list.getByText(p.title))).toBe(true);
        expect(await onScreen(list.getByText(p.text))).toBe(true);
      }
      // Broke: the prompts were on the projector only with the insights, which took the risk diagonal's place.
      const risk = page.getByRole('application', { name: /Risk diagonal/ });
      expect(await onScreen(risk)).toBe(true);
      expect((await risk.boundingBox())!.height).toBeGreaterThanOrEqual(size.height >= 1080 ? 420 : 300);
      expect(await fontPx(list.getByText(template.prompts[0]!.text))).toBeGreaterThanOrEqual(size.height >= 1080 ? 20 : 14);
      await screenshot(page, `framework-reveal-projector-${size.width}x${size.height}`);
      await page.context().close();
    }
    // A participant and the facilitator read them without opening anything.
    for (const [page, name] of [
      [phone, 'phone'],
      [facilitator, 'facilitator'],
    ] as const) {
      const list = prompts(page);
      await list.getByText(template.prompts[0]!.title).waitFor();
      for (const p of template.prompts) {
        const title = list.getByText(p.title);
        await title.scrollIntoViewIfNeeded();
        expect(await title.isVisible()).toBe(true);
        expect(await list.getByText(p.text).isVisible()).toBe(true);
      }
      expect(await page.locator('details:not([open])').filter({ hasText: template.prompts[0]!.title }).count()).toBe(0);
      await list.scrollIntoViewIfNeeded();
      await screenshot(page, `framework-reveal-${name}`);
    }
  }, 60_000);

  it('keeps the prompts and the risk diagonal on the projector with the insights shown, and beside a result', async () => {
    control('step', STEP.reveal);
    control('showInsights', true);
    for (const size of SIZES) {
      const page = await projector(size);
      await page.getByRole('region', { name: 'Insights' }).waitFor();
      await prompts(page).getByText(template.prompts[3]!.title).waitFor();
      await expect.poll(() => noScroll(page)).toBe(true);
      expect(await onScreen(page.getByRole('application', { name: /Risk diagonal/ }))).toBe(true);
      for (const p of template.prompts) expect(await onScreen(prompts(page).getByText(p.title))).toBe(true);
      // Said once: the insights' own copy of the prompts gives way.
      expect(await page.getByText(template.prompts[1]!.text).count()).toBe(1);
      await screenshot(page, `framework-reveal-insights-projector-${size.width}x${size.height}`);
      await page.context().close();
    }
    control('showInsights', false);

    // A risk vote revealed at this step: its result and the prompts share the screen.
    const api = (path: string, body: unknown, token = w.facilitatorKey) =>
      post(`${srv.url}/api/workshops/${w.id}/votes${path}`, body, { authorization: `Bearer ${token}` });
    const opened = await api('', { question: 'Where is Payments on the risk diagonal?', kind: 'risk', teamId: 'team-0' });
    expect(opened.status).toBe(201);
    for (const [i, name] of ['Aiko', 'Tom'].entries()) {
      const v = await join(srv.url, w.joinCode, name);
      expect((await api(`/${opened.json.voteId}/ballots`, { autonomy: 0.6 + i * 0.1, controls: 0.4 }, v.token)).status).toBe(202);
    }
    expect((await api(`/${opened.json.voteId}/reveal`, {})).status).toBe(200);
    for (const size of SIZES) {
      const page = await projector(size);
      const result = page.getByRole('region', { name: 'Vote results' });
      await result.getByRole('heading', { name: 'Where is Payments on the risk diagonal?' }).waitFor();
      await expect.poll(() => noScroll(page)).toBe(true);
      expect(await onScreen(result.locator('article'))).toBe(true);
      for (const p of template.prompts) expect(await onScreen(prompts(page).getByText(p.title))).toBe(true);
      await screenshot(page, `framework-reveal-result-projector-${size.width}x${size.height}`);
      await page.context().close();
    }
  }, 60_000);
});
