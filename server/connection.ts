import type { Socket } from 'node:net';
import { WebSocket, type RawData } from 'ws';
import { CLOSE } from '../shared/errors.ts';
import type { Limits } from '../shared/limits.ts';
import type { Role } from '../shared/schema.ts';
import { MessageType, SyncType } from '../shared/messages.ts';
import { HANDLERS } from './handlers.ts';
import type { Logger } from './log.ts';
import { decodeClientMessage, type ClientMessage } from './protocol.ts';
import { TokenBucket } from './ratelimit.ts';
import type { Peer, Room } from './room.ts';
import type { Credential } from './store.ts';

/** WebSocket framing of each outgoing message, built once however many sockets it goes to. */
const framed = new WeakMap<Uint8Array, Buffer>();

/** A final, unmasked binary frame (RFC 6455 §5.2) around `payload`. */
function wireFrame(payload: Uint8Array): Buffer {
  let frame = framed.get(payload);
  if (frame) return frame;
  const n = payload.length;
  const head = n < 126 ? 2 : n < 65536 ? 4 : 10;
  frame = Buffer.allocUnsafe(head + n);
  frame[0] = 0x82;
  if (n < 126) frame[1] = n;
  else if (n < 65536) {
    frame[1] = 126;
    frame.writeUInt16BE(n, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(n), 2);
  }
  frame.set(payload, head);
  framed.set(payload, frame);
  return frame;
}

/**
 * Pings in a row a socket may leave unanswered: when the next is due, it is dropped. One lost
 * ping (a phone between cells, a train in a tunnel) is not yet a dead socket.
 */
export const UNANSWERED_PINGS = 2;

/** RFC 6455 §5.5: a close frame's body is at most 125 bytes, two of them the code. */
export const MAX_CLOSE_REASON_BYTES = 123;

/** `reason` as a close frame can carry it: cut on a character boundary, with an ellipsis, when too long. */
export function fitCloseReason(reason: string): string {
  if (Buffer.byteLength(reason) <= MAX_CLOSE_REASON_BYTES) return reason;
  const room = MAX_CLOSE_REASON_BYTES - Buffer.byteLength('…');
  let out = '';
  let bytes = 0;
  for (const ch of reason) {
    bytes += Buffer.byteLength(ch);
    if (bytes > room) break;
    out += ch;
  }
  return out + '…';
}

/** The reasons of the closes ws makes itself, on frames it refuses before any code of ours sees them. */
function wireCloseReasons(maxMessageBytes: number): ReadonlyMap<number, string> {
  return new Map([
    [CLOSE.tooBig, `message too large: the limit is ${maxMessageBytes} bytes`],
    [CLOSE.protocolError, 'invalid WebSocket frame'],
    [CLOSE.invalidData, 'invalid UTF-8 in a text frame or a close reason'],
  ]);
}

/**
 * The class of the server's sockets (WebSocketServer's `WebSocket` option), so that a frame ws
 * refuses itself is closed with a reason, as every other close is. ws refuses a frame over
 * maxMessageBytes from its header (1009), and a malformed frame (1002: reserved bits, an unknown
 * opcode, a bad close code; 1007: invalid UTF-8) as it parses, with close(code) and no reason, and
 * only then emits 'error': too late to give one (the close frame is on its way, and a second
 * close() does nothing). That close() is this one, which fills the reason in. A close given a
 * reason keeps it: every one of ours, and ws's answer to a client's close frame.
 */
export function socketClass(maxMessageBytes: number): typeof WebSocket {
  const reasons = wireCloseReasons(maxMessageBytes);
  return class LimitedWebSocket extends WebSocket {
    override close(code?: number, data?: string | Buffer): void {
      super.close(code, data === undefined && code !== undefined ? reasons.get(code) : data);
    }
  };
}

/** A socket that does not answer our close frame is cut off this long after it. */
export const CLOSE_HANDSHAKE_MS = 5_000;

type ConnState = { kind: 'authenticating'; backlog: Uint8Array[] } | { kind: 'open'; room: Room } | { kind: 'closed' };

/**
 * One WebSocket. It owns the socket's listeners and its ping timer and
 * releases them in `close()`. Until its credential and room are ready it
 * keeps a short backlog, since y-websocket clients speak first.
 */
export class Connection implements Peer {
  role: Role = 'observer';
  author = '';
  participantId?: string;
  readonly awarenessClients = new Set<number>();
  unresolved = 0;
  private state: ConnState = { kind: 'authenticating', backlog: [] };
  /** Pings sent since the socket last answered one. */
  private unanswered = 0;
  private readonly pingTimer: NodeJS.Timeout;
  private silenceTimer: NodeJS.Timeout | null;
  /** `maxMessagesPerSecond`: holds one second's worth. */
  private readonly messages: TokenBucket;
  /** Whether the client's first sync step 2 (its catch-up, outside the byte budget) has come. */
  private caughtUp = false;
  /** `maxUpdateBytesPerSecond` (document changes): holds one second's worth. */
  private readonly updateBytes: TokenBucket;

