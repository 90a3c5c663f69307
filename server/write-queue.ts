import type { MaybePromise } from './store.ts';

/**
 * A room's tasks, run one at a time in the order they came: a task that
 * writes to an asynchronous store holds the next one back until its write is
 * done. With a synchronous store every task finishes at once, so the queue
 * stays empty and costs nothing. A task that throws (or rejects) goes to
 * `onError` with what it was enqueued `on` (the peer whose message it was),
 * so the failure reaches whoever caused it.
 */
export class WriteQueue<On = never> {
  private queue: Promise<void> | null = null;
  private queued = 0;

  constructor(private readonly onError: (err: unknown, on: On | undefined) => void) {}

  enqueue(task: () => MaybePromise<void>, on?: On): void {
    if (this.queued === 0) {
      // The usual case (a synchronous store): run at once, nothing allocated for the error path.
      let r: MaybePromise<void>;
      try {
        r = task();
      } catch (err) {
        return this.onError(err, on);
      }
      if (!(r instanceof Promise)) return;
      this.queued++;
      this.queue = r.catch((err) => this.onError(err, on)).finally(() => void this.queued--);
      return;
    }
    this.queued++;
    this.queue = this.queue!.then(task)
      .catch((err) => this.onError(err, on))
      .finally(() => void this.queued--);
  }

  /** Resolves once every queued task has finished. */
  async flush(): Promise<void> {
    while (this.queued > 0 && this.queue) await this.queue;
  }
}
