import type * as Y from 'yjs';
import * as awarenessProtocol from 'y-protocols/awareness';
import { CLOSE } from '../shared/errors.ts';
import type { Limits } from '../shared/limits.ts';
import { decodeAwarenessEntries, encodeAwarenessEntries, encodeAwarenessOf, type AwarenessEntry } from './protocol.ts';
import type { Peer } from './room.ts';

/** Ids of gone sockets remembered per state a room may hold (see `formerOwners`). */
const FORMER_OWNERS_PER_STATE = 4;

/** One credential: the facilitator, the observer link, or one participant. */
const credentialOf = (peer: Peer) => `${peer.role}:${peer.author}`;

/**
 * A room's awareness (cursors, who is here): states its connections publish,
 * never stored. What gets in is bounded: a client id belongs to the
 * connection that first published it (or to a newer one of the same
 * credential that claims it, see mayTakeOver), states are limited in size,
 * per connection and per room, and each carries its connection's real role.
 */
export class RoomAwareness {
  readonly awareness: awarenessProtocol.Awareness;
  private readonly owners = new Map<number, Peer>();
  /** The order peers joined in: a client id passes only to a newer socket than the one holding it. */
  private readonly arrivals = new WeakMap<Peer, number>();
  /**
   * The client id each peer published first: its own. A y-websocket client sends its own state
   * the moment its socket opens, before anything it hears, and from then on sends back every
   * state it is told about (y-websocket.js `_awarenessUpdateHandler`): the other ids it sends are
   * echoes of other clients' states.
   */
  private readonly ownIds = new WeakMap<Peer, number>();
  private joined = 0;
  /**
   * Per client id, the clock of the last state this server reclocked for it (see `reclocked`). Its
   * owner takes that state as its own and, being a y-websocket client, sends it straight back: the
   * same clock, the same content. That repeat is an echo, not news.
   */
  private readonly echoed = new Map<number, number>();
  /**
   * Per client id whose socket has gone, the credential that held it: the id stays that
   * credential's to claim again (its page back on a new socket), never anyone else's. Without
   * this, the first client to echo the removal (y-websocket clients send back every change they
   * hear of) became the id's owner, and the participant, back a moment later, stayed gone.
   * Bounded: the oldest are forgotten past FORMER_OWNERS_PER_STATE × maxAwarenessStatesPerRoom.
   */
  private readonly formerOwners = new Map<number, string>();

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

  /**
   * Notes a joining peer's arrival and sends it the states already here, if there are any, each one
   * clock past the one it had. The joiner may be a client back on a new socket with the Y.Doc it had
   * (its network dropped, or this server restarted): y-websocket removed every other state when its
   * socket closed but kept their clocks, and y-protocols ignores a state at a clock it has seen, so
   * it saw nobody until each renewed its state, up to 15 s later. The owners still hold the old
   * clocks: their next state is reclocked past the new one (see `reclocked`).
   */
  join(peer: Peer): void {
    this.arrivals.set(peer, ++this.joined);
    const clients = [...this.awareness.getStates().keys()];
    if (clients.length === 0) return;
    for (const c of clients) {
      const meta = this.awareness.meta.get(c)!;
      // lastUpdated stays: the bump is not a sign of life, and a dead state still times out.
      this.awareness.meta.set(c, { clock: meta.clock + 1, lastUpdated: meta.lastUpdated });
    }
    peer.send(encodeAwarenessOf(this.awareness, clients));
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
    if (entries.length > 0 && !this.ownIds.has(peer)) this.ownIds.set(peer, entries[0]!.clientID);
    for (const e of entries) {
      const owner = this.owners.get(e.clientID);
      // Another connection's state is not this peer's to set, unless this is that client back on a new socket.
      if (owner && owner !== peer && !this.mayTakeOver(peer, owner, e.clientID)) continue;
      if (!owner) {
        // The removal of a state nobody holds (an echo of one this server sent): nothing to remove, and no claim.
        if (e.json === 'null') continue;
        const former = this.formerOwners.get(e.clientID);
        if (former !== undefined && former !== credentialOf(peer)) continue;
      }
      // Bytes as UTF-8 (as on the wire and in memory), not characters: 4,096 "€" are 12 KiB.
      if (Buffer.byteLength(e.json) > limits.maxAwarenessStateBytes) continue;
      if (owner !== peer) {
        if (peer.awarenessClients.size >= limits.maxAwarenessClientsPerConnection) continue;
        if (!owner && this.owners.size >= limits.maxAwarenessStatesPerRoom) continue;
        // The old socket keeps nothing of the id: when it is dropped at last, the state stays.
        owner?.awarenessClients.delete(e.clientID);
        this.owners.set(e.clientID, peer);
        peer.awarenessClients.add(e.clientID);
      }
      const stamped = stampAwareness(e, peer);
      if (stamped) kept.push(this.reclocked(stamped));
    }
    if (kept.length === 0) return;
    try {
      awarenessProtocol.applyAwarenessUpdate(this.awareness, encodeAwarenessEntries(kept), peer);
    } catch {
      peer.close(CLOSE.invalidData, 'malformed awareness state');
    }
  }

