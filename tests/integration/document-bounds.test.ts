import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { addTeam, readTeams, ROOTS, setTeamField } from '../../shared/doc.ts';
import { CLOSE } from '../../shared/errors.ts';
import { MAX_TEAM_ID_CHARS, MAX_TEAM_VALUE_CHARS } from '../../server/inspect.ts';
import { createWorkshop, join } from '../helpers/api.ts';

type JoinResult = Awaited<ReturnType<typeof join>>;
import { openSocket, syncFrame } from '../helpers/frames.ts';
import { rawClient } from '../helpers/rawyjs.ts';
import { startServer, useServer } from '../helpers/server.ts';
import { connect, synced, until, useClients, type Client } from '../helpers/yclient.ts';

// What a participant may put into `teams`: a map per team, the schema's
// fields, values of bounded size, a bounded number of teams, and a bounded
// number of bytes a second. Readers already ignore what does not parse, but
// the log keeps whatever the server admits, and every joiner downloads it.

const LIMITS = { maxTeams: 4, maxUpdateBytesPerSecond: 8 * 1024 };
const srv = useServer({ limits: LIMITS });
const { track } = useClients(srv);

async function setup() {
  const w = await createWorkshop(srv.url);
  const f = connect(srv.wsUrl, w.id, w.facilitatorKey);
  track(f);
  await synced(f);
  addTeam(f.doc, 't', { name: 'Payments', color: '#2563eb', stageCurrent: 1 });
  const room = srv.server.rooms.get(w.id)!;
  await until(room.doc, () => room.doc.getMap(ROOTS.teams).has('t'), 'team stored');
  const participant = async () => (await join(srv.url, w.joinCode, 'Mallory')).token;
  return { w, f, participant };
}

/** A change from a client that ignores the rules; resolves with how the server answered, or 'kept' if it was stored. */
async function attempt(w: { id: string }, token: string, change: (doc: Y.Doc) => void): Promise<number | 'kept'> {
  const raw = rawClient(srv.wsUrl, w.id, token);
  track({ destroy: () => raw.ws.terminate() });
  await raw.synced;
  const before = srv.server.rooms.get(w.id)!.lastSeq;
  change(raw.doc);
  const room = srv.server.rooms.get(w.id)!;
  const result = await Promise.race([
    raw.closed.then((c) => c.code),
    until(room.doc, () => room.lastSeq > before, 'stored').then(() => 'kept' as const),
  ]);
  raw.ws.terminate();
  return result;
}

const team = (doc: Y.Doc, id = 't') => doc.getMap(ROOTS.teams).get(id) as Y.Map<unknown>;

