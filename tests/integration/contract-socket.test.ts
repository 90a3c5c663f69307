import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { addTeam, readControl, readTeams, ROOTS, setTeamField } from '../../shared/doc.ts';
import { CLOSE } from '../../shared/errors.ts';
import { AwarenessState } from '../../shared/schema.ts';
import { createWorkshop, join, post } from '../helpers/api.ts';
import { useServer } from '../helpers/server.ts';
import { synced, until, useClients, type Client } from '../helpers/yclient.ts';

// PRODUCT.md "Public interface" and "The shared document", as someone who did not write this
// server meets them: with the stock y-websocket WebsocketProvider and a raw y-protocols client.

const srv = useServer({ limits: { awarenessIntervalMs: 0 } });
const { open } = useClients(srv);

const observerToken = (observerUrl: string) => new URL(observerUrl).hash.replace('#token=', '');

/** The document as the store holds it: every logged update applied in order. */
async function stored(id: string): Promise<Y.Doc> {
  const doc = new Y.Doc();
  for (const e of await srv.server.store.history(id, 0, 1_000_000)) Y.applyUpdate(doc, e.data);
  return doc;
}

/** The awareness state `watcher` holds for `other`, as a view reads it (it skips what does not parse). */
function seen(watcher: Client, other: Client): AwarenessState | undefined {
  return AwarenessState.safeParse(watcher.provider.awareness.getStates().get(other.doc.clientID)).data;
}

const untilSeen = (watcher: Client, check: () => boolean, what: string) => until(watcher.provider.awareness, check, what);

/** Resolves with the next close the stock provider hears from the server. */
function nextClose(c: Client): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => {
    const on = (e: CloseEvent | null) => {
      if (!e) return;
      c.provider.off('connection-close', on);
      resolve({ code: e.code, reason: e.reason });
    };
    c.provider.on('connection-close', on);
  });
}

const user = (name: string, role = 'participant') => ({ name, color: '#2563eb', role });

describe('the document a new workshop starts with', () => {
  it('has the documented meta and control, read by a stock provider: unlocked, step 0, follow-me off', async () => {
    const w = await createWorkshop(srv.url, 'Contract check');
    const p = await join(srv.url, w.joinCode, 'Reader');
    const c = open(w.id, p.token);
    await synced(c);
    const meta = c.doc.getMap(ROOTS.meta);
    expect(meta.get('title')).toBe('Contract check');
    expect(meta.get('template')).toMatchObject({ id: expect.any(String) });
    expect(meta.get('createdAt')).toEqual(expect.any(Number));
    const control = c.doc.getMap(ROOTS.control).toJSON();
    expect(control).toMatchObject({ step: 0, followMe: false, locked: false, timer: null, spotlight: null, vote: null });
    expect(c.doc.getMap(ROOTS.teams).size).toBe(0);
    expect(c.doc.getMap(ROOTS.results).size).toBe(0);
  });
});

describe('an observer on the stock provider', () => {
  it('reads the board live, and its write is refused with 4409, never stored and never seen by anyone', async () => {
    const w = await createWorkshop(srv.url);
    const f = open(w.id, w.facilitatorKey);
    await synced(f);
    addTeam(f.doc, 't1', { name: 'Payments', color: '#2563eb', stageCurrent: 1.5 });
    const o = open(w.id, observerToken(w.observerUrl));
    await synced(o);
    await until(o.doc, () => readTeams(o.doc, 3)[0]?.name === 'Payments', 'observer reads the team');

    const closed = nextClose(o);
    setTeamField(o.doc, 't1', 'stageCurrent', 3);
    o.doc.getMap(ROOTS.control).set('step', 5);
    expect(await closed).toEqual({ code: CLOSE.refused, reason: 'observers cannot change the board' });
    o.provider.disconnect();

    // A participant joining now gets the board as the facilitator left it.
    const p = open(w.id, (await join(srv.url, w.joinCode, 'Witness')).token);
    await synced(p);
    await until(p.doc, () => readTeams(p.doc, 3).length === 1, 'witness has the team');
    expect(readTeams(p.doc, 3)[0]!.stageCurrent).toBe(1.5);
    expect(readControl(p.doc).step).toBe(0);
    expect(readTeams(f.doc, 3)[0]!.stageCurrent).toBe(1.5);
    const s = await stored(w.id);
    expect(readTeams(s, 3)[0]!.stageCurrent).toBe(1.5);
    expect(readControl(s).step).toBe(0);
  });
});

