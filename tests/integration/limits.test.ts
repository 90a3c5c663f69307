import { connect as tcpConnect } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { CLOSE } from '../../shared/errors.ts';
import { createWorkshop, post } from '../helpers/api.ts';
import { isStep2, openSocket, syncFrame } from '../helpers/frames.ts';
import { startServer, useServer } from '../helpers/server.ts';

const LIMITS = {
  headersTimeoutMs: 400,
  requestTimeoutMs: 800,
  firstMessageTimeoutMs: 300,
  maxConnectionsPerAddress: 4,
  maxRoomsInMemory: 2,
  joinFailuresPerWindow: 3,
};

const srv = useServer({ limits: LIMITS, allowedOrigins: undefined });
const sockets: WebSocket[] = [];
afterAll(() => {
  for (const ws of sockets) ws.terminate();
});

const url = (id: string, token: string) => `${srv.wsUrl}/${id}?token=${encodeURIComponent(token)}`;
async function synced(id: string, token: string) {
  const s = await openSocket(url(id, token));
  sockets.push(s.ws);
  s.ws.send(syncFrame(0, new Uint8Array([0])));
  await s.received(isStep2);
  return s;
}
/** How the server answers an upgrade it refuses: the HTTP status, or 101 when it accepts. */
function upgradeStatus(target: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(target, { headers });
    sockets.push(ws);
    ws.on('open', () => resolve(101));
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('error', () => {});
  });
}
/** What a raw TCP client saw: milliseconds until the server hung up (timed from before it connected), and the answer. */
interface HangUp {
  ms: number;
  status: number;
  json: any;
}
/**
 * Sends `head`, then one piece of `trickle` (a string goes a character at a time) every `everyMs` until it runs out or the server hangs up.
 * Times from before the connection opens: the server's clock starts later, so a cut-off never looks early.
 */
function hangUpAfter(head: string, trickle: string | readonly string[] = '', everyMs = 100, port = srv.port): Promise<HangUp> {
  return new Promise((resolve) => {
    const t = performance.now();
    const chunks: Buffer[] = [];
    let timer: NodeJS.Timeout | undefined;
    const s = tcpConnect(port, '127.0.0.1', () => {
      s.write(head);
      let i = 0;
      timer = setInterval(() => (i < trickle.length ? s.write(trickle[i++]!) : clearInterval(timer)), everyMs);
    });
    s.on('error', () => {});
    s.on('data', (d) => chunks.push(d));
    s.on('close', () => {
      clearInterval(timer);
      const text = Buffer.concat(chunks).toString();
      const body = text.slice(text.indexOf('\r\n\r\n') + 4);
      let json: any;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      resolve({ ms: performance.now() - t, status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), json });
    });
  });
}
/** Request headers for a JSON body of `length` bytes. */
const jsonHead = (path: string, length: number, extra = '') =>
  `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n${extra}\r\n`;
/** Slack for a busy machine past a cut-off: Node checks every connectionsCheckingInterval, and the test process may be slow to notice. */
const LATE = 1500;

