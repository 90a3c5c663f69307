import { Worker } from 'node:worker_threads';

/** How long the checkpointer lets writes gather after the first one, before it moves the WAL into the database file. */
export const CHECKPOINT_INTERVAL_MS = 1000;
/** How often an idle checkpointer looks anyway, for writes nobody marked (joins, votes, imports). */
export const IDLE_CHECK_MS = 60_000;

/** The slots of the flags the server and the checkpointer share. */
const SLOTS = { WROTE: 0, STOP: 1, IDLE: 2 } as const;

export interface Checkpointer {
  /** After a write to the log: a checkpoint follows within the interval. Costs a load (and, once per interval, a wake). */
  wrote(): void;
  /** The thread sleeps until the next write (tests). */
  readonly idle: boolean;
  /** Resolves with the thread's exit code: 0 when it closed its connection and ended, 1 when it had to be terminated. Every call gets the one stop. */
  stop(): Promise<number>;
}

export interface CheckpointerOptions {
  intervalMs?: number;
  idleCheckMs?: number;
  /** After each checkpoint, the number of WAL frames it has moved (tests). */
  onCheckpoint?: (frames: number) => void;
}

/**
 * Turns automatic WAL checkpoints off for the writer and runs them on a worker
 * thread instead (server/checkpointer.cjs), so the write path never pays for
 * one, and an idle process is not woken for them.
 */
export function startCheckpointer(file: string, opts: CheckpointerOptions = {}): Checkpointer {
  const flags = new Int32Array(new SharedArrayBuffer(4 * Object.keys(SLOTS).length));
  const worker = new Worker(new URL('./checkpointer.cjs', import.meta.url), {
    workerData: {
      file,
      intervalMs: opts.intervalMs ?? CHECKPOINT_INTERVAL_MS,
      idleCheckMs: opts.idleCheckMs ?? IDLE_CHECK_MS,
      flags,
      slots: SLOTS,
    },
  });
  worker.unref();
  worker.on('message', (m: { error?: string; checkpointed?: number }) => {
    if (m.error)
      process.stderr.write(
        JSON.stringify({ t: new Date().toISOString(), level: 'warn', msg: 'WAL checkpoint failed', error: m.error }) + '\n',
      );
    else if (m.checkpointed !== undefined) opts.onCheckpoint?.(m.checkpointed);
  });
  worker.on('error', () => {});
  let stopped: Promise<number> | undefined;
  const wake = (slot: number) => {
    Atomics.store(flags, slot, 1);
    Atomics.notify(flags, slot);
  };
  return {
    wrote() {
      if (Atomics.load(flags, SLOTS.WROTE) === 0) wake(SLOTS.WROTE);
    },
    get idle() {
      return Atomics.load(flags, SLOTS.IDLE) === 1;
    },
    stop: () =>
      (stopped ??= new Promise<number>((resolve) => {
        worker.once('exit', (code) => resolve(code));
        // Hold the process open until the worker has closed its connection.
        worker.ref();
        Atomics.store(flags, SLOTS.STOP, 1);
        wake(SLOTS.WROTE);
        Atomics.notify(flags, SLOTS.STOP);
        // A worker stuck on a busy database is not worth waiting for at shutdown.
        setTimeout(() => void worker.terminate(), 2000).unref();
      })),
  };
}