describe('a participant on the stock provider', () => {
  it('cannot write control, meta or groups: each is refused with 4409 and its reason, and nobody sees it', async () => {
    const w = await createWorkshop(srv.url);
    const f = open(w.id, w.facilitatorKey);
    await synced(f);
    const cases: [string, (doc: Y.Doc) => void, string][] = [
      ['spotlight', (d) => d.getMap(ROOTS.control).set('spotlight', 't1'), 'only the facilitator can change control'],
      ['follow-me', (d) => d.getMap(ROOTS.control).set('followMe', true), 'only the facilitator can change control'],
      ['title', (d) => d.getMap(ROOTS.meta).set('title', 'Mine now'), 'only the facilitator can change meta'],
      ['breakout group', (d) => d.getMap(ROOTS.groups).set('mode', 'pick'), 'only the facilitator can change groups'],
    ];
    for (const [what, change, reason] of cases) {
      // A participant each: the stock provider sends a refused change again on every reconnect.
      const c = open(w.id, (await join(srv.url, w.joinCode, `Mallory ${what}`)).token);
      await synced(c);
      const closed = nextClose(c);
      change(c.doc);
      expect(await closed, what).toEqual({ code: CLOSE.refused, reason });
      c.provider.disconnect();
    }
    const s = await stored(w.id);
    for (const doc of [f.doc, s]) {
      expect(readControl(doc)).toMatchObject({ spotlight: null, followMe: false });
      expect(doc.getMap(ROOTS.meta).get('title')).toBe('Platform leadership offsite');
      expect(doc.getMap(ROOTS.groups).get('mode')).toBeUndefined();
    }
  });

  it('sees the open vote in control.vote as id, question, kind, state and a count, never a ballot value', async () => {
    const w = await createWorkshop(srv.url);
    const p = await join(srv.url, w.joinCode, 'Voter');
    const c = open(w.id, p.token);
    await synced(c);
    const auth = { authorization: `Bearer ${w.facilitatorKey}` };
    const { voteId } = (await post(`${srv.url}/api/workshops/${w.id}/votes`, { question: 'Where are we?', kind: 'stage' }, auth)).json;
    const cast = await post(
      `${srv.url}/api/workshops/${w.id}/votes/${voteId}/ballots`,
      { stage: 2.375 },
      { authorization: `Bearer ${p.token}` },
    );
    expect(cast.status).toBe(202);
    const vote = () => c.doc.getMap(ROOTS.control).get('vote') as Record<string, unknown> | null;
    await until(c.doc, () => vote()?.count === 1, 'the count');
    expect(vote()).toMatchObject({ id: voteId, question: 'Where are we?', kind: 'stage', state: 'open', count: 1 });
    expect(JSON.stringify(c.doc.toJSON())).not.toContain('2.375');
  });
});

