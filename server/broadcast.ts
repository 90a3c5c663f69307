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
    const out = new Map<Peer, Uint8Array[]>();
    const add = (peer: Peer, frame: Uint8Array) => {
      const frames = out.get(peer);
      if (frames) frames.push(frame);
      else out.set(peer, [frame]);
    };
    const updates = this.updates;
    const origins = this.origins;
    this.updates = [];
    this.origins = [];
    for (let i = 0; i < updates.length; i += MAX_MERGE) {
      this.route(updates.slice(i, i + MAX_MERGE), origins.slice(i, i + MAX_MERGE), add);
    }
    if (this.awarenessChanged.size && !this.awarenessTimer) {
      const frame = encodeAwarenessOf(this.awareness, [...this.awarenessChanged]);
      this.awarenessChanged.clear();
      this.awarenessSentAt = performance.now();
      for (const peer of this.peers) add(peer, frame);
    }
    for (const [peer, frames] of out) peer.send(...frames);
  };

  /** Decides who gets which frame for one run of updates. */
  private route(updates: Uint8Array[], origins: unknown[], add: (peer: Peer, frame: Uint8Array) => void): void {
    if (updates.length === 1) {
      const frame = encodeUpdate(updates[0]!);
      for (const peer of this.peers) if (peer !== origins[0]) add(peer, frame);
      return;
    }
    const all = encodeUpdate(Y.mergeUpdates(updates));
    // A peer that wrote some of these gets the others (null: it wrote them all), built once per such peer.
    const without = new Map<unknown, Uint8Array | null | undefined>();
    for (const o of origins) if (this.peers.has(o as Peer)) without.set(o, undefined);
    for (const peer of this.peers) {
      if (!without.has(peer)) {
        add(peer, all);
        continue;
      }
      let frame = without.get(peer);
      if (frame === undefined) {
        const others = updates.filter((_, i) => origins[i] !== peer);
        frame = others.length === 0 ? null : encodeUpdate(others.length === 1 ? others[0]! : Y.mergeUpdates(others));
        without.set(peer, frame);
      }
      if (frame) add(peer, frame);
    }
  }

  /** Sends whatever is waiting, now, and takes nothing more: the room is closing. */
  close(): void {
    if (this.awarenessTimer) clearTimeout(this.awarenessTimer);
    this.awarenessTimer = null;
    this.flush();
    this.closed = true;
  }
}
