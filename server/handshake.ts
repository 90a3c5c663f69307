import type { IncomingMessage } from 'node:http';
import type { ErrorCode } from '../shared/errors.ts';

/** A WebSocket handshake's key: 16 random bytes in base64 (RFC 6455 §4.1). */
const KEY = /^[+/0-9A-Za-z]{22}==$/;
/** A comma-separated list of tokens (RFC 6455 §4.1, RFC 9110 §5.6.2), as the `ws` library parses it. */
const PROTOCOLS = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+(?:[ \t]*,[ \t]*[!#$%&'*+\-.^_`|~0-9A-Za-z]+)*$/;

export interface HandshakeProblem {
  code: ErrorCode;
  error: string;
  headers?: Record<string, string>;
}

/**
 * What is wrong with an upgrade request as a WebSocket handshake, or null.
 * The same checks the `ws` library makes, made first so that the refusal is
 * JSON like every other (ws answers these in text/html).
 */
export function handshakeProblem(req: IncomingMessage): HandshakeProblem | null {
  if (req.method !== 'GET') return { code: 'method_not_allowed', error: 'a WebSocket handshake is a GET', headers: { Allow: 'GET' } };
  if (req.headers.upgrade?.toLowerCase() !== 'websocket') return { code: 'bad_request', error: 'the Upgrade header must be "websocket"' };
  const key = req.headers['sec-websocket-key'];
  if (key === undefined || !KEY.test(key)) return { code: 'bad_request', error: 'missing or invalid Sec-WebSocket-Key header' };
  const version = req.headers['sec-websocket-version'];
  if (version !== '13' && version !== '8') {
    return {
      code: 'bad_request',
      error: 'missing or unsupported Sec-WebSocket-Version header',
      headers: { 'Sec-WebSocket-Version': '13, 8' },
    };
  }
  const protocols = req.headers['sec-websocket-protocol'];
  if (protocols !== undefined) {
    const list = protocols.trim();
    const names = list.split(',').map((p) => p.trim());
    if (!PROTOCOLS.test(list) || new Set(names).size !== names.length)
      return { code: 'bad_request', error: 'invalid Sec-WebSocket-Protocol header' };
  }
  return null;
}
