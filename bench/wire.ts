import * as encoding from 'lib0/encoding';
import * as decoding from 'lib0/decoding';

/**
 * The y-websocket protocol as the load generator speaks it, for each server
 * under test. Stageboard and the y-websocket reference server take bare
 * y-protocols frames; Hocuspocus 2 prefixes every frame with the document
 * name (a varString), in both directions.
 */
export type ServerKind = 'stageboard' | 'y-websocket' | 'hocuspocus' | 'floor';

export const SYNC = 0;
export const STEP1 = 0;
export const STEP2 = 1;
export const UPDATE = 2;

export function encodeSync(kind: ServerKind, room: string, sub: number, payload: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  if (kind === 'hocuspocus') encoding.writeVarString(e, room);
  encoding.writeVarUint(e, SYNC);
  encoding.writeVarUint(e, sub);
  encoding.writeVarUint8Array(e, payload);
  return encoding.toUint8Array(e);
}

export type Incoming = { sub: number; payload: Uint8Array } | null;

/** The sync message in a frame, or null for anything else (awareness, auth, status). */
export function decodeSync(kind: ServerKind, frame: Uint8Array): Incoming {
  const d = decoding.createDecoder(frame);
  if (kind === 'hocuspocus') decoding.readVarString(d);
  if (decoding.readVarUint(d) !== SYNC) return null;
  const sub = decoding.readVarUint(d);
  return { sub, payload: decoding.readVarUint8Array(d) };
}

export function wsUrl(kind: ServerKind, base: string, room: string, token?: string): string {
  switch (kind) {
    case 'stageboard':
      return `${base}/ws/${room}?token=${encodeURIComponent(token ?? '')}`;
    case 'y-websocket':
    case 'floor':
      return `${base}/${room}`;
    case 'hocuspocus':
      return base;
  }
}
