import { EventEmitter, once } from 'node:events';
import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { Logger } from '../../server/log.ts';
import { createWorkshop } from '../helpers/api.ts';
import { useServer } from '../helpers/server.ts';

const MAX = 2;
/** The server's log, as events: an import is in progress once it has said so. */
const logged = new EventEmitter();
const log: Logger = (_level, msg) => {
  if (msg === 'import started') logged.emit(msg);
};
// Each import comes from its own address (the server trusts X-Forwarded-For here): one address may run one at a time.
const srv = useServer({ limits: { maxConcurrentImports: MAX }, log, trustProxy: true });
let addresses = 0;
const nextAddress = () => `198.51.100.${++addresses}`;

type Answer = { status: number; json: any; headers: Headers };

async function exportFile(): Promise<string> {
  const w = await createWorkshop(srv.url, 'Busy day');
  const res = await fetch(`${srv.url}/api/workshops/${w.id}/export`, { headers: { authorization: `Bearer ${w.facilitatorKey}` } });
  return res.text();
}

async function importNow(body: string, from = nextAddress()): Promise<Answer> {
  const res = await fetch(`${srv.url}/api/workshops/import`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': from },
    body,
  });
  return { status: res.status, json: await res.json(), headers: res.headers };
}

/** An import whose body is held back after its first bytes, so it stays in progress until `finish`. */
async function heldImport(body: string, from = nextAddress()) {
  const started = once(logged, 'import started');
  const req = request(`${srv.url}/api/workshops/import`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'x-forwarded-for': from },
  });
  const answer = new Promise<{ status: number; json: any }>((resolve, reject) => {
    req.on('error', reject);
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, json: JSON.parse(text) }));
    });
  });
  req.write(body.slice(0, 1));
  await started;
  return {
    finish: () => {
      req.end(body.slice(1));
      return answer;
    },
  };
}

describe('imports at once', () => {
  it('takes maxConcurrentImports at once, refuses one more with 429 and Retry-After, and takes it once one is done', async () => {
    const file = await exportFile();
    const held = [await heldImport(file), await heldImport(file)];

    const refused = await importNow(file);
    expect(refused.status).toBe(429);
    expect(refused.json).toEqual({ code: 'too_many_requests', error: 'the server is busy with other imports; try again shortly' });
    expect(refused.headers.get('retry-after')).toBe('5');

    expect((await held[0]!.finish()).status).toBe(201);
    // One place free: taken again, up to the limit, and no further.
    const third = await heldImport(file);
    expect((await importNow(file)).status).toBe(429);

    expect((await held[1]!.finish()).status).toBe(201);
    expect((await third.finish()).status).toBe(201);
    expect((await importNow(file)).status).toBe(201);
  });

  it('runs one import at a time from one address, so one client cannot hold every place', async () => {
    const file = await exportFile();
    const one = nextAddress();
    const held = await heldImport(file, one);
    // Broke: two slow uploads from one client held both places for up to two minutes.
    const second = await importNow(file, one);
    expect(second.status).toBe(429);
    expect(second.json.error).toMatch(/an import from this address is still in progress/);
    expect(second.headers.get('retry-after')).toBe('5');
    // Another address still has the other place.
    expect((await importNow(file)).status).toBe(201);
    expect((await held.finish()).status).toBe(201);
    expect((await importNow(file, one)).status).toBe(201);
  });

  it('frees the place of an import it refused as not an export', async () => {
    const file = await exportFile();
    const held = await heldImport(file);
    const bad = await importNow(JSON.stringify({ hello: 'world' }));
    expect(bad.status).toBe(400);
    // With one still held, a failed one must not have kept its place: two more fit one at a time.
    expect((await importNow(file)).status).toBe(201);
    expect((await importNow(file)).status).toBe(201);
    expect((await held.finish()).status).toBe(201);
  });
});
