import { readFileSync } from 'node:fs';
import { get } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { pickEncoding } from '../../server/static.ts';
import { useServer } from '../helpers/server.ts';

const srv = useServer();

/** The raw answer, as a browser's network layer gets it (Node's fetch would decompress it). */
function raw(
  path: string,
  acceptEncoding?: string,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const headers = acceptEncoding === undefined ? {} : { 'accept-encoding': acceptEncoding };
    get(`${srv.url}${path}`, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    }).on('error', reject);
  });
}

const indexHtml = () => readFileSync('dist/index.html');
/** The scripts and styles the page references from its HTML: all a browser needs before the first form shows. */
const entryAssets = () =>
  [
    ...indexHtml()
      .toString('utf8')
      .matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g),
  ].map((m) => m[1]!);

describe('the app on the wire', () => {
  it('sends pages and code with brotli or gzip, whichever the browser takes, byte for byte the built files', async () => {
    const js = entryAssets().find((a) => a.endsWith('.js'))!;
    const file = readFileSync(`dist${js}`);
    const br = await raw(js, 'gzip, deflate, br');
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers.vary).toBe('Accept-Encoding');
    expect(br.headers['cache-control']).toContain('immutable');
    expect(Number(br.headers['content-length'])).toBe(br.body.length);
    expect(brotliDecompressSync(br.body).equals(file)).toBe(true);
    expect(br.body.length).toBeLessThan(file.length / 2);

    const gz = await raw('/join/ABCDEF', 'gzip');
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gz.headers['content-type']).toContain('text/html');
    expect(gunzipSync(gz.body).equals(indexHtml())).toBe(true);
    // Asked again, the same bytes come from memory.
    expect((await raw('/join/ABCDEF', 'gzip')).body.equals(gz.body)).toBe(true);
  });

  it('sends the plain file to a client that takes no compression, or refuses it with q=0', async () => {
    for (const accept of [undefined, 'identity', 'br;q=0, gzip;q=0']) {
      const res = await raw('/', accept);
      expect(res.status).toBe(200);
      expect(res.headers['content-encoding']).toBeUndefined();
      expect(res.body.equals(indexHtml())).toBe(true);
    }
  });

  it('has a phone on the join link download the form first: the entry code stays small and leaves the board out', async () => {
    const assets = entryAssets();
    // The board, Yjs and d3 come in their own chunks, fetched while the name is typed.
    expect(assets.some((a) => /BoardPage|StageMap/.test(a))).toBe(false);
    let bytes = 0;
    for (const a of assets) bytes += (await raw(a, 'br')).body.length;
    expect(bytes).toBeLessThan(JOIN_PAGE_BUDGET);
  });
});

/** Compressed bytes of the scripts and styles the join page needs before its form shows (about 30 KB today, against 500 KB uncompressed in one chunk before). */
const JOIN_PAGE_BUDGET = 45_000;

describe('pickEncoding', () => {
  it('prefers brotli, falls back to gzip, and honours q=0 and the wildcard', () => {
    expect(pickEncoding('gzip, deflate, br')).toBe('br');
    expect(pickEncoding('br;q=0, gzip')).toBe('gzip');
    expect(pickEncoding('BR ; q=0.5')).toBe('br');
    expect(pickEncoding('*')).toBe('br');
    expect(pickEncoding('*, br;q=0')).toBe('gzip');
    expect(pickEncoding('deflate')).toBeNull();
    expect(pickEncoding('gzip;q=0')).toBeNull();
    expect(pickEncoding(undefined)).toBeNull();
  });
});
