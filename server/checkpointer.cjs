// Runs SQLite's WAL checkpoints on a thread of their own. The server's
// connection turns automatic checkpoints off: one copies megabytes of WAL into
// the database file, and on the event loop that stalled broadcasts for
// milliseconds every few hundred appends. A PASSIVE checkpoint from this
// connection never blocks the writer. Plain CommonJS: a worker loads it as is.
//
// The thread sleeps on the shared flags (a futex, no timer) until the server
// marks a write, lets writes gather for one interval, then checkpoints: an
// idle server's checkpointer is never woken. Writes the server does not mark
// are checkpointed within idleCheckMs. The loop is synchronous, so the flags,
// not messages, tell it to stop.
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const Database = require('better-sqlite3');

const { file, intervalMs, idleCheckMs, flags } = workerData;
const { WROTE, STOP, IDLE } = workerData.slots;

const db = new Database(file);
db.pragma('busy_timeout = 1000');
let failures = 0;
for (;;) {
  Atomics.store(flags, IDLE, 1);
  Atomics.wait(flags, WROTE, 0, idleCheckMs);
  Atomics.store(flags, IDLE, 0);
  if (Atomics.load(flags, STOP)) break;
  // Let the writes of one interval gather into one checkpoint; stop ends the wait early.
  Atomics.wait(flags, STOP, 0, intervalMs);
  if (Atomics.load(flags, STOP)) break;
  Atomics.store(flags, WROTE, 0);
  try {
    const [result] = db.pragma('wal_checkpoint(PASSIVE)');
    failures = 0;
    parentPort.postMessage({ checkpointed: result.checkpointed });
  } catch (err) {
    // A locked or full disk: report once per streak, try again after the next write.
    if (failures++ === 0) parentPort.postMessage({ error: String(err) });
    Atomics.store(flags, WROTE, 1);
  }
}
db.close();
