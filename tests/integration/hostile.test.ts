import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { addTeam, readTeams, setTeamField } from '../../shared/doc.ts';
import { CLOSE } from '../../shared/errors.ts';
import { decodeAwarenessEntries } from '../../server/protocol.ts';
import * as decoding from 'lib0/decoding';
import { createWorkshop, join } from '../helpers/api.ts';
import {
  awarenessFrame,
  clientFrame,
  closeCodeIn,
  isAwareness,
  isStep1,
  isStep2,
  openSocket,
  orphanUpdate,
  rawUpgrade,
  syncFrame,
  updateFrame,
} from '../helpers/frames.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { connect, synced, until, type Client } from '../helpers/yclient.ts';

const LIMITS = {
  maxMessageBytes: 4096,
  maxMessagesPerSecond: 40,
  maxAwarenessStateBytes: 200,
  maxAwarenessClientsPerConnection: 2,
  // The facilitator and two participants of room() publish three states of their own.
  maxAwarenessStatesPerRoom: 6,
  maxUnresolvedUpdates: 5,
  awarenessIntervalMs: 100,
};

let srv: TestServer;
const cleanup: (() => void)[] = [];
beforeAll(async () => {
  srv = await startServer({ limits: LIMITS });
});
afterAll(async () => {
  for (const c of cleanup) c();
  await srv.close();
});

const client = (id: string, token: string): Client => {
  const c = connect(srv.wsUrl, id, token);
  cleanup.push(() => c.destroy());
  return c;
};
const socket = async (id: string, token: string) => {
  const s = await openSocket(`${srv.wsUrl}/${id}?token=${encodeURIComponent(token)}`);
  cleanup.push(() => s.ws.terminate());
  return s;
};

/** A workshop with a team, two honest connected participants, and a third participant's token for the attacker. */
async function room() {
  const w = await createWorkshop(srv.url);
  const [a, b, m] = await Promise.all(['Ada', 'Bo', 'Mallory'].map((n) => join(srv.url, w.joinCode, n)));
  const f = client(w.id, w.facilitatorKey);
  await synced(f);
  addTeam(f.doc, 't', { name: 'Payments', color: '#2563eb', stageCurrent: 1 });
  const ca = client(w.id, a!.token);
  const cb = client(w.id, b!.token);
  await Promise.all([synced(ca), synced(cb)]);
  await until(ca.doc, () => readTeams(ca.doc, 3).length === 1, 'team on a');
  /** Proves the room still works for honest clients: a change made on one arrives on the other. */
  const carriesOn = async (value: number) => {
    setTeamField(ca.doc, 't', 'stageCurrent', value);
    await until(cb.doc, () => readTeams(cb.doc, 3)[0]?.stageCurrent === value, `value ${value} on b`);
  };
  return { w, attacker: m!.token, a: ca, b: cb, carriesOn };
}

const PROTOCOL_CLOSES: number[] = [CLOSE.protocolError, CLOSE.invalidData, CLOSE.policyViolation, CLOSE.refused];

