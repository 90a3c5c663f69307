import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwarenessState } from '../../shared/schema.ts';
import { createWorkshop, join } from '../helpers/api.ts';
import { awarenessFrame, openSocket, type OpenSocket } from '../helpers/frames.ts';
import { startRelay, type Relay } from '../helpers/relay.ts';
import { useServer } from '../helpers/server.ts';
import { connect, synced, until, type Client } from '../helpers/yclient.ts';

// A participant whose network drops for a few seconds comes back on a new
// socket with the same Y.Doc, so the same awareness client id, often before
// the server has noticed the old socket is dead (it finds out when a ping goes
// unanswered). Broke: the id still belonged to the old socket, so the new
// socket's state was dropped, and when the old socket was finally dropped it
// took the state with it: others saw the participant gone while they were here.

// Short, so a dead socket is found in 500-750 ms; long enough that the new socket claims the id first.
const PING_MS = 250;

const srv = useServer({ limits: { pingIntervalMs: PING_MS, awarenessIntervalMs: 0 } });
let relay: Relay;
const cleanup: (() => void)[] = [];

beforeAll(async () => {
  relay = await startRelay(srv.port);
});
afterAll(async () => {
  for (const c of cleanup) c();
  await relay.close();
});

/** A stock client, straight to the server or through the relay (whose network a test can cut). */
function client(workshopId: string, token: string, via: 'direct' | 'relay' = 'direct'): Client {
  const url = via === 'relay' ? `ws://127.0.0.1:${relay.port}/ws` : srv.wsUrl;
  const c = connect(url, workshopId, token);
  cleanup.push(() => c.destroy());
  return c;
}

async function socket(workshopId: string, token: string): Promise<OpenSocket> {
  const s = await openSocket(`${srv.wsUrl}/${workshopId}?token=${encodeURIComponent(token)}`);
  cleanup.push(() => s.ws.terminate());
  return s;
}

async function session() {
  const w = await createWorkshop(srv.url);
  const [ada, bo, mallory] = await Promise.all(['Ada', 'Bo', 'Mallory'].map((n) => join(srv.url, w.joinCode, n)));
  return { w, ada: ada!, bo: bo!, mallory: mallory! };
}

const state = (name: string, x: number, role = 'participant') => ({
  user: { name, color: '#2563eb', role },
  cursor: { board: 'stage', x, y: 0 },
});

/** The awareness state `watcher` holds for client id `id`, as the board would read it. */
function seen(watcher: Client, id: number): AwarenessState | undefined {
  const parsed = AwarenessState.safeParse(watcher.provider.awareness.getStates().get(id));
  return parsed.success ? parsed.data : undefined;
}

/** Participant ids `watcher` counts as online, as the facilitator's board does (board.svelte.ts `online`). */
function onlineSeenBy(watcher: Client): Set<string> {
  const ids = new Set<string>();
  for (const id of watcher.provider.awareness.getStates().keys()) {
    const pid = seen(watcher, id)?.user.participantId;
    if (pid) ids.add(pid);
  }
  return ids;
}

/** Resolves when `check` holds, re-checking on every awareness message `watcher` takes in. */
const untilSeen = (watcher: Client, check: () => boolean, what: string) => until(watcher.provider.awareness, check, what, 3_000);

function disconnected(c: Client): Promise<void> {
  return new Promise((resolve) => {
    const on = ({ status }: { status: string }) => {
      if (status !== 'disconnected') return;
      c.provider.off('status', on);
      resolve();
    };
    c.provider.on('status', on);
  });
}

/**
 * Cuts the network under `mover` (connected through the relay) without a
 * close handshake; while it is away it moves its cursor to x = 2, so its
 * awareness clock passes the one the server holds (as a cursor move or the
 * 15 s renewal does in a browser). Resolves once `watcher` sees the move,
 * checking the server had not yet dropped the old socket by then. `oldDropped`
 * resolves once the server has.
 */
async function dropAndReturn(mover: Client, watcher: Client): Promise<{ oldDropped: Promise<void> }> {
  const { serverClosed } = relay.cut();
  let oldDropped = false;
  void serverClosed.then(() => (oldDropped = true));
  await disconnected(mover);
  mover.provider.awareness.setLocalStateField('cursor', { board: 'stage', x: 2, y: 0 });
  await untilSeen(watcher, () => seen(watcher, mover.doc.clientID)?.cursor?.x === 2, 'the move made while away');
  expect(oldDropped).toBe(false);
  return { oldDropped: serverClosed };
}

