import { describe, expect, it } from 'vitest';
import { CLOSE } from '../../shared/errors.ts';
import { createWorkshop, join } from '../helpers/api.ts';
import { clientFrame, openSocket, rawUpgrade } from '../helpers/frames.ts';
import { useServer } from '../helpers/server.ts';

/*
 * Frames ws refuses itself, before any code of ours reads them: one over maxMessageBytes (1009,
 * from its header) and malformed ones (1002, 1007). They came without a reason, unlike every other
 * close of the server: a script's author saw a bare code.
 */

const MAX = 4096;
const srv = useServer({ limits: { maxMessageBytes: MAX } });
const REASON = `message too large: the limit is ${MAX} bytes`;

/** The code and reason of the server's close frame at the end of `bytes`, if it ends with one. */
function closeFrameIn(bytes: Buffer): { code: number; reason: string } | undefined {
  for (let i = 0; i + 4 <= bytes.length; i++) {
    const length = bytes[i + 1]! & 0x7f;
    if (bytes[i] === 0x88 && length >= 2 && length < 126 && i + 2 + length === bytes.length) {
      return { code: bytes.readUInt16BE(i + 2), reason: bytes.subarray(i + 4).toString('utf8') };
    }
  }
  return undefined;
}

describe('a frame over maxMessageBytes', () => {
  it('is closed with 1009 and a reason naming the limit, from its header alone', async () => {
    const w = await createWorkshop(srv.url);
    const p = await join(srv.url, w.joinCode, 'Mallory');
    const { socket, rest } = await rawUpgrade(srv.port, `/ws/${w.id}?token=${p.token}`);
    // Only the header of a 100 MB frame: the answer must not wait for the body.
    socket.write(clientFrame(0x82, Buffer.alloc(0), 100 * 1024 * 1024).subarray(0, 14));
    expect(closeFrameIn(await rest)).toEqual({ code: CLOSE.tooBig, reason: REASON });
  });

  it('sent by a WebSocket client, closes it with the same reason, and the next socket is served', async () => {
    const w = await createWorkshop(srv.url);
    const p = await join(srv.url, w.joinCode, 'Ada');
    const url = `${srv.wsUrl}/${w.id}?token=${p.token}`;
    const over = await openSocket(url);
    over.ws.send(new Uint8Array(MAX + 1).fill(3));
    expect(await over.closed).toEqual({ code: CLOSE.tooBig, reason: REASON });

    // A client's own close keeps its code and reason in the server's answer.
    const next = await openSocket(url);
    await next.received((f) => f[0] === 0);
    next.ws.close(CLOSE.tooBig, 'bye');
    expect(await next.closed).toEqual({ code: CLOSE.tooBig, reason: 'bye' });
  });
});

describe('a malformed WebSocket frame', () => {
  it.each([
    ['reserved bits set', clientFrame(0x80 | 0x40 | 0x2, Buffer.from([3])), CLOSE.protocolError, 'invalid WebSocket frame'],
    ['an unknown opcode', clientFrame(0x83, Buffer.from([1])), CLOSE.protocolError, 'invalid WebSocket frame'],
    ['a close frame with an invalid code', clientFrame(0x88, Buffer.from([0x03, 0xe7])), CLOSE.protocolError, 'invalid WebSocket frame'],
    [
      'invalid UTF-8 in a text frame',
      clientFrame(0x81, Buffer.from([0xc3, 0x28])),
      CLOSE.invalidData,
      'invalid UTF-8 in a text frame or a close reason',
    ],
    [
      'invalid UTF-8 in a close reason',
      clientFrame(0x88, Buffer.from([0x03, 0xe8, 0xc3, 0x28])),
      CLOSE.invalidData,
      'invalid UTF-8 in a text frame or a close reason',
    ],
  ])('with %s is closed with its code and a reason saying what was wrong', async (_what, frame, code, reason) => {
    const w = await createWorkshop(srv.url);
    const p = await join(srv.url, w.joinCode, 'Mallory');
    const { socket, rest } = await rawUpgrade(srv.port, `/ws/${w.id}?token=${p.token}`);
    socket.write(frame);
    expect(closeFrameIn(await rest)).toEqual({ code, reason });
  });
});
