import { createServer as createHttpServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { join } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { AppError, CLOSE } from '../shared/errors.ts';
import { LIMITS, type Limits } from '../shared/limits.ts';
import { createApi } from './api.ts';
import { Connection } from './connection.ts';
import { clientAddress, sendError, sendJson } from './http-util.ts';
import { createLogger, type Logger } from './log.ts';
import { OwnedElsewhereError, type Ownership } from './ownership.ts';
import { Rooms } from './rooms.ts';
import { openSqliteStore } from './sqlite-store.ts';
import { serveStatic } from './static.ts';
import type { Store } from './store.ts';
import { hashSecret } from './tokens.ts';

export interface ServerOptions {
  port?: number;
  host?: string;
  /** Folder for the SQLite file; ignored when `store` is given. */
  dataDir?: string;
  store?: Store;
  /** Folder of the built client. */
  staticDir?: string;
  limits?: Partial<Limits>;
  log?: Logger;
  publicUrl?: string;
  trustProxy?: boolean;
  now?: () => number;
  /**
   * Cluster mode (issue 10): which workshops this process may serve. A socket
   * for a workshop served elsewhere is closed with 4421. The server closes it.
   */
  ownership?: Ownership;
}

export interface StageboardServer {
  readonly http: Server;
  readonly store: Store;
  readonly rooms: Rooms;
  readonly limits: Limits;
  listen(): Promise<{ port: number; url: string }>;
  close(): Promise<void>;
}

const WS_PATH = /^\/ws\/([\w-]{1,64})$/;

/** Builds a server; nothing listens until `listen()`. */
export function createServer(opts: ServerOptions = {}): StageboardServer {
  const limits: Limits = { ...LIMITS, ...opts.limits };
  const log = opts.log ?? createLogger('info');
  const now = opts.now ?? Date.now;
  const store = opts.store ?? openSqliteStore(join(opts.dataDir ?? 'data', 'stageboard.sqlite'));
  const rooms = new Rooms({ store, limits, log, now, ownership: opts.ownership });
  const api = createApi({ store, rooms, limits, log, now, publicUrl: opts.publicUrl, trustProxy: opts.trustProxy ?? false });
  const serve = serveStatic(opts.staticDir ?? 'dist');
  const wss = new WebSocketServer({ noServer: true, maxPayload: limits.maxMessageBytes });
  const connections = new Set<Connection>();

  const http = createHttpServer(async (req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    try {
      if (path.startsWith('/api/')) {
        if (!(await api(req, res, path))) throw new AppError('not_found', 'no such endpoint');
        return;
      }
      serve(req, res, path);
    } catch (err) {
      if (res.headersSent) return void res.destroy();
      if (err instanceof AppError) return sendError(res, err);
      log('error', 'request failed', { path, error: String((err as Error)?.stack ?? err) });
      sendJson(res, 500, { error: 'internal error', code: 'internal' });
    }
  });

  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => {});
    const url = new URL(req.url ?? '/', 'http://x');
    const match = WS_PATH.exec(url.pathname);
    if (!match) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => void accept(ws, req, match[1]!, url.searchParams.get('token')));
  });

  /**
   * The socket is open but nothing is sent until the token is checked and the
   * room has loaded; a refusal closes it with a 44xx code and a reason.
   */
  async function accept(ws: WebSocket, req: IncomingMessage, workshopId: string, token: string | null) {
    const conn = new Connection(ws, { limits, log, workshopId, address: clientAddress(req, opts.trustProxy ?? false) });
    connections.add(conn);
    ws.once('close', () => connections.delete(conn));
    try {
      const workshop = await store.getWorkshop(workshopId);
      if (!workshop) return conn.close(CLOSE.notFound, 'no such workshop');
      const cred = token ? await store.resolveCredential(workshopId, hashSecret(token)) : undefined;
      if (!cred) return conn.close(CLOSE.badToken, token ? 'invalid token' : 'missing token');
      // HAProxy names the server it chose (deploy/haproxy.cfg): only a routed socket claims the workshop.
      const room = await rooms.acquire(workshopId, req.headers['x-stageboard-server'] !== undefined);
      if (conn.closed) return;
      conn.ready(cred, room);
    } catch (err) {
      if (err instanceof OwnedElsewhereError) return conn.close(CLOSE.ownedElsewhere, 'served by another process; reconnect');
      log('error', 'could not open session', { workshop: workshopId, error: String(err) });
      conn.close(CLOSE.storageUnavailable, 'could not load the workshop; try again shortly');
    }
  }

  return {
    http,
    store,
    rooms,
    limits,
    listen: () =>
      new Promise((resolve, reject) => {
        http.once('error', reject);
        http.listen(opts.port ?? 8080, opts.host ?? '0.0.0.0', () => {
          const { port } = http.address() as AddressInfo;
          const host = opts.host && opts.host !== '0.0.0.0' ? opts.host : 'localhost';
          resolve({ port, url: `http://${host}:${port}` });
        });
      }),
    async close() {
      for (const c of connections) c.close(CLOSE.goingAway, 'server is shutting down');
      await new Promise<void>((resolve) => {
        http.close(() => resolve());
        http.closeAllConnections();
      });
      await rooms.closeAll();
      wss.close();
      await opts.ownership?.close();
      await store.close();
    },
  };
}