/** Waits until every awareness change made before now has reached `watcher`: `other` changes its own state and `watcher` sees it. */
async function settle(other: Client, watcher: Client, x: number): Promise<void> {
  other.provider.awareness.setLocalStateField('cursor', { board: 'risk', x, y: 0 });
  await untilSeen(watcher, () => seen(watcher, other.doc.clientID)?.cursor?.x === x, `the other client's cursor at ${x}`);
}

describe('a client whose network drops and comes back with the same Y.Doc', () => {
  it('stays present to everyone: its new socket takes its awareness id over at once, and the dead socket leaving later removes nothing', async () => {
    const { w, ada, bo } = await session();
    const fac = client(w.id, w.facilitatorKey);
    const tab = client(w.id, ada.token, 'relay');
    const otherTab = client(w.id, ada.token);
    const boc = client(w.id, bo.token);
    await Promise.all([fac, tab, otherTab, boc].map(synced));
    tab.provider.awareness.setLocalState(state('Ada', 1));
    otherTab.provider.awareness.setLocalState(state('Ada', 5));
    boc.provider.awareness.setLocalState(state('Bo', 0));
    await untilSeen(fac, () => onlineSeenBy(fac).size === 2 && seen(fac, tab.doc.clientID)?.cursor?.x === 1, 'Ada and Bo');

    const { oldDropped } = await dropAndReturn(tab, fac);
    await oldDropped;
    await settle(boc, fac, 1);

    // Both of Ada's tabs are still there, with her real id stamped in, so the facilitator's count is right.
    expect(seen(fac, tab.doc.clientID)).toMatchObject({ user: { participantId: ada.participantId }, cursor: { x: 2 } });
    expect(seen(fac, otherTab.doc.clientID)?.cursor?.x).toBe(5);
    expect(onlineSeenBy(fac)).toEqual(new Set([ada.participantId, bo.participantId]));
    const res = await fetch(`${srv.url}/api/workshops/${w.id}/participants`, { headers: { authorization: `Bearer ${w.facilitatorKey}` } });
    const { participants } = (await res.json()) as { participants: { id: string; online: boolean }[] };
    expect(participants.filter((p) => p.online).map((p) => p.id)).toEqual(expect.arrayContaining([ada.participantId, bo.participantId]));
    expect(participants.every((p) => p.online === onlineSeenBy(fac).has(p.id))).toBe(true);
    // The timeline saw Ada arrive once: neither the second tab, the new socket nor the dead one leaving is news.
    const events = await srv.server.store.listEvents(w.id);
    expect(events.filter((e) => e.actor === ada.participantId).map((e) => e.kind)).toEqual(['connect']);
  });

  it('does the same for the facilitator', async () => {
    const { w, ada, bo } = await session();
    const fac = client(w.id, w.facilitatorKey, 'relay');
    const adac = client(w.id, ada.token);
    const boc = client(w.id, bo.token);
    await Promise.all([fac, adac, boc].map(synced));
    fac.provider.awareness.setLocalState(state('Facilitator', 1, 'facilitator'));
    boc.provider.awareness.setLocalState(state('Bo', 0));
    await untilSeen(adac, () => seen(adac, fac.doc.clientID)?.cursor?.x === 1, 'the facilitator');

    const { oldDropped } = await dropAndReturn(fac, adac);
    await oldDropped;
    await settle(boc, adac, 1);
    expect(seen(adac, fac.doc.clientID)).toMatchObject({ user: { role: 'facilitator', participantId: null }, cursor: { x: 2 } });
  });

  it('shows the state again at once when the server saw the old socket close before the new one claimed its id', async () => {
    const { w, ada } = await session();
    const fac = client(w.id, w.facilitatorKey);
    const adac = client(w.id, ada.token);
    await Promise.all([fac, adac].map(synced));
    adac.provider.awareness.setLocalState(state('Ada', 1));
    await untilSeen(fac, () => seen(fac, adac.doc.clientID)?.cursor?.x === 1, 'Ada');

    adac.provider.disconnect();
    await untilSeen(fac, () => !fac.provider.awareness.getStates().has(adac.doc.clientID), 'Ada gone');
    // Back with the clock the server already had for her id: every client would ignore that as old news.
    adac.provider.connect();
    await untilSeen(fac, () => seen(fac, adac.doc.clientID)?.cursor?.x === 1, 'Ada back');
    expect(seen(fac, adac.doc.clientID)?.user.participantId).toBe(ada.participantId);
  });
});