describe('malformed protocol messages', () => {
  it('closes the sender of each malformed message with a reason while the room carries on', async () => {
    const r = await room();
    const cases: [string, Uint8Array, number][] = [
      ['truncated varint', new Uint8Array([0x80]), CLOSE.protocolError],
      ['unknown message type', new Uint8Array([9]), CLOSE.protocolError],
      ['unknown sync message', new Uint8Array([0, 7, 0]), CLOSE.protocolError],
      ['sync payload shorter than its length', new Uint8Array([0, 2, 5, 1, 2]), CLOSE.protocolError],
      ['garbage inside an update', syncFrame(2, new Uint8Array([0xff, 0xff, 0xff, 0x01, 0x02])), CLOSE.invalidData],
      ['garbage inside awareness', new Uint8Array([1, 3, 1, 0xff, 0xff]), CLOSE.invalidData],
      // The frame that crashes Hocuspocus 2.15: 23 bytes of awareness whose state is not UTF-8.
      [
        'awareness state with invalid UTF-8',
        awarenessFrame([
          {
            clientID: 7,
            clock: 1,
            state: new Uint8Array([0x7b, 0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28, 0xa1, 0xf0, 0x28, 0x8c, 0xbc, 0x22, 0x3a, 0x31, 0x31, 0x7d]),
          },
        ]),
        CLOSE.invalidData,
      ],
    ];
    expect(cases[6]![1].length).toBe(23);
    for (const [what, frame, code] of cases) {
      const s = await socket(r.w.id, r.attacker);
      s.ws.send(frame);
      const closed = await s.closed;
      expect({ what, code: closed.code }).toEqual({ what, code });
      expect(closed.reason.length).toBeGreaterThan(0);
    }
    await r.carriesOn(1.7);
  });

  it('survives bounded random frames, closing offenders only with protocol codes', async () => {
    const r = await room();
    const frames = fc.oneof(
      fc.uint8Array({ minLength: 0, maxLength: 48 }),
      fc.tuple(fc.constantFrom(0, 1, 2, 3), fc.uint8Array({ maxLength: 48 })).map(([t, rest]) => new Uint8Array([t, ...rest])),
      fc.tuple(fc.constantFrom(0, 1, 2), fc.uint8Array({ maxLength: 40 })).map(([sub, p]) => syncFrame(sub, p)),
    );
    await fc.assert(
      fc.asyncProperty(frames, async (frame) => {
        const s = await socket(r.w.id, r.attacker);
        s.ws.send(frame);
        // Either the server closes it with a protocol code, or it still answers a well-formed message.
        s.ws.send(syncFrame(0, new Uint8Array([0])));
        const outcome = await Promise.race([
          s.closed.then((c) => c.code),
          s.received(isStep2).then(
            () => 'answered' as const,
            () => s.closed.then((c) => c.code),
          ),
        ]);
        s.ws.terminate();
        if (outcome !== 'answered') expect(PROTOCOL_CLOSES).toContain(outcome);
      }),
      { numRuns: 60, seed: 8 },
    );
    await r.carriesOn(2.2);
  });
});

describe('invalid WebSocket frames', () => {
  const cases: [string, Buffer, number][] = [
    ['reserved bits set', clientFrame(0x80 | 0x40 | 0x2, Buffer.from([3])), 1002],
    ['a close frame with an invalid code', clientFrame(0x88, Buffer.from([0x03, 0xe7])), 1002],
    ['a text frame with invalid UTF-8', clientFrame(0x81, Buffer.from([0xc3, 0x28])), 1007],
    ['an unknown opcode', clientFrame(0x83, Buffer.from([1])), 1002],
  ];
  for (const [what, frame, code] of cases) {
    it(`closes only the socket that sends ${what}`, async () => {
      const r = await room();
      const { socket: raw, rest } = await rawUpgrade(srv.port, `/ws/${r.w.id}?token=${r.attacker}`);
      raw.write(frame);
      expect(closeCodeIn(await rest)).toBe(code);
      await r.carriesOn(1.3);
    });
  }
});