  constructor(
    private readonly ws: WebSocket,
    private readonly opts: { limits: Limits; log: Logger; workshopId: string; address: string },
  ) {
    ws.binaryType = 'nodebuffer';
    ws.on('message', this.onMessage);
    ws.on('close', this.onClose);
    // Without an error listener one bad frame from a client throws in the process.
    ws.on('error', (err: Error & { code?: string }) => {
      opts.log('debug', 'socket error', { workshop: opts.workshopId, error: err.message, code: err.code });
    });
    ws.on('pong', () => (this.unanswered = 0));
    // Dropped between UNANSWERED_PINGS and UNANSWERED_PINGS + 1 intervals after its last answer.
    this.pingTimer = setInterval(() => {
      if (this.unanswered >= UNANSWERED_PINGS) return this.terminate();
      this.unanswered++;
      ws.ping();
    }, opts.limits.pingIntervalMs);
    this.pingTimer.unref();
    this.messages = new TokenBucket(opts.limits.maxMessagesPerSecond, 1000);
    this.updateBytes = new TokenBucket(opts.limits.maxUpdateBytesPerSecond, 1000);
    // Stock clients send sync step 1 the moment the socket opens; one that stays
    // silent is holding a socket (and a slot of its address) for nothing.
    this.silenceTimer = setTimeout(
      () => this.close(CLOSE.policyViolation, 'no message after the upgrade'),
      opts.limits.firstMessageTimeoutMs,
    );
    this.silenceTimer.unref();
  }

  get closed(): boolean {
    return this.state.kind === 'closed';
  }

  /** Credential checked and room loaded: from now on messages go to the room. */
  ready(credential: Credential, room: Room): void {
    if (this.state.kind !== 'authenticating') return;
    const { backlog } = this.state;
    this.role = credential.role;
    this.author = credential.author;
    this.participantId = credential.participantId;
    this.state = { kind: 'open', room };
    room.add(this);
    for (const frame of backlog) {
      if (this.state.kind !== 'open') break;
      this.handle(frame, room);
    }
  }

  send(...frames: Uint8Array[]): void {
    if (this.state.kind === 'closed' || this.ws.readyState !== this.ws.OPEN) return;
    if (this.ws.bufferedAmount > this.opts.limits.maxSendBufferBytes) {
      // A reader this far behind is better served by a fresh sync than by more queued frames.
      this.close(CLOSE.tryAgainLater, 'too far behind; reconnect to resync');
      return;
    }
    const socket = this.rawSocket();
    if (!socket) {
      for (const frame of frames) this.ws.send(frame, { binary: true });
    } else if (frames.length === 1) {
      socket.write(wireFrame(frames[0]!));
    } else {
      // One write (writev) for the lot: one system call here, one read at the other end.
      socket.cork();
      for (const frame of frames) socket.write(wireFrame(frame));
      socket.uncork();
    }
  }

  /**
   * The TCP socket under the WebSocket, when frames may be written to it
   * directly: no extension is negotiated (the server offers none), so `ws`
   * never holds frames back, and a broadcast framed once can be written to
   * every socket as it is, half the cost of `ws.send` per recipient.
   */
  private rawSocket(): Socket | undefined {
    if (this.ws.extensions !== '') return undefined;
    return (this.ws as unknown as { _socket?: Socket })._socket;
  }

  /** The code this server closed the socket with, if it did. */
  closedWith: number | null = null;

  close(code: number, reason: string): void {
    if (this.state.kind === 'closed') return;
    this.closedWith = code;
    this.release();
    // A peer that never answers the close handshake is cut off shortly after.
    setTimeout(() => this.ws.terminate(), CLOSE_HANDSHAKE_MS).unref();
    try {
      this.ws.close(code, fitCloseReason(reason));
    } catch {
      // Nothing may leave a released socket open: no pings would ever find it dead.
      this.ws.terminate();
    }
  }

  private terminate(): void {
    this.release();
    this.ws.terminate();
  }

  private release(): void {
    const prev = this.state;
    if (prev.kind === 'closed') return;
    this.state = { kind: 'closed' };
    clearInterval(this.pingTimer);
    if (this.silenceTimer) clearTimeout(this.silenceTimer);
    if (prev.kind === 'open') prev.room.remove(this);
  }

  private readonly onClose = () => this.release();

  private readonly onMessage = (data: RawData, isBinary: boolean) => {
    if (this.silenceTimer) {
      clearTimeout(this.silenceTimer);
      this.silenceTimer = null;
    }
    if (!this.messages.take()) return this.close(CLOSE.policyViolation, 'too many messages; slow down');
    if (!isBinary) return this.close(CLOSE.invalidData, 'text frames are not part of the protocol');
    const buf = data as Buffer;
    const frame = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    switch (this.state.kind) {
      case 'authenticating':
        if (this.state.backlog.length >= this.opts.limits.maxMessagesBeforeReady) {
          return this.close(CLOSE.policyViolation, 'too many messages before the session was ready');
        }
        this.state.backlog.push(frame);
        return;
      case 'open':
        return this.handle(frame, this.state.room);
      case 'closed':
        return;
    }
  };

  private handle(frame: Uint8Array, room: Room): void {
    let msg: ClientMessage;
    try {
      msg = decodeClientMessage(frame);
    } catch (err) {
      this.close(CLOSE.protocolError, `protocol error: ${(err as Error).message}`);
      return;
    }
    // The first sync step 2 is the client's catch-up (what it changed while it was away): it is
    // bounded by maxMessageBytes alone, or a client back from a long drag offline would be closed on
    // every reconnect with the same catch-up.
    // (What of it is new is held to the credential's catch-up budget: see Room.processUpdate.)
    if (msg.type === MessageType.sync && msg.sync === SyncType.step2 && !this.caughtUp) this.caughtUp = true;
    else if (msg.type === MessageType.sync && msg.sync !== SyncType.step1 && !this.updateBytes.take(msg.update.length)) {
      return this.close(CLOSE.policyViolation, 'too many changes at once; slow down');
    }
    try {
      (HANDLERS[msg.type] as (c: Connection, r: Room, m: ClientMessage) => void)(this, room, msg);
    } catch (err) {
      this.opts.log('error', 'message handler failed', { workshop: this.opts.workshopId, error: String(err) });
      this.close(CLOSE.invalidData, 'could not process message');
    }
  }
}
