import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { CLOSE, FATAL_CLOSE_CODES } from '../../shared/errors.ts';
import type { AwarenessState } from '../../shared/schema.ts';

export type ConnectionStatus = 'connecting' | 'connected' | 'reconnecting' | 'offline' | 'ended';

/**
 * The live connection to one workshop: the Y.Doc, the y-websocket provider and
 * what the user should see of their state. The doc is the truth; when the
 * server refuses a change (4409), the local doc holds something the server
 * never will, so it is replaced by a fresh one that syncs from the server.
 */
export class Sync {
  doc = $state.raw(new Y.Doc());
  provider: WebsocketProvider;
  status = $state<ConnectionStatus>('connecting');
  /** Local changes made while disconnected; they are sent on reconnect. */
  unsyncedChanges = $state(0);
  /** A passing notice: the last refusal or error the server gave, or news from the board (see `note`). */
  notice = $state<{ text: string; at: number } | null>(null);
  /** Set when the server will not let this credential back in. */
  fatal = $state<string | null>(null);

  private everConnected = false;
  /** Whether this page has been in step with the server at least once (what arrives after that is news). */
  get hasSynced(): boolean {
    return this.everConnected;
  }
  private readonly listeners = new Set<(doc: Y.Doc) => void>();
  private localState: AwarenessState | null = null;

  constructor(
    private readonly workshopId: string,
    private readonly token: string,
  ) {
    this.provider = this.connect(this.doc);
    window.addEventListener('online', this.onNetwork);
    window.addEventListener('offline', this.onNetwork);
  }

  /** Calls `fn` with the current doc now and with every replacement. Returns an unsubscribe. */
  onDoc(fn: (doc: Y.Doc) => void): () => void {
    this.listeners.add(fn);
    fn(this.doc);
    return () => this.listeners.delete(fn);
  }

  /** Shows `text` as the passing notice, in place of any earlier one. */
  note(text: string): void {
    this.notice = { text, at: Date.now() };
  }

  /** Takes `text` down if it is still the notice shown, once it is no longer news. */
  unnote(text: string): void {
    if (this.notice?.text === text) this.notice = null;
  }

  setAwareness(state: AwarenessState): void {
    this.localState = state;
    this.provider.awareness.setLocalState(state);
  }

  setCursor(cursor: AwarenessState['cursor']): void {
    if (this.localState) this.provider.awareness.setLocalStateField('cursor', cursor);
  }

  private connect(doc: Y.Doc): WebsocketProvider {
    const base = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
    const provider = new WebsocketProvider(base, this.workshopId, doc, {
      params: { token: this.token },
      disableBc: true,
      maxBackoffTime: 2500,
    });
    if (this.localState) provider.awareness.setLocalState(this.localState);
    provider.on('status', ({ status }) => {
      if (status === 'connected') return; // wait for the sync before saying so
      this.status = !navigator.onLine ? 'offline' : this.everConnected ? 'reconnecting' : 'connecting';
    });
    provider.on('sync', (synced: boolean) => {
      if (!synced) return;
      this.everConnected = true;
      this.unsyncedChanges = 0;
      this.status = 'connected';
    });
    provider.on('connection-close', (event) => this.onClose(event as CloseEvent | null));
    doc.on('update', (_u: Uint8Array, origin: unknown) => {
      if (origin !== provider && (!provider.wsconnected || !provider.synced)) this.unsyncedChanges++;
    });
    return provider;
  }

  private onClose(event: CloseEvent | null): void {
    if (!event) return;
    if (FATAL_CLOSE_CODES.includes(event.code)) {
      this.fatal =
        event.code === CLOSE.notFound
          ? 'This workshop does not exist.'
          : 'This link is no longer valid for this workshop. Ask the facilitator for a new one.';
      this.status = 'ended';
      this.provider.destroy();
      return;
    }
    if (event.code === CLOSE.refused) {
      this.notice = { text: `Not saved: ${event.reason || 'the server refused that change'}.`, at: Date.now() };
      this.replaceDoc();
    } else if (event.code === CLOSE.storageUnavailable) {
      this.notice = { text: 'The server could not save your last change; retrying.', at: Date.now() };
    }
  }

  /** Drops local state the server refused and resyncs from the server. */
  private replaceDoc(): void {
    this.provider.destroy();
    this.doc.destroy();
    this.doc = new Y.Doc();
    this.unsyncedChanges = 0;
    this.provider = this.connect(this.doc);
    for (const fn of this.listeners) fn(this.doc);
  }

  /**
   * The browser knows about a lost network before the socket does; stop
   * sending into it, and reconnect at once (not after a backoff) when it returns.
   */
  private readonly onNetwork = () => {
    if (this.status === 'ended') return;
    if (!navigator.onLine) {
      this.provider.disconnect();
      this.status = 'offline';
    } else {
      this.status = 'reconnecting';
      this.provider.connect();
    }
  };

  destroy(): void {
    window.removeEventListener('online', this.onNetwork);
    window.removeEventListener('offline', this.onNetwork);
    this.provider.destroy();
    this.doc.destroy();
  }
}