describe('a client back after the server dropped its socket and another client echoed the removal', () => {
  it('is present again to everyone: the echo of its removal claims nothing', async () => {
    const { w, ada, bo } = await session();
    const fac = client(w.id, w.facilitatorKey);
    const adac = client(w.id, ada.token);
    await Promise.all([fac, adac].map(synced));
    adac.provider.awareness.setLocalState(state('Ada', 1));
    await untilSeen(fac, () => seen(fac, adac.doc.clientID)?.cursor?.x === 1, 'Ada');
    const id = adac.doc.clientID;

    adac.provider.disconnect();
    await untilSeen(fac, () => !fac.provider.awareness.getStates().has(id), 'Ada gone');
    // What every stock client does with a removal it hears of (y-websocket sends back every change):
    // Bo's page sends Ada's id back with no state. Then a state of Bo's own, to know the echo was handled.
    const bos = await socket(w.id, bo.token);
    bos.ws.send(awarenessFrame([{ clientID: id, clock: 1000, state: 'null' }]));
    bos.ws.send(awarenessFrame([{ clientID: 7100, clock: 1, state: JSON.stringify(state('Bo', 9)) }]));
    await untilSeen(fac, () => seen(fac, 7100)?.cursor?.x === 9, "Bo's own state");
    // Broke: the echo made Bo's socket the owner of Ada's id, and Ada, back a moment later, stayed gone for good.
    adac.provider.connect();
    await untilSeen(fac, () => seen(fac, id)?.cursor?.x === 1, 'Ada back');
    expect(onlineSeenBy(fac)).toEqual(new Set([ada.participantId, bo.participantId]));
  });
});

describe("another credential claiming a reconnecting client's id", () => {
  const ID = 7001;
  const frame = (clock: number, name: string, x: number, clientID = ID) =>
    awarenessFrame([{ clientID, clock, state: JSON.stringify(state(name, x)) }]);

  it('is refused while the old socket lingers and after the new one took over; an older socket of the same credential cannot take it back', async () => {
    const { w, ada, mallory } = await session();
    const fac = client(w.id, w.facilitatorKey);
    await synced(fac);
    const x = () => seen(fac, ID)?.cursor?.x;
    const dead = await openSocket(`ws://127.0.0.1:${relay.port}/ws/${w.id}?token=${encodeURIComponent(ada.token)}`);
    cleanup.push(() => dead.ws.terminate());
    const older = await socket(w.id, ada.token);
    dead.ws.send(frame(1, 'Ada', 1));
    await untilSeen(fac, () => x() === 1, "Ada's first state");

    const { serverClosed } = relay.cut();
    const spoofer = await socket(w.id, mallory.token);
    /** Mallory tries the id, then sets a state of her own: once that arrives, the try has been handled. */
    const spoof = async (clock: number, barrier: number) => {
      spoofer.ws.send(frame(clock, 'Ada', 666));
      spoofer.ws.send(frame(barrier, 'Mallory', barrier, 7002));
      await untilSeen(fac, () => seen(fac, 7002)?.cursor?.x === barrier, "Mallory's own state");
    };
    await spoof(5, 1);
    expect(x()).toBe(1);

    const back = await socket(w.id, ada.token);
    back.ws.send(frame(2, 'Ada', 2));
    await untilSeen(fac, () => x() === 2, "Ada's state from her new socket");
    await spoof(9, 2);
    expect(x()).toBe(2);

    // A socket of Ada's older than the owner: a late frame from a dead socket must not take the id back.
    older.ws.send(frame(7, 'Ada', 3));
    older.ws.close();
    await older.closed;
    await serverClosed;
    await spoof(10, 3);
    expect(seen(fac, ID)).toMatchObject({ user: { participantId: ada.participantId }, cursor: { x: 2 } });

    // Ada's last socket gone: her id stays hers to claim, not Mallory's.
    back.ws.close();
    await back.closed;
    await untilSeen(fac, () => !fac.provider.awareness.getStates().has(ID), 'Ada gone');
    await spoof(11, 4);
    expect(fac.provider.awareness.getStates().has(ID)).toBe(false);
    const again = await socket(w.id, ada.token);
    again.ws.send(frame(12, 'Ada', 5));
    await untilSeen(fac, () => x() === 5, 'Ada back on her id');
    expect(seen(fac, ID)?.user.participantId).toBe(ada.participantId);
  });
});
