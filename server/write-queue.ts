import type { MaybePromise } from './store.ts';

/**
 * A room's tasks, run one at a time in the order they came: a task that
 * writes to an asynchronous store holds the next one back until its write is
 * done. With a synchronous store every task finishes at once, so the queue
 * stays empty and costs nothing.
 */
export class WriteQueue {
  private queue: Promise<void> | null = null;
  private queued = 0;

  constructor(private readonly onError: (err: unknown) => void) {}

  enqueue(task: () => MaybePromise<void>): void {
    const { onError } = this;
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

  /** Resolves once every queued task has finished. */
  async flush(): Promise<void> {
    while (this.queued > 0 && this.queue) await this.queue;
  }
}
