import { createReadStream, readFileSync, statSync, type Stats } from 'node:fs';
import { pipeline } from 'node:stream';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, constants as zlib, gzip } from 'node:zlib';
import { SECURITY_HEADERS, sendJson } from './http-util.ts';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.woff2': 'font/woff2',
};

/** Text worth compressing; images are compressed already. */
const COMPRESSIBLE = new Set(['.html', '.js', '.css', '.svg', '.json', '.webmanifest']);
/**
 * Brotli quality: on the app's largest chunk (284 KB) 9 gives 81 KB in 31 ms, the maximum (11) 75 KB in
 * 400 ms. Compression runs off the event loop (zlib's thread pool), once per file.
 */
const BROTLI_QUALITY = 9;

type Encoding = 'br' | 'gzip';
const brotli = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

/** The encoding to answer with: brotli where the client takes it, else gzip, else none. */
export function pickEncoding(accept: string | undefined): Encoding | null {
  const offered = new Map<string, number>();
  for (const part of (accept ?? '').split(',')) {
    const [name = '', ...params] = part
      .toLowerCase()
      .split(';')
      .map((p) => p.trim());
    const q = params.map((p) => /^q=([\d.]+)$/.exec(p)?.[1]).find((v) => v !== undefined);
    if (name) offered.set(name, q === undefined ? 1 : Number(q));
  }
  const ok = (e: string) => (offered.get(e) ?? offered.get('*') ?? 0) > 0;
  return ok('br') ? 'br' : ok('gzip') ? 'gzip' : null;
}

/**
 * Serves the built client from `dir`. Text files go out compressed (brotli or
 * gzip, whichever the browser takes), each compressed once per build and kept
 * in memory: the app's code is a third of its size on the wire. Hashed files under /assets are cached
 * for a year; every other path that is not a file gets index.html, so the
 * client's routes (/join/CODE, /w/ID) load the app.
 */
export function serveStatic(dir: string) {
  const root = normalize(dir + sep);
  /** The file a path names, with its stat (one stat per request: compression keys on it too). */
  const fileAt = (urlPath: string): { file: string; stat: Stats } | undefined => {
    let decoded: string;
    try {
      decoded = decodeURIComponent(urlPath);
    } catch {
      return undefined;
    }
    const file = normalize(join(root, decoded));
    if (!file.startsWith(root)) return undefined;
    try {
      const stat = statSync(file);
      return stat.isFile() ? { file, stat } : undefined;
    } catch {
      return undefined;
    }
  };

  /** Each file's compressed bytes per encoding, as of its modification time (a rebuild replaces them). */
  const compressed = new Map<string, { mtime: string; body: Promise<Buffer> }>();
  const compressedFile = async (file: string, stat: Stats, encoding: Encoding): Promise<Buffer> => {
    const key = `${encoding}:${file}`;
    const { mtimeMs, size } = stat;
    const mtime = `${mtimeMs}:${size}`;
    let entry = compressed.get(key);
    if (entry?.mtime !== mtime) {
      const raw = readFileSync(file);
      const body =
        encoding === 'br'
          ? brotli(raw, { params: { [zlib.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY, [zlib.BROTLI_PARAM_SIZE_HINT]: raw.length } })
          : gzipAsync(raw, { level: 9 });
      entry = { mtime, body };
      compressed.set(key, entry);
      // A failure is not kept: the next request tries again.
      body.catch(() => compressed.get(key) === entry && compressed.delete(key));
    }
    return entry.body;
  };

  return (req: IncomingMessage, res: ServerResponse, path: string): void => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return sendJson(res, 405, { error: 'method not allowed', code: 'method_not_allowed' });
    }
    const found = fileAt(path) ?? fileAt('/index.html');
    if (!found) {
      return sendJson(res, 503, {
        error: 'the client is not built; run `npm run build` (npm start does it for you)',
        code: 'storage_unavailable',
      });
    }
    const { file } = found;
    const immutable = path.startsWith('/assets/') && file !== join(root, 'index.html');
    const headers = {
      ...SECURITY_HEADERS,
      'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
      'Cache-Control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    };
    const encoding = COMPRESSIBLE.has(extname(file)) ? pickEncoding(req.headers['accept-encoding']) : null;
    if (encoding) {
      return void compressedFile(found.file, found.stat, encoding).then(
        (body) => {
          res.writeHead(200, { ...headers, 'Content-Encoding': encoding, 'Content-Length': body.length, Vary: 'Accept-Encoding' });
          res.end(req.method === 'HEAD' ? undefined : body);
        },
        // The file went away under a rebuild: the browser asks again and gets the new one.
        () => sendJson(res, 404, { error: 'not found', code: 'not_found' }),
      );
    }
    const plain = COMPRESSIBLE.has(extname(file)) ? { ...headers, Vary: 'Accept-Encoding' } : headers;
    if (req.method === 'HEAD') return void res.writeHead(200, plain).end();
    // The file can go between the stat and the open (a rebuild): a 404 then, never an unhandled error.
    const stream = createReadStream(file);
    stream.once('open', () => {
      res.writeHead(200, plain);
      pipeline(stream, res, () => {});
    });
    stream.once('error', () => {
      if (!res.headersSent) sendJson(res, 404, { error: 'not found', code: 'not_found' });
      else res.destroy();
    });
  };
}