describe('the shape of teams', () => {
  it('takes a field value up to MAX_TEAM_VALUE_CHARS, and refuses a longer one (4409)', async () => {
    const { w, f, participant } = await setup();
    // Counted as a string, not as its JSON: a note full of quotes is as long as it looks.
    expect(await attempt(w, await participant(), (d) => team(d).set('commitment', 'a' + '"'.repeat(MAX_TEAM_VALUE_CHARS - 1)))).toBe(
      'kept',
    );
    expect(await attempt(w, await participant(), (d) => team(d).set('commitment', 'b'.repeat(MAX_TEAM_VALUE_CHARS + 1)))).toBe(
      CLOSE.refused,
    );
    await until(f.doc, () => (team(f.doc).get('commitment') as string | undefined)?.startsWith('a') === true, 'the long note');
    expect((team(srv.server.rooms.get(w.id)!.doc).get('commitment') as string)[0]).toBe('a');
  });

  it.each([
    ['a field the schema does not have', (d: Y.Doc) => team(d).set('payload', 'x')],
    ['a nested type inside a team', (d: Y.Doc) => team(d).set('name', new Y.Map())],
    ['a team that is not a map', (d: Y.Doc) => d.getMap(ROOTS.teams).set('junk', 'x'.repeat(100))],
    ['a team id over MAX_TEAM_ID_CHARS', (d: Y.Doc) => addTeam(d, 'i'.repeat(MAX_TEAM_ID_CHARS + 1), { name: 'Long', color: '#123456' })],
  ])('refuses %s (4409), and stores nothing of it', async (_what, change) => {
    const { w, participant } = await setup();
    const token = await participant();
    const before = srv.server.rooms.get(w.id)!.lastSeq;
    expect(await attempt(w, token, change)).toBe(CLOSE.refused);
    expect(srv.server.rooms.get(w.id)!.lastSeq).toBe(before);
  });

  it('takes a team id of MAX_TEAM_ID_CHARS and an honest client’s every field', async () => {
    const { w, participant } = await setup();
    const id = 'i'.repeat(MAX_TEAM_ID_CHARS);
    const full = {
      name: 'n'.repeat(60),
      color: '#123456',
      stageCurrent: 1.5,
      stageTarget: 2.5,
      autonomy: 0.4,
      controls: 0.6,
      autonomyTarget: 0.5,
      controlsTarget: 0.7,
      reliance: 'mixed' as const,
      bottleneck: 'b'.repeat(500),
      commitment: 'c'.repeat(500),
      owner: 'o'.repeat(40),
    };
    expect(await attempt(w, await participant(), (d) => addTeam(d, id, full))).toBe('kept');
    expect(readTeams(srv.server.rooms.get(w.id)!.doc, 3).find((t) => t.id === id)).toMatchObject(full);
  });
});

