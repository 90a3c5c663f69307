import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { z } from 'zod';
import { AppError, ERRORS, type ErrorCode } from '../shared/errors.ts';

/** Safe defaults on every answer; the CSP lets the app load only its own code. */
export const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
    "connect-src 'self' ws: wss:; font-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
};

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    ...headers,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
  });
  res.end(text);
}

/**
 * A whole HTTP answer with a JSON `{ error, code }`, for writing straight to a socket that has
 * no response object (a refused upgrade, a request Node gave up on). It closes the connection.
 */
export function rawJsonAnswer(code: ErrorCode, error: string, headers: Record<string, string> = {}): string {
  const body = JSON.stringify({ error, code });
  const status = ERRORS[code];
  const lines = Object.entries({
    ...SECURITY_HEADERS,
    Connection: 'close',
    'Content-Type': 'application/json; charset=utf-8',
    'Cache-Control': 'no-store',
    ...headers,
    'Content-Length': String(Buffer.byteLength(body)),
  }).map(([k, v]) => `${k}: ${v}\r\n`);
  return `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n${lines.join('')}\r\n${body}`;
}

export function sendError(res: ServerResponse, err: AppError): void {
  const headers: Record<string, string> = {};
  // Whole seconds, rounded up, and at least one: "Retry-After: 0" invites an immediate retry.
  if (err.retryAfterMs !== undefined) headers['Retry-After'] = String(Math.max(1, Math.ceil(err.retryAfterMs / 1000)));
  sendJson(res, err.status, { error: err.message, code: err.code }, headers);
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Reads a JSON body of at most `limit` bytes and validates it; every failure is an AppError. */
export async function readJson<S extends z.ZodType>(req: IncomingMessage, schema: S, limit: number): Promise<z.infer<S>> {
  const type = req.headers['content-type'];
  // The media type itself, parameters (charset) aside: "application/json-patch+json" is another type.
  if (type && !/^application\/json[ \t]*(;|$)/i.test(type)) {
    throw new AppError('unsupported_media_type', 'send the body as application/json');
  }
  const encoding = req.headers['content-encoding'];
  if (encoding && encoding.trim().toLowerCase() !== 'identity') {
    throw new AppError('unsupported_media_type', 'send the body uncompressed (no Content-Encoding)');
  }
  const declared = Number(req.headers['content-length']);
  if (declared > limit) throw new AppError('payload_too_large', `body is larger than ${limit} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new AppError('payload_too_large', `body is larger than ${limit} bytes`);
    chunks.push(chunk);
  }
  let body: string;
  try {
    body = UTF8.decode(Buffer.concat(chunks));
  } catch {
    // Decoded leniently, a bad byte would be stored as U+FFFD: a name silently not the one sent.
    throw new AppError('bad_request', 'body is not valid UTF-8');
  }
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw new AppError('bad_request', 'body is not valid JSON');
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length ? `${issue.path.join('.')}: ` : '';
    throw new AppError('bad_request', `${where}${issue.message}`);
  }
  return parsed.data;
}

export function bearer(req: IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  const m = h && /^Bearer\s+(\S+)$/i.exec(h);
  return m ? m[1] : undefined;
}

/**
 * The client's address. Behind a proxy (`trustProxy`), the right-most X-Forwarded-For entry:
 * the address the proxy in front of us saw, which it appended. Entries to its left came with
 * the request and are whatever the client chose to send, so the left-most would let anyone
 * pick the address its limits are counted against.
 */
export function clientAddress(req: IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    const fwd = req.headers['x-forwarded-for'];
    const last = (Array.isArray(fwd) ? fwd.join(',') : fwd)?.split(',').at(-1)?.trim();
    if (last) return last;
  }
  return req.socket.remoteAddress ?? 'unknown';
}
