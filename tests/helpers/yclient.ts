import WebSocket from 'ws';
import * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';

export interface Client {
  doc: Y.Doc;
  provider: WebsocketProvider;
  destroy(): void;
}

/** The stock y-websocket client, exactly as a third-party integration would use it. */
export function connect(wsUrl: string, workshopId: string, token: string, doc = new Y.Doc()): Client {
  const provider = new WebsocketProvider(wsUrl, workshopId, doc, {
    params: { token },
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    disableBc: true,
    maxBackoffTime: 200,
  });
  return {
    doc,
    provider,
    destroy() {
      provider.destroy();
      doc.destroy();
    },
  };
}

export function synced(client: Client): Promise<void> {
  if (client.provider.synced) return Promise.resolve();
  return new Promise((resolve) => {
    const on = (s: boolean) => {
      if (!s) return;
      client.provider.off('sync', on);
      resolve();
    };
    client.provider.on('sync', on);
  });
}

/** Resolves when `check` holds, re-checking on every change of the document. */
export function until(doc: Y.Doc, check: () => boolean, what = 'condition', timeoutMs = 5_000): Promise<void> {
  if (check()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      doc.off('update', on);
      reject(new Error(`timed out waiting for ${what}`));
    }, timeoutMs);
    const on = () => {
      if (!check()) return;
      clearTimeout(timer);
      doc.off('update', on);
      resolve();
    };
    doc.on('update', on);
  });
}
