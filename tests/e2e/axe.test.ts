import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createWorkshopInUi, joinCodeOf, joinInUi, openPage, openPhone, useBrowser } from '../helpers/browser.ts';
import { post } from '../helpers/api.ts';
import { useServer } from '../helpers/server.ts';

/**
 * An automated accessibility check (axe-core) of every page a facilitator, a participant and the
 * room see, with real content on them. It catches what a person would otherwise find one page at a
 * time: a control without a name, a slider inside an image, text too faint to read, a broken list.
 */
const srv = useServer();
const browser = useBrowser();
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/**
 * What we hold every page to: anything axe rates moderate, serious or critical fails the page. (The
 * last moderate one, the facilitator's controls outside any landmark, went with their own region.)
 */
const BLOCKING = new Set(['moderate', 'serious', 'critical']);

interface Finding {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

/** Runs axe on the page as it is now (injected through DevTools, which the page's CSP allows). */
async function audit(page: Page): Promise<Finding[]> {
  await page.evaluate(AXE);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: Document, opts: object) => Promise<{ violations: any[] }> } }).axe;
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({
      id: v.id as string,
      impact: v.impact as string | null,
      help: v.help as string,
      nodes: (v.nodes as { target: string[] }[]).slice(0, 5).map((n) => n.target.join(' ')),
    }));
  });
  return violations.filter((v) => BLOCKING.has(v.impact ?? ''));
}

let facilitator: Page;
let phone: Page;
let code: string;
let workshopUrl: string;

beforeAll(async () => {
  facilitator = await openPage(browser);
  await createWorkshopInUi(facilitator, srv.url, 'Accessibility review');
  workshopUrl = facilitator.url();
  code = await joinCodeOf(facilitator);
  phone = await openPhone(browser);
  await joinInUi(phone, srv.url, code, 'Priya');
  await phone.getByLabel('Team name').fill('Payments');
  await phone.getByRole('button', { name: 'Add team' }).click();
  await facilitator
    .getByRole('button', { name: /Payments/ })
    .first()
    .waitFor();
}, 60_000);

describe('no moderate, serious or critical accessibility problem', () => {
  it('on the home page and the join page', async () => {
    const page = await openPage(browser);
    await page.goto(srv.url + '/');
    await page.getByRole('button', { name: 'Create workshop' }).waitFor();
    expect(await audit(page)).toEqual([]);
    await page.goto(`${srv.url}/join/${code}`);
    await page.getByRole('button', { name: 'Join', exact: true }).waitFor();
    expect(await audit(page)).toEqual([]);
    await page.context().close();
  });

  it('on the facilitator’s board, at the welcome and on the maps', async () => {
    expect(await audit(facilitator)).toEqual([]);
    await facilitator
      .getByRole('button', { name: /Where is your team today/ })
      .first()
      .click();
    await facilitator
      .getByRole('application', { name: /Stage map/ })
      .first()
      .waitFor();
    expect(await audit(facilitator)).toEqual([]);
  });

  it('on a participant’s phone', async () => {
    await phone
      .getByRole('application', { name: /Stage map/ })
      .first()
      .waitFor();
    expect(await audit(phone)).toEqual([]);
  });

  it('on a participant’s phone with a ballot open, and after the reveal', async () => {
    const id = /\/w\/([\w-]+)/.exec(workshopUrl)![1]!;
    const key = new URLSearchParams(new URL(workshopUrl).hash.slice(1)).get('key')!;
    const api = (path: string, body: unknown = {}) =>
      post(`${srv.url}/api/workshops/${id}${path}`, body, { authorization: `Bearer ${key}` });
    const question = 'Which bottleneck bites first?';
    const opened = await api('/votes', { question, kind: 'choice', choices: ['Review', 'Testing'] });
    expect(opened.status).toBe(201);
    const { voteId } = opened.json as { voteId: string };
    await phone.getByRole('radio', { name: 'Review' }).waitFor();
    expect(await audit(phone)).toEqual([]);
    await phone.getByRole('radio', { name: 'Review' }).click();
    await phone.getByRole('button', { name: 'Submit my vote' }).click();
    await expect.poll(() => phone.getByTestId('vote-in').textContent()).toContain('Review');
    expect(await audit(phone)).toEqual([]);
    expect((await api(`/votes/${voteId}/reveal`)).status).toBe(200);
    await phone.getByRole('region', { name: 'Vote results' }).getByRole('heading', { name: question }).waitFor();
    expect(await audit(phone)).toEqual([]);
  });

  it('on the projector', async () => {
    const id = /\/w\/([\w-]+)/.exec(workshopUrl)![1]!;
    const key = new URLSearchParams(new URL(workshopUrl).hash.slice(1)).get('key')!;
    const session = await fetch(`${srv.url}/api/workshops/${id}/session`, { headers: { authorization: `Bearer ${key}` } });
    const { observerUrl } = (await session.json()) as { observerUrl: string };
    const projector = await openPage(browser, { width: 1920, height: 1080 });
    await projector.goto(observerUrl);
    await projector
      .getByRole('application', { name: /Stage map/ })
      .first()
      .waitFor();
    expect(await audit(projector)).toEqual([]);
    await projector.context().close();
  });

  it('on the replay and the report', async () => {
    const base = workshopUrl.replace(/#.*$/, '');
    await facilitator.goto(`${base}/replay${new URL(workshopUrl).hash}`);
    await facilitator.getByRole('slider').first().waitFor();
    expect(await audit(facilitator)).toEqual([]);
    await facilitator.goto(`${base}/report${new URL(workshopUrl).hash}`);
    await facilitator.getByRole('heading', { level: 1 }).waitFor();
    expect(await audit(facilitator)).toEqual([]);
  });
});
