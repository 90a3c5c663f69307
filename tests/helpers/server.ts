import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { createServer, type ServerOptions, type StageboardServer } from '../../server/app.ts';
import { createLogger } from '../../server/log.ts';

export interface TestServer {
  url: string;
  wsUrl: string;
  port: number;
  dataDir: string;
  server: StageboardServer;
  /** Stops the server and starts a new one on the same data folder and port. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

/** Starts the real server on an ephemeral loopback port with its own data folder. */
export async function startServer(opts: Omit<ServerOptions, 'port' | 'host' | 'dataDir'> = {}): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'stageboard-test-'));
  const make = (port: number) =>
    createServer({
      port,
      host: '127.0.0.1',
      dataDir,
      staticDir: 'dist',
      log: createLogger(process.env.TEST_LOG ? 'debug' : 'silent'),
      ...opts,
    });
  let server = make(0);
  const { port } = await server.listen();
  const t: TestServer = {
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    port,
    dataDir,
    get server() {
      return server;
    },
    async restart() {
      await server.close();
      server = make(port);
      await server.listen();
    },
    async close() {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return t;
}

/**
 * Starts the server before the calling file's tests and stops it after them.
 * Call it once, at the top of a test file, before the file's own hooks: they
 * run after it has started, and their afterAll before it stops. What it
 * returns stands for the started server, so read it in hooks and tests only.
 */
export function useServer(opts: Parameters<typeof startServer>[0] = {}): TestServer {
  let srv: TestServer | undefined;
  beforeAll(async () => {
    srv = await startServer(opts);
  });
  afterAll(async () => {
    await srv?.close();
  });
  const started = (): TestServer => {
    if (!srv) throw new Error('useServer(): the server starts in beforeAll; use it in a hook or a test');
    return srv;
  };
  return {
    get url() {
      return started().url;
    },
    get wsUrl() {
      return started().wsUrl;
    },
    get port() {
      return started().port;
    },
    get dataDir() {
      return started().dataDir;
    },
    get server() {
      return started().server;
    },
    restart: () => started().restart(),
    close: () => started().close(),
  };
}
