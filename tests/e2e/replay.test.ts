import { mkdirSync, readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { addTeam, ensureGroupMaps, readGroups, setTeamField, type Timer } from '../../shared/doc.ts';
import { pauseTimer, resumeTimer, startTimer } from '../../shared/timer.ts';
import { join, post } from '../helpers/api.ts';
import { createWorkshopInUi, joinCodeOf, openPage, screenshot, SCREENSHOTS, useBrowser } from '../helpers/browser.ts';
import { useServer } from '../helpers/server.ts';
import { connect, synced, until } from '../helpers/yclient.ts';

/** The server's clock, moved by the script, so "the middle of the session" is a known moment. */
let now = Date.UTC(2025, 2, 4, 9, 0);
const MIN = 60_000;
const srv = useServer({ now: () => now });
const browser = useBrowser();

const HOSTILE = ['</svg><script>window.pwned=1</script>', `=cmd|' /C calc'!A0`, '+SUM(1,2)', '-2+3', '@risk "quoted"'];
const DOWNLOADS = 'test-results/downloads';

async function download(page: Page, button: string): Promise<{ name: string; body: Buffer }> {
  const [dl] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: button }).click()]);
  mkdirSync(DOWNLOADS, { recursive: true });
  const path = `${DOWNLOADS}/${dl.suggestedFilename()}`;
  await dl.saveAs(path);
  return { name: dl.suggestedFilename(), body: readFileSync(path) };
}

const stageOf = async (page: Page, team: string) =>
  Number(await page.getByRole('slider', { name: `${team}: current stage` }).getAttribute('aria-valuenow'));

/** A workshop made in the browser at 1440×900, its facilitator's key on a second socket, and Priya joined. */
async function session(title: string) {
  const page = await openPage(browser, { width: 1440, height: 900 });
  const id = await createWorkshopInUi(page, srv.url, title);
  const key = /#key=([^&]+)/.exec(page.url())![1]!;
  const code = await joinCodeOf(page);
  const fac = connect(srv.wsUrl, id, key);
  const joined = await join(srv.url, code, 'Priya');
  const priya = connect(srv.wsUrl, id, joined.token);
  await Promise.all([synced(fac), synced(priya)]);
  const room = srv.server.rooms.get(id)!;
  const onServer = (check: () => boolean, what: string) => until(room.doc, check, what);
  return { page, id, key, code, fac, joined, priya, room, onServer };
}

