import * as encoding from 'lib0/encoding';
import { connect as tcpConnect, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import * as Y from 'yjs';
import WebSocket from 'ws';

/** y-websocket frames built by hand, for clients that misbehave on purpose. */
export function syncFrame(sub: number, payload: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, 0);
  encoding.writeVarUint(e, sub);
  encoding.writeVarUint8Array(e, payload);
  return encoding.toUint8Array(e);
}

export const updateFrame = (update: Uint8Array) => syncFrame(2, update);

export function awarenessFrame(entries: { clientID: number; clock: number; state: string | Uint8Array }[]): Uint8Array {
  const inner = encoding.createEncoder();
  encoding.writeVarUint(inner, entries.length);
  for (const { clientID, clock, state } of entries) {
    encoding.writeVarUint(inner, clientID);
    encoding.writeVarUint(inner, clock);
    if (typeof state === 'string') encoding.writeVarString(inner, state);
    else encoding.writeVarUint8Array(inner, state);
  }
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, 1);
  encoding.writeVarUint8Array(e, encoding.toUint8Array(inner));
  return encoding.toUint8Array(e);
}

/** A Yjs update whose structs depend on ones the server never saw (a gap in a client's clock). */
export function orphanUpdate(seed: number): Uint8Array {
  const doc = new Y.Doc();
  doc.clientID = 1_000_000 + seed;
  const team = new Y.Map<unknown>();
  doc.getMap('teams').set(`ghost-${seed}`, team);
  team.set('stageCurrent', 1.5);
  const before = Y.encodeStateVector(doc);
  team.set('stageCurrent', 2.5);
  const tail = Y.encodeStateAsUpdate(doc, before);
  doc.destroy();
  return tail;
}

export interface OpenSocket {
  ws: WebSocket;
  frames: Buffer[];
  closed: Promise<{ code: number; reason: string }>;
  /** Resolves once `count` received frames match (frames already received count); rejects on close or timeout. */
  received(match: (f: Buffer) => boolean, count?: number, timeoutMs?: number): Promise<void>;
}

/** A WebSocket that resolves once open and records frames and the close. */
export function openSocket(url: string, headers?: Record<string, string>): Promise<OpenSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    const frames: Buffer[] = [];
    ws.on('message', (d) => frames.push(d as Buffer));
    const closed = new Promise<{ code: number; reason: string }>((r) =>
      ws.on('close', (code, reason) => r({ code, reason: reason.toString() })),
    );
    const received = (match: (f: Buffer) => boolean, count = 1, timeoutMs = 5000) =>
      new Promise<void>((res, rej) => {
        let n = frames.filter(match).length;
        if (n >= count) return res();
        const timer = setTimeout(() => done(new Error(`timed out: ${n} of ${count} frames`)), timeoutMs);
        const onMessage = (d: Buffer) => {
          if (match(d) && ++n >= count) done();
        };
        const onClose = (code: number) => done(new Error(`closed ${code} after ${n} of ${count} frames`));
        const done = (err?: Error) => {
          clearTimeout(timer);
          ws.off('message', onMessage);
          ws.off('close', onClose);
          if (err) rej(err);
          else res();
        };
        ws.on('message', onMessage);
        ws.on('close', onClose);
      });
    ws.on('open', () => resolve({ ws, frames, closed, received }));
    ws.on('error', reject);
  });
}

export const isStep1 = (f: Buffer) => f[0] === 0 && f[1] === 0;
export const isStep2 = (f: Buffer) => f[0] === 0 && f[1] === 1;
export const isAwareness = (f: Buffer) => f[0] === 1;

/**
 * A raw TCP socket that has completed a WebSocket handshake on `path`, so a
 * test can write frames no well-behaved library would produce. Resolves with
 * the socket and a promise of everything the server sent after the handshake
 * until it hung up.
 */
/**
 * A WebSocket handshake by hand; resolves once upgraded, rejects with the HTTP answer otherwise.
 * `headers` replaces the usual ones (null leaves one out); `method` replaces GET.
 */
export function rawUpgrade(
  port: number,
  path: string,
  opts: { method?: string; headers?: Record<string, string | null> } = {},
): Promise<{ socket: Socket; rest: Promise<Buffer> }> {
  return new Promise((resolve, reject) => {
    const socket = tcpConnect(port, '127.0.0.1');
    const key = randomBytes(16).toString('base64');
    let buf = Buffer.alloc(0);
    let upgraded = false;
    const chunks: Buffer[] = [];
    const rest = new Promise<Buffer>((r) => socket.on('close', () => r(Buffer.concat(chunks))));
    socket.on('error', () => {});
    socket.on('data', (d: Buffer) => {
      if (upgraded) return void chunks.push(d);
      buf = Buffer.concat([buf, d]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      if (!buf.subarray(0, 12).toString().includes('101')) return reject(new Error(buf.toString()));
      upgraded = true;
      if (buf.length > end + 4) chunks.push(buf.subarray(end + 4));
      resolve({ socket, rest });
    });
    const headers = Object.entries({
      Host: `127.0.0.1:${port}`,
      Upgrade: 'websocket',
      Connection: 'Upgrade',
      'Sec-WebSocket-Key': key,
      'Sec-WebSocket-Version': '13',
      ...opts.headers,
    }).filter((h): h is [string, string] => h[1] !== null);
    socket.write(`${opts.method ?? 'GET'} ${path} HTTP/1.1\r\n${headers.map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`);
  });
}

/** One masked client frame: `first` is FIN/RSV/opcode, as on the wire. */
export function clientFrame(first: number, payload: Buffer, declaredLength = payload.length): Buffer {
  const mask = randomBytes(4);
  const masked = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]!));
  let header: Buffer;
  if (declaredLength < 126) header = Buffer.from([first, 0x80 | declaredLength]);
  else if (declaredLength < 65536) {
    header = Buffer.alloc(4);
    header[0] = first;
    header[1] = 0x80 | 126;
    header.writeUInt16BE(declaredLength, 2);
  } else {
    header = Buffer.alloc(10);
    header[0] = first;
    header[1] = 0x80 | 127;
    header.writeBigUInt64BE(BigInt(declaredLength), 2);
  }
  return Buffer.concat([header, mask, masked]);
}

/** The close code in the server's close frame, if `bytes` ends with one. */
export function closeCodeIn(bytes: Buffer): number | undefined {
  for (let i = 0; i + 4 <= bytes.length; i++) {
    if (bytes[i] === 0x88 && (bytes[i + 1]! & 0x7f) >= 2 && i + 2 + (bytes[i + 1]! & 0x7f) === bytes.length) {
      return bytes.readUInt16BE(i + 2);
    }
  }
  return undefined;
}
