// Runs SQLite's WAL checkpoints on a thread of their own. The server's
// connection turns automatic checkpoints off: one copies megabytes of WAL into
// the database file, and on the event loop that stalled broadcasts for
// milliseconds every few hundred appends. A PASSIVE checkpoint from this
// connection never blocks the writer. Plain CommonJS: a worker loads it as is.
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const Database = require('better-sqlite3');

const db = new Database(workerData.file);
db.pragma('busy_timeout = 1000');
let failures = 0;
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
    failures = 0;
  } catch (err) {
    // A locked or full disk: report once per streak, try again next tick.
    if (failures++ === 0) parentPort.postMessage({ error: String(err) });
  }
}, workerData.intervalMs);

parentPort.on('message', (message) => {
  if (message !== 'stop') return;
  clearInterval(timer);
  db.close();
  parentPort.close();
});
