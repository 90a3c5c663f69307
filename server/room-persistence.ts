import * as Y from 'yjs';
import type { Limits } from '../shared/limits.ts';
import type { Logger } from './log.ts';
import type { MaybePromise, Store } from './store.ts';

export interface RoomPersistenceOptions {
  id: string;
  store: Store;
  limits: Limits;
  log: Logger;
  now: () => number;
  doc: Y.Doc;
  /** The log's newest seq when the room loaded. */
  lastSeq: number;
  /** Updates the log held after the newest snapshot when the room loaded. */
  sinceSnapshot: number;
  /** Called once, when the room has been fenced: it must close and unload. */
  onFenced: () => void;
}

/**
 * A room's end of the stored log: the seq its next update takes, a snapshot
 * every `snapshotEveryUpdates`, and the fence of issue 10. The room's write
 * queue calls `append` one update at a time, so seqs are taken in order.
 */
export class RoomPersistence {
  lastSeq: number;
  private sinceSnapshot: number;
  /** Another process wrote at our next seq: we are a stale owner and must stop (issue 10). */
  private fenced = false;
  /** The document holds a change the log could not store (see abandon). */
  private abandoned = false;

  constructor(private readonly opts: RoomPersistenceOptions) {
    this.lastSeq = opts.lastSeq;
    this.sinceSnapshot = opts.sinceSnapshot;
  }

  /**
   * Appends one update at the next seq. Once the log has it, `lastSeq` moves
   * on and `stored` runs; a snapshot, if one is due, is taken after that, so
   * it covers the update. If the store refuses, `failed` runs; `fenced` says
   * the seq was taken, and the room is already on its way out.
   */
  append(
    update: Uint8Array,
    author: string,
    stored: () => void,
    failed: (err: unknown, seq: number, fenced: boolean) => void,
  ): MaybePromise<void> {
    const { opts } = this;
    const seq = this.lastSeq + 1;
    const fail = (err: unknown) => {
      const taken = isSeqTaken(err);
      if (taken) this.fence(seq);
      failed(err, seq, taken);
    };
    let written: MaybePromise<void>;
    try {
      written = opts.store.appendUpdate(opts.id, { seq, at: opts.now(), author, data: update });
    } catch (err) {
      return fail(err);
    }
    const done = () => {
      this.lastSeq = seq;
      stored();
      this.afterWrite();
    };
    if (written instanceof Promise) return written.then(done, fail);
    done();
  }

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
    this.opts.log('warn', 'fenced: another process wrote at this seq', { workshop: this.opts.id, seq });
    this.opts.onFenced();
  }

  /**
   * The document holds a change that the log failed to store (a server change is applied before
   * its write): no snapshot may be taken from it any more, or the snapshot would store that change
   * under a seq whose log entry lacks it, and the log would no longer replay to what was served.
   * The room closes and reloads from the store.
   */
  abandon(): void {
    this.abandoned = true;
  }

  /** Writes the whole document as a snapshot at `lastSeq`, if anything came since the last one. */
  snapshot(): MaybePromise<void> {
    const { opts } = this;
    if (this.sinceSnapshot === 0 || this.fenced || this.abandoned) return;
    const seq = this.lastSeq;
    this.sinceSnapshot = 0;
    try {
      const r = opts.store.writeSnapshot(opts.id, seq, opts.now(), Y.encodeStateAsUpdate(opts.doc));
      if (r instanceof Promise) return r.catch((err) => this.snapshotFailed(err));
    } catch (err) {
      this.snapshotFailed(err);
    }
  }

  private snapshotFailed(err: unknown): void {
    // The log still holds every update, so a missing snapshot only makes the next load slower.
    this.opts.log('warn', 'could not write snapshot', { workshop: this.opts.id, error: String(err) });
  }
}

/** A second entry at a taken seq (either backend): the fence of issue 10. */
function isSeqTaken(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'seq_taken' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
