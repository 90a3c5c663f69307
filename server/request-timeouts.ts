import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ErrorCode } from '../shared/errors.ts';
import { rawJsonAnswer } from './http-util.ts';

/** What Node's http server reports through 'clientError', and how it is answered. */
const ANSWERS: Record<string, [ErrorCode, string]> = {
  ERR_HTTP_REQUEST_TIMEOUT: ['request_timeout', 'the request did not arrive in time'],
  HPE_HEADER_OVERFLOW: ['header_fields_too_large', 'the request headers are too large'],
  HPE_CHUNK_EXTENSIONS_OVERFLOW: ['payload_too_large', 'the chunk extensions are too large'],
};

/**
 * Answers for the requests Node's http server gives up on before any handler
 * sees them: one whose headers have not arrived within headersTimeout, one
 * that has not arrived whole within requestTimeout, one it cannot parse. Node
 * writes a bare status line (`HTTP/1.1 408 Request Timeout`); through its
 * documented 'clientError' event this writes the JSON body every other error
 * has, then closes the connection as Node would.
 *
 * Node has one requestTimeout for the whole server. A request given longer
 * (`extend`, the import of a large file) is passed over when Node's comes,
 * and its own timer cuts it off instead.
 */
export class RequestTimeouts {
  /** The response being written on each socket, so nothing is written into the middle of it. */
  private readonly responses = new WeakMap<Duplex, ServerResponse>();
  private readonly extended = new WeakSet<Duplex>();

  /** Call for every request, before anything is written. */
  track(req: IncomingMessage, res: ServerResponse): void {
    const socket = req.socket;
    this.responses.set(socket, res);
    res.once('close', () => {
      if (this.responses.get(socket) === res) this.responses.delete(socket);
    });
  }

  /**
   * Gives the request `ms` from now (its headers have arrived) to arrive whole,
   * however long requestTimeout is; past it the answer is 408, as from Node.
   */
  extend(req: IncomingMessage, res: ServerResponse, ms: number): void {
    const socket = req.socket;
    this.extended.add(socket);
    const timer = setTimeout(() => {
      if (!req.complete) this.answer(socket, 'ERR_HTTP_REQUEST_TIMEOUT');
    }, ms);
    timer.unref();
    res.once('close', () => {
      clearTimeout(timer);
      this.extended.delete(socket);
    });
  }

  /** The server's 'clientError' listener. */
  readonly onClientError = (err: Error & { code?: string }, socket: Duplex): void => {
    if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT' && this.extended.has(socket)) return;
    this.answer(socket, err.code);
  };

  private answer(socket: Duplex, cause: string | undefined): void {
    // The peer is gone (ECONNRESET) or an answer is already on its way: nothing more can be said.
    if (cause !== 'ECONNRESET' && socket.writable && !this.responses.get(socket)?.headersSent) {
      const [code, error] = (cause && ANSWERS[cause]) || (['bad_request', 'the request is not valid HTTP'] as const);
      socket.write(rawJsonAnswer(code, error));
    }
    socket.destroy();
  }
}
