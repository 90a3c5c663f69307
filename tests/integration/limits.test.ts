import { connect as tcpConnect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { CLOSE } from '../../shared/errors.ts';
import { createWorkshop, post } from '../helpers/api.ts';
import { isStep2, openSocket, syncFrame } from '../helpers/frames.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

const LIMITS = {
  headersTimeoutMs: 400,
  requestTimeoutMs: 800,
  firstMessageTimeoutMs: 300,
  maxConnectionsPerAddress: 4,
  maxRoomsInMemory: 2,
  joinFailuresPerWindow: 3,
};

let srv: TestServer;
const sockets: WebSocket[] = [];
beforeAll(async () => {
  srv = await startServer({ limits: LIMITS, allowedOrigins: undefined });
});
afterAll(async () => {
  for (const ws of sockets) ws.terminate();
  await srv.close();
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
/** Milliseconds until the server hangs up a TCP connection that sends `bytes` and then nothing. */
function hangUpAfter(bytes: string): Promise<number> {
  return new Promise((resolve) => {
    const t = performance.now();
    const s = tcpConnect(srv.port, '127.0.0.1', () => s.write(bytes));
    s.on('error', () => {});
    s.on('data', () => {});
    s.on('close', () => resolve(performance.now() - t));
  });
}

describe('slow and silent clients', () => {
  it('hangs up on requests whose headers trickle in, within seconds', async () => {
    const ms = await hangUpAfter('GET /api/health HTTP/1.1\r\nHost: x\r\nX-Slow: ');
    expect(ms).toBeGreaterThanOrEqual(LIMITS.headersTimeoutMs - 50);
    expect(ms).toBeLessThan(LIMITS.headersTimeoutMs + 1500);
  });

  it('hangs up on a connection that never sends a byte', async () => {
    expect(await hangUpAfter('')).toBeLessThan(LIMITS.requestTimeoutMs + 1500);
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