describe('size and rate limits', () => {
  it('closes a frame over maxMessageBytes with 1009 from its header alone, and takes one at the limit', async () => {
    const r = await room();
    // Only the header of a 100 MB frame: the server must refuse without waiting for the body.
    const { socket: raw, rest } = await rawUpgrade(srv.port, `/ws/${r.w.id}?token=${r.attacker}`);
    raw.write(clientFrame(0x82, Buffer.alloc(0), 100 * 1024 * 1024).subarray(0, 14));
    expect(closeCodeIn(await rest)).toBe(CLOSE.tooBig);

    // At the limit the frame is read (and refused for what it says: trailing bytes), not for its size.
    const at = await socket(r.w.id, r.attacker);
    at.ws.send(new Uint8Array(LIMITS.maxMessageBytes).fill(0).map((_, i) => (i === 0 ? 3 : 0)));
    expect((await at.closed).code).toBe(CLOSE.protocolError);
    const over = await socket(r.w.id, r.attacker);
    over.ws.send(new Uint8Array(LIMITS.maxMessageBytes + 1).fill(3));
    expect((await over.closed).code).toBe(CLOSE.tooBig);
    await r.carriesOn(2.9);
  });

  it('lets a socket send maxMessagesPerSecond at once and closes it with 1008 on the next', async () => {
    const r = await room();
    const query = new Uint8Array([3]);
    const ok = await socket(r.w.id, r.attacker);
    for (let i = 0; i < LIMITS.maxMessagesPerSecond; i++) ok.ws.send(query);
    // Every query is answered: the socket was allowed all of them.
    await ok.received(isAwareness, LIMITS.maxMessagesPerSecond);
    expect(ok.ws.readyState).toBe(ok.ws.OPEN);

    const flood = await socket(r.w.id, r.attacker);
    for (let i = 0; i < LIMITS.maxMessagesPerSecond + 5; i++) flood.ws.send(query);
    expect((await flood.closed).code).toBe(CLOSE.policyViolation);
    await r.carriesOn(1.1);
  });

  it('closes a reader that stops reading with 1013 past maxSendBufferBytes, and it resyncs later', async () => {
    const own = await startServer({ limits: { maxSendBufferBytes: 64 * 1024 } });
    try {
      const w = await createWorkshop(own.url);
      const writer = connect(own.wsUrl, w.id, w.facilitatorKey);
      cleanup.push(() => writer.destroy());
      await synced(writer);
      addTeam(writer.doc, 't', { name: 'Payments', color: '#2563eb' });
      const slow = await openSocket(`${own.wsUrl}/${w.id}?token=${w.facilitatorKey}`);
      cleanup.push(() => slow.ws.terminate());
      slow.ws.send(syncFrame(0, new Uint8Array([0])));
      await slow.received(isStep2);
      const raw = (slow.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
      raw.pause();
      const room0 = own.server.rooms.get(w.id)!;
      // Large writes, a few per loop turn, until the server gives up on the paused
      // reader; the kernel's socket buffers take the first few megabytes.
      const big = 'x'.repeat(60_000);
      for (let i = 0; i < 400 && room0.peers.size === 2; i++) {
        setTeamField(writer.doc, 't', 'bottleneck', `${i} ${big}`);
        await new Promise((res) => setTimeout(res, 5));
      }
      expect(room0.peers.size).toBe(1);
      raw.resume();
      expect((await slow.closed).code).toBe(CLOSE.tryAgainLater);
      const later = connect(own.wsUrl, w.id, w.facilitatorKey);
      cleanup.push(() => later.destroy());
      await synced(later);
      const bottleneck = () =>
        ((later.doc.getMap('teams').get('t') as Y.Map<unknown> | undefined)?.get('bottleneck') as string | undefined) ?? '';
      await until(later.doc, () => bottleneck().length > 60_000, 'resynced');
    } finally {
      await own.close();
    }
  }, 60_000);
});

/** The awareness entries one frame carries (none for any other message). */
function awarenessEntriesIn(frame: Buffer) {
  const d = decoding.createDecoder(new Uint8Array(frame));
  if (decoding.readVarUint(d) !== 1) return [];
  return decodeAwarenessEntries(decoding.readVarUint8Array(d));
}

/** Awareness states as another connection in the room sees them. */
async function awarenessSeen(id: string, token: string) {
  const s = await socket(id, token);
  s.ws.send(new Uint8Array([3]));
  await s.received(isAwareness);
  const states = new Map<number, string>();
  for (const f of s.frames) for (const e of awarenessEntriesIn(f)) states.set(e.clientID, e.json);
  s.ws.terminate();
  return states;
}

describe('awareness', () => {
  it('forwards a move after a quiet spell at once, and a burst as one frame awarenessIntervalMs later', async () => {
    const r = await room();
    const watcher = await socket(r.w.id, r.attacker);
    const mover = await socket(r.w.id, r.attacker);
    const cursor = (clock: number) => awarenessFrame([{ clientID: 901, clock, state: `{"cursor":${clock}}` }]);
    const carries = (json: string) => (f: Buffer) => awarenessEntriesIn(f).some((e) => e.clientID === 901 && e.json === json);
    const framesOf901 = () => watcher.frames.filter((f) => awarenessEntriesIn(f).some((e) => e.clientID === 901));

    mover.ws.send(cursor(1));
    await watcher.received(carries('{"cursor":1}'));
    const first = performance.now();
    for (const clock of [2, 3, 4]) mover.ws.send(cursor(clock));
    await watcher.received(carries('{"cursor":4}'));
    expect(performance.now() - first).toBeGreaterThanOrEqual(LIMITS.awarenessIntervalMs - 20);
    // The first move alone, then the three of the burst in one frame; nothing of 901 is left waiting.
    expect(framesOf901()).toHaveLength(2);
  });

  it("drops a client's attempt to set another connection's awareness state", async () => {
    const r = await room();
    const owner = await socket(r.w.id, r.attacker);
    owner.ws.send(awarenessFrame([{ clientID: 4242, clock: 1, state: '{"cursor":1}' }]));
    await owner.received((f) => isAwareness(f) && f.includes(Buffer.from('cursor')));
    const spoofer = await socket(r.w.id, r.attacker);
    spoofer.ws.send(awarenessFrame([{ clientID: 4242, clock: 9, state: '{"cursor":666}' }]));
    // Its own next message is answered after the spoof was handled.
    spoofer.ws.send(new Uint8Array([3]));
    await spoofer.received(isAwareness);
    const seen = await awarenessSeen(r.w.id, r.attacker);
    expect(seen.get(4242)).toBe('{"cursor":1}');
  });

  it('keeps a state of maxAwarenessStateBytes and drops a larger one', async () => {
    const r = await room();
    const sized = (n: number) => `{"p":"${'a'.repeat(n - 8)}"}`;
    expect(sized(LIMITS.maxAwarenessStateBytes).length).toBe(LIMITS.maxAwarenessStateBytes);
    const s = await socket(r.w.id, r.attacker);
    s.ws.send(awarenessFrame([{ clientID: 501, clock: 1, state: sized(LIMITS.maxAwarenessStateBytes) }]));
    const t = await socket(r.w.id, r.attacker);
    t.ws.send(awarenessFrame([{ clientID: 502, clock: 1, state: sized(LIMITS.maxAwarenessStateBytes + 1) }]));
    await Promise.all([s, t].map(async (x) => (x.ws.send(new Uint8Array([3])), await x.received(isAwareness))));
    const seen = await awarenessSeen(r.w.id, r.attacker);
    expect(seen.has(501)).toBe(true);
    expect(seen.has(502)).toBe(false);
  });

  it('bounds awareness ids per connection and states per room', async () => {
    const r = await room();
    const s = await socket(r.w.id, r.attacker);
    s.ws.send(awarenessFrame([601, 602, 603].map((clientID) => ({ clientID, clock: 1, state: '{}' }))));
    const t = await socket(r.w.id, r.attacker);
    await s.received((f) => isAwareness(f) && f.length > 10);
    t.ws.send(awarenessFrame([701, 702].map((clientID) => ({ clientID, clock: 1, state: '{}' }))));
    await Promise.all([s, t].map(async (x) => (x.ws.send(new Uint8Array([3])), await x.received(isAwareness, 2))));
    const seen = await awarenessSeen(r.w.id, r.attacker);
    // Two per connection (603 dropped); six per room, three of them the honest clients' (702 dropped).
    const mine = [...seen.keys()].filter((k) => k > 500 && k < 800).sort();
    expect(mine).toEqual([601, 602, 701]);
    expect(srv.server.rooms.get(r.w.id)!.awareness.getStates().size).toBeLessThanOrEqual(LIMITS.maxAwarenessStatesPerRoom);
  });
});

describe('updates whose dependencies never arrive', () => {
  it('asks for a resync up to maxUnresolvedUpdates, then closes with 1008; honest clients keep their pace and joiners never see the junk', async () => {
    const r = await room();
    const edge = await socket(r.w.id, r.attacker);
    for (let i = 0; i < LIMITS.maxUnresolvedUpdates; i++) edge.ws.send(updateFrame(orphanUpdate(i)));
    // One step 1 on joining, then one resync request per unresolved update.
    await edge.received(isStep1, LIMITS.maxUnresolvedUpdates + 1);
    expect(edge.ws.readyState).toBe(edge.ws.OPEN);
    edge.ws.send(updateFrame(orphanUpdate(99)));
    expect((await edge.closed).code).toBe(CLOSE.policyViolation);

    // A flood from many sockets while honest clients work.
    const flooders = await Promise.all(Array.from({ length: 20 }, () => socket(r.w.id, r.attacker)));
    let n = 1000;
    for (const f of flooders) for (let i = 0; i < LIMITS.maxUnresolvedUpdates + 1; i++) f.ws.send(updateFrame(orphanUpdate(n++)));
    const t = performance.now();
    await r.carriesOn(2.4);
    expect(performance.now() - t).toBeLessThan(250);
    await Promise.all(flooders.map((f) => f.closed));

    const late = client(r.w.id, r.attacker);
    await synced(late);
    expect(readTeams(late.doc, 3).map((t) => t.id)).toEqual(['t']);
    expect(late.doc.store.pendingStructs).toBeNull();
    expect(srv.server.rooms.get(r.w.id)!.doc.store.pendingStructs).toBeNull();
  });
});
