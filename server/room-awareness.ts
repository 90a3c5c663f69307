import type * as Y from 'yjs';
import * as awarenessProtocol from 'y-protocols/awareness';
import { CLOSE } from '../shared/errors.ts';
import type { Limits } from '../shared/limits.ts';
import { decodeAwarenessEntries, encodeAwarenessEntries, encodeAwarenessOf, type AwarenessEntry } from './protocol.ts';
import type { Peer } from './room.ts';

/**
 * A room's awareness (cursors, who is here): states its connections publish,
 * never stored. What gets in is bounded: a client id belongs to the
 * connection that first published it, states are limited in size, per
 * connection and per room, and each carries its connection's real role.
 */
export class RoomAwareness {
  readonly awareness: awarenessProtocol.Awareness;
  private readonly owners = new Map<number, Peer>();

  constructor(
    doc: Y.Doc,
    private readonly limits: Limits,
    /** Called with the client ids of every change, to be broadcast. */
    private readonly onChange: (clients: number[]) => void,
  ) {
    this.awareness = new awarenessProtocol.Awareness(doc);
    this.awareness.setLocalState(null);
    this.awareness.on('update', this.onUpdate);
  }

  private readonly onUpdate = ({ added, updated, removed }: { added: number[]; updated: number[]; removed: number[] }) => {
    // Sent to everyone, the sender too: y-websocket clients treat 30 s of
    // silence as a dead connection, and their own renewed state is what
    // reaches them in a quiet room.
    this.onChange(added.concat(updated, removed));
  };

  /** Sends a joining peer the states already here, if there are any. */
  greet(peer: Peer): void {
    const clients = [...this.awareness.getStates().keys()];
    if (clients.length) peer.send(encodeAwarenessOf(this.awareness, clients));
  }

  /** Answers a peer's query with every state, even when there are none. */
  answer(peer: Peer): void {
    const clients = [...this.awareness.getStates().keys()];
    peer.send(encodeAwarenessOf(this.awareness, clients));
  }

  receive(peer: Peer, update: Uint8Array): void {
    if (peer.role === 'observer') return;
    let entries: AwarenessEntry[];
    try {
      entries = decodeAwarenessEntries(update);
    } catch {
      peer.close(CLOSE.invalidData, 'malformed awareness update');
      return;
    }
    const { limits } = this;
    const kept: AwarenessEntry[] = [];
    for (const e of entries) {
      const owner = this.owners.get(e.clientID);
      if (owner && owner !== peer) continue; // another connection's state: not this peer's to set
      // Bytes as UTF-8 (as on the wire and in memory), not characters: 4,096 "€" are 12 KiB.
      if (Buffer.byteLength(e.json) > limits.maxAwarenessStateBytes) continue;
      if (!owner) {
        if (peer.awarenessClients.size >= limits.maxAwarenessClientsPerConnection) continue;
        if (this.owners.size >= limits.maxAwarenessStatesPerRoom) continue;
        this.owners.set(e.clientID, peer);
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

  /** Removes the states a leaving peer published, and frees their ids. */
  release(peer: Peer): void {
    const mine = [...peer.awarenessClients].filter((c) => this.owners.get(c) === peer);
    for (const c of mine) this.owners.delete(c);
    if (mine.length) awarenessProtocol.removeAwarenessStates(this.awareness, mine, null);
  }

  close(): void {
    this.awareness.off('update', this.onUpdate);
    this.awareness.destroy();
  }
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