  /**
   * A client whose network dropped comes back on a new socket with the same
   * Y.Doc, so the same client id, usually before the server has noticed that
   * the old socket is dead (only a ping going unanswered tells it). So an id
   * passes to a newer socket of the same credential: the same participant,
   * or the facilitator. Never to another credential (that would be spoofing
   * someone's presence), and never back to an older socket, whose late
   * frames come from a page that has moved on.
   */
  private mayTakeOver(peer: Peer, owner: Peer, clientID: number): boolean {
    if (peer.role !== owner.role || peer.author !== owner.author) return false;
    // Only for the peer's own id: another tab of the same participant sends back the states of
    // that participant's other tabs, and taking those over froze each for everyone (its own
    // changes came from an older socket) and removed it when the newer tab closed.
    if (this.ownIds.get(peer) !== clientID) return false;
    return (this.arrivals.get(peer) ?? 0) > (this.arrivals.get(owner) ?? 0);
  }

  /**
   * The clock a peer's state goes out with. Its owner's word is the newest there is, but
   * y-protocols keeps a state only when its clock passes the one a reader holds, and the clocks
   * this server holds can be past the owner's own:
   * - a client back on a new socket sends its state with the clock it had; if the server removed
   *   that state meanwhile (the old socket was seen to close first, or the state timed out), the
   *   server and every client hold that clock with no state and would ignore the same clock as
   *   old news, so the client would look gone until its next renewal, up to 15 s later;
   * - a state this server has never seen (it restarted) may still be known at that clock to
   *   clients that were here before the restart, with no state;
   * - `join` moved each state's clock on by one for the joiner.
   * So a state whose clock does not pass the server's, or one new to this server, goes out one
   * clock past it. The owner takes that clock from the broadcast, as it takes any newer state
   * for its own id, and sends it back, which is let through unchanged (y-protocols ignores it).
   */
  private reclocked(e: AwarenessEntry): AwarenessEntry {
    const meta = this.awareness.meta.get(e.clientID);
    if (meta && e.clock > meta.clock) return e;
    if (meta && e.clock === this.echoed.get(e.clientID) && e.json === JSON.stringify(this.awareness.states.get(e.clientID) ?? null)) {
      return e;
    }
    const clock = (meta?.clock ?? e.clock) + 1;
    this.echoed.set(e.clientID, clock);
    return { ...e, clock };
  }

  /** Removes the states a leaving peer still owns (not those a newer socket took over), and frees their ids. */
  release(peer: Peer): void {
    const mine = [...peer.awarenessClients].filter((c) => this.owners.get(c) === peer);
    for (const c of mine) {
      this.owners.delete(c);
      this.echoed.delete(c);
      this.formerOwners.delete(c);
      this.formerOwners.set(c, credentialOf(peer));
    }
    const bound = FORMER_OWNERS_PER_STATE * this.limits.maxAwarenessStatesPerRoom;
    for (const c of this.formerOwners.keys()) {
      if (this.formerOwners.size <= bound) break;
      this.formerOwners.delete(c);
    }
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
  if (state === null) return { ...e, json: 'null' };
  if (typeof state !== 'object' || Array.isArray(state)) return null;
  const s = state as { user?: unknown };
  if (s.user && typeof s.user === 'object' && !Array.isArray(s.user)) {
    Object.assign(s.user, { role: peer.role, participantId: peer.participantId ?? null });
  }
  return { ...e, json: JSON.stringify(s) };
}