describe('slow and silent clients', () => {
  it('answers 408 with JSON to a request whose headers trickle in, after headersTimeoutMs', async () => {
    const r = await hangUpAfter('GET /api/health HTTP/1.1\r\nHost: x\r\nX-Slow: ', 'aaaaaaaaaaaaaaaaaaaa', 50);
    expect(r.ms).toBeGreaterThanOrEqual(LIMITS.headersTimeoutMs);
    expect(r.ms).toBeLessThan(LIMITS.headersTimeoutMs + LATE);
    expect(r.status).toBe(408);
    expect(r.json).toEqual({ error: 'the request did not arrive in time', code: 'request_timeout' });
  });

  it('answers 408 with JSON to a connection that never sends a byte, after headersTimeoutMs', async () => {
    const r = await hangUpAfter('');
    expect(r.ms).toBeGreaterThanOrEqual(LIMITS.headersTimeoutMs);
    expect(r.ms).toBeLessThan(LIMITS.headersTimeoutMs + LATE);
    expect(r.status).toBe(408);
    expect(r.json).toMatchObject({ code: 'request_timeout' });
  });

  it('answers 408 with JSON to a body trickled in slower than requestTimeoutMs, however steadily its bytes come', async () => {
    // A byte every 50 ms: never idle for long, but 200 bytes would take 10 s.
    const body = JSON.stringify({ title: 'Slow' }).padEnd(200);
    const r = await hangUpAfter(jsonHead('/api/workshops', body.length), body, 50);
    expect(r.ms).toBeGreaterThanOrEqual(LIMITS.requestTimeoutMs);
    expect(r.ms).toBeLessThan(LIMITS.requestTimeoutMs + LATE);
    expect(r.status).toBe(408);
    expect(r.json).toEqual({ error: 'the request did not arrive in time', code: 'request_timeout' });
  });

  it('takes a body that arrives whole within requestTimeoutMs, however slowly', async () => {
    const body = JSON.stringify({ title: 'Slow' });
    // A quarter of the limit to arrive (byte by byte, on timers a busy machine runs late), then the answer.
    const r = await hangUpAfter(
      jsonHead('/api/workshops', body.length, 'Connection: close\r\n'),
      body,
      LIMITS.requestTimeoutMs / 4 / body.length,
    );
    expect(r.status).toBe(201);
  });

  it('gives an import importTimeoutMs instead of requestTimeoutMs, then answers 408 with JSON', async () => {
    const limits = { headersTimeoutMs: 300, requestTimeoutMs: 500, importTimeoutMs: 1500 };
    const own = await startServer({ limits });
    try {
      // The file comes from the other server: on a busy machine a create here could itself outlast 500 ms.
      const w = await createWorkshop(srv.url, 'Import drill');
      const file = await (
        await fetch(`${srv.url}/api/workshops/${w.id}/export`, { headers: { authorization: `Bearer ${w.facilitatorKey}` } })
      ).text();
      // The whole file, in ten pieces over about 900 ms: past requestTimeoutMs, within importTimeoutMs.
      const pieces = Array.from({ length: 10 }, (_, i) => file.slice((i * file.length) / 10, ((i + 1) * file.length) / 10));
      const head = jsonHead('/api/workshops/import', Buffer.byteLength(file), 'Connection: close\r\n');
      const t = performance.now();
      const slow = await hangUpAfter(head, pieces, 100, own.port);
      expect(performance.now() - t).toBeGreaterThan(limits.requestTimeoutMs);
      expect(slow.status).toBe(201);
      // One that never finishes is cut off at importTimeoutMs.
      const r = await hangUpAfter(jsonHead('/api/workshops/import', 1_000_000), '{"a":"' + 'x'.repeat(100), 100, own.port);
      expect(r.ms).toBeGreaterThanOrEqual(limits.importTimeoutMs);
      expect(r.ms).toBeLessThan(limits.importTimeoutMs + LATE);
      expect(r.status).toBe(408);
      expect(r.json).toMatchObject({ code: 'request_timeout' });
    } finally {
      await own.close();
    }
  });

  it('closes an upgraded socket that sends nothing with 1008 after firstMessageTimeoutMs', async () => {
    const w = await createWorkshop(srv.url);
    // Timed from before the handshake: the server's clock starts after it, so this never runs short
    // (timed from the client's 'open', a busy test process read it late and saw the close "early").
    const t = performance.now();
    const s = await openSocket(url(w.id, w.facilitatorKey));
    sockets.push(s.ws);
    const { code } = await s.closed;
    expect(code).toBe(CLOSE.policyViolation);
    expect(performance.now() - t).toBeGreaterThanOrEqual(LIMITS.firstMessageTimeoutMs);
  });
});

