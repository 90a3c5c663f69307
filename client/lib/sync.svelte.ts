import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { CLOSE, FATAL_CLOSE_CODES, LOCKED_REFUSAL } from '../../shared/errors.ts';
import type { AwarenessState } from '../../shared/schema.ts';
import { markRemoved } from './credentials.ts';
import { OfflineEdits } from './offline-edits.ts';

export type ConnectionStatus = 'connecting' | 'connected' | 'reconnecting' | 'offline' | 'ended';

export interface Notice {
  text: string;
  /** When it was given: a newer one replaces it and is shown afresh. */
  at: number;
  kind: 'refused' | 'retrying' | 'news';
}

/**
 * How long a change sent after a refusal must go unanswered before it counts as accepted: a refused
 * one is answered at once with a close (y-websocket has no acknowledgement for an accepted one).
 */
const ACCEPTED_AFTER_MS = 1500;

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
  /**
   * The last refusal or error the server gave, or news from the board (see `note`), for a notice. It lasts while it is true: a refusal
   * until a later change of this user's goes through (or the user dismisses it), a failed save until
   * the next sync.
   */
  notice = $state<Notice | null>(null);
  /** Set when the server will not let this credential back in. */
  fatal = $state<string | null>(null);

  private everConnected = false;
  private acceptTimer: ReturnType<typeof setTimeout> | null = null;
  /** What this user changed while offline, until the server has taken it (or refused it: see `onClose`). */
  private readonly offlineEdits = new OfflineEdits();
  private offlineTimer: ReturnType<typeof setTimeout> | null = null;
  /** Whether this page has been in step with the server at least once (what arrives after that is news). */
  get hasSynced(): boolean {
    return this.everConnected;
  }
  private readonly listeners = new Set<(doc: Y.Doc) => void>();
  private localState: AwarenessState | null = null;

  /**
   * `participant`: the token is a participant's seat. Such a token is never rotated, only revoked
   * when the facilitator removes the participant; so once it has opened the workshop, a later
   * "bad token" (a page that reconnects after the removal, having missed its 4403) means removed.
   */
  constructor(
    private readonly workshopId: string,
    private readonly token: string,
    private readonly participant = false,
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
    this.notice = { text, at: Date.now(), kind: 'news' };
  }

  /** Takes `text` down if it is still the notice shown, once it is no longer news. */
  unnote(text: string): void {
    if (this.notice?.text === text) this.notice = null;
  }

  dismissNotice(): void {
    this.notice = null;
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
      // Ending destroys the provider inside its close handler, which then still reports "disconnected":
      // that said "Reconnecting…" for good on a page the server had shut out.
      if (this.status === 'ended') return;
      if (status === 'connected') return; // wait for the sync before saying so
      this.status = !navigator.onLine ? 'offline' : this.everConnected ? 'reconnecting' : 'connecting';
    });
    provider.on('sync', (synced: boolean) => {
      if (!synced) return;
      this.keepOfflineEditsUntilAccepted();
      this.everConnected = true;
      this.unsyncedChanges = 0;
      this.status = 'connected';
      if (this.notice?.kind === 'retrying') this.notice = null;
    });
    provider.on('connection-close', (event) => this.onClose(event as CloseEvent | null));
    doc.on('update', (_u: Uint8Array, origin: unknown) => {
      if (origin === provider) return;
      if (!provider.wsconnected || !provider.synced) this.unsyncedChanges++;
      else if (this.notice?.kind === 'refused') this.clearIfAccepted(this.notice);
    });
    doc.on('afterTransaction', (tr: Y.Transaction) => {
      if (tr.local && (!provider.wsconnected || !provider.synced)) this.offlineEdits.record(tr, doc);
    });
    return provider;
  }

  /**
   * Back in step with the server: the changes made offline go with this sync, and a refusal of them
   * comes at once (as a close). None by `ACCEPTED_AFTER_MS`: they were taken.
   */
  private keepOfflineEditsUntilAccepted(): void {
    if (this.offlineTimer) clearTimeout(this.offlineTimer);
    this.offlineTimer = null;
    if (this.offlineEdits.empty) return;
    this.offlineTimer = setTimeout(() => {
      this.offlineTimer = null;
      if (this.provider.synced) this.offlineEdits.clear();
    }, ACCEPTED_AFTER_MS);
  }

  /** Why a change was not saved, in words for the person who made it. */
  private refusalText(reason: string): string {
    const said = `Not saved: ${reason || 'the server refused that change'}.`;
    if (reason !== LOCKED_REFUSAL || this.offlineEdits.empty) return said;
    // Refused on reconnect: the lock came while this page was offline, and everything made offline goes.
    const what = this.offlineEdits.describe(this.doc);
    return `${said} The facilitator locked it while you were offline, so the changes you made meanwhile were not saved${what ? `: ${what}` : ''}.`;
  }

  /** A change sent while a refusal is shown: unless it is refused too (a newer notice), the old one is past. */
  private clearIfAccepted(shown: Notice): void {
    if (this.acceptTimer) clearTimeout(this.acceptTimer);
    this.acceptTimer = setTimeout(() => {
      this.acceptTimer = null;
      if (this.notice?.at === shown.at && this.provider.synced) this.notice = null;
    }, ACCEPTED_AFTER_MS);
  }

  private onClose(event: CloseEvent | null): void {
    if (!event) return;
    if (FATAL_CLOSE_CODES.includes(event.code)) {
      const removed = event.code === CLOSE.forbidden || (event.code === CLOSE.badToken && this.participant);
      this.fatal =
        event.code === CLOSE.notFound
          ? 'This workshop does not exist.'
          : removed
            ? 'You were removed from this workshop.'
            : 'This link is no longer valid for this workshop. Ask the facilitator for a new one.';
      this.status = 'ended';
      // A refusal or a retry shown before is past: nothing more will be saved from this page.
      this.notice = null;
      this.provider.destroy();
      // The server closes a removed participant's sockets with 4403 (or, on a reconnect after the
      // removal, refuses the dead token with 4401): the seat is gone for good.
      if (removed) markRemoved(this.workshopId, this.token);
      return;
    }
    if (event.code === CLOSE.refused) {
      this.notice = { text: this.refusalText(event.reason), at: Date.now(), kind: 'refused' };
      this.replaceDoc();
    } else if (event.code === CLOSE.storageUnavailable) {
      this.notice = { text: 'The server could not save your last change; retrying.', at: Date.now(), kind: 'retrying' };
    }
  }

  /** Drops local state the server refused and resyncs from the server. */
  private replaceDoc(): void {
    this.provider.destroy();
    this.doc.destroy();
    this.doc = new Y.Doc();
    this.unsyncedChanges = 0;
    // Refused with the rest: the new doc holds none of it.
    this.offlineEdits.clear();
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
    if (this.acceptTimer) clearTimeout(this.acceptTimer);
    if (this.offlineTimer) clearTimeout(this.offlineTimer);
    window.removeEventListener('online', this.onNetwork);
    window.removeEventListener('offline', this.onNetwork);
    this.provider.destroy();
    this.doc.destroy();
  }
}
