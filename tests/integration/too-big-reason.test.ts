import { describe, expect, it } from 'vitest';
import { CLOSE } from '../../shared/errors.ts';
import { createWorkshop, join } from '../helpers/api.ts';
import { clientFrame, openSocket, rawUpgrade } from '../helpers/frames.ts';
import { useServer } from '../helpers/server.ts';

/*
 * A frame over maxMessageBytes is refused by ws from its header with 1009. It came without a
 * reason, unlike every other close of the server: a script's author saw a bare 1009.
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