describe('per-address and per-server caps', () => {
  it('takes maxConnectionsPerAddress sockets from one address and answers the next upgrade with 429', async () => {
    const w = await createWorkshop(srv.url);
    const open = [];
    for (let i = 0; i < LIMITS.maxConnectionsPerAddress; i++) open.push(await synced(w.id, w.facilitatorKey));
    expect(await upgradeStatus(url(w.id, w.facilitatorKey))).toBe(429);
    // A socket that leaves frees its slot.
    open[0]!.ws.close();
    await open[0]!.closed;
    await expect(synced(w.id, w.facilitatorKey)).resolves.toBeDefined();
    for (const s of open) s.ws.close();
    await Promise.all(open.map((s) => s.closed));
  });

  it('the default lets a 200-person room join from one address', async () => {
    const own = await startServer();
    try {
      const w = await createWorkshop(own.url);
      const all = await Promise.all(
        Array.from({ length: 200 }, async () => {
          const s = await openSocket(`${own.wsUrl}/${w.id}?token=${w.facilitatorKey}`);
          s.ws.send(syncFrame(0, new Uint8Array([0])));
          await s.received(isStep2);
          return s;
        }),
      );
      expect(own.server.rooms.get(w.id)!.peers.size).toBe(200);
      for (const s of all) s.ws.terminate();
    } finally {
      await own.close();
    }
  });

  it('holds maxRoomsInMemory workshops and closes a socket that would load one more with 1013', async () => {
    const own = await startServer({ limits: { maxRoomsInMemory: 2 } });
    try {
      const ws = await Promise.all([1, 2, 3].map(() => createWorkshop(own.url)));
      const at = (i: number) => openSocket(`${own.wsUrl}/${ws[i]!.id}?token=${ws[i]!.facilitatorKey}`);
      const first = await at(0);
      const second = await at(1);
      for (const s of [first, second]) s.ws.send(syncFrame(0, new Uint8Array([0])));
      await Promise.all([first.received(isStep2), second.received(isStep2)]);
      const third = await at(2);
      expect((await third.closed).code).toBe(CLOSE.tryAgainLater);
      // A room already in memory still takes new sockets.
      const again = await at(0);
      again.ws.send(syncFrame(0, new Uint8Array([0])));
      await again.received(isStep2);
      for (const s of [first, second, again]) s.ws.terminate();
    } finally {
      await own.close();
    }
  });

  it('counts workshops loaded by HTTP calls too, and unloads them when nobody connects', async () => {
    // Long enough for two joins and a third to happen while both rooms are still loaded, on a busy machine too.
    const own = await startServer({ limits: { maxRoomsInMemory: 2, roomIdleUnloadMs: 2000 } });
    try {
      const rooms = async () => ((await (await fetch(`${own.url}/api/health`)).json()) as { rooms: number }).rooms;
      const ws = await Promise.all([1, 2, 3].map(() => createWorkshop(own.url)));
      // A join writes the roster into the document, which loads the workshop; nobody opens a socket.
      for (const w of ws.slice(0, 2)) expect((await post(`${own.url}/api/join`, { code: w.joinCode, name: 'Early' })).status).toBe(200);
      expect(await rooms()).toBe(2);
      const third = await post(`${own.url}/api/join`, { code: ws[2]!.joinCode, name: 'Late' });
      expect(third.status).toBe(503);
      expect(third.json).toMatchObject({ code: 'server_busy' });
      // Broke: rooms loaded by a call never left memory, and every new workshop was refused from then on.
      await expect.poll(rooms, { timeout: 8000 }).toBe(0);
      expect((await post(`${own.url}/api/join`, { code: ws[2]!.joinCode, name: 'Late' })).status).toBe(200);
    } finally {
      await own.close();
    }
  });

  it('answers 404 to joinFailuresPerWindow wrong codes, then 429 even to a right one', async () => {
    const w = await createWorkshop(srv.url);
    for (let i = 0; i < LIMITS.joinFailuresPerWindow; i++) {
      expect((await post(`${srv.url}/api/join`, { code: 'ZZZZZZ', name: 'Guess' })).status).toBe(404);
    }
    const blocked = await post(`${srv.url}/api/join`, { code: w.joinCode, name: 'Real' });
    expect(blocked.status).toBe(429);
    expect(blocked.json.error).toMatch(/too many/);
  });
});

describe('headers and origins', () => {
  const expectSafeHeaders = (h: Headers) => {
    expect(h.get('content-security-policy')).toMatch(/default-src 'self'/);
    expect(h.get('content-security-policy')).toMatch(/frame-ancestors 'none'/);
    expect(h.get('x-content-type-options')).toBe('nosniff');
    expect(h.get('referrer-policy')).toBe('no-referrer');
    expect(h.get('x-frame-options')).toBe('DENY');
  };

  it('sends a Content-Security-Policy and safe defaults on pages, API answers and errors', async () => {
    for (const path of ['/', '/join/ABCDEF', '/w/some-id', '/api/health', '/api/nope']) {
      const res = await fetch(srv.url + path);
      await res.arrayBuffer();
      expectSafeHeaders(res.headers);
    }
    const bad = await post(`${srv.url}/api/join`, '{not json');
    expectSafeHeaders(bad.headers);
  });

  it('accepts WebSockets from its own origin and from clients without one, and refuses other origins with 403', async () => {
    const w = await createWorkshop(srv.url);
    const target = url(w.id, w.facilitatorKey);
    expect(await upgradeStatus(target, { Origin: `http://127.0.0.1:${srv.port}` })).toBe(101);
    expect(await upgradeStatus(target)).toBe(101);
    expect(await upgradeStatus(target, { Origin: 'https://evil.example' })).toBe(403);
    expect(await upgradeStatus(target, { Origin: 'null' })).toBe(403);
  });

  it('accepts exactly the configured origins when allowedOrigins is set', async () => {
    const own = await startServer({ allowedOrigins: ['https://board.example.com'] });
    try {
      const w = await createWorkshop(own.url);
      const target = `${own.wsUrl}/${w.id}?token=${w.facilitatorKey}`;
      expect(await upgradeStatus(target, { Origin: 'https://board.example.com' })).toBe(101);
      expect(await upgradeStatus(target, { Origin: `http://127.0.0.1:${own.port}` })).toBe(403);
    } finally {
      await own.close();
    }
  });
});
