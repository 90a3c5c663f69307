import * as Y from 'yjs';
import * as awarenessProtocol from 'y-protocols/awareness';
import { ROOT_NAMES, ROOTS } from '../shared/doc.ts';
import { CLOSE } from '../shared/errors.ts';
import type { Limits } from '../shared/limits.ts';
import type { Role } from '../shared/schema.ts';
import { Broadcaster } from './broadcast.ts';
import { inspectUpdate } from './inspect.ts';
import type { Logger } from './log.ts';
import { checkWrite } from './permissions.ts';
import { recordPresence } from './presence.ts';
import {
  decodeAwarenessEntries,
  encodeAwarenessEntries,
  encodeAwarenessOf,
  encodePermissionDenied,
  encodeSyncStep1,
  type AwarenessEntry,
} from './protocol.ts';
import type { MaybePromise, Store } from './store.ts';

/** What a room needs of a connection. */
export interface Peer {
  readonly role: Role;
  /** Written into the log beside each update this peer makes. */
  readonly author: string;
  readonly participantId?: string;
  readonly closed: boolean;
  /** Awareness client ids this peer has published; nobody else may set them. */
  readonly awarenessClients: Set<number>;
  /** Updates with missing dependencies since the last one that integrated. */
  unresolved: number;
  /** Frames given together are written to the socket together. */
  send(...frames: Uint8Array[]): void;
  close(code: number, reason: string): void;
}

/** Transaction origin of changes the server makes itself (vote results, migrations). */
export const SERVER_ORIGIN = Symbol('server');

export interface RoomOptions {
  id: string;
  store: Store;
  limits: Limits;
  log: Logger;
  now: () => number;
  /** Called once the room has been idle for `limits.roomIdleUnloadMs` and has flushed. */
  onUnload: (room: Room) => void;
}

type RoomState = 'open' | 'closing' | 'closed';

/**
 * One workshop's live document, its awareness and its connections. The room
 * owns its timers and listeners and releases them in `close()`.
 *
 * Write path for a client update: inspect it against the server's document
 * (permission and dependencies), append it to the log, then apply it; the
 * document's update event broadcasts it. So nothing reaches another client
 * before it is stored, and nothing refused is ever stored or sent.
 */
export class Room {
  readonly id: string;
  readonly doc = new Y.Doc();
  readonly awareness: awarenessProtocol.Awareness;
  readonly peers = new Set<Peer>();
  state: RoomState = 'open';
  lastSeq: number;
  private sinceSnapshot: number;
  private readonly awarenessOwners = new Map<number, Peer>();
  /** Outgoing updates and awareness, sent once per loop turn (see broadcast.ts). */
  private readonly outbox: Broadcaster;
  private idleTimer: NodeJS.Timeout | null = null;
  /** Writes run in order; with a synchronous store this stays empty and costs nothing. */
  private queue: Promise<void> | null = null;
  private queued = 0;
  /** Another process wrote at our next seq: we are a stale owner and must stop (issue 10). */
  private fenced = false;

  private constructor(
    private readonly opts: RoomOptions,
    lastSeq: number,
    sinceSnapshot: number,
  ) {
    this.id = opts.id;
    this.lastSeq = lastSeq;
    this.sinceSnapshot = sinceSnapshot;
    for (const name of ROOT_NAMES) this.doc.getMap(name);
    this.awareness = new awarenessProtocol.Awareness(this.doc);
    this.awareness.setLocalState(null);
    this.outbox = new Broadcaster(this.peers, this.awareness, opts.limits.awarenessIntervalMs);
    this.doc.on('update', this.onDocUpdate);
    this.awareness.on('update', this.onAwarenessUpdate);
  }

  /**
   * Loads the newest snapshot and the log after it. Throws rather than return
   * an empty room: a blank document must never stand in for a stored one.
   */
  static async load(opts: RoomOptions): Promise<Room> {
    const stored = await opts.store.loadDocument(opts.id);
    if (stored.lastSeq === 0) throw new Error(`workshop ${opts.id} has no stored document`);
    const room = new Room(opts, stored.lastSeq, stored.tail.length);
    room.doc.off('update', room.onDocUpdate);
    Y.transact(room.doc, () => {
      if (stored.snapshot) Y.applyUpdate(room.doc, stored.snapshot.data);
      for (const entry of stored.tail) Y.applyUpdate(room.doc, entry.data);
    });
    room.doc.on('update', room.onDocUpdate);
    if (room.doc.store.pendingStructs || room.doc.store.pendingDs) {
      opts.log('warn', 'stored log has unresolved structs', { workshop: opts.id });
    }
    return room;
  }

