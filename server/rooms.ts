import type { Limits } from '../shared/limits.ts';
import { AppError, CLOSE } from '../shared/errors.ts';
import type { Logger } from './log.ts';
import { OwnedElsewhereError, type Ownership } from './ownership.ts';
import { Room } from './room.ts';
import { syncRoster } from './roster.ts';
import type { Store } from './store.ts';

/**
 * What `acquire` rejects with once the server is shutting down: HTTP answers 503, a socket is
 * closed with 1001 as every other socket was.
 */
export class ShuttingDownError extends AppError {
  constructor() {
    super('server_busy', 'the server is shutting down; try again shortly', 1000);
  }
}

/**
 * The rooms of one server. A room is exposed only once its load succeeded;
 * joins that arrive while it loads share the one load.
 */
export class Rooms {
  private readonly open = new Map<string, Room>();
  private readonly loading = new Map<string, Promise<Room>>();
  /** Rooms asked to let go, by workshop, until their final write is done. */
  private readonly closing = new Map<string, Promise<void>>();
  /** Set by closeAll: a room loaded after it would never be closed (its final snapshot never written). */
  private closed = false;

  constructor(
    private readonly opts: {
      store: Store;
      limits: Limits;
      log: Logger;
      now: () => number;
      /** Cluster mode (issue 10): a room is loaded only while this process holds its lock. */
      ownership?: Ownership;
    },
  ) {
    opts.ownership?.on((event, id) => this.onOwnershipEvent(event, id));
  }

  private onOwnershipEvent(event: 'lost' | 'roster', id: string): void {
    const { opts } = this;
    const room = this.open.get(id);
    if (!room || room.state !== 'open') {
      // Loading here (perhaps while the last room of this workshop still
      // closes): the load may have read the roster (or taken the lock) before
      // this news, so act on it once the new room is open.
      void this.loading.get(id)?.then(
        () => this.onOwnershipEvent(event, id),
        () => {},
      );
      return;
    }
    if (event === 'roster')
      return void syncRoster(room, opts.store).catch((err) =>
        opts.log('warn', 'could not sync roster', { workshop: id, error: String(err) }),
      );
    // Asked to let go (or the lock is gone): flush, close the sockets with
    // 4421 so clients reconnect to the new owner, then unlock.
    this.open.delete(id);
    const closing = room
      .close(CLOSE.ownedElsewhere, 'the workshop moved to another process; reconnect')
      .catch(() => {})
      .finally(() => {
        if (this.closing.get(id) === closing) this.closing.delete(id);
        this.releaseUnlessReused(id);
      });
    this.closing.set(id, closing);
  }

  /**
   * Gives up the workshop's lock, unless a newer room (or a load) of the same
   * workshop in this process is using it: the lock is per process, not per room.
   */
  private releaseUnlessReused(id: string): void {
    if (this.open.has(id) || this.loading.has(id)) return;
    void this.opts.ownership?.release(id).catch(() => {});
  }

  /** Whether this process may serve the workshop without asking anyone: always, unless clustered and not loaded here. */
  servesHere(id: string): boolean {
    return !this.opts.ownership || this.open.has(id);
  }

  /** Tells the process serving the workshop (if any) that its participants changed. */
  async announceRoster(id: string): Promise<void> {
    await this.opts.ownership?.announce(id, 'roster');
  }

  get size(): number {
    return this.open.size;
  }

  get(id: string): Room | undefined {
    return this.open.get(id);
  }

  /**
   * `claim` (cluster mode): the proxy routed this here, so a process still
   * serving the workshop is asked to let go. A request that reached this
   * process directly only learns that the workshop is served elsewhere.
   */
  acquire(id: string, claim = true): Promise<Room> {
    if (this.closed) return Promise.reject(new ShuttingDownError());
    const room = this.open.get(id);
    if (room && room.state === 'open') {
      room.touch();
      return Promise.resolve(room);
    }
    const pending = this.loading.get(id);
    if (pending) return pending;
    // A room still closing is replaced, not added: it does not count against the limit.
    if (this.open.size - (room ? 1 : 0) + this.loading.size >= this.opts.limits.maxRoomsInMemory) {
      return Promise.reject(new AppError('server_busy', 'this server holds as many workshops as it may; try again shortly'));
    }
    const load = (async () => {
      // A room that is still flushing its final write must finish before it loads again.
      if (room) await room.close();
      await this.closing.get(id);
      const { ownership } = this.opts;
      if (ownership && !(await ownership.acquire(id, claim))) throw new OwnedElsewhereError(id);
      try {
        const loaded = await Room.load({
          id,
          ...this.opts,
          onUnload: (r) => {
            if (this.open.get(id) === r) this.open.delete(id);
            this.opts.log('debug', 'room unloaded', { workshop: id });
            this.releaseUnlessReused(id);
          },
        });
        // Joins taken by other processes while nobody served the room.
        if (ownership) await syncRoster(loaded, this.opts.store);
        return loaded;
      } catch (err) {
        await ownership?.release(id).catch(() => {});
        throw err;
      }
    })();
    this.loading.set(id, load);
    load.then(
      (r) => {
        this.open.set(id, r);
        this.loading.delete(id);
        r.touch();
      },
      (err) => {
        this.loading.delete(id);
        if (err instanceof OwnedElsewhereError) return;
        this.opts.log('error', 'could not load workshop', { workshop: id, error: String(err) });
      },
    );
    return load;
  }

  /** Closes every room (each writes its final snapshot); from now on `acquire` rejects. */
  async closeAll(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.loading.values()]);
    const rooms = [...this.open.values()];
    this.open.clear();
    await Promise.allSettled([...rooms.map((r) => r.close()), ...this.closing.values()]);
  }
}