describe('how many teams, and how fast', () => {
  it('takes maxTeams teams and refuses one more (4409) with the reason; a deleted team frees its place', async () => {
    const { w, f, participant } = await setup();
    for (let i = 2; i <= LIMITS.maxTeams; i++) addTeam(f.doc, `t${i}`, { name: `Team ${i}`, color: '#123456' });
    const room = srv.server.rooms.get(w.id)!;
    await until(room.doc, () => room.doc.getMap(ROOTS.teams).size === LIMITS.maxTeams, 'teams stored');
    const token = await participant();
    const raw = rawClient(srv.wsUrl, w.id, token);
    await raw.synced;
    addTeam(raw.doc, 'one-more', { name: 'One more', color: '#123456' });
    expect(await raw.closed).toEqual({ code: CLOSE.refused, reason: `this workshop has as many teams as it may (${LIMITS.maxTeams})` });
    expect(raw.denied).toEqual([`this workshop has as many teams as it may (${LIMITS.maxTeams})`]);
    f.doc.getMap(ROOTS.teams).delete('t2');
    await until(room.doc, () => room.doc.getMap(ROOTS.teams).size === LIMITS.maxTeams - 1, 'team deleted');
    expect(await attempt(w, await participant(), (d) => addTeam(d, 'in-its-place', { name: 'New', color: '#123456' }))).toBe('kept');
  });

  it('takes a reconnecting client’s catch-up whole, however much it changed while away', async () => {
    const budget = 4096;
    const own = await startServer({ limits: { maxUpdateBytesPerSecond: budget } });
    try {
      const w = await createWorkshop(own.url);
      const raw = rawClient(own.wsUrl, w.id, (await join(own.url, w.joinCode, 'Away')).token, { autoSend: false });
      track({ destroy: () => raw.ws.terminate() });
      // Made before the socket opened, as offline edits are: more than a second's budget.
      for (let i = 0; i < 3; i++) {
        addTeam(raw.doc, `offline-${i}`, {
          name: `Offline ${i}`,
          color: '#123456',
          bottleneck: 'b'.repeat(900),
          commitment: 'c'.repeat(900),
        });
      }
      expect(Y.encodeStateAsUpdate(raw.doc).length).toBeGreaterThan(budget);
      await raw.synced;
      const room = own.server.rooms.get(w.id)!;
      // Broke: the catch-up counted against the budget, so the client was closed (1008) on every reconnect.
      await until(room.doc, () => room.doc.getMap(ROOTS.teams).has('offline-2'), 'the offline teams stored');
      expect(raw.ws.readyState).toBe(raw.ws.OPEN);
      raw.ws.terminate();
    } finally {
      await own.close();
    }
  });

  it('bounds catch-ups per credential across its sockets with maxCatchUpBytesPerMinute, at its edge', async () => {
    /** A catch-up adding one team, from a client of its own (nothing it depends on is missing). */
    const catchUp = (id: string) => {
      const d = new Y.Doc();
      addTeam(d, id, { name: `Offline ${id}`, color: '#123456', bottleneck: id.repeat(400) });
      return Y.encodeStateAsUpdate(d);
    };
    const [a1, a2, a3, b1] = ['a1', 'a2', 'a3', 'b1'].map(catchUp) as [Uint8Array, Uint8Array, Uint8Array, Uint8Array];
    // The first two of one participant's sockets fill the budget exactly; the third's is one too many.
    // (A minute's refill of the budget over this test's second or so is a few dozen bytes: no third catch-up.)
    const own = await startServer({ limits: { maxCatchUpBytesPerMinute: a1.length + a2.length } });
    try {
      const w = await createWorkshop(own.url);
      const [ada, bo] = (await Promise.all(['Ada', 'Bo'].map((n) => join(own.url, w.joinCode, n)))) as [JoinResult, JoinResult];
      const send = async (token: string, update: Uint8Array) => {
        const s = await openSocket(`${own.wsUrl}/${w.id}?token=${encodeURIComponent(token)}`);
        track({ destroy: () => s.ws.terminate() });
        s.ws.send(syncFrame(1, update));
        return s;
      };
      const stored = (id: string) =>
        until(own.server.rooms.get(w.id)!.doc, () => own.server.rooms.get(w.id)!.doc.getMap(ROOTS.teams).has(id), id);
      await send(ada.token, a1);
      await stored('a1');
      const second = await send(ada.token, a2);
      await stored('a2');
      // What a reconnecting page resends that the server already has (as every page's delete set) costs nothing.
      const again = await send(ada.token, a1);
      const third = await send(ada.token, a3);
      expect(await third.closed).toEqual({
        code: CLOSE.policyViolation,
        reason: 'too many catch-ups from your sessions; wait a minute, then reload',
      });
      // Another participant's budget is its own; Ada's earlier socket carries on.
      await send(bo.token, b1);
      await stored('b1');
      expect(own.server.rooms.get(w.id)!.doc.getMap(ROOTS.teams).has('a3')).toBe(false);
      expect(second.ws.readyState).toBe(second.ws.OPEN);
      expect(again.ws.readyState).toBe(again.ws.OPEN);
    } finally {
      await own.close();
    }
  });

  it('takes maxUpdateBytesPerSecond of changes at once, and closes a socket that sends more at once with 1008', async () => {
    const { w, participant } = await setup();
    const honest: Client = connect(srv.wsUrl, w.id, await participant());
    track(honest);
    await synced(honest);
    const raw = rawClient(srv.wsUrl, w.id, await participant());
    track({ destroy: () => raw.ws.terminate() });
    await raw.synced;
    // Eight notes of about 900 bytes each: about 7.3 KB, within the 8 KB a second.
    for (let i = 0; i < 8; i++) setTeamField(raw.doc, 't', 'bottleneck', `${i}`.repeat(900));
    const room = srv.server.rooms.get(w.id)!;
    await until(room.doc, () => ((team(room.doc).get('bottleneck') as string | undefined) ?? '').startsWith('7'), 'the eighth note');
    // Six more at once overflow the bucket, even if half a second refilled it meanwhile.
    for (let i = 0; i < 6; i++) setTeamField(raw.doc, 't', 'bottleneck', `${'xyzuvw'[i]}`.repeat(900));
    expect((await raw.closed).code).toBe(CLOSE.policyViolation);
    // Everyone else carries on.
    setTeamField(honest.doc, 't', 'stageCurrent', 2.25);
    await until(room.doc, () => team(room.doc).get('stageCurrent') === 2.25, 'honest change');
  });
});
