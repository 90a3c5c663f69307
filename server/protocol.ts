import * as encoding from 'lib0/encoding';
import * as decoding from 'lib0/decoding';
import * as Y from 'yjs';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as authProtocol from 'y-protocols/auth';
import { MessageType, SyncType } from '../shared/messages.ts';

/**
 * Pure encoders and decoders for the y-websocket protocol. No I/O: each
 * function turns values into one frame or one frame into values. The wire
 * format is y-protocols' (sync.js, awareness.js, auth.js), so stock clients
 * interoperate.
 */

export function encodeSyncStep1(doc: Y.Doc): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, MessageType.sync);
  encoding.writeVarUint(e, SyncType.step1);
  encoding.writeVarUint8Array(e, Y.encodeStateVector(doc));
  return encoding.toUint8Array(e);
}

export function encodeSyncStep2(doc: Y.Doc, stateVector?: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, MessageType.sync);
  encoding.writeVarUint(e, SyncType.step2);
  encoding.writeVarUint8Array(e, Y.encodeStateAsUpdate(doc, stateVector));
  return encoding.toUint8Array(e);
}

export function encodeUpdate(update: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, MessageType.sync);
  encoding.writeVarUint(e, SyncType.update);
  encoding.writeVarUint8Array(e, update);
  return encoding.toUint8Array(e);
}

export function encodeAwareness(update: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, MessageType.awareness);
  encoding.writeVarUint8Array(e, update);
  return encoding.toUint8Array(e);
}

export function encodeAwarenessOf(awareness: awarenessProtocol.Awareness, clients: number[]): Uint8Array {
  return encodeAwareness(awarenessProtocol.encodeAwarenessUpdate(awareness, clients));
}

export function encodePermissionDenied(reason: string): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, MessageType.auth);
  authProtocol.writePermissionDenied(e, reason);
  return encoding.toUint8Array(e);
}

/** A decoded client frame. Decoding throws on truncated or malformed input. */
export type ClientMessage =
  | { type: typeof MessageType.sync; sync: typeof SyncType.step1; stateVector: Uint8Array }
  | { type: typeof MessageType.sync; sync: typeof SyncType.step2 | typeof SyncType.update; update: Uint8Array }
  | { type: typeof MessageType.awareness; update: Uint8Array }
  | { type: typeof MessageType.auth }
  | { type: typeof MessageType.queryAwareness };

export class ProtocolError extends Error {}

export function decodeClientMessage(frame: Uint8Array): ClientMessage {
  const d = decoding.createDecoder(frame);
  const type = decoding.readVarUint(d);
  let msg: ClientMessage;
  switch (type) {
    case MessageType.sync: {
      const sync = decoding.readVarUint(d);
      const payload = decoding.readVarUint8Array(d);
      if (sync === SyncType.step1) msg = { type, sync, stateVector: checkStateVector(payload) };
      else if (sync === SyncType.step2 || sync === SyncType.update) msg = { type, sync, update: payload };
      else throw new ProtocolError(`unknown sync message ${sync}`);
      break;
    }
    case MessageType.awareness:
      msg = { type, update: decoding.readVarUint8Array(d) };
      break;
    case MessageType.auth:
      msg = { type };
      return msg; // clients have nothing to say here; the rest is ignored
    case MessageType.queryAwareness:
      msg = { type };
      break;
    default:
      throw new ProtocolError(`unknown message type ${type}`);
  }
  if (decoding.hasContent(d)) throw new ProtocolError('trailing bytes after message');
  return msg;
}

/**
 * A state vector as Yjs encodes it (a count, then a client and a clock per
 * entry), checked here so a malformed one closes the socket that sent it with
 * a protocol error instead of failing later, in the room, unanswered.
 */
function checkStateVector(sv: Uint8Array): Uint8Array {
  const d = decoding.createDecoder(sv);
  try {
    const n = decoding.readVarUint(d);
    for (let i = 0; i < n; i++) {
      decoding.readVarUint(d);
      decoding.readVarUint(d);
    }
  } catch {
    throw new ProtocolError('malformed state vector');
  }
  if (decoding.hasContent(d)) throw new ProtocolError('malformed state vector: trailing bytes');
  return sv;
}

/** One client's entry in an awareness update. `state` is the raw JSON text. */
export interface AwarenessEntry {
  clientID: number;
  clock: number;
  json: string;
}

/** Splits an awareness update into entries; throws on malformed input or invalid UTF-8. */
export function decodeAwarenessEntries(update: Uint8Array): AwarenessEntry[] {
  const d = decoding.createDecoder(update);
  const count = decoding.readVarUint(d);
  const entries: AwarenessEntry[] = [];
  for (let i = 0; i < count; i++) {
    const clientID = decoding.readVarUint(d);
    const clock = decoding.readVarUint(d);
    const bytes = decoding.readVarUint8Array(d);
    const json = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    entries.push({ clientID, clock, json });
  }
  if (decoding.hasContent(d)) throw new ProtocolError('trailing bytes after awareness update');
  return entries;
}

export function encodeAwarenessEntries(entries: AwarenessEntry[]): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, entries.length);
  for (const { clientID, clock, json } of entries) {
    encoding.writeVarUint(e, clientID);
    encoding.writeVarUint(e, clock);
    encoding.writeVarString(e, json);
  }
  return encoding.toUint8Array(e);
}
