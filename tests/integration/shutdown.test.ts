import { once } from 'node:events';
import { connect as connectTcp, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { CLOSE } from '../../shared/errors.ts';
import { ShuttingDownError } from '../../server/rooms.ts';
import { createWorkshop } from '../helpers/api.ts';
import { rawSocket } from '../helpers/raw.ts';
import { startServer } from '../helpers/server.ts';

/** A plain TCP connection to the server, and everything it was sent until it closed. */
async function rawHttp(port: number): Promise<{ sock: Socket; answer: Promise<string> }> {
  const sock = connectTcp(port, '127.0.0.1');
  let text = '';
  sock.on('data', (d) => (text += d));
  sock.on('error', (e: NodeJS.ErrnoException) => (text += `ERR ${e.code}`));
  const answer = new Promise<string>((resolve) => sock.on('close', () => resolve(text)));
  await once(sock, 'connect');
  return { sock, answer };
}

const CREATE_BODY = JSON.stringify({ title: 'Shutdown drill' });
const createHead = (length = Buffer.byteLength(CREATE_BODY)) =>
  `POST /api/workshops HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`;

const statusOf = (answer: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1]);
const bodyOf = (answer: string) => JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as unknown;

describe('shutdown', () => {
  it('answers a request whose body is still arriving when shutdown begins, instead of cutting it', async () => {
    const srv = await startServer();
    const { sock, answer } = await rawHttp(srv.port);
    sock.write(createHead() + CREATE_BODY.slice(0, 5));
    await sleep(50);
    const closed = srv.close();
    await sleep(200);
    sock.write(CREATE_BODY.slice(5));
    const text = await answer;
    expect(statusOf(text)).toBe(201);
    expect(text).toMatch(/\r\nConnection: close\r\n/i);
    expect(bodyOf(text)).toMatchObject({ id: expect.any(String) });
    await closed;
  });

  it('answers a request that arrives after shutdown began with 503 JSON', async () => {
    const srv = await startServer();
    // Keeps the server draining: a request in flight that finishes only later.
    const slow = await rawHttp(srv.port);
    slow.sock.write(createHead() + CREATE_BODY.slice(0, 5));
    // A connection whose request has begun but not arrived whole: not idle, so not closed at once.
    const late = await rawHttp(srv.port);
    late.sock.write('GET /api/health HTTP/1.1\r\nHost: x\r\n');
    await sleep(50);
    const closed = srv.close();
    await sleep(100);
    late.sock.write('\r\n');
    const text = await late.answer;
    expect(statusOf(text)).toBe(503);
    expect(bodyOf(text)).toEqual({ error: expect.stringMatching(/shutting down/), code: 'server_busy' });
    expect(text).toMatch(/\r\nRetry-After: 1\r\n/i);
    slow.sock.write(CREATE_BODY.slice(5));
    expect(statusOf(await slow.answer)).toBe(201);
    await closed;
  });

  it('closes within shutdownGraceMs when a client never finishes its request, answering it 503', async () => {
    const srv = await startServer({ limits: { shutdownGraceMs: 300 } });
    const { sock, answer } = await rawHttp(srv.port);
    sock.write(createHead(100) + '{"ti');
    await sleep(50);
    const t0 = Date.now();
    await srv.close();
    expect(Date.now() - t0).toBeLessThan(300 + 1500);
    const text = await answer;
    expect(statusOf(text)).toBe(503);
    expect(bodyOf(text)).toMatchObject({ code: 'server_busy' });
  });

  it('tells sockets 1001 at once, while a request is still in flight', async () => {
    const srv = await startServer({ limits: { shutdownGraceMs: 2_000 } });
    const w = await createWorkshop(srv.url);
    const { ws, frames, closed: socketClosed } = await rawSocket(`${srv.wsUrl}/${w.id}?token=${w.facilitatorKey}`);
    ws.on('error', () => {});
    // The session is ready once the server speaks (its sync step 1).
    for (let i = 0; i < 100 && frames.length === 0; i++) await sleep(20);
    expect(frames.length).toBeGreaterThan(0);
    const { sock, answer } = await rawHttp(srv.port);
    sock.write(createHead(100) + '{"ti');
    await sleep(50);
    const t0 = Date.now();
    const closed = srv.close();
    expect((await socketClosed).code).toBe(CLOSE.goingAway);
    expect(Date.now() - t0).toBeLessThan(1_000);
    await closed;
    expect(statusOf(await answer)).toBe(503);
  });

  it('refuses to load a room once the rooms are closed, so none is left unclosed', async () => {
    const srv = await startServer();
    const w = await createWorkshop(srv.url);
    const rooms = srv.server.rooms;
    await srv.close();
    await expect(rooms.acquire(w.id)).rejects.toBeInstanceOf(ShuttingDownError);
    // The HTTP layer answers it 503 with Retry-After; a socket is closed with 1001.
    await expect(rooms.acquire(w.id)).rejects.toMatchObject({ code: 'server_busy', status: 503, retryAfterMs: 1000 });
    expect(rooms.size).toBe(0);
  });
});
