import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { addTeam, setTeamField } from '../../shared/doc.ts';
import { createWorkshop, join, post } from '../helpers/api.ts';
import { openPage, useBrowser } from '../helpers/browser.ts';
import { useServer } from '../helpers/server.ts';
import { useClients, synced, type Client } from '../helpers/yclient.ts';

const srv = useServer();
const browser = useBrowser();
const clients = useClients(srv);
let w: Awaited<ReturnType<typeof createWorkshop>>;
let seed: Client;
const TEAMS = 20;

beforeAll(async () => {
  w = await createWorkshop(srv.url, 'A busy room');
  seed = clients.open(w.id, w.facilitatorKey);
  await synced(seed);
  seed.doc.transact(() => {
    for (let i = 0; i < TEAMS; i++)
      addTeam(seed.doc, `t${i}`, {
        name: `Team ${i + 1}`,
        color: '#2563eb',
        createdAt: i + 1,
        stageCurrent: 1 + (i % 10) / 10,
        stageTarget: 2.5,
        autonomy: (i % 9) / 10,
        controls: ((i * 7) % 10) / 10,
        bottleneck: i % 2 ? 'Review of agent output' : '',
      });
    seed.doc.getMap('control').set('step', 1);
  });
}, 60_000);

/** Starts recording which lanes (`data-lane`) and which parts of the page change. */
async function watch(page: Page): Promise<void> {
  await page.evaluate(() => {
    const seen = { lanes: new Set<string>(), risk: 0, people: 0 };
    (window as unknown as { __seen: typeof seen }).__seen = seen;
    new MutationObserver((records) => {
      for (const r of records) {
        const el = r.target instanceof Element ? r.target : r.target.parentElement;
        const lane = el?.closest('[data-lane]')?.getAttribute('data-lane');
        if (lane) seen.lanes.add(lane);
        if (el?.closest('.risk-diagonal, svg.risk')) seen.risk++;
        if (el?.closest('.people')) seen.people++;
      }
    }).observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
  });
}

const seen = (page: Page) =>
  page.evaluate(() => {
    const s = (window as unknown as { __seen: { lanes: Set<string>; risk: number; people: number } }).__seen;
    return { lanes: [...s.lanes], risk: s.risk, people: s.people };
  });

describe('a busy room', () => {
  it("redraws only the moved team's lane when someone else moves a marker", async () => {
    const page = await openPage(browser);
    await page.goto(w.facilitatorUrl);
    const marker = page.locator('[data-team="t3"][data-field="stageCurrent"]');
    await marker.waitFor();
    await watch(page);
    setTeamField(seed.doc, 't3', 'stageCurrent', 2.7);
    await expect.poll(() => marker.getAttribute('aria-valuenow')).toBe('2.7');
    const { lanes, risk } = await seen(page);
    expect(lanes).toEqual(['t3']);
    // A stage move leaves the risk chart (its fan-out and measured labels) as it was.
    expect(risk).toBe(0);
    await page.context().close();
  });

  it('leaves the people strip alone while someone only moves their cursor', async () => {
    const page = await openPage(browser);
    await page.goto(w.facilitatorUrl);
    await page.locator('[data-lane="t0"]').waitFor();
    const ana = await join(srv.url, w.joinCode, 'Ana');
    const mover = clients.open(w.id, ana.token);
    await synced(mover);
    mover.provider.awareness.setLocalState({ user: { name: 'Ana', color: '#16a34a', role: 'participant' }, cursor: null });
    await page.getByRole('group', { name: /Ana/ }).waitFor();
    await watch(page);
    mover.provider.awareness.setLocalStateField('cursor', { board: 'stage', x: 0.5, y: 0.5 });
    await page.locator('g.cursor').waitFor();
    const before = await page.locator('g.cursor').getAttribute('transform');
    mover.provider.awareness.setLocalStateField('cursor', { board: 'stage', x: 0.6, y: 0.4 });
    await expect.poll(() => page.locator('g.cursor').getAttribute('transform')).not.toBe(before);
    expect((await seen(page)).people).toBe(0);
    await page.context().close();
  });
});

describe('the replay and the report', () => {
  // With a revealed stage vote, as a session has one: its result strip is drawn before it is measured.
  beforeAll(async () => {
    const auth = { authorization: `Bearer ${w.facilitatorKey}` };
    const votes = `${srv.url}/api/workshops/${w.id}/votes`;
    const opened = await post(votes, { question: 'Where is Team 1?', kind: 'stage', teamId: 't0' }, auth);
    expect(opened.status).toBe(201);
    const voter = await join(srv.url, w.joinCode, 'Voter');
    const ballot = await post(`${votes}/${opened.json.voteId}/ballots`, { stage: 2 }, { authorization: `Bearer ${voter.token}` });
    expect(ballot.status).toBe(202);
    expect((await post(`${votes}/${opened.json.voteId}/reveal`, {}, auth)).status).toBe(200);
  });

  for (const size of [
    { width: 1280, height: 860 },
    { width: 390, height: 844 },
  ])
    it(`load without errors in the console at ${size.width} px`, async () => {
      const page = await openPage(browser, size);
      const errors: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      // The facilitator's key, kept by the browser as the board page keeps it.
      await page.goto(w.facilitatorUrl);
      await page.locator('[data-lane="t0"]').waitFor();
      await page.goto(`${srv.url}/w/${w.id}/report`);
      await page.getByRole('rowheader', { name: 'Team 1', exact: true }).waitFor();
      await page.locator('[data-lane="t0"]').waitFor();
      await page.goto(`${srv.url}/w/${w.id}/replay`);
      await page.locator('[data-lane="t0"]').waitFor();
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      expect(errors).toEqual([]);
      await page.context().close();
    });
});
