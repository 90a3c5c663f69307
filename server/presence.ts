import type { Logger } from './log.ts';
import type { Store } from './store.ts';

export type PresenceKind = 'connect' | 'disconnect';

/** What presence needs of a connection. */
export interface Present {
  readonly role: string;
  /** A participant id, "facilitator" or "observer": one per credential. */
  readonly author: string;
  readonly participantId?: string;
}

/**
 * Who is connected to one room, by credential, and its record for the replay
 * timeline. A credential is here while it has a socket open. A participant's
 * second tab is not an arrival, and a participant whose network dropped is
 * usually back on a new socket before the server notices the old one is dead
 * (only a ping going unanswered tells it), so the old one leaving is no
 * departure: the timeline gets a credential's first socket arriving and its
 * last leaving, and the participants API reads the same sockets.
 *
 * Presence is not in the update log (awareness is never stored), so it has its
 * own table. A failure to store it must never cost the connection, so it is
 * logged, not thrown.
 */
export class Presence {
  /** `peers` is the room's own set of open sockets: who is here is read from it, never kept apart. */
  constructor(
    private readonly opts: { store: Store; log: Logger; now: () => number },
    private readonly workshopId: string,
    private readonly peers: ReadonlySet<Present>,
  ) {}

  /** Arrivals noted but not yet written, in order. */
  private arrivals: (() => void)[] = [];

  /**
   * After `peer` joined the room's sockets: an arrival unless its credential was
   * already here. Written once this turn is over, so the joiner's sync is never
   * kept waiting for the bookkeeping (the first write after a restart creates
   * the log's write-ahead file); the time is the arrival's.
   */
  arrive(peer: Present): void {
    if (this.otherSocketOf(peer)) return;
    const write = this.record(peer, 'connect');
    if (this.arrivals.push(write) === 1) setImmediate(this.writeArrivals);
  }

  /** After `peer` left the room's sockets: a departure unless its credential is still here. Written at once, after any arrival still waiting. */
  leave(peer: Present): void {
    if (this.otherSocketOf(peer)) return;
    const write = this.record(peer, 'disconnect');
    this.writeArrivals();
    write();
  }

  private readonly writeArrivals = (): void => {
    const due = this.arrivals;
    this.arrivals = [];
    for (const write of due) write();
  };

  /** Participants with at least one open socket. */
  participants(): Set<string> {
    const ids = new Set<string>();
    for (const { participantId } of this.peers) if (participantId) ids.add(participantId);
    return ids;
  }

  private otherSocketOf(peer: Present): boolean {
    for (const p of this.peers) if (p !== peer && p.author === peer.author) return true;
    return false;
  }

  /** The write of one presence event, timed now. */
  private record(peer: Present, kind: PresenceKind): () => void {
    const { store, log, now } = this.opts;
    const event = { at: now(), kind, actor: peer.author, data: { role: peer.role } };
    const fail = (err: unknown) => log('warn', 'could not record presence', { workshop: this.workshopId, kind, error: String(err) });
    return () => {
      try {
        const r = store.appendEvent(this.workshopId, event);
        if (r instanceof Promise) r.catch(fail);
      } catch (err) {
        fail(err);
      }
    };
  }
}
