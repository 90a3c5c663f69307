import { afterAll } from 'vitest';
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

/**
 * The calling file's clients, destroyed after its tests. Call it at the top of
 * a test file, after useServer(), so they go before the server stops.
 */
export function useClients(srv: { readonly wsUrl: string }) {
  const opened: { destroy(): void }[] = [];
  afterAll(() => {
    for (const c of opened) c.destroy();
  });
  /** `c` (a client of any server, or anything else with a destroy()), destroyed after the file's tests. */
  const track = <T extends { destroy(): void }>(c: T): T => {
    opened.push(c);
    return c;
  };
  /** A stock client of `srv`, destroyed after the file's tests. */
  const open = (workshopId: string, token: string): Client => track(connect(srv.wsUrl, workshopId, token));
  return { open, track };
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

/** What `until` listens to: a Y.Doc, or an Awareness (both say 'update' on every change). */
interface Updates {
  on(name: 'update', f: () => void): unknown;
  off(name: 'update', f: () => void): unknown;
}

/** Resolves when `check` holds, re-checking on every change of the document (or awareness). */
export function until(source: Updates, check: () => boolean, what = 'condition', timeoutMs = 5_000): Promise<void> {
  if (check()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      source.off('update', on);
      reject(new Error(`timed out waiting for ${what}`));
    }, timeoutMs);
    const on = () => {
      if (!check()) return;
      clearTimeout(timer);
      source.off('update', on);
      resolve();
    };
    source.on('update', on);
  });
}