describe('replay, exports and report', () => {
  it('replays a scripted session, exports every file and prints the report', async () => {
    const page = await openPage(browser, { width: 1400, height: 1000 });
    const id = await createWorkshopInUi(page, srv.url, 'Platform offsite');
    const key = /#key=([^&]+)/.exec(page.url())![1]!;
    const code = await joinCodeOf(page);

    // The script: 0:00 created · 0:05 agenda 2 · 0:10 Payments at 1.2 · 0:30 five more teams · 1:00 Payments moves · 1:10 agenda 3.
    const fac = connect(srv.wsUrl, id, key);
    const priya = connect(srv.wsUrl, id, (await join(srv.url, code, 'Priya')).token);
    await Promise.all([synced(fac), synced(priya)]);
    const room = srv.server.rooms.get(id)!;
    const onServer = (check: () => boolean, what: string) => until(room.doc, check, what);
    const teams = () => room.doc.getMap('teams');

    now += 5 * MIN;
    fac.doc.getMap('control').set('step', 1);
    await onServer(() => room.doc.getMap('control').get('step') === 1, 'step 1');
    now += 5 * MIN;
    addTeam(priya.doc, 'pay', {
      name: 'Payments',
      color: '#2563eb',
      createdAt: now,
      stageCurrent: 1.2,
      stageTarget: 2,
      autonomy: 0.3,
      controls: 0.4,
    });
    await onServer(() => teams().has('pay'), 'Payments');
    now += 20 * MIN;
    HOSTILE.forEach((name, i) =>
      addTeam(priya.doc, `h${i}`, {
        name,
        color: '#16a34a',
        createdAt: now + i,
        stageCurrent: 1 + i * 0.4,
        autonomy: 0.2,
        controls: 0.5,
        bottleneck: name,
        commitment: name,
      }),
    );
    await onServer(() => teams().size === 1 + HOSTILE.length, 'hostile teams');
    now += 30 * MIN;
    setTeamField(priya.doc, 'pay', 'stageCurrent', 2.6);
    setTeamField(priya.doc, 'pay', 'autonomy', 0.85);
    setTeamField(priya.doc, 'pay', 'controls', 0.3);
    setTeamField(priya.doc, 'pay', 'reliance', 'mixed');
    await onServer(() => (teams().get('pay') as { get(k: string): unknown }).get('controls') === 0.3, 'Payments moved');
    now += 10 * MIN;
    fac.doc.getMap('control').set('step', 2);
    await onServer(() => room.doc.getMap('control').get('step') === 2, 'step 2');
    priya.destroy();
    fac.destroy();

    // Replay opens at the end of the session.
    const logLength = () => (srv.server.store.history(id, 0, 1_000_000) as unknown[]).length;
    const before = logLength();
    await page.goto(`${srv.url}/w/${id}/replay`);
    const scrubber = page.getByRole('slider', { name: 'Replay position' });
    await scrubber.waitFor();
    await expect.poll(() => stageOf(page, 'Payments')).toBe(2.6);
    await expect.poll(() => page.locator('[data-trail="pay"]').count()).toBe(2);
    // Each trail ends where the team's marker is: the overlay and the map agree on geometry.
    const centre = async (l: ReturnType<Page['locator']>) => {
      const b = (await l.boundingBox())!;
      return { x: b.x + b.width / 2, y: b.y + b.height / 2 };
    };
    const riskEnd = await centre(page.locator('[data-trails="risk"] [data-trail="pay"] circle').last());
    const riskMarker = await centre(page.getByRole('slider', { name: 'Payments: risk position' }).locator('circle, path').last());
    expect(Math.abs(riskEnd.x - riskMarker.x)).toBeLessThan(3);
    expect(Math.abs(riskEnd.y - riskMarker.y)).toBeLessThan(3);
    const stageEnd = await centre(page.locator('[data-trails="stage"] [data-trail="pay"] circle').last());
    const stageMarker = await centre(page.locator('[data-team="pay"][data-field="stageCurrent"] circle').last());
    expect(Math.abs(stageEnd.x - stageMarker.x)).toBeLessThan(3);

    // The middle of the 70-minute session is 0:35: Payments was still at 1.2 then.
    const box = (await scrubber.boundingBox())!;
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    await expect.poll(async () => (await page.getByTestId('replay-clock').textContent())?.slice(0, 2)).toBe('35');
    expect(await stageOf(page, 'Payments')).toBe(1.2);
    await page.getByText('Agenda 2: Where is your team today?', { exact: true }).waitFor();
    await screenshot(page, 'replay-middle');

    // The event list jumps the scrubber; before Payments was added it is not on the map.
    await page.getByRole('button', { name: /Agenda 2: Where is your team/ }).click();
    await expect.poll(() => page.getByRole('slider', { name: 'Payments: current stage' }).count()).toBe(0);
    await page.getByRole('button', { name: /Team added: Payments/ }).click();
    await expect.poll(() => stageOf(page, 'Payments')).toBe(1.2);

    // Play at 60×: the clock moves on from the event, then pause.
    await page.getByRole('radio', { name: '60×' }).click();
    await page.getByRole('button', { name: 'Play' }).click();
    await expect.poll(async () => page.getByTestId('replay-clock').textContent()).not.toMatch(/^10:0/);
    await page.getByRole('button', { name: 'Pause' }).click();
    await scrubber.focus();
    // Broke: an arrow moved a millisecond. Now a second, ten with Shift.
    const clockNow = () => page.getByTestId('replay-clock').textContent();
    await page.keyboard.press('Home');
    await expect.poll(clockNow).toMatch(/^0:00/);
    await page.keyboard.press('ArrowRight');
    await expect.poll(clockNow).toMatch(/^0:01/);
    await page.keyboard.press('Shift+ArrowRight');
    await expect.poll(clockNow).toMatch(/^0:11/);
    await page.keyboard.press('End');
    await expect.poll(() => stageOf(page, 'Payments')).toBe(2.6);
    await screenshot(page, 'replay-end');
    // Scrubbing, jumping and playing wrote nothing into the live workshop.
    expect(logLength()).toBe(before);

    // Each export, downloaded as a user would.
    const json = JSON.parse((await download(page, 'Everything (JSON)')).body.toString('utf8'));
    expect(json.format).toBe('stageboard-export');
    expect(json.teams.map((t: { name: string }) => t.name)).toEqual(['Payments', ...HOSTILE]);

    const teamsCsv = (await download(page, 'Teams (CSV)')).body.toString('utf8');
    const csvLines = teamsCsv.trim().split('\r\n');
    expect(csvLines[0]).toBe('team_id,team,current_stage,target_stage,autonomy,controls,reliance,bottleneck,commitment,owner,red_zone');
    expect(csvLines[1]).toMatch(/^pay,Payments,2\.6,2,0\.85,0\.3,mixed,,,,yes$/);
    // No cell may start with a formula character: each hostile name comes out behind a quote.
    expect(teamsCsv).toContain(`h1,'=cmd|' /C calc'!A0,`);
    expect(teamsCsv).toContain(`'+SUM(1,2)`);
    expect(teamsCsv).toContain(`'-2+3`);
    expect(teamsCsv).toContain(`"'@risk ""quoted"""`);
    expect(teamsCsv).not.toMatch(/(^|,)[=+\-@]/m);
    expect((await download(page, 'Votes (CSV)')).body.toString('utf8').trim()).toBe(
      'vote_id,question,kind,team_id,group,voter,stage,autonomy,controls,choice,at,group_name,team_name,round,vote_groups',
    );

    for (const map of ['Stage map', 'Risk diagonal']) {
      const svg = (await download(page, `${map} (SVG)`)).body.toString('utf8');
      // Parsed as the XML it is: one root, the hostile name as text, no script element.
      const parsed = await page.evaluate((text) => {
        const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
        return {
          error: doc.getElementsByTagName('parsererror').length,
          scripts: doc.getElementsByTagName('script').length,
          text: doc.documentElement.textContent ?? '',
        };
      }, svg);
      expect(parsed).toMatchObject({ error: 0, scripts: 0 });
      expect(parsed.text).toContain('Payments');
      const png = (await download(page, `${map} (PNG)`)).body;
      expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
      expect(png.length).toBeGreaterThan(5000);
    }
    expect(await page.evaluate(() => (window as { pwned?: number }).pwned)).toBeUndefined();

    // The report: summary, red zone, timeline; names stay text.
    const report = await page.context().newPage();
    await report.goto(`${srv.url}/w/${id}/report`);
    await report.getByRole('heading', { name: 'Platform offsite' }).waitFor();
    const row = report.getByRole('row', { name: /Payments/ });
    await expect.poll(() => row.textContent()).toMatch(/2\.6 Autonomous workflows → 2\.0 Agent-orchestrated/);
    expect(await row.textContent()).toContain('red zone');
    expect(await row.textContent()).toContain('relies on a mix of guardrails and guarantees');
    // The header says what 1:10:00 is (so far: the agenda is short of its end and the last change a moment ago);
    // the red zone says what a mix is; an insight names its team once.
    expect(await report.getByText(/ · 1 h 10 min so far, in progress at agenda step \d of 8 /).count()).toBe(1);
    const red = report.getByRole('region', { name: 'Red zone' }).getByRole('listitem').filter({ hasText: 'Payments' });
    expect(await red.textContent()).toContain('relying on a mix of guardrails and guarantees');
    const insight = report.getByRole('region', { name: 'Insights' }).getByRole('listitem').filter({ hasText: 'in the red zone' }).first();
    expect(await insight.textContent()).toMatch(/^Payments is in the red zone: autonomy 85% against controls 30%\. Discuss: /);
    expect(await report.getByRole('row', { name: /<\/svg><script>/ }).count()).toBe(1);
    expect(await report.locator('body script').count()).toBe(0);
    expect(await report.evaluate(() => (window as { pwned?: number }).pwned)).toBeUndefined();
    await report.emulateMedia({ media: 'print' });
    await report.pdf({ path: `${SCREENSHOTS}/report.pdf`, format: 'A4', printBackground: true });
    expect(readFileSync(`${SCREENSHOTS}/report.pdf`).subarray(0, 5).toString('latin1')).toBe('%PDF-');
    await screenshot(report, 'report-print');
    await report.emulateMedia({ media: 'screen' });
    await screenshot(report, 'report');
    await page.context().close();
  }, 90_000);

  it('fits a 1440 screen, follows playback in the event list, and reports whole names and what each vote raised', async () => {
    const { page, id, key, code, fac, joined, priya, room, onServer } = await session('Ledger offsite');
    // Enough people that the event list scrolls.
    for (let i = 0; i < 20; i++) await join(srv.url, code, `Person ${i + 1}`);
    const team = (t: string) => room.doc.getMap('teams').get(t) as { get(k: string): unknown } | undefined;
    const step = async (n: number) => {
      now += 2 * MIN;
      fac.doc.getMap('control').set('step', n);
      await onServer(() => room.doc.getMap('control').get('step') === n, `step ${n}`);
    };
    const vote = async (teamId: string, stage: number) => {
      now += MIN;
      const fk = { authorization: `Bearer ${key}` };
      const r = await post(`${srv.url}/api/workshops/${id}/votes`, { question: `Where is ${teamId}?`, kind: 'stage', teamId }, fk);
      expect(r.status).toBe(201);
      const b = await post(
        `${srv.url}/api/workshops/${id}/votes/${r.json.voteId}/ballots`,
        { stage },
        { authorization: `Bearer ${joined.token}` },
      );
      expect(b.status).toBe(202);
      now += MIN;
      expect((await post(`${srv.url}/api/workshops/${id}/votes/${r.json.voteId}/reveal`, {}, fk)).status).toBe(200);
    };

    const LONG = 'Payments platform and ledger reliability';
    await step(1);
    addTeam(priya.doc, 'pay', {
      name: LONG,
      color: '#2563eb',
      createdAt: now,
      stageCurrent: 1.2,
      stageTarget: 2,
      autonomy: 0.85,
      controls: 0.3,
    });
    addTeam(priya.doc, 'mob', {
      name: 'Mobile apps',
      color: '#db2777',
      createdAt: now,
      stageCurrent: 1.5,
      stageTarget: 2,
      autonomy: 0.3,
      controls: 0.5,
    });
    await onServer(() => !!team('pay') && !!team('mob'), 'teams');
    await vote('pay', 1.2);
    await step(2);
    // At the second reveal the red zone still stands (other numbers) and SRE is new; SRE is placed before the end.
    addTeam(priya.doc, 'sre', { name: 'SRE', color: '#16a34a', createdAt: now, stageCurrent: 1 });
    setTeamField(priya.doc, 'pay', 'autonomy', 0.8);
    await onServer(() => !!team('sre') && team('pay')!.get('autonomy') === 0.8, 'SRE');
    await vote('mob', 1.5);
    now += 2 * MIN;
    setTeamField(priya.doc, 'sre', 'autonomy', 0.2);
    setTeamField(priya.doc, 'sre', 'controls', 0.6);
    await onServer(() => team('sre')!.get('controls') === 0.6, 'SRE placed');
    await step(3);
    // Broke: a socket leaving after the last update put its tick past the end of the track.
    now += 5 * MIN;
    const events = () => (srv.server.store.listEvents(id) as { kind: string }[]).filter((e) => e.kind === 'disconnect').length;
    priya.destroy();
    fac.destroy();
    // Priya leaves; the facilitator does not, whose page here is still open on the same key.
    await expect.poll(events).toBe(1);

    await page.goto(`${srv.url}/w/${id}/replay`);
    const scrubber = page.getByRole('slider', { name: 'Replay position' });
    await scrubber.waitFor();
    await page.locator('span.mark.presence').last().waitFor({ state: 'attached' });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1440);
    // Each agenda tick says which step it is.
    expect(await page.locator('.marks .mark.step').allTextContents()).toEqual(['1', '2', '3', '4']);

    // The list marks where playback is, and keeps it in view inside the list, not by scrolling the page.
    const list = page.locator('ol.events');
    const current = list.locator('li[aria-current="true"]');
    const inList = async () => {
      const [l, c] = [(await list.boundingBox())!, (await current.boundingBox())!];
      return c.y >= l.y - 1 && c.y + c.height <= l.y + l.height + 1;
    };
    await expect.poll(() => current.textContent()).toMatch(/Agenda 4: Risk diagonal/);
    expect(await list.locator('li[aria-current]').count()).toBe(1);
    expect(await list.evaluate((el) => el.scrollHeight > el.clientHeight)).toBe(true);
    expect(await inList()).toBe(true);
    await scrubber.focus();
    await page.keyboard.press('Home');
    await expect.poll(() => current.textContent()).toMatch(/^0:00/);
    await expect.poll(inList).toBe(true);
    await page.getByRole('button', { name: /Vote revealed: Where is pay\?/ }).click();
    await expect.poll(() => current.textContent()).toMatch(/Vote revealed: Where is pay\?/);
    await expect.poll(inList).toBe(true);
    expect(await page.evaluate(() => window.scrollY)).toBe(0);
    await screenshot(page, 'replay-1440');

    // The saved stage map spells the long name out in full.
    await page.keyboard.press('End');
    const svg = (await download(page, 'Stage map (SVG)')).body.toString('utf8');
    expect(svg).not.toContain('…');
    const svgNames = await page.evaluate((text) => {
      const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
      return [...doc.querySelectorAll('text')].map((t) => [...t.querySelectorAll('tspan')].map((s) => s.textContent).join(' '));
    }, svg);
    expect(svgNames).toContain(LONG);

    const report = await page.context().newPage();
    await report.goto(`${srv.url}/w/${id}/report`);
    await report.getByRole('heading', { name: 'Ledger offsite' }).waitFor();
    // Names whole on both maps of the report.
    const stageNames = await report
      .locator('[aria-label^="Stage map"] text.team-name')
      .evaluateAll((ts) => ts.map((t) => [...t.querySelectorAll('tspan')].map((s) => s.textContent).join(' ')));
    expect(stageNames).toContain(LONG);
    expect(await report.locator('section.maps').textContent()).not.toContain('…');
    expect(await report.locator('[aria-label^="Risk diagonal"] text.name').allTextContents()).toContain(`${LONG} ⚠`);
    // One list of the insights so far (the session is still running); each vote says only what it raised first.
    const end = report.getByRole('region', { name: 'Insights so far' });
    expect(await end.getByRole('listitem').allTextContents()).toEqual([
      expect.stringMatching(/^Payments platform and ledger reliability is in the red zone: autonomy 80%/),
    ]);
    const reveals = report.getByTestId('insights-reveals');
    const first = reveals.locator('.reveal').filter({ hasText: 'Where is pay?' });
    expect(await first.getByRole('listitem').allTextContents()).toEqual([
      expect.stringMatching(/is in the red zone: autonomy 85% against controls 30%\.$/),
    ]);
    const second = reveals.locator('.reveal').filter({ hasText: 'Where is mob?' });
    expect(await second.getByRole('listitem').allTextContents()).toEqual([
      'SRE is on the stage map but not yet on the risk diagonal. Resolved since.',
    ]);
    expect(await first.textContent()).toContain('At this reveal:');
    expect(await report.getByText(/raised by then|changed or resolved by the end/).count()).toBe(0);
    // The print button and the Replay link do not touch.
    const button = (await report.getByRole('button', { name: 'Print or save as PDF' }).boundingBox())!;
    const link = (await report.getByRole('link', { name: 'Replay' }).boundingBox())!;
    expect(link.x - (button.x + button.width)).toBeGreaterThanOrEqual(12);
    await screenshot(report, 'report-insights');
    await page.context().close();
  }, 90_000);

  it('shows each revealed vote at its moment, names rounds, groups and cancels, folds presence and keeps agenda ticks apart', async () => {
    const { page, id, key, fac, joined, priya, room, onServer } = await session('Rounds offsite');
    const fk = { authorization: `Bearer ${key}` };
    const step = async (n: number, after: number) => {
      now += after;
      fac.doc.getMap('control').set('step', n);
      await onServer(() => room.doc.getMap('control').get('step') === n, `step ${n}`);
    };
    const open = async (question: string, teamId: string, groups?: string[]) => {
      now += MIN;
      const r = await post(`${srv.url}/api/workshops/${id}/votes`, { question, kind: 'stage', teamId, groups }, fk);
      expect(r.status).toBe(201);
      return r.json.voteId as string;
    };
    const reveal = async (voteId: string) => {
      now += MIN;
      expect((await post(`${srv.url}/api/workshops/${id}/votes/${voteId}/reveal`, {}, fk)).status).toBe(200);
    };

    // Agenda 2 and 3 three seconds apart: their ticks would sit on each other.
    await step(1, MIN);
    await step(2, 3000);
    const { list } = ensureGroupMaps(fac.doc);
    list.set('g_a', { name: 'Group A', teamIds: [] });
    list.set('g_b', { name: 'Group B', teamIds: [] });
    addTeam(priya.doc, 'pay', { name: 'Payments', color: '#2563eb', createdAt: now, stageCurrent: 1.2 });
    addTeam(priya.doc, 'mob', { name: 'Mobile', color: '#db2777', createdAt: now + 1, stageCurrent: 1.5 });
    await onServer(() => room.doc.getMap('teams').size === 2 && readGroups(room.doc).length === 2, 'teams and groups');
    const first = await open('Where is Payments?', 'pay');
    const ballot = await post(
      `${srv.url}/api/workshops/${id}/votes/${first}/ballots`,
      { stage: 2 },
      { authorization: `Bearer ${joined.token}` },
    );
    expect(ballot.status).toBe(202);
    await reveal(first);
    await reveal(await open('Where is Mobile?', 'mob'));
    await reveal(await open('Where is Payments?', 'pay', ['g_a']));
    // Opened by mistake and cancelled: nothing reaches results.
    const wrong = await open('Where is Mobile going?', 'mob');
    now += MIN;
    const del = await fetch(`${srv.url}/api/workshops/${id}/votes/${wrong}`, { method: 'DELETE', headers: fk });
    expect(del.status).toBe(200);
    await onServer(() => room.doc.getMap('control').get('vote') === null, 'vote cancelled');
    // Priya's connection drops and comes back three times.
    const departures = () => (srv.server.store.listEvents(id) as { kind: string }[]).filter((e) => e.kind === 'disconnect').length;
    priya.destroy();
    await expect.poll(departures).toBe(1);
    for (let i = 0; i < 3; i++) {
      now += 20_000;
      const again = connect(srv.wsUrl, id, joined.token);
      await synced(again);
      now += 20_000;
      again.destroy();
      await expect.poll(departures).toBe(i + 2);
    }
    await step(3, 10 * MIN);
    fac.destroy();

    await page.goto(`${srv.url}/w/${id}/replay`);
    await page.getByRole('slider', { name: 'Replay position' }).waitFor();
    const events = page.locator('ol.events');
    const results = page.getByTestId('replay-results');
    const seekTo = (label: RegExp) => events.getByRole('button', { name: label }).first().click();

    // At the end every reveal is there, the one revealed last first.
    const headings = () => results.locator('article h3, details summary').allTextContents();
    await expect
      .poll(headings)
      .toEqual([expect.stringMatching(/^Where is Payments\?\s*· round 2$/), expect.stringMatching(/^Where is Mobile\?/)]);
    // Before the first reveal there is nothing to show.
    await seekTo(/Vote opened: Where is Payments\?/);
    await expect.poll(() => results.count()).toBe(0);
    // At the first reveal, its result: one vote, at stage 2.
    await seekTo(/Vote revealed: Where is Payments\?/);
    await expect.poll(headings).toEqual(['Where is Payments?']);
    expect(await results.getByRole('article', { name: 'Results: Where is Payments?' }).textContent()).toContain('1 vote');
    await screenshot(page, 'replay-results-first-reveal');

    // Each vote's events say which round and whom it asked; the cancelled one says so.
    const labels = () => events.locator('li').allTextContents();
    expect((await labels()).filter((l) => l.includes('Vote ')).map((l) => l.replace(/^\s*[\d:]+\s*/, '').trim())).toEqual([
      'Vote opened: Where is Payments?',
      'Vote revealed: Where is Payments?',
      'Vote opened: Where is Mobile?',
      'Vote revealed: Where is Mobile?',
      'Vote opened: Where is Payments? (round 2, for Group A)',
      'Vote revealed: Where is Payments? (round 2, for Group A)',
      'Vote opened: Where is Mobile going?',
      'Vote cancelled: Where is Mobile going?',
    ]);

    // Connects and leaves are folded away until asked for, the count beside the switch.
    expect(await events.locator('li[data-kind="connect"], li[data-kind="disconnect"]').count()).toBe(0);
    const arrivals = page.getByRole('checkbox', { name: /Show arrivals and departures \(\d+\)/ });
    expect(await arrivals.isChecked()).toBe(false);
    const hidden = Number(/\((\d+)\)/.exec((await arrivals.locator('xpath=..').textContent())!)![1]);
    expect(hidden).toBeGreaterThanOrEqual(7);
    await arrivals.focus();
    await page.keyboard.press('Space');
    await expect.poll(() => events.locator('li[data-kind="connect"], li[data-kind="disconnect"]').count()).toBe(hidden);
    expect(await events.getByRole('button', { name: /Priya left/ }).count()).toBe(4);
    await page.keyboard.press('Space');
    await expect.poll(() => events.locator('li[data-kind="disconnect"]').count()).toBe(0);

    // Agenda 2 and 3, three seconds apart, both stay readable: no numbered tick covers another.
    const ticks = page.locator('.marks .mark.step');
    expect(await ticks.allTextContents()).toEqual(['1', '2', '3', '4']);
    const boxes = await ticks.evaluateAll((els) => els.map((el) => el.getBoundingClientRect().toJSON() as DOMRect));
    for (let i = 0; i < boxes.length; i++)
      for (let j = i + 1; j < boxes.length; j++) {
        const [a, b] = [boxes[i]!, boxes[j]!];
        const overlap = a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
        expect(overlap, `agenda ${i + 1} and ${j + 1} overlap`).toBe(false);
      }
    // The stacked row stays inside the page, above the scrubber.
    const scrubberTop = (await page.getByRole('slider', { name: 'Replay position' }).boundingBox())!.y;
    for (const b of boxes) expect(b.bottom).toBeLessThanOrEqual(scrubberTop + 1);
    await screenshot(page, 'replay-agenda-ticks');
    await page.context().close();
  }, 90_000);

  it('marks a team renamed, a team deleted and a person removed, and has no "Add one" in an empty replay or report', async () => {
    const { page, id, key, fac, joined, priya, onServer, room } = await session('Deletions offsite');
    const teams = () => room.doc.getMap('teams');
    const start = now;
    now += 2 * MIN;
    addTeam(priya.doc, 'srch', { name: 'Search', color: '#16a34a', createdAt: now, stageCurrent: 1.5 });
    addTeam(priya.doc, 'tmp', { name: 'Scratch team', color: '#9333ea', createdAt: now + 1, stageCurrent: 2 });
    await onServer(() => teams().size === 2, 'two teams');
    now += 3 * MIN;
    for (const name of ['Search &', 'Search & Disc', 'Search & Discovery']) {
      setTeamField(priya.doc, 'srch', 'name', name);
      await onServer(() => (teams().get('srch') as { get(k: string): unknown }).get('name') === name, name);
    }
    now += 5 * MIN;
    const removed = await fetch(`${srv.url}/api/workshops/${id}/participants/${joined.participantId}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${decodeURIComponent(key)}` },
    });
    expect(removed.status).toBe(200);
    now += 1 * MIN;
    fac.doc.getMap('teams').delete('tmp');
    await onServer(() => !teams().has('tmp'), 'Scratch team deleted');
    priya.destroy();
    fac.destroy();

    await page.goto(`${srv.url}/w/${id}/replay`);
    const events = page.locator('ol.events');
    await events.getByRole('button', { name: /Team deleted: Scratch team/ }).waitFor();
    // Broke: only additions were events; a facilitator could not find when a team went or was renamed.
    const list = (await events.getByRole('button').allTextContents()).map((t) => t.replace(/\s+/g, ' ').trim());
    expect(list.filter((t) => !/Agenda|joined|Team added/.test(t))).toEqual([
      '5:00 Team renamed: Search → Search & Discovery',
      '10:00 Priya removed by the facilitator',
      '11:00 Team deleted: Scratch team',
    ]);
    // The rename's button takes the replay to its moment, when Scratch team was still there; at the end it is gone.
    await events.getByRole('button', { name: /Team renamed/ }).click();
    await expect.poll(() => page.getByTestId('replay-clock').textContent()).toMatch(/^5:00/);
    await page.getByRole('slider', { name: 'Search & Discovery: current stage' }).waitFor();
    expect(await page.getByRole('slider', { name: /Scratch team/ }).count()).toBeGreaterThan(0);
    await page.getByRole('slider', { name: 'Replay position' }).focus();
    await page.keyboard.press('End');
    await expect.poll(() => page.getByRole('slider', { name: /Scratch team/ }).count()).toBe(0);
    await screenshot(page, 'replay-deletions');

    // The printed report says the same.
    await page.goto(`${srv.url}/w/${id}/report`);
    await page.getByRole('heading', { name: 'Timeline' }).waitFor();
    const timeline = await page.locator('ol.timeline').textContent();
    expect(timeline).toContain('Team deleted: Scratch team');
    expect(timeline).toContain('Priya removed by the facilitator');
    expect(now - start).toBe(11 * MIN);
    // Each entry's words form a column of their own beside its time: every line of a label that wraps
    // starts right of the time (inline, its second line started under the time).
    const gaps = await page
      .locator('ol.timeline li')
      .evaluateAll((lis) =>
        lis.map(
          (li) =>
            Math.min(...[...li.querySelector('.what')!.getClientRects()].map((r) => r.left)) -
            li.querySelector('.when')!.getBoundingClientRect().right,
        ),
      );
    expect(gaps.length).toBeGreaterThan(0);
    for (const gap of gaps) expect(gap).toBeGreaterThan(0);

    // An empty workshop: the replay and the report do not invite anyone to add a team.
    const empty = await createWorkshopInUi(page, srv.url, 'Nobody came');
    await page.goto(`${srv.url}/w/${empty}/replay`);
    await page.getByRole('slider', { name: 'Replay position' }).waitFor();
    await expect.poll(() => page.locator('svg[aria-label^="Stage map"]').textContent()).toContain('No teams on the board at this moment.');
    expect(await page.locator('body').textContent()).not.toContain('Add one');
    await page.goto(`${srv.url}/w/${empty}/report`);
    // Made a moment ago and still at its first step: in progress, so "yet".
    await page.getByText('No teams placed yet.').waitFor();
    expect(await page.locator('body').textContent()).not.toContain('Add one');
    await page.context().close();
  }, 90_000);
  it('replays and reports a one-team session still running, with its controls and commitment, legibly on a phone', async () => {
    const { page, id, key, fac, joined, priya, onServer, room } = await session('Single team check-in');
    const fk = { authorization: `Bearer ${decodeURIComponent(key)}` };
    const control = fac.doc.getMap('control');
    const set = async (field: string, value: unknown) => {
      control.set(field, value);
      await onServer(() => JSON.stringify(room.doc.getMap('control').get(field)) === JSON.stringify(value), field);
    };
    now += MIN;
    addTeam(priya.doc, 'pay', { name: 'Payments', color: '#dc2626', createdAt: now, stageCurrent: 1.4 });
    await onServer(() => room.doc.getMap('teams').size === 1, 'Payments added');
    // Agenda 5 and its vote in the same moment; the lock and the timer in the next.
    now += MIN;
    await set('step', 4);
    const r = await post(`${srv.url}/api/workshops/${id}/votes`, { question: 'Where is Payments?', kind: 'stage', teamId: 'pay' }, fk);
    expect(r.status).toBe(201);
    await post(`${srv.url}/api/workshops/${id}/votes/${r.json.voteId}/ballots`, { stage: 2 }, { authorization: `Bearer ${joined.token}` });
    now += MIN;
    await set('locked', true);
    await set('timer', startTimer(5 * MIN, now));
    for (let i = 0; i < 4; i++) {
      now += 2000;
      await set('timer', pauseTimer(control.get('timer') as Timer, now));
      now += 2000;
      await set('timer', resumeTimer(control.get('timer') as Timer, now));
    }
    now += MIN;
    expect((await post(`${srv.url}/api/workshops/${id}/votes/${r.json.voteId}/reveal`, {}, fk)).status).toBe(200);
    await set('spotlight', 'pay');
    now += MIN;
    await set('step', 6);
    await set('locked', false);
    const commitment = 'Pilot review agents';
    for (let i = 1; i <= commitment.length; i++) {
      now += 300;
      setTeamField(priya.doc, 'pay', 'commitment', commitment.slice(0, i));
    }
    setTeamField(priya.doc, 'pay', 'owner', 'Priya');
    await onServer(() => (room.doc.getMap('teams').get('pay') as { get(k: string): unknown }).get('owner') === 'Priya', 'owner');
    now += MIN;

    // The facilitator is still connected and the agenda is at 7 of 8: the report says so, on paper too.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${srv.url}/w/${id}/report`);
    const note = page.getByTestId('report-in-progress');
    await note.waitFor();
    // Broke: a report opened mid-session read "… · 6 min 23 s session ·" like a finished one.
    const header = (await page.locator('header p.muted').textContent())!.replace(/\s+/g, ' ');
    expect(header).toMatch(/· \d+ min( \d+ s)? so far, in progress at agenda step 7 of 8 \(Commitments\) ·/);
    expect(header).not.toContain(' session ·');
    expect(await page.getByRole('region', { name: 'Insights so far' }).count()).toBe(1);
    const timeline = (await page.locator('ol.timeline').textContent())!;
    for (const label of [
      'Board locked',
      'Timer 5 min started',
      'Spotlight on Payments',
      'Board unlocked',
      'Commitment for Payments: Pilot review agents (owner: Priya)',
    ])
      expect(timeline).toContain(label);
    expect(timeline.match(/Timer/g)).toHaveLength(1);
    expect(timeline.match(/Commitment for/g)).toHaveLength(1);
    // The one team is in the table, on both maps and named in the vote.
    await page.getByRole('rowheader', { name: 'Payments' }).waitFor();
    expect(await page.locator('section[aria-labelledby="votes-heading"]').textContent()).toContain('about Payments');
    await page.emulateMedia({ media: 'print' });
    expect(await note.isVisible()).toBe(true);
    await screenshot(page, 'report-in-progress-print');
    await page.emulateMedia({ media: 'screen' });
    await screenshot(page, 'report-in-progress-phone');

    // The replay on the phone: the controls and the commitment are events; no tick covers another.
    await page.goto(`${srv.url}/w/${id}/replay`);
    const events = page.locator('ol.events');
    await events.getByRole('button', { name: /Commitment for Payments/ }).waitFor();
    const list = (await events.getByRole('button').allTextContents()).map((t) =>
      t
        .replace(/\s+/g, ' ')
        .trim()
        .replace(/^\d+:\d+ /, ''),
    );
    expect(list.filter((t) => !/joined|Vote/.test(t))).toEqual([
      'Agenda 1: Welcome and framing',
      'Team added: Payments',
      'Agenda 5: Breakout vote',
      'Board locked',
      'Timer 5 min started',
      'Spotlight on Payments',
      'Agenda 7: Commitments',
      'Board unlocked',
      'Commitment for Payments: Pilot review agents (owner: Priya)',
    ]);
    await events.getByRole('button', { name: /Spotlight on Payments/ }).click();
    await expect.poll(() => page.getByTestId('replay-clock').textContent()).toMatch(/^4:\d\d/);
    const boxes = await page
      .locator('.marks .mark:not(.presence):not(.join):not(.remove)')
      .evaluateAll((els) => els.map((el) => ({ kind: el.className, ...(el.getBoundingClientRect().toJSON() as DOMRect) })));
    expect(boxes.length).toBeGreaterThanOrEqual(9);
    for (let i = 0; i < boxes.length; i++)
      for (let j = i + 1; j < boxes.length; j++) {
        const [a, b] = [boxes[i]!, boxes[j]!];
        const overlap = a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom && b.top < a.bottom;
        expect(overlap, `${a.kind} covers ${b.kind}`).toBe(false);
      }
    await page.locator('.timeline').screenshot({ path: `${SCREENSHOTS}/replay-phone-ticks.png` });
    await screenshot(page, 'replay-one-team-phone');

    // At the last step the report reads as a finished session.
    await set('step', 7);
    await page.goto(`${srv.url}/w/${id}/report`);
    await page.getByRole('heading', { name: 'Timeline' }).waitFor();
    expect(await page.getByTestId('report-in-progress').count()).toBe(0);
    expect((await page.locator('header p.muted').textContent())!.replace(/\s+/g, ' ')).toMatch(/ session · 1 participant · 1 team ·/);
    priya.destroy();
    fac.destroy();
    await page.context().close();
  }, 90_000);
});
