import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { AppError, CLOSE, type ErrorCode } from '../shared/errors.ts';
import { LIMITS, REQUEST_LIMITS, type Limits } from '../shared/limits.ts';
import { createApi } from './api.ts';
import { Connection, socketClass } from './connection.ts';
import { handshakeProblem } from './handshake.ts';
import { clientAddress, rawJsonAnswer, sendError, sendJson } from './http-util.ts';
import { createLogger, type Logger } from './log.ts';
import { OwnedElsewhereError, type Ownership } from './ownership.ts';
import { RefusalCooldown } from './refusals.ts';
import { RequestTimeouts } from './request-timeouts.ts';
import type { PgStore } from './pg-store.ts';
import { Rooms, ShuttingDownError } from './rooms.ts';
import { openSqliteStore, sqliteFile } from './sqlite-store.ts';
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
  /**
   * Origins (`https://board.example.com`) whose pages may open a WebSocket.
   * Unset: the request's own host (and `publicUrl`'s). A request without an
   * Origin header is not from a browser page and is let through to the token check.
   */
  allowedOrigins?: string[];
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

const WS_PATH = new RegExp(`^/ws/([\\w-]{1,${REQUEST_LIMITS.idChars}})$`);

/** Builds a server; nothing listens until `listen()`. */
export function createServer(opts: ServerOptions = {}): StageboardServer {
  const limits: Limits = { ...LIMITS, ...opts.limits };
  const log = opts.log ?? createLogger('info');
  const now = opts.now ?? Date.now;
  const store = opts.store ?? openSqliteStore(sqliteFile(opts.dataDir ?? 'data'));
  const rooms = new Rooms({ store, limits, log, now, ownership: opts.ownership });
  const timeouts = new RequestTimeouts();
  const api = createApi({ store, rooms, limits, log, now, publicUrl: opts.publicUrl, trustProxy: opts.trustProxy ?? false, timeouts });
  const serve = serveStatic(opts.staticDir ?? 'dist');
  const wss = new WebSocketServer({ noServer: true, maxPayload: limits.maxMessageBytes, WebSocket: socketClass(limits.maxMessageBytes) });
  const connections = new Set<Connection>();
  /** Responses not yet finished, so a shutdown can wait for them. */
  const inFlight = new Set<ServerResponse>();
  let closing = false;
  let shutdown: Promise<void> | undefined;
  /** PostgreSQL only: whether the database answers, so the proxy's health check can see it. */
  const storeReachable = 'reachable' in store ? (store as PgStore).reachable : undefined;

  const perAddress = new Map<string, number>();
  const refusals = new RefusalCooldown(limits);
  const trustProxy = opts.trustProxy ?? false;
  const publicOrigin = opts.publicUrl ? new URL(opts.publicUrl).origin : undefined;

  const originAllowed = (req: IncomingMessage): boolean => {
    const origin = req.headers.origin;
    if (origin === undefined) return true;
    if (opts.allowedOrigins) return opts.allowedOrigins.includes(origin);
    if (origin === publicOrigin) return true;
    try {
      return new URL(origin).host === req.headers.host;
    } catch {
      return false;
    }
  };

  const http = createHttpServer(
    {
      // Node's defaults give a trickling client a minute or five; these are seconds.
      requestTimeout: limits.requestTimeoutMs,
      headersTimeout: Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs),
      connectionsCheckingInterval: Math.max(50, Math.min(1000, limits.headersTimeoutMs / 4)),
    },
    async (req, res) => {
      timeouts.track(req, res);
      const { socket } = req;
      const path = (req.url ?? '/').split('?')[0]!;
      // A request on a kept-alive connection after shutdown began: no new work, and no keep-alive.
      if (closing) return refuseWhileClosing(res);
      inFlight.add(res);
      res.once('close', () => inFlight.delete(res));
      try {
        if (path === '/api/health' && storeReachable && !(await storeReachable())) {
          throw new AppError('storage_unavailable', 'the database is not answering');
        }
        if (path.startsWith('/api/')) {
          if (!(await api(req, res, path))) throw new AppError('not_found', 'no such endpoint');
          return;
        }
        serve(req, res, path);
      } catch (err) {
        // Cut off by a timeout, or the client hung up: there is no one to answer.
        if (socket.destroyed) return void log('debug', 'request ended without its client', { path, error: String(err) });
        if (res.headersSent) return void res.destroy();
        if (closing) res.setHeader('Connection', 'close');
        if (err instanceof AppError) return sendError(res, err);
        log('error', 'request failed', { path, error: String((err as Error)?.stack ?? err) });
        sendJson(res, 500, { error: 'internal error', code: 'internal' });
      }
    },
  );

  /** An upgrade refused before it becomes a WebSocket: an HTTP answer with a JSON `{ error, code }`, as every other refusal. */
  const refuse = (socket: Duplex, code: ErrorCode, error: string, headers: Record<string, string> = {}) =>
    socket.end(rawJsonAnswer(code, error, headers));
  // Node's own answers (a request that did not arrive in time, one it cannot parse) carry JSON too.
  http.on('clientError', timeouts.onClientError);

  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => {});
    if (closing) return refuse(socket, 'server_busy', 'the server is shutting down; try again shortly', { 'Retry-After': '1' });
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://x');
    } catch {
      // "GET http://[bad/ws/…": an absolute target that is not a URL.
      return refuse(socket, 'bad_request', 'the request target is not a valid URL');
    }
    const match = WS_PATH.exec(url.pathname);
    if (!match) return refuse(socket, 'not_found', 'WebSockets are served at /ws/<workshopId>');
    const problem = handshakeProblem(req);
    if (problem) return refuse(socket, problem.code, problem.error, problem.headers);
    if (!originAllowed(req)) return refuse(socket, 'forbidden', 'this origin may not open a WebSocket here');
    const address = clientAddress(req, trustProxy);
    const open = perAddress.get(address) ?? 0;
    if (open >= limits.maxConnectionsPerAddress) return refuse(socket, 'too_many_requests', 'too many connections from your address');
    const token = url.searchParams.get('token');
    const refusalKey = token && `${match[1]}:${hashSecret(token)}`;
    const wait = refusalKey ? refusals.waitFor(refusalKey) : 0;
    if (wait > 0) {
      return refuse(socket, 'too_many_requests', "the board keeps refusing this client's change; reload the page", {
        'Retry-After': String(Math.ceil(wait / 1000)),
      });
    }
    perAddress.set(address, open + 1);
    socket.once('close', () => {
      const n = (perAddress.get(address) ?? 1) - 1;
      if (n <= 0) perAddress.delete(address);
      else perAddress.set(address, n);
    });
    wss.handleUpgrade(req, socket, head, (ws) => {
      const conn = accept(ws, req, match[1]!, token, address);
      if (refusalKey) ws.once('close', () => conn.closedWith === CLOSE.refused && refusals.refused(refusalKey));
    });
  });

  /**
   * The socket is open but nothing is sent until the token is checked and the
   * room has loaded; a refusal closes it with a 44xx code and a reason.
   */
  function accept(ws: WebSocket, req: IncomingMessage, workshopId: string, token: string | null, address: string): Connection {
    const conn = new Connection(ws, { limits, log, workshopId, address });
    connections.add(conn);
    ws.once('close', () => connections.delete(conn));
    void open(conn, req, workshopId, token);
    return conn;
  }

  async function open(conn: Connection, req: IncomingMessage, workshopId: string, token: string | null) {
    try {
      const workshop = await store.getWorkshop(workshopId);
      if (!workshop) return conn.close(CLOSE.notFound, 'no such workshop');
      const hash = token ? hashSecret(token) : undefined;
      const cred = hash ? await store.resolveCredential(workshopId, hash) : undefined;
      if (!cred) return conn.close(CLOSE.badToken, token ? 'invalid token' : 'missing token');
      // HAProxy names the server it chose (deploy/haproxy.cfg): only a routed socket claims the workshop.
      const room = await rooms.acquire(workshopId, req.headers['x-stageboard-server'] !== undefined);
      if (conn.closed) return;
      // The load took a while: a credential revoked meanwhile (a removed participant, a rotated
      // observer link) closed only the sockets already in the room, so ask again.
      if (!(await store.resolveCredential(workshopId, hash!))) return conn.close(CLOSE.badToken, 'invalid token');
      if (conn.closed) return;
      // The room may have closed during that check (a failed write, or the workshop moved away).
      if (room.state !== 'open') return conn.close(CLOSE.tryAgainLater, 'the workshop is reloading; reconnect');
      conn.ready(cred, room);
    } catch (err) {
      if (err instanceof ShuttingDownError) return conn.close(CLOSE.goingAway, 'server is shutting down');
      if (err instanceof OwnedElsewhereError) return conn.close(CLOSE.ownedElsewhere, 'served by another process; reconnect');
      if (err instanceof AppError && err.code === 'server_busy') return conn.close(CLOSE.tryAgainLater, err.message);
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
    close() {
      shutdown ??= (async () => {
        closing = true;
        for (const c of connections) c.close(CLOSE.goingAway, 'server is shutting down');
        await drain();
        await rooms.closeAll();
        wss.close();
        await opts.ownership?.close();
        await store.close();
      })();
      return shutdown;
    },
  };

  function refuseWhileClosing(res: ServerResponse): void {
    res.setHeader('Connection', 'close');
    sendError(res, new ShuttingDownError());
  }

  /**
   * Stops listening and lets the requests in flight be answered, for at most shutdownGraceMs;
   * cutting them (closeAllConnections) left clients with a reset and no answer. Each answer
   * from now on closes its connection. Past the deadline a request still unanswered (a body
   * that never ends) gets 503, and every connection left, a WebSocket that never answered its
   * close frame among them, is cut.
   */
  async function drain(): Promise<void> {
    const stopped = new Promise<void>((resolve) => http.close(() => resolve()));
    for (const res of inFlight) if (!res.headersSent) res.setHeader('Connection', 'close');
    // A response streaming already keeps its connection alive; once it ends, the connection is idle.
    for (const res of inFlight) if (res.headersSent) res.once('close', () => setImmediate(() => http.closeIdleConnections()));
    if (await within(stopped, limits.shutdownGraceMs)) return;
    const answered: Promise<unknown>[] = [];
    for (const res of inFlight) {
      if (res.headersSent || res.destroyed) continue;
      answered.push(new Promise((resolve) => res.once('close', resolve)));
      refuseWhileClosing(res);
    }
    // Written, not necessarily read by a client that is still sending: a moment, then cut.
    await within(Promise.all(answered), 100);
    http.closeAllConnections();
    for (const ws of wss.clients) ws.terminate();
    await within(stopped, 1000);
  }
}

/**
 * Whether `p` settled within `ms`. The timer is not unref'd: while a shutdown waits, it is what
 * keeps the process alive until the rooms have written their final snapshots.
 */
async function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([p.then(() => true as const), expired]);
  } finally {
    clearTimeout(timer);
  }
}