describe('awareness from the stock provider', () => {
  it('shows up for others with the role and participant id the server stamps, whatever the client claims', async () => {
    const w = await createWorkshop(srv.url);
    const p = await join(srv.url, w.joinCode, 'Ada');
    const f = open(w.id, w.facilitatorKey);
    const ada = open(w.id, p.token);
    await Promise.all([synced(f), synced(ada)]);
    ada.provider.awareness.setLocalState({ user: user('Ada', 'facilitator'), cursor: { board: 'risk', x: 0.25, y: 0.75 } });
    await untilSeen(f, () => seen(f, ada)?.cursor?.x === 0.25, "Ada's cursor");
    expect(seen(f, ada)).toMatchObject({ user: { name: 'Ada', role: 'participant', participantId: p.participantId } });
    ada.destroy();
    await untilSeen(f, () => !f.provider.awareness.getStates().has(ada.doc.clientID), 'Ada gone');
  });

  it('reaches a client that reconnected at once, not at the next renewal up to 15 s later', async () => {
    const w = await createWorkshop(srv.url);
    const p = await join(srv.url, w.joinCode, 'Bo');
    const f = open(w.id, w.facilitatorKey);
    const bo = open(w.id, p.token);
    await Promise.all([synced(f), synced(bo)]);
    bo.provider.awareness.setLocalState({ user: user('Bo') });
    f.provider.awareness.setLocalState({ user: user('Facilitator', 'facilitator') });
    await untilSeen(f, () => seen(f, bo) !== undefined, 'Bo');
    await untilSeen(bo, () => seen(bo, f) !== undefined, 'the facilitator');

    // The facilitator's network blips: y-websocket drops the other states it held, keeping their clocks.
    f.provider.disconnect();
    f.provider.connect();
    // Broke: the server sent Bo's state at the clock the facilitator already had, which y-protocols
    // ignores as old news, so Bo looked gone until he moved or renewed his state.
    await untilSeen(f, () => seen(f, bo)?.user.participantId === p.participantId, 'Bo again, without Bo doing anything');
  });

  it("keeps a participant's older tab live for everyone while a newer tab is open, and after it closes", async () => {
    const w = await createWorkshop(srv.url);
    const p = await join(srv.url, w.joinCode, 'Two tabs');
    const f = open(w.id, w.facilitatorKey);
    const older = open(w.id, p.token);
    await Promise.all([synced(f), synced(older)]);
    const newer = open(w.id, p.token);
    await synced(newer);
    const move = (x: number) => older.provider.awareness.setLocalState({ user: user('Two tabs'), cursor: { board: 'stage', x, y: 0 } });
    // Broke: the newer tab sends back every state it hears (y-websocket does), and the server let it
    // take the older tab's id over as if it were that tab reconnecting: the older tab froze at 1.
    for (const x of [1, 2, 3]) {
      move(x);
      await untilSeen(f, () => seen(f, older)?.cursor?.x === x, `older tab at ${x}`);
    }
    newer.destroy();
    await untilSeen(f, () => !f.provider.awareness.getStates().has(newer.doc.clientID), 'newer tab gone');
    move(4);
    await untilSeen(f, () => seen(f, older)?.cursor?.x === 4, 'older tab at 4 after the newer one closed');
    expect(seen(f, older)?.user.participantId).toBe(p.participantId);
  });
});

describe('a server restart on the same port and data folder', () => {
  it('is ridden out by stock providers: they reconnect by themselves, resync both ways and see each other again', async () => {
    const w = await createWorkshop(srv.url);
    const p = await join(srv.url, w.joinCode, 'Cy');
    const f = open(w.id, w.facilitatorKey);
    const cy = open(w.id, p.token);
    await Promise.all([synced(f), synced(cy)]);
    addTeam(f.doc, 't1', { name: 'Mobile', color: '#dc2626', stageCurrent: 1.2 });
    await until(cy.doc, () => readTeams(cy.doc, 3).length === 1, 'team reaches Cy');
    cy.provider.awareness.setLocalState({ user: user('Cy') });
    f.provider.awareness.setLocalState({ user: user('Facilitator', 'facilitator') });
    await untilSeen(f, () => seen(f, cy) !== undefined, 'Cy before');
    await untilSeen(cy, () => seen(cy, f) !== undefined, 'the facilitator before');

    const told = nextClose(cy);
    await srv.restart();
    expect((await told).code).toBe(CLOSE.goingAway);
    // Changes made while the server was away go up when each reconnects.
    setTeamField(cy.doc, 't1', 'stageCurrent', 2.4);
    setTeamField(f.doc, 't1', 'stageTarget', 2.9);
    await until(f.doc, () => readTeams(f.doc, 3)[0]?.stageCurrent === 2.4, "Cy's change reaches the facilitator");
    await until(cy.doc, () => readTeams(cy.doc, 3)[0]?.stageTarget === 2.9, "the facilitator's change reaches Cy");
    // Broke: each sent its state at the clock the other had already seen, and neither saw the other for up to 15 s.
    await untilSeen(f, () => seen(f, cy)?.user.participantId === p.participantId, 'Cy after the restart');
    await untilSeen(cy, () => seen(cy, f)?.user.role === 'facilitator', 'the facilitator after the restart');
    await expect.poll(async () => readTeams(await stored(w.id), 3)[0]).toMatchObject({ stageCurrent: 2.4, stageTarget: 2.9 });
  });
});

describe('results', () => {
  it("are the server's alone: a facilitator's write is refused with 4409, a reason that says so, and never stored", async () => {
    const w = await createWorkshop(srv.url);
    const f = open(w.id, w.facilitatorKey);
    await synced(f);
    const closed = nextClose(f);
    f.doc.getMap(ROOTS.results).set('v_forged', { voteId: 'v_forged' });
    // Broke: "only the facilitator can change results", said to the facilitator.
    expect(await closed).toEqual({ code: CLOSE.refused, reason: 'only the server can change results' });
    f.provider.disconnect();
    expect((await stored(w.id)).getMap(ROOTS.results).size).toBe(0);
  });
});
