import { Worker } from 'node:worker_threads';

/** How often the checkpointer moves the WAL into the database file. */
const CHECKPOINT_INTERVAL_MS = 1000;

/**
 * Turns automatic WAL checkpoints off for the writer and runs them on a worker
 * thread instead (server/checkpointer.cjs), so the write path never pays for one.
 */
export function startCheckpointer(file: string): { stop(): Promise<void> } {
  const worker = new Worker(new URL('./checkpointer.cjs', import.meta.url), {
    workerData: { file, intervalMs: CHECKPOINT_INTERVAL_MS },
  });
  worker.unref();
  worker.on('message', (m: { error?: string }) => {
    if (m.error)
      process.stderr.write(
        JSON.stringify({ t: new Date().toISOString(), level: 'warn', msg: 'WAL checkpoint failed', error: m.error }) + '\n',
      );
  });
  worker.on('error', () => {});
  return {
    stop: () =>
      new Promise<void>((resolve) => {
        worker.once('exit', () => resolve());
        // Hold the process open until the worker has closed its connection.
        worker.ref();
        worker.postMessage('stop');
        // A worker stuck on a busy database is not worth waiting for at shutdown.
        setTimeout(() => void worker.terminate(), 2000).unref();
      }),
  };
}
