import { createServer } from 'node:http';
import type { Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import * as Y from 'yjs';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';

/**
 * The floor: the least a y-websocket server can do and still be one. It keeps
 * each room's document only to answer a joiner's sync step 1, and relays every
 * update as the bytes it arrived in, framed once and written straight to each
 * other socket, before applying it. No persistence, no checks, no awareness,
 * no merging, no scheduling. Nothing real can be faster on the same machine
 * with the same load generator, so its fan-out latency is what the machine
 * and the generator cost, the part no server's code can take away.
 */
const rooms = new Map<string, { doc: Y.Doc; sockets: Set<WebSocket> }>();

function frame(payload: Uint8Array): Buffer {
  const n = payload.length;
  const head = n < 126 ? 2 : n < 65536 ? 4 : 10;
  const out = Buffer.allocUnsafe(head + n);
  out[0] = 0x82;
  if (n < 126) out[1] = n;
  else if (n < 65536) {
    out[1] = 126;
    out.writeUInt16BE(n, 2);
  } else {
    out[1] = 127;
    out.writeBigUInt64BE(BigInt(n), 2);
  }
  out.set(payload, head);
  return out;
}

const http = createServer((_req, res) => res.end('floor'));
const wss = new WebSocketServer({ server: http, perMessageDeflate: false });

wss.on('connection', (ws, req) => {
  // The room is the path; a query (a client's token) is not part of it.
  const name = new URL(req.url ?? '/', 'http://floor').pathname.slice(1);
  let room = rooms.get(name);
  if (!room) rooms.set(name, (room = { doc: new Y.Doc(), sockets: new Set() }));
  const { doc, sockets } = room;
  sockets.add(ws);
  ws.on('close', () => sockets.delete(ws));
  ws.on('message', (data: Buffer) => {
    const d = decoding.createDecoder(data);
    if (decoding.readVarUint(d) !== 0) return;
    const sub = decoding.readVarUint(d);
    const payload = decoding.readVarUint8Array(d);
    if (sub === 0) {
      const e = encoding.createEncoder();
      encoding.writeVarUint(e, 0);
      encoding.writeVarUint(e, 1);
      encoding.writeVarUint8Array(e, Y.encodeStateAsUpdate(doc, payload));
      ws.send(encoding.toUint8Array(e));
      return;
    }
    // Sync step 2 and update relay alike, as an update (sub 2).
    if (sub === 1) data[1] = 2;
    const out = frame(data);
    for (const other of sockets) {
      if (other === ws || other.readyState !== other.OPEN) continue;
      (other as unknown as { _socket: Socket })._socket.write(out);
    }
    Y.applyUpdate(doc, payload);
  });
});

http.listen(Number(process.env.PORT ?? 1236), process.env.HOST ?? '127.0.0.1');
