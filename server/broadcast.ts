import * as Y from 'yjs';
import type * as awarenessProtocol from 'y-protocols/awareness';
import { encodeAwarenessOf, encodeUpdate } from './protocol.ts';
import type { Peer } from './room.ts';

/**
 * Updates merged into one frame at most; Y.mergeUpdates grows worse than
 * linearly with the number of updates, and a burst this size already cuts
 * the sends per recipient by that factor.
 */
const MAX_MERGE = 64;

/** The frame one run of updates sends a peer, or null. */
type Route = (peer: Peer) => Uint8Array | null;

/**
 * A room's outgoing traffic. Document updates are collected while the event
 * loop works through the sockets that are ready, and sent once it is done with
 * them (`setImmediate`): an idle room sends each update on the same loop turn
 * it arrived, a busy one sends every recipient one merged frame per turn
 * instead of one frame per update. Awareness (cursors, presence) goes out at
 * most every `awarenessIntervalMs`, every change since the last batch in one
 * frame: a change after a quiet spell leaves on the next turn, the rest of a
 * burst waits for the batch. A frame is encoded once and shared by every
 * recipient; nobody gets their own update back; what one recipient gets in a
 * turn is written to its socket at once.
 */
export class Broadcaster {
  private updates: Uint8Array[] = [];
  private origins: unknown[] = [];
  private readonly awarenessChanged = new Set<number>();
  private pending: NodeJS.Immediate | null = null;
  /** Set while a batch of awareness changes waits for its interval to end. */
  private awarenessTimer: NodeJS.Timeout | null = null;
  private awarenessSentAt = -Infinity;
  /** After close(), nothing more is queued or scheduled: the room is gone. */
  private closed = false;

  constructor(
    private readonly peers: Set<Peer>,
    private readonly awareness: awarenessProtocol.Awareness,
    private readonly awarenessIntervalMs = 0,
  ) {}

  /** `origin` is the peer the update came from (it is not sent back), or anything else. */
  update(update: Uint8Array, origin: unknown): void {
    if (this.closed) return;
    this.updates.push(update);
    this.origins.push(origin);
    this.schedule();
  }

  /** Awareness goes to everyone, the sender too: its own renewed state is what keeps a quiet client's connection alive. */
  awarenessChange(clients: number[]): void {
    if (this.closed) return;
    for (const c of clients) this.awarenessChanged.add(c);
    if (this.awarenessTimer) return;
    const wait = this.awarenessSentAt + this.awarenessIntervalMs - performance.now();
    if (wait <= 0) return this.schedule();
    this.awarenessTimer = setTimeout(() => {
      this.awarenessTimer = null;
      this.schedule();
    }, wait);
    this.awarenessTimer.unref();
  }

  private schedule(): void {
    if (!this.pending) this.pending = setImmediate(this.flush);
  }

  readonly flush = (): void => {
    if (this.pending) clearImmediate(this.pending);
    this.pending = null;
    const updates = this.updates;
    const origins = this.origins;
    this.updates = [];
    this.origins = [];
    const routes: Route[] = [];
    for (let i = 0; i < updates.length; i += MAX_MERGE) {
      routes.push(this.route(updates.slice(i, i + MAX_MERGE), origins.slice(i, i + MAX_MERGE)));
    }
    let awareness: Uint8Array | null = null;
    if (this.awarenessChanged.size && !this.awarenessTimer) {
      awareness = encodeAwarenessOf(this.awareness, [...this.awarenessChanged]);
      this.awarenessChanged.clear();
      this.awarenessSentAt = performance.now();
    }
    for (const peer of this.peers) {
      // The usual turn (one run of updates) sends without building a list per peer.
      if (routes.length <= 1) {
        const update = routes.length ? routes[0]!(peer) : null;
        if (update && awareness) peer.send(update, awareness);
        else if (update ?? awareness) peer.send((update ?? awareness)!);
        continue;
      }
      const frames = routes.map((r) => r(peer)).filter((f): f is Uint8Array => f !== null);
      if (awareness) frames.push(awareness);
      if (frames.length) peer.send(...frames);
    }
  };

  /** For one run of updates: which frame each peer gets (null: nothing, it wrote them all). */
  private route(updates: Uint8Array[], origins: unknown[]): Route {
    if (updates.length === 1) {
      const frame = encodeUpdate(updates[0]!);
      return (peer) => (peer === origins[0] ? null : frame);
    }
    const all = encodeUpdate(Y.mergeUpdates(updates));
    // A peer that wrote some of these gets the others, built once per such peer.
    const without = new Map<unknown, Uint8Array | null | undefined>();
    for (const o of origins) if (this.peers.has(o as Peer)) without.set(o, undefined);
    return (peer) => {
      if (!without.has(peer)) return all;
      let frame = without.get(peer);
      if (frame === undefined) {
        const others = updates.filter((_, i) => origins[i] !== peer);
        frame = others.length === 0 ? null : encodeUpdate(others.length === 1 ? others[0]! : Y.mergeUpdates(others));
        without.set(peer, frame);
      }
      return frame;
    };
  }

  /** Sends whatever is waiting, now, and takes nothing more: the room is closing. */
  close(): void {
    if (this.awarenessTimer) clearTimeout(this.awarenessTimer);
    this.awarenessTimer = null;
    this.flush();
    this.closed = true;
  }
}
