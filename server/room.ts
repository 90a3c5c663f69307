import * as Y from 'yjs';
import type * as awarenessProtocol from 'y-protocols/awareness';
import { ROOT_NAMES, ROOTS } from '../shared/doc.ts';
import { AppError, CLOSE } from '../shared/errors.ts';
import type { Limits } from '../shared/limits.ts';
import type { Role } from '../shared/schema.ts';
import { Broadcaster } from './broadcast.ts';
import type { Logger } from './log.ts';
import { Presence } from './presence.ts';
import { TokenBucket } from './ratelimit.ts';
import { encodeSyncStep1, encodeSyncStep2 } from './protocol.ts';
import { RoomAwareness } from './room-awareness.ts';
import { RoomPersistence } from './room-persistence.ts';
import type { MaybePromise, Store } from './store.ts';
import { admitUpdate } from './write-filter.ts';
import { WriteQueue } from './write-queue.ts';

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
  private readonly roomAwareness: RoomAwareness;
  private readonly presence: Presence;
  /** Outgoing updates and awareness, sent once per loop turn (see broadcast.ts). */
  private readonly outbox: Broadcaster;
  private readonly persistence: RoomPersistence;
  private idleTimer: NodeJS.Timeout | null = null;
  /** Updates and server changes run in order (see write-queue.ts). */
  /**
   * Tasks that fail go to the log; one for a peer's message (input no check foresaw) also closes
   * that peer with a reason, rather than failing unanswered.
   */
  private readonly queue = new WriteQueue<Peer>((err, peer) => {
    this.opts.log('error', peer ? 'could not process a message; closing its socket' : 'room task failed', {
      workshop: this.id,
      error: String(err),
    });
    peer?.close(CLOSE.invalidData, 'could not process message');
  });

  private constructor(
    private readonly opts: RoomOptions,
    lastSeq: number,
    sinceSnapshot: number,
  ) {
    this.id = opts.id;
    this.persistence = new RoomPersistence({
      ...opts,
      doc: this.doc,
      lastSeq,
      sinceSnapshot,
      onFenced: () =>
        void this.close(CLOSE.ownedElsewhere, 'the workshop moved to another process; reconnect').then(() => this.opts.onUnload(this)),
    });
    for (const name of ROOT_NAMES) this.doc.getMap(name);
    this.presence = new Presence(opts, this.id, this.peers);
    this.roomAwareness = new RoomAwareness(this.doc, opts.limits, (clients) => this.outbox.awarenessChange(clients));
    this.awareness = this.roomAwareness.awareness;
    this.outbox = new Broadcaster(this.peers, this.awareness, opts.limits.awarenessIntervalMs);
    this.doc.on('update', this.onDocUpdate);
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

  /** The newest seq in the log. */
  get lastSeq(): number {
    return this.persistence.lastSeq;
  }

  get locked(): boolean {
    return this.doc.getMap(ROOTS.control).get('locked') === true;
  }

  add(peer: Peer): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    this.peers.add(peer);
    this.presence.arrive(peer);
    peer.send(encodeSyncStep1(this.doc));
    this.roomAwareness.join(peer);
  }

  remove(peer: Peer): void {
    if (!this.peers.delete(peer)) return;
    this.presence.leave(peer);
    this.roomAwareness.release(peer);
    this.touch();
  }

  /**
   * While nobody is connected, (re)starts the countdown to unloading: after
   * the last socket leaves, and whenever an HTTP call (a join, a vote) uses
   * the room. A room loaded by a call alone would otherwise stay in memory.
   */
  touch(): void {
    if (this.peers.size > 0 || this.state !== 'open') return;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => void this.unload(), this.opts.limits.roomIdleUnloadMs);
    this.idleTimer.unref();
  }

  /** Per credential (author): its catch-up budget, `maxCatchUpBytesPerMinute`. One entry per participant at most. */
  private readonly catchUps = new Map<string, TokenBucket>();

  /**
   * A sync step 2 (`catchUp`: what the peer has that the server lacked when it asked) or an update
   * from a peer.
   */
  receiveUpdate(peer: Peer, update: Uint8Array, catchUp = false): void {
    this.queue.enqueue(() => this.processUpdate(peer, update, catchUp), peer);
  }

  private processUpdate(peer: Peer, update: Uint8Array, catchUp: boolean): MaybePromise<void> {
    if (peer.closed || this.state !== 'open') return;
    if (!admitUpdate(this, peer, update, this.opts.limits)) return;
    // A catch-up is exempt from the socket's byte rate; what it stores counts against the
    // credential's catch-up budget, or reconnecting again and again would write a megabyte a
    // socket. Only what is admitted counts: an honest page's reconnect resends its whole delete
    // set, none of it new, and stores nothing.
    if (catchUp) {
      let budget = this.catchUps.get(peer.author);
      if (!budget) this.catchUps.set(peer.author, (budget = new TokenBucket(this.opts.limits.maxCatchUpBytesPerMinute, 60_000)));
      if (!budget.take(update.length)) {
        return peer.close(CLOSE.policyViolation, 'too many catch-ups from your sessions; wait a minute, then reload');
      }
    }
    return this.commit(update, peer.author, peer);
  }

  /** Append, then apply. If the store refuses, the document is untouched and the sender keeps its change. */
  private commit(update: Uint8Array, author: string, origin: Peer): MaybePromise<void> {
    return this.persistence.append(
      update,
      author,
      () => Y.applyUpdate(this.doc, update, origin),
      (err, seq, fenced) => {
        if (fenced) return;
        this.opts.log('error', 'could not store update', { workshop: this.id, seq, error: String(err) });
        origin.close(CLOSE.storageUnavailable, 'the server could not store your change; it will be retried');
      },
    );
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
      this.queue.enqueue(() => {
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
        return this.persistence.append(
          update,
          'server',
          () => {
            this.outbox.update(update, SERVER_ORIGIN);
            resolve();
          },
          (err, seq, fenced) => {
            if (!fenced) {
              this.opts.log('error', 'could not store server change; reloading the room', { workshop: this.id, seq, error: String(err) });
              this.persistence.abandon();
              void this.close(CLOSE.storageUnavailable, 'the server could not store a change; reconnect').then(() =>
                this.opts.onUnload(this),
              );
            }
            // The cause is in the log; the caller (an HTTP call) answers 503 (try again shortly), or 421
            // when another process has taken the workshop over.
            reject(
              fenced
                ? new AppError('misdirected', 'the workshop moved to another process; try again')
                : new AppError('storage_unavailable', 'the server could not store the change; try again shortly'),
            );
          },
        );
      });
    });
  }

  /**
   * A sync step 1, answered in turn with the writes: a server change is in the document while the
   * log writes it (on PostgreSQL, a while), and an answer then would hand out a change the log may
   * yet fail to store.
   */
  answerSync(peer: Peer, stateVector: Uint8Array): void {
    this.queue.enqueue(() => {
      if (!peer.closed && this.state === 'open') peer.send(encodeSyncStep2(this.doc, stateVector));
    }, peer);
  }

  private readonly onDocUpdate = (update: Uint8Array, origin: unknown) => {
    // The server's own changes are logged and broadcast by serverChange, after they are stored.
    if (origin === SERVER_ORIGIN) return;
    this.outbox.update(update, origin);
  };

  receiveAwareness(peer: Peer, update: Uint8Array): void {
    this.roomAwareness.receive(peer, update);
  }

  queryAwareness(peer: Peer): void {
    this.roomAwareness.answer(peer);
  }

  /** Resolves once every queued write has finished. */
  async flush(): Promise<void> {
    await this.queue.flush();
  }

  private async unload(): Promise<void> {
    if (this.peers.size > 0 || this.state !== 'open') return;
    await this.close();
    this.opts.onUnload(this);
  }

  /** Participants with at least one open socket in this room. */
  onlineParticipants(): Set<string> {
    return this.presence.participants();
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
      await this.persistence.snapshot();
    } finally {
      this.outbox.close();
      for (const peer of this.peers) peer.close(code, reason);
      this.peers.clear();
      this.doc.off('update', this.onDocUpdate);
      this.roomAwareness.close();
      this.doc.destroy();
      this.state = 'closed';
    }
  }
}
