import { describe, expect, it } from 'vitest';
import { addTeam } from '../../shared/doc.ts';
import { createWorkshop, join } from '../helpers/api.ts';
import { openPage, screenshot, useBrowser } from '../helpers/browser.ts';
import { diagonal, redFlagInList, riskMarker } from '../helpers/maps.ts';
import { useServer } from '../helpers/server.ts';
import { connect, synced } from '../helpers/yclient.ts';

const srv = useServer();
const browser = useBrowser();

describe('the projector', () => {
  it('shows both maps, big and read-only, at 1920×1080 and 1280×720', async () => {
    const w = await createWorkshop(srv.url, 'Platform leadership offsite');
    const seed = connect(srv.wsUrl, w.id, w.facilitatorKey);
    await synced(seed);
    const teams = [
      {
        name: 'Payments',
        color: '#2563eb',
        stageCurrent: 1.4,
        stageTarget: 2.2,
        autonomy: 0.72,
        controls: 0.3,
        reliance: 'guardrails',
        bottleneck: 'Review and evaluation',
        autonomyTarget: 0.75,
        controlsTarget: 0.8,
      },
      {
        name: 'Platform',
        color: '#16a34a',
        stageCurrent: 2.1,
        stageTarget: 2.8,
        autonomy: 0.55,
        controls: 0.62,
        reliance: 'guarantees',
        bottleneck: 'Trust, security and validation',
      },
      {
        name: 'Mobile apps',
        color: '#9333ea',
        stageCurrent: 1,
        stageTarget: 1.6,
        autonomy: 0.2,
        controls: 0.75,
        reliance: 'mixed',
        bottleneck: 'Test coverage',
      },
      { name: 'Data and analytics engineering', color: '#ea580c', stageCurrent: 1.2, stageTarget: 2, autonomy: 0.56, controls: 0.6 },
    ] as const;
    teams.forEach((t, i) => addTeam(seed.doc, `team-${i}`, { ...t, createdAt: i + 1 }));
    // A value out of range and one of the wrong type are ignored, not drawn and not fatal.
    seed.doc.getMap('teams').set('broken', new (await import('yjs')).Map());
    addTeam(seed.doc, 'odd', { name: 'Odd values', color: '#0891b2', createdAt: 9 });
    const odd = seed.doc.getMap('teams').get('odd') as import('yjs').Map<unknown>;
    odd.set('autonomy', 7);
    odd.set('stageCurrent', 'three');

    // The maps' first step: the welcome explains the framework in their place (framework.test.ts).
    seed.doc.getMap('control').set('step', 1);
    for (const size of [
      { width: 1920, height: 1080 },
      { width: 1280, height: 720 },
    ]) {
      const page = await openPage(browser, size);
      await page.goto(w.observerUrl);
      await riskMarker(page, 'Payments').waitFor();
      expect(await page.getByRole('button', { name: 'Add team' }).count()).toBe(0);
      expect(await redFlagInList(page, 'Payments').count()).toBe(0); // the list is chrome the projector hides
      expect(await riskMarker(page, 'Payments').getAttribute('aria-valuetext')).toMatch(/in the red zone/);
      expect(await diagonal(page).getByText('Not placed yet: Odd values').count()).toBe(1);
      await screenshot(page, `maps-projector-${size.width}x${size.height}`);
      // No chrome and no scrolling: both maps fit the screen. Broke: the risk card ran 14 px below a 720-line screen.
      expect(await page.evaluate(() => document.scrollingElement!.scrollHeight <= innerHeight)).toBe(true);
      for (const name of ['Stage map', 'Risk diagonal']) {
        const map = (await page.getByRole('application', { name: new RegExp(name) }).boundingBox())!;
        expect(map.y + map.height).toBeLessThanOrEqual(size.height);
        expect(map.x + map.width).toBeLessThanOrEqual(size.width);
      }
      await page.context().close();
    }
    // The first step shows the room how to join (beside the framework, on one screen: framework.test.ts).
    seed.doc.getMap('control').set('step', 0);
    const page = await openPage(browser, { width: 1920, height: 1080 });
    await page.goto(w.observerUrl);
    const invite = page.getByRole('region', { name: 'Invite participants' });
    await invite.waitFor();
    expect(await invite.getByTestId('join-code').textContent()).toBe(`${w.joinCode.slice(0, 3)} ${w.joinCode.slice(3)}`);
    expect(await invite.getByRole('button').count()).toBe(0); // nothing to click on a projector
    // Past the first step the code moves to a corner of the top bar, for latecomers.
    seed.doc.getMap('control').set('step', 1);
    await page.getByRole('region', { name: 'Invite participants' }).waitFor({ state: 'detached' });
    expect(await page.getByTestId('header-join').textContent()).toContain(`${w.joinCode.slice(0, 3)} ${w.joinCode.slice(3)}`);
    // A live risk vote: on a 720-line screen the risk diagonal, with the vote beside it, fits; the stage map steps aside.
    const vote = await fetch(`${srv.url}/api/workshops/${w.id}/votes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${w.facilitatorKey}` },
      body: JSON.stringify({ question: 'Where is Payments on the risk diagonal?', kind: 'risk', teamId: 'team-0' }),
    });
    expect(vote.status).toBe(201);
    const small = await openPage(browser, { width: 1280, height: 720 });
    await small.goto(w.observerUrl);
    await small.getByRole('region', { name: 'Vote in progress' }).waitFor();
    const risk = (await small.getByRole('application', { name: /Risk diagonal/ }).boundingBox())!;
    expect(risk.y + risk.height).toBeLessThanOrEqual(720);
    expect(await small.getByRole('application', { name: /Stage map/ }).isVisible()).toBe(false);
    await screenshot(small, 'maps-projector-vote-1280x720');
    await small.context().close();

    // The facilitator can take it off the projector, and put it back.
    seed.doc.getMap('control').set('showJoin', false);
    await page.getByTestId('header-join').waitFor({ state: 'detached' });
    seed.doc.getMap('control').set('showJoin', true);
    await page.getByTestId('header-join').waitFor();
    await page.context().close();
    seed.destroy();
  }, 60_000);

  it('shows every revealed risk ballot, even when several voters chose the same point', async () => {
    const w = await createWorkshop(srv.url, 'Same answer');
    const seed = connect(srv.wsUrl, w.id, w.facilitatorKey);
    await synced(seed);
    addTeam(seed.doc, 'team-0', { name: 'Payments', color: '#2563eb', autonomy: 0.7, controls: 0.3 });
    const api = (path: string, token: string, body: unknown = {}) =>
      fetch(`${srv.url}/api/workshops/${w.id}/${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify(body),
      });
    const opened = await api('votes', w.facilitatorKey, { question: 'Where is Payments?', kind: 'risk', teamId: 'team-0' });
    const { voteId } = (await opened.json()) as { voteId: string };
    for (const [name, at] of [
      ['Ana', [0.5, 0.5]],
      ['Ben', [0.5, 0.5]],
      ['Chen', [0.5, 0.5]],
      ['Dee', [0.8, 0.2]],
    ] as const) {
      const { token } = await join(srv.url, w.joinCode, name);
      expect((await api(`votes/${voteId}/ballots`, token, { autonomy: at[0], controls: at[1] })).status).toBe(202);
    }
    expect((await api(`votes/${voteId}/reveal`, w.facilitatorKey)).status).toBe(200);
    seed.doc.getMap('control').set('step', 5); // Reveal and discuss

    const page = await openPage(browser, { width: 1920, height: 1080 });
    await page.goto(w.observerUrl);
    const results = page.getByRole('region', { name: 'Vote results' });
    await results.locator('[data-dot]').first().waitFor();
    // Broke: three ballots at one point were one dot. Each is a dot of its own, none on top of another.
    const dots = await results
      .locator('[data-dot]')
      .evaluateAll((els) => els.map((el) => [Number(el.getAttribute('cx')), Number(el.getAttribute('cy')), Number(el.getAttribute('r'))]));
    expect(dots).toHaveLength(4);
    for (let i = 0; i < dots.length; i++)
      for (let j = i + 1; j < dots.length; j++)
        expect(Math.hypot(dots[i]![0]! - dots[j]![0]!, dots[i]![1]! - dots[j]![1]!)).toBeGreaterThanOrEqual(2 * dots[i]![2]!);
    await screenshot(page, 'projector-risk-result-same-point');
    await page.context().close();
    seed.destroy();
  }, 60_000);
});
