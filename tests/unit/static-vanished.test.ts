import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, get, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

/**
 * A rebuild can delete a file between the server's stat of it and its read.
 * `statSync` is made to report files that are already gone, which is that
 * moment held still: the answer must be a 404 (the browser asks again and gets
 * the new build), never a crash or a request left hanging.
 */
const ghosts = new Set<string>();
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const statSync = ((path: string, ...rest: unknown[]) => {
    if (ghosts.has(String(path))) return { isFile: () => true, mtimeMs: 1, size: 10 };
    return (fs.statSync as (...a: unknown[]) => unknown)(path, ...rest);
  }) as typeof fs.statSync;
  return { ...fs, statSync, default: { ...fs, statSync } };
});

const { serveStatic } = await import('../../server/static.ts');

let dir: string;
let server: Server;
let base: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'stageboard-static-'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>app</title>');
  for (const name of ['gone.js', 'gone.png']) ghosts.add(join(dir, name));
  const handle = serveStatic(dir);
  server = createServer((req, res) => handle(req, res, new URL(req.url!, 'http://x').pathname));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

function fetchRaw(path: string, acceptEncoding?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = get(`${base}${path}`, { headers: acceptEncoding ? { 'accept-encoding': acceptEncoding } : {} }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    }).on('error', reject);
    // A request left hanging is the failure this guards against: give up on it, and say so.
    req.setTimeout(2000, () => req.destroy(new Error(`no answer to ${path}`)));
  });
}

describe('a file that vanishes under a rebuild', () => {
  it.each([
    ['compressed', '/gone.js', 'br'],
    ['plain', '/gone.js', undefined],
    ['an image', '/gone.png', 'gzip'],
  ])('answers 404 as JSON when sent %s', async (_how, path, encoding) => {
    const res = await fetchRaw(path, encoding);
    expect(res.status).toBe(404);
    expect(JSON.parse(res.body)).toMatchObject({ code: 'not_found' });
  });

  it('keeps serving the files that are there', async () => {
    const res = await fetchRaw('/index.html', 'br');
    expect(res.status).toBe(200);
  });
});
