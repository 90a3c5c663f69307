import Database from 'better-sqlite3';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** Who holds a data folder, as it wrote down when it took it. */
export interface DataDirOwner {
  pid: number;
  /** Missing until the owner listens. */
  port?: number;
}

/** A second opener of a SQLite file that another Stageboard (process or store) already serves. */
export class DataDirInUseError extends Error {
  override name = 'DataDirInUseError';
  constructor(
    readonly dir: string,
    readonly owner: DataDirOwner | 'this process' | undefined,
  ) {
    const who = typeof owner === 'object' ? ` (pid ${owner.pid}${owner.port === undefined ? '' : `, port ${owner.port}`})` : '';
    super(
      owner === 'this process'
        ? `the data folder ${dir} is open already in this process: close its store first`
        : `the data folder ${dir} is in use by another Stageboard process${who}; stop it first, or give this one its own DATA_DIR`,
    );
  }
}

export interface DatabaseLock {
  release(): void;
}

const lockFile = (file: string) => `${file}.lock`;
const ownerFile = (file: string) => `${file}.owner`;
/** Lock files this process holds, to tell a second store of its own from another process. */
const held = new Set<string>();

/**
 * Makes the caller the only owner of the SQLite file `file` (issue: two
 * processes on one DATA_DIR each kept their own live document, purged each
 * other's pending imports and raced for the same (workshop, seq)). Throws a
 * DataDirInUseError, before anything is read or written, if another holds it.
 *
 * Why this way: the lock is SQLite's own. `<file>.lock` is an empty database
 * held in an exclusive write transaction (`locking_mode = EXCLUSIVE`,
 * `BEGIN EXCLUSIVE`, never committed) for as long as the store is open. SQLite
 * backs that with POSIX fcntl locks, which the kernel drops when the process
 * dies, kill -9 included, so a restart after a crash starts without anyone
 * cleaning up (a pid file would need a liveness check, and a pid is reused).
 * SQLite also coordinates connections within one process, so a second store
 * in the same process is refused too. No new dependency (Node has no flock).
 * `stageboard.sqlite` itself is not locked: tools and tests may still read it.
 * The lock file is never deleted: a process that opened it just before the
 * unlink would lock an orphaned file while the next one locks a new one.
 * Like SQLite's own locking, it needs a local file system, not NFS.
 *
 * The lock holds nothing a refused process could read, so the owner writes its
 * pid (and, once listening, its port) to `<file>.owner`, only for the message.
 * Nothing else may open the lock file (to read it, say): closing any descriptor
 * on a file drops every fcntl lock the process holds on it.
 */
export function lockDatabase(file: string): DatabaseLock {
  const path = resolve(lockFile(file));
  const db = new Database(path, { timeout: 0 });
  try {
    // No journal file: the transaction never writes anything.
    db.pragma('journal_mode = MEMORY');
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
  } catch (err) {
    db.close();
    if ((err as { code?: string }).code !== 'SQLITE_BUSY') throw err;
    throw new DataDirInUseError(dirname(path), held.has(path) ? 'this process' : readOwner(file));
  }
  held.add(path);
  writeOwner(file, { pid: process.pid });
  return {
    release: () => {
      db.close();
      held.delete(path);
    },
  };
}

/** Adds the port to what a refused process is told; call it once listening, while holding the lock. */
export function recordOwnerPort(file: string, port: number): void {
  writeOwner(file, { pid: process.pid, port });
}

function writeOwner(file: string, owner: DataDirOwner): void {
  // Renamed into place, so a refused process never reads half a file.
  const tmp = `${ownerFile(file)}.${process.pid}`;
  writeFileSync(tmp, JSON.stringify(owner) + '\n');
  renameSync(tmp, ownerFile(file));
}

function readOwner(file: string): DataDirOwner | undefined {
  try {
    const o = JSON.parse(readFileSync(ownerFile(file), 'utf8')) as Partial<DataDirOwner>;
    if (!Number.isInteger(o.pid)) return undefined;
    return { pid: o.pid!, ...(Number.isInteger(o.port) ? { port: o.port } : {}) };
  } catch {
    return undefined;
  }
}