  get locked(): boolean {
    return this.doc.getMap(ROOTS.control).get('locked') === true;
  }

  add(peer: Peer): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    this.peers.add(peer);
    recordPresence(this.opts, this.id, peer, 'connect');
    peer.send(encodeSyncStep1(this.doc));
    const clients = [...this.awareness.getStates().keys()];
    if (clients.length) peer.send(encodeAwarenessOf(this.awareness, clients));
  }

  remove(peer: Peer): void {
    if (!this.peers.delete(peer)) return;
    recordPresence(this.opts, this.id, peer, 'disconnect');
    const mine = [...peer.awarenessClients].filter((c) => this.awarenessOwners.get(c) === peer);
    for (const c of mine) this.awarenessOwners.delete(c);
    if (mine.length) awarenessProtocol.removeAwarenessStates(this.awareness, mine, null);
    if (this.peers.size === 0 && this.state === 'open') {
      this.idleTimer = setTimeout(() => void this.unload(), this.opts.limits.roomIdleUnloadMs);
      this.idleTimer.unref();
    }
  }

  /** A sync step 2 or update from a peer. */
  receiveUpdate(peer: Peer, update: Uint8Array): void {
    this.enqueue(() => this.processUpdate(peer, update));
  }

  private processUpdate(peer: Peer, update: Uint8Array): MaybePromise<void> {
    if (peer.closed || this.state !== 'open') return;
    let inspection;
    try {
      inspection = inspectUpdate(this.doc, update);
    } catch {
      peer.close(CLOSE.invalidData, 'malformed update');
      return;
    }
    if (inspection.malformed) {
      peer.close(CLOSE.invalidData, 'update does not fit the document schema');
      return;
    }
    if (inspection.missing) {
      // Ask the peer for everything we lack; an honest client answers with the
      // missing structs. One that keeps sending unresolvable updates is cut off
      // rather than left to pile them up.
      if (++peer.unresolved > this.opts.limits.maxUnresolvedUpdates) {
        peer.close(CLOSE.policyViolation, 'too many updates with missing dependencies');
      } else {
        peer.send(encodeSyncStep1(this.doc));
      }
      return;
    }
    if (!inspection.fresh) return;
    const decision = checkWrite(peer.role, inspection.roots, this.locked);
    if (!decision.ok) {
      peer.send(encodePermissionDenied(decision.reason));
      peer.close(CLOSE.refused, decision.reason);
      return;
    }
    peer.unresolved = 0;
    return this.commit(update, peer.author, peer);
  }

  /** Append, then apply. If the store refuses, the document is untouched and the sender keeps its change. */
  private commit(update: Uint8Array, author: string, origin: Peer): MaybePromise<void> {
    const seq = this.lastSeq + 1;
    const fail = (err: unknown) => {
      if (isSeqTaken(err)) return this.fence(seq);
      this.opts.log('error', 'could not store update', { workshop: this.id, seq, error: String(err) });
      origin.close(CLOSE.storageUnavailable, 'the server could not store your change; it will be retried');
    };
    let written: MaybePromise<void>;
    try {
      written = this.opts.store.appendUpdate(this.id, { seq, at: this.opts.now(), author, data: update });
    } catch (err) {
      return fail(err);
    }
    const integrate = () => {
      this.lastSeq = seq;
      Y.applyUpdate(this.doc, update, origin);
      this.afterWrite();
    };
    if (written instanceof Promise) return written.then(integrate, fail);
    integrate();
  }

  /**
   * A change made by the server itself (roster, vote counts and results). It
   * is applied to the document, logged with author "server", and only then
   * broadcast. The write queue waits for the log write, so the next update can
   * never take a seq before this one has it. If the write fails, the change
   * exists only in memory: the room closes and reloads from the store rather
   * than log around a hole.
   */
  serverChange(change: (doc: Y.Doc) => void): Promise<void> {
    return new Promise((resolve, reject) => {
      this.enqueue(() => {
        const captured: Uint8Array[] = [];
        const capture = (u: Uint8Array, origin: unknown) => {
          if (origin === SERVER_ORIGIN) captured.push(u);
        };
        this.doc.on('update', capture);
        try {
          Y.transact(this.doc, () => change(this.doc), SERVER_ORIGIN);
        } catch (err) {
          return reject(err);
        } finally {
          this.doc.off('update', capture);
        }
        if (captured.length === 0) return resolve();
        // One transaction emits one update; merging is only a guard for nested transactions.
        const update = captured.length === 1 ? captured[0]! : Y.mergeUpdates(captured);
        const seq = this.lastSeq + 1;
        const stored = () => {
          this.lastSeq = seq;
          this.afterWrite();
          this.outbox.update(update, SERVER_ORIGIN);
          resolve();
        };
        const failed = (err: unknown) => {
          if (isSeqTaken(err)) this.fence(seq);
          else {
            this.opts.log('error', 'could not store server change; reloading the room', { workshop: this.id, seq, error: String(err) });
            void this.close(CLOSE.storageUnavailable, 'the server could not store a change; reconnect').then(() =>
              this.opts.onUnload(this),
            );
          }
          reject(err);
        };
        let written: MaybePromise<void>;
        try {
          written = this.opts.store.appendUpdate(this.id, { seq, at: this.opts.now(), author: 'server', data: update });
        } catch (err) {
          return failed(err);
        }
        if (written instanceof Promise) return written.then(stored, failed);
        stored();
      });
    });
  }

  private readonly onDocUpdate = (update: Uint8Array, origin: unknown) => {
    // The server's own changes are logged and broadcast by serverChange, after they are stored.
    if (origin === SERVER_ORIGIN) return;
    this.outbox.update(update, origin);
  };

  private afterWrite(): void {
    if (++this.sinceSnapshot >= this.opts.limits.snapshotEveryUpdates) this.snapshot();
  }

  /**
   * The log already has an entry at our seq: another process owns the workshop
   * now (our lock's connection died). Stop at once, write nothing more (not
   * even a snapshot) and send everyone to the owner.
   */
  private fence(seq: number): void {
    if (this.fenced) return;
    this.fenced = true;
    this.opts.log('warn', 'fenced: another process wrote at this seq', { workshop: this.id, seq });
    void this.close(CLOSE.ownedElsewhere, 'the workshop moved to another process; reconnect').then(() => this.opts.onUnload(this));
  }

  private snapshot(): MaybePromise<void> {
    if (this.sinceSnapshot === 0 || this.fenced) return;
    const seq = this.lastSeq;
    this.sinceSnapshot = 0;
    try {
      const r = this.opts.store.writeSnapshot(this.id, seq, this.opts.now(), Y.encodeStateAsUpdate(this.doc));
      if (r instanceof Promise) return r.catch((err) => this.snapshotFailed(err));
    } catch (err) {
      this.snapshotFailed(err);
    }
  }

  private snapshotFailed(err: unknown): void {
    // The log still holds every update, so a missing snapshot only makes the next load slower.
    this.opts.log('warn', 'could not write snapshot', { workshop: this.id, error: String(err) });
  }

  receiveAwareness(peer: Peer, update: Uint8Array): void {
    if (peer.role === 'observer') return;
    let entries: AwarenessEntry[];
    try {
      entries = decodeAwarenessEntries(update);
    } catch {
      peer.close(CLOSE.invalidData, 'malformed awareness update');
      return;
    }
    const { limits } = this.opts;
    const kept: AwarenessEntry[] = [];
    for (const e of entries) {
      const owner = this.awarenessOwners.get(e.clientID);
      if (owner && owner !== peer) continue; // another connection's state: not this peer's to set
      if (e.json.length > limits.maxAwarenessStateBytes) continue;
      if (!owner) {
        if (peer.awarenessClients.size >= limits.maxAwarenessClientsPerConnection) continue;
        if (this.awarenessOwners.size >= limits.maxAwarenessStatesPerRoom) continue;
        this.awarenessOwners.set(e.clientID, peer);
        peer.awarenessClients.add(e.clientID);
      }
      const stamped = stampAwareness(e, peer);
      if (stamped) kept.push(stamped);
    }
    if (kept.length === 0) return;
    try {
      awarenessProtocol.applyAwarenessUpdate(this.awareness, encodeAwarenessEntries(kept), peer);
    } catch {
      peer.close(CLOSE.invalidData, 'malformed awareness state');
    }
  }

  private readonly onAwarenessUpdate = ({ added, updated, removed }: { added: number[]; updated: number[]; removed: number[] }) => {
    // Sent to everyone, the sender too: y-websocket clients treat 30 s of
    // silence as a dead connection, and their own renewed state is what
    // reaches them in a quiet room.
    this.outbox.awarenessChange(added.concat(updated, removed));
  };

  queryAwareness(peer: Peer): void {
    const clients = [...this.awareness.getStates().keys()];
    peer.send(encodeAwarenessOf(this.awareness, clients));
  }

  private enqueue(task: () => MaybePromise<void>): void {
    const onError = (err: unknown) => this.opts.log('error', 'room task failed', { workshop: this.id, error: String(err) });
    if (this.queued === 0) {
      let r: MaybePromise<void>;
      try {
        r = task();
      } catch (err) {
        return onError(err);
      }
      if (!(r instanceof Promise)) return;
      this.queued++;
      this.queue = r.catch(onError).finally(() => void this.queued--);
      return;
    }
    this.queued++;
    this.queue = this.queue!.then(task)
      .catch(onError)
      .finally(() => void this.queued--);
  }

  /** Resolves once every queued write has finished. */
  async flush(): Promise<void> {
    while (this.queued > 0 && this.queue) await this.queue;
  }

  private async unload(): Promise<void> {
    if (this.peers.size > 0 || this.state !== 'open') return;
    await this.close();
    this.opts.onUnload(this);
  }

  /** Participants with at least one open socket in this room. */
  onlineParticipants(): Set<string> {
    const ids = new Set<string>();
    for (const peer of this.peers) if (peer.participantId) ids.add(peer.participantId);
    return ids;
  }

  /**
   * Closes every socket whose credential matches: a removed participant, or
   * the observers when their link is revoked. Returns how many were closed.
   */
  disconnect(match: (peer: Peer) => boolean, code: number, reason: string): number {
    const doomed = [...this.peers].filter(match);
    for (const peer of doomed) peer.close(code, reason);
    return doomed.length;
  }

  /**
   * Final write, then release everything. Peers still here are told to
   * reconnect. Every call gets the one close, so a caller can wait for a room
   * that someone else began to close.
   */
  close(code: number = CLOSE.goingAway, reason = 'server is shutting down'): Promise<void> {
    return (this.closed ??= this.shutDown(code, reason));
  }

  private closed: Promise<void> | null = null;

  private async shutDown(code: number, reason: string): Promise<void> {
    this.state = 'closing';
    if (this.idleTimer) clearTimeout(this.idleTimer);
    try {
      await this.flush();
      await this.snapshot();
    } finally {
      this.outbox.close();
      for (const peer of this.peers) peer.close(code, reason);
      this.peers.clear();
      this.doc.off('update', this.onDocUpdate);
      this.awareness.off('update', this.onAwarenessUpdate);
      this.awareness.destroy();
      this.doc.destroy();
      this.state = 'closed';
    }
  }
}

/** A second entry at a taken seq (either backend): the fence of issue 10. */
function isSeqTaken(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'seq_taken' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/**
 * Writes the connection's real role and participant id into its awareness
 * state, so presence ("who is here") can be trusted even from a client that
 * edits its own code. A state that is not a JSON object (or null) is dropped.
 */
function stampAwareness(e: AwarenessEntry, peer: Peer): AwarenessEntry | null {
  let state: unknown;
  try {
    state = JSON.parse(e.json);
  } catch {
    return null;
  }
  if (state === null) return e;
  if (typeof state !== 'object' || Array.isArray(state)) return null;
  const s = state as { user?: unknown };
  if (s.user && typeof s.user === 'object' && !Array.isArray(s.user)) {
    Object.assign(s.user, { role: peer.role, participantId: peer.participantId ?? null });
  }
  return { ...e, json: JSON.stringify(s) };
}
