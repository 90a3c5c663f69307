import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addTeam, ROOTS } from '../../shared/doc.ts';
import { CLOSE } from '../../shared/errors.ts';
import { createWorkshop } from '../helpers/api.ts';
import { awarenessFrame, clientFrame, closeCodeIn, isAwareness, isStep2, openSocket, rawUpgrade, syncFrame } from '../helpers/frames.ts';
import { HOSTILE_LIMITS as LIMITS, hostileServer } from '../helpers/hostile.ts';
import { startServer } from '../helpers/server.ts';
import { connect, synced, until } from '../helpers/yclient.ts';

// Attacks below the document: bytes that are not a valid message, WebSocket
// frames that break the framing, and more traffic than the limits allow (too
// large, too many, or a reader that stops reading). Each costs the offending
// socket alone; the room carries on.

const hostile = hostileServer();
const { cleanup, socket, room } = hostile;

const PROTOCOL_CLOSES: number[] = [CLOSE.protocolError, CLOSE.invalidData, CLOSE.policyViolation, CLOSE.refused];

describe('malformed protocol messages', () => {
  it('closes the sender of each malformed message with a reason while the room carries on', async () => {
    const r = await room();
    const cases: [string, Uint8Array, number][] = [
      ['truncated varint', new Uint8Array([0x80]), CLOSE.protocolError],
      ['unknown message type', new Uint8Array([9]), CLOSE.protocolError],
      ['unknown sync message', new Uint8Array([0, 7, 0]), CLOSE.protocolError],
      ['sync payload shorter than its length', new Uint8Array([0, 2, 5, 1, 2]), CLOSE.protocolError],
      ['sync step 1 with a state vector cut short', syncFrame(0, new Uint8Array([5, 1])), CLOSE.protocolError],
      ['sync step 1 with garbage for a state vector', syncFrame(0, new Uint8Array([0xff, 0xff, 0xff])), CLOSE.protocolError],
      ['sync step 1 with bytes after its state vector', syncFrame(0, new Uint8Array([1, 7, 3, 9])), CLOSE.protocolError],
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
    expect(cases[9]![1].length).toBe(23);
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
      const { socket: raw, rest } = await rawUpgrade(hostile.srv.port, `/ws/${r.w.id}?token=${r.attacker}`);
      raw.write(frame);
      expect(closeCodeIn(await rest)).toBe(code);
      await r.carriesOn(1.3);
    });
  }
});

describe('upgrades that are not WebSockets of ours', () => {
  it.each([
    ['a target that is not a URL', 'http://[bad/ws/abc', 400, 'bad_request'],
    ['a path that is not a workshop', '/wss/abc', 404, 'not_found'],
  ])('refuses %s with an HTTP answer in JSON, and the server carries on', async (_what, target, status, code) => {
    const r = await room();
    const answer = await rawUpgrade(hostile.srv.port, target).then(
      () => 'upgraded',
      (e: Error) => e.message,
    );
    expect(answer.split('\r\n')[0]).toBe(`HTTP/1.1 ${status} ${status === 400 ? 'Bad Request' : 'Not Found'}`);
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toMatchObject({ code });
    await r.carriesOn(1.7);
  });

  const key = 'dGhlIHNhbXBsZSBub25jZQ==';
  it.each([
    ['a POST', { method: 'POST' }, 405, 'method_not_allowed', { allow: 'GET' }],
    ['an Upgrade to something else', { headers: { Upgrade: 'h2c' } }, 400, 'bad_request', {}],
    ['no Sec-WebSocket-Key', { headers: { 'Sec-WebSocket-Key': null } }, 400, 'bad_request', {}],
    ['a Sec-WebSocket-Key that is not 16 bytes', { headers: { 'Sec-WebSocket-Key': 'c2hvcnQ=' } }, 400, 'bad_request', {}],
    ['Sec-WebSocket-Version 99', { headers: { 'Sec-WebSocket-Version': '99' } }, 400, 'bad_request', { 'sec-websocket-version': '13, 8' }],
    ['no Sec-WebSocket-Version', { headers: { 'Sec-WebSocket-Version': null } }, 400, 'bad_request', {}],
    ['a Sec-WebSocket-Protocol that is not a list of tokens', { headers: { 'Sec-WebSocket-Protocol': 'a b, c' } }, 400, 'bad_request', {}],
    ['a Sec-WebSocket-Protocol naming one twice', { headers: { 'Sec-WebSocket-Protocol': 'yjs, yjs' } }, 400, 'bad_request', {}],
  ] as const)('refuses a handshake with %s in JSON, and the server carries on', async (_what, opts, status, code, headers) => {
    const r = await room();
    const answer = await rawUpgrade(hostile.srv.port, `/ws/${r.w.id}?token=${r.attacker}`, opts).then(
      () => 'upgraded',
      (e: Error) => e.message,
    );
    const [head, body] = answer.split('\r\n\r\n') as [string, string];
    expect(head.split('\r\n')[0]).toMatch(new RegExp(`^HTTP/1.1 ${status} `));
    expect(head).toMatch(/content-type: application\/json/i);
    for (const [name, value] of Object.entries(headers)) expect(head).toMatch(new RegExp(`^${name}: ${value}$`, 'im'));
    expect(JSON.parse(body)).toMatchObject({ code, error: expect.any(String) });
    await r.carriesOn(1.7);
  });

  it('upgrades a handshake that offers a list of subprotocols', async () => {
    const r = await room();
    const { socket } = await rawUpgrade(hostile.srv.port, `/ws/${r.w.id}?token=${r.attacker}`, {
      headers: { 'Sec-WebSocket-Key': key, 'Sec-WebSocket-Protocol': 'yjs, y-websocket' },
    });
    socket.destroy();
  });
});

describe('size and rate limits', () => {
  it('closes a frame over maxMessageBytes with 1009 from its header alone, and takes one at the limit', async () => {
    const r = await room();
    // Only the header of a 100 MB frame: the server must refuse without waiting for the body.
    const { socket: raw, rest } = await rawUpgrade(hostile.srv.port, `/ws/${r.w.id}?token=${r.attacker}`);
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
    // Large changes fast, to outrun the kernel's buffers: the facilitator's own part of the document
    // (team fields are bounded in size), with the per-socket change budget lifted.
    const own = await startServer({ limits: { maxSendBufferBytes: 64 * 1024, maxUpdateBytesPerSecond: 256 * 1024 * 1024 } });
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
        writer.doc.getMap(ROOTS.meta).set('filler', `${i} ${big}`);
        await new Promise((res) => setTimeout(res, 5));
      }
      expect(room0.peers.size).toBe(1);
      raw.resume();
      expect((await slow.closed).code).toBe(CLOSE.tryAgainLater);
      const later = connect(own.wsUrl, w.id, w.facilitatorKey);
      cleanup.push(() => later.destroy());
      await synced(later);
      const filler = () => (later.doc.getMap(ROOTS.meta).get('filler') as string | undefined) ?? '';
      await until(later.doc, () => filler().length > 60_000, 'resynced');
    } finally {
      await own.close();
    }
  }, 60_000);
});
