import type { Limits } from '../shared/limits.ts';
import type { Logger } from './log.ts';
import { Room } from './room.ts';
import type { Store } from './store.ts';

/**
 * The rooms of one server. A room is exposed only once its load succeeded;
 * joins that arrive while it loads share the one load.
 */
export class Rooms {
  private readonly open = new Map<string, Room>();
  private readonly loading = new Map<string, Promise<Room>>();
  private readonly closing = new Set<Promise<void>>();

  constructor(
    private readonly opts: { store: Store; limits: Limits; log: Logger; now: () => number },
  ) {}

  get size(): number {
    return this.open.size;
  }

  get(id: string): Room | undefined {
    return this.open.get(id);
  }

  acquire(id: string): Promise<Room> {
    const room = this.open.get(id);
    if (room && room.state === 'open') return Promise.resolve(room);
    const pending = this.loading.get(id);
    if (pending) return pending;
    const load = (async () => {
      // A room that is still flushing its final write must finish before it loads again.
      if (room) await room.close();
      return Room.load({
        id,
        ...this.opts,
        onUnload: (r) => {
          if (this.open.get(id) === r) this.open.delete(id);
          this.opts.log('debug', 'room unloaded', { workshop: id });
        },
      });
    })();
    this.loading.set(id, load);
    load.then(
      (r) => {
        this.open.set(id, r);
        this.loading.delete(id);
      },
      (err) => {
        this.loading.delete(id);
        this.opts.log('error', 'could not load workshop', { workshop: id, error: String(err) });
      },
    );
    return load;
  }

  async closeAll(): Promise<void> {
    await Promise.allSettled([...this.loading.values()]);
    const rooms = [...this.open.values()];
    this.open.clear();
    await Promise.allSettled([...rooms.map((r) => r.close()), ...this.closing]);
  }
}
