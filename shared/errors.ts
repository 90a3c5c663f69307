/**
 * Error codes are values; the edges map them. HTTP answers carry the status,
 * WebSocket closes carry 4000 + status so a client reads the same meaning from
 * either (4401 bad token, 4403 forbidden, 4404 unknown workshop).
 */
export const ERRORS = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  /** An Idempotency-Key sent again with another body (the IETF draft's answer). */
  idempotency_key_reused: 422,
  /** The workshop is served by another process (issue 10); retry and the proxy routes to it. */
  misdirected: 421,
  /** The request did not arrive whole in time (headersTimeoutMs, requestTimeoutMs, importTimeoutMs). */
  request_timeout: 408,
  payload_too_large: 413,
  unsupported_media_type: 415,
  header_fields_too_large: 431,
  too_many_requests: 429,
  internal: 500,
  storage_unavailable: 503,
  /** The server holds as many workshops in memory as it may (`maxRoomsInMemory`); try again shortly. */
  server_busy: 503,
} as const;

export type ErrorCode = keyof typeof ERRORS;

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** How long the client should wait before trying again; the HTTP answer carries it as `Retry-After`. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'AppError';
  }
  get status(): number {
    return ERRORS[this.code];
  }
}

/** WebSocket close codes the server uses. 4xxx mirror HTTP statuses. */
export const CLOSE = {
  badToken: 4401,
  forbidden: 4403,
  notFound: 4404,
  /** The board refused a change (locked, or not this role's to make); reload state. */
  refused: 4409,
  /** The workshop is served by another process (issue 10); reconnect and the proxy routes to it. */
  ownedElsewhere: 4421,
  /** The server could not store a change; the client keeps it and retries. */
  storageUnavailable: 4503,
  /** A protocol error: the client sent something that is not the y-websocket protocol. */
  protocolError: 1002,
  /** Invalid payload data (bad UTF-8, malformed update). */
  invalidData: 1007,
  policyViolation: 1008,
  tooBig: 1009,
  goingAway: 1001,
  tryAgainLater: 1013,
} as const;

/**
 * The reason a 4409 (`CLOSE.refused`) gives when a participant changed the teams of a locked board:
 * the client tells it from other refusals (a page offline when the lock came cannot have seen it).
 */
export const LOCKED_REFUSAL = 'the board is locked';

/** Close codes after which a client must not reconnect with the same credentials. */
export const FATAL_CLOSE_CODES: readonly number[] = [CLOSE.badToken, CLOSE.forbidden, CLOSE.notFound];
