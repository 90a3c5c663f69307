import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import WebSocket from 'ws';
import * as Y from 'yjs';
import * as syncProtocol from 'y-protocols/sync';
import * as authProtocol from 'y-protocols/auth';
import { MessageType } from '../../shared/messages.ts';

/**
 * A Yjs client that speaks the sync protocol by hand and follows none of the
 * app's rules: whatever its doc does is sent as is. For testing what the
 * server refuses.
 */
export interface RawClient {
  doc: Y.Doc;
  ws: WebSocket;
  synced: Promise<void>;
  closed: Promise<{ code: number; reason: string }>;
  denied: string[];
  /** Sends bytes as one frame. */
  sendRaw(frame: Uint8Array): void;
  sendUpdate(update: Uint8Array): void;
}

export function rawClient(wsUrl: string, workshopId: string, token: string, opts: { autoSend?: boolean } = {}): RawClient {
  const doc = new Y.Doc();
  const ws = new WebSocket(`${wsUrl}/${workshopId}?token=${encodeURIComponent(token)}`);
  const denied: string[] = [];
  let markSynced!: () => void;
  const synced = new Promise<void>((r) => (markSynced = r));
  const closed = new Promise<{ code: number; reason: string }>((r) =>
    ws.on('close', (code, reason) => r({ code, reason: reason.toString() })),
  );
  ws.on('error', () => {});
  const send = (frame: Uint8Array) => {
    if (ws.readyState === ws.OPEN) ws.send(frame);
  };
  const sendUpdate = (update: Uint8Array) => {
    const e = encoding.createEncoder();
    encoding.writeVarUint(e, MessageType.sync);
    syncProtocol.writeUpdate(e, update);
    send(encoding.toUint8Array(e));
  };
  ws.on('open', () => {
    const e = encoding.createEncoder();
    encoding.writeVarUint(e, MessageType.sync);
    syncProtocol.writeSyncStep1(e, doc);
    send(encoding.toUint8Array(e));
  });
  ws.on('message', (data: Buffer) => {
    const d = decoding.createDecoder(new Uint8Array(data));
    const type = decoding.readVarUint(d);
    if (type === MessageType.sync) {
      const e = encoding.createEncoder();
      encoding.writeVarUint(e, MessageType.sync);
      const sub = syncProtocol.readSyncMessage(d, e, doc, 'remote');
      if (encoding.length(e) > 1) send(encoding.toUint8Array(e));
      if (sub === syncProtocol.messageYjsSyncStep2) markSynced();
    } else if (type === MessageType.auth) {
      authProtocol.readAuthMessage(d, doc, (_y, reason) => denied.push(reason));
    }
  });
  if (opts.autoSend !== false) {
    doc.on('update', (update: Uint8Array, origin: unknown) => {
      if (origin !== 'remote') sendUpdate(update);
    });
  }
  return { doc, ws, synced, closed, denied, sendRaw: send, sendUpdate };
}
