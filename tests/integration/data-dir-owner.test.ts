import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { DataDirInUseError } from '../../server/data-dir-lock.ts';
import { openSqliteStore } from '../../server/sqlite-store.ts';
import { createWorkshop, join as joinWorkshop, request } from '../helpers/api.ts';

/*
 * One SQLite data folder, one Stageboard process (server/data-dir-lock.ts). Before, a second
 * process on the same DATA_DIR started and served the same workshops from its own live document.
 */

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

function dataFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'stageboard-owner-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

interface Launched {
  child: ChildProcess;
  /** Set when the server is listening. */
  url?: string;
  port?: number;
  /** Set when the process exited before it listened. */
  code?: number | null;
  /** The JSON lines it wrote to stderr up to then. */
  lines: { level: string; msg: string }[];
}

/** `npm start`'s server (server/main.ts) on `dataDir`: resolves once it listens or exits, whichever comes first. */
async function launch(dataDir: string): Promise<Launched> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    env: { ...process.env, DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  cleanup.push(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGKILL');
    await once(child, 'exit');
  });
  const lines: Launched['lines'] = [];
  return new Promise((resolve) => {
    // Read to the end, so a chatty server never blocks on a full pipe.
    createInterface({ input: child.stderr! }).on('line', (line) => {
      const entry = JSON.parse(line);
      lines.push(entry);
      const url = /running on (http:\/\/\S+)/.exec(entry.msg)?.[1];
      if (url) resolve({ child, url, port: Number(new URL(url).port), lines });
    });
    // 'close' comes after stderr's last line.
    child.once('close', (code) => resolve({ child, code, lines }));
  });
}

async function participantNames(base: string, id: string, key: string): Promise<string[]> {
  const r = await request('GET', `${base}/api/workshops/${id}/participants`, { headers: { authorization: `Bearer ${key}` } });
  expect(r.status).toBe(200);
  return (r.json.participants as { name: string }[]).map((p) => p.name).sort();
}

/** A second process on `dataDir` is refused: a non-zero exit, one line naming the folder and the owner, never listening. */
async function expectRefused(dataDir: string, owner: Launched) {
  const second = await launch(dataDir);
  expect(second.url).toBeUndefined();
  expect(second.code).toBe(3);
  expect(second.lines).toHaveLength(1);
  expect(second.lines[0]).toMatchObject({ level: 'error' });
  expect(second.lines[0]!.msg).toContain(`cannot start: the data folder ${dataDir} is in use by another Stageboard process`);
  expect(second.lines[0]!.msg).toContain(`(pid ${owner.child.pid}, port ${owner.port})`);
}

describe('a second server on the same data folder', () => {
  it('is refused with a message naming the folder, the owner pid and port, while the first serves on', async () => {
    const dataDir = dataFolder();
    const first = await launch(dataDir);
    expect(first.url).toBeDefined();
    const w = await createWorkshop(first.url!);
    await joinWorkshop(first.url!, w.joinCode, 'Ada');

    await expectRefused(dataDir, first);

    // The first still reads and writes.
    await joinWorkshop(first.url!, w.joinCode, 'Grace');
    expect(await participantNames(first.url!, w.id, w.facilitatorKey)).toEqual(['Ada', 'Grace']);
    expect(first.child.exitCode).toBeNull();
  });
});

describe('a server started after the owner is gone', () => {
  for (const [how, signal] of [
    ['killed with kill -9', 'SIGKILL'],
    ['shut down with SIGTERM', 'SIGTERM'],
  ] as const) {
    it(`starts on the same folder once the owner was ${how}, serves its workshops and owns the folder`, async () => {
      const dataDir = dataFolder();
      const first = await launch(dataDir);
      const w = await createWorkshop(first.url!);
      await joinWorkshop(first.url!, w.joinCode, 'Ada');
      first.child.kill(signal);
      await once(first.child, 'exit');

      // No lock file to clean up by hand: the operating system let go of it with the process.
      const next = await launch(dataDir);
      expect(next.url).toBeDefined();
      expect(await participantNames(next.url!, w.id, w.facilitatorKey)).toEqual(['Ada']);
      await joinWorkshop(next.url!, w.joinCode, 'Grace');
      expect(await participantNames(next.url!, w.id, w.facilitatorKey)).toEqual(['Ada', 'Grace']);

      await expectRefused(dataDir, next);
    });
  }
});

describe('two SQLite stores on one file in one process', () => {
  it('refuses the second, leaves the first working, and lets a new one open once the first is closed', async () => {
    const file = join(dataFolder(), 'stageboard.sqlite');
    const first = openSqliteStore(file);
    expect(() => openSqliteStore(file)).toThrow(DataDirInUseError);
    expect(() => openSqliteStore(file)).toThrow(/is open already in this process/);
    await first.createWorkshop(
      {
        id: 'w1',
        title: 'Offsite',
        templateId: 'stages',
        joinCode: 'OWNER1',
        createdAt: 1,
        facilitatorKeyHash: 'f',
        observerTokenHash: 'o',
      },
      new Uint8Array([0, 0]),
    );
    await first.close();
    const next = openSqliteStore(file);
    expect((await next.getWorkshop('w1'))?.title).toBe('Offsite');
    await next.close();
  });
});
