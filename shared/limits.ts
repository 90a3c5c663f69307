/**
 * Every limit the server enforces, in one place. The server reads them through
 * `createServer(opts.limits)`, and `server/config.ts` lets each be overridden from
 * the environment (`STAGEBOARD_<NAME>`, a positive whole number), so tests can
 * probe the edges and operators can tune them without a code change. README
 * "Limits" lists them, and the fixed limits below.
 */
export const LIMITS = {
  /** Largest WebSocket frame accepted; bigger frames close the socket (1009). */
  maxMessageBytes: 1024 * 1024,
  /**
   * Document changes one socket may send per second, in bytes (a bucket holding one second's
   * worth, so also the largest single change); past it the socket is closed with 1008. A drag
   * sends about 2 KB a second; a note typed in full is 1 KB.
   */
  maxUpdateBytesPerSecond: 64 * 1024,
  /**
   * A client's first sync step 2 on a socket (its catch-up: what it changed while away) is bounded
   * by maxMessageBytes, not by maxUpdateBytesPerSecond; this bounds what catch-ups store per
   * credential (one participant, the facilitator) across all its sockets, in bytes per minute (a
   * bucket holding one minute's worth). Past it the socket is closed with 1008 and nothing of it is
   * stored: without it, reconnecting over and over would write a megabyte a socket. A catch-up with
   * nothing new (a reconnecting page resends its whole delete set) is not counted. Keep it at least
   * maxMessageBytes, or the largest catch-up could never pass.
   */
  maxCatchUpBytesPerMinute: 4 * 1024 * 1024,
  /** Teams in one workshop; a change that would add one more is refused (4409). */
  maxTeams: 200,
  /** Largest JSON request body; a bigger one gets 413, read no further than this (a chunked body too). */
  maxJsonBodyBytes: 16 * 1024,
  /** Keep a room in memory this long after its last client leaves. */
  roomIdleUnloadMs: 30_000,
  /** Write a snapshot after this many logged updates since the last one. */
  snapshotEveryUpdates: 1000,
  /** Most entries in one page of `GET /api/workshops/<id>/history`. */
  historyPageSize: 1000,
  /** A history page ends before its updates pass this many bytes (it always holds one entry). */
  historyPageBytes: 4 * 1024 * 1024,
  /** Largest export file `POST /api/workshops/import` accepts (a 3-hour, 50,000-update session is about 10 MiB). */
  maxImportBytes: 64 * 1024 * 1024,
  /** Failed `POST /api/join` attempts allowed per address and window; further joins get 429. */
  joinFailuresPerWindow: 20,
  /** The window starts at an address's first failure; once it has passed, the count starts afresh. */
  joinFailureWindowMs: 60_000,
  /** Participants one workshop may hold. */
  maxParticipantsPerWorkshop: 500,
  /**
   * Updates with missing dependencies a connection may send in a row, each answered with a resync
   * request; the next closes it (1008). An update that integrates starts the count again. None of
   * them is kept (server/inspect.ts drops them whole), so alternating cannot pile anything up; the
   * message and byte rates bound how often the server answers.
   */
  maxUnresolvedUpdates: 20,
  /** Awareness state of one client, in bytes of UTF-8 JSON. Larger states are dropped. */
  maxAwarenessStateBytes: 4 * 1024,
  /** Awareness client ids one connection may publish (a tab has one; a reconnect keeps it). */
  maxAwarenessClientsPerConnection: 4,
  /** Awareness states held for one room. */
  maxAwarenessStatesPerRoom: 1000,
  /**
   * A room forwards awareness changes (cursors, presence) at most this often,
   * every change since the last batch in one frame: 20 cursor frames a second
   * per recipient, however many people move at once. A change after a quiet
   * spell goes out at once.
   */
  awarenessIntervalMs: 50,
  /** Bytes queued for one socket before the server gives up on it (1013); it resyncs on reconnect. */
  maxSendBufferBytes: 8 * 1024 * 1024,
  /** Messages a socket may send while its credential and room are still loading; one more closes it (1008). */
  maxMessagesBeforeReady: 64,
  /**
   * Server pings each socket this often. One that has answered neither of the last two pings when
   * the next is due is dropped (no close frame: the client sees 1006), 2 to 3 intervals after its
   * last answer (3 after the upgrade if it never answers): one ping lost on a flaky phone
   * network is forgiven.
   */
  pingIntervalMs: 15_000,
  /**
   * Messages per second one socket may send, as a bucket that holds one
   * second's worth: a drag at 60 Hz with its cursor is 120. Past it the
   * socket is closed (1008); an honest client reconnects and resyncs.
   */
  maxMessagesPerSecond: 300,
  /** A WebSocket that sends nothing this long after the upgrade is closed (1008); stock clients speak at once. */
  firstMessageTimeoutMs: 10_000,
  /**
   * Open WebSockets from one address; the next upgrade gets 429. A whole
   * workshop behind one NAT (and the benchmark) must fit, with a tab or two each.
   */
  maxConnectionsPerAddress: 1000,
  /** Workshops held in memory at once; a socket that would load one more is closed with 1013. */
  maxRoomsInMemory: 500,
  /**
   * After a credential's second refused change in a row (4409), its next WebSocket upgrade waits
   * this long (429), doubling with each further refusal: the stock y-websocket client re-sends a
   * refused change on every reconnect.
   */
  refusalCooldownMs: 2_000,
  /** The longest such wait; a refusal this long after the previous one starts afresh. */
  maxRefusalCooldownMs: 60_000,
  /**
   * An HTTP request (or WebSocket handshake) must arrive whole within this, counted from its first
   * byte; trickled bytes do not keep it open. The answer is 408 with a JSON body.
   */
  requestTimeoutMs: 10_000,
  /**
   * `POST /api/workshops/import` alone gets this long instead of requestTimeoutMs: a file of
   * maxImportBytes in this time is about 4.5 Mbit/s, where 10 s would need 54 Mbit/s.
   */
  importTimeoutMs: 120_000,
  /**
   * `POST /api/workshops/import` requests one process handles at once, counted from their
   * headers to their answer; the next gets 429 with `Retry-After`. Each holds its whole file in
   * memory several times over (the body, its parsed JSON, the replayed document), and an import
   * needs no credential.
   */
  maxConcurrentImports: 2,
  /** The request's headers must arrive within this. */
  headersTimeoutMs: 5_000,
  /**
   * On shutdown, requests already in flight get this long to be answered; one still unanswered
   * then gets 503, and any connection left is cut. WebSockets are told 1001 at once.
   */
  shutdownGraceMs: 5_000,
  /**
   * Addresses the in-memory join-failure table (SQLite) holds. Past it, windows that have ended
   * go first, then the oldest windows still running.
   */
  maxJoinFailureAddresses: 100_000,
  /**
   * PostgreSQL: a new connection must be ready (or a pooled one free) within this; else the call
   * fails as storage unavailable (HTTP 503, a socket's write 4503).
   */
  pgConnectTimeoutMs: 3_000,
  /**
   * PostgreSQL: one statement may run this long. The server cancels it then (statement_timeout);
   * a database that does not answer at all is given up half a second later.
   */
  pgQueryTimeoutMs: 5_000,
  /**
   * PostgreSQL: `GET /api/health` answers 503 once the database has not answered a `SELECT 1`
   * for this long (or the last one failed), so the proxy stops routing to this process.
   */
  pgHealthTimeoutMs: 2_000,
} as const;

export type Limits = { -readonly [K in keyof typeof LIMITS]: number };

/** Node's timers take at most 2^31 - 1 ms (about 24.8 days); a longer one fires at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * What is wrong with `value` as the limit `key`, or null when it will do. Every limit is a
 * positive whole number: 0 would switch a check off (Node reads a 0 timeout as none) or refuse
 * everything, and a fraction of a count or a byte means nothing. Times must fit Node's timers.
 */
/** Limits for which 0 means something: no awareness batching (each change forwarded at once). */
const ZERO_ALLOWED: ReadonlySet<keyof Limits> = new Set(['awarenessIntervalMs']);

export function limitProblem(key: keyof Limits, value: number): string | null {
  if (ZERO_ALLOWED.has(key) && value === 0) return null;
  if (!Number.isSafeInteger(value) || value < 1)
    return ZERO_ALLOWED.has(key) ? 'must be a whole number' : 'must be a positive whole number';
  if (key.endsWith('Ms') && value > MAX_TIMER_MS) return `must be at most ${MAX_TIMER_MS} (milliseconds; about 24.8 days)`;
  return null;
}

/** Sizes of user-entered text; the UI and the HTTP schemas share them. */
export const TEXT = {
  title: 120,
  displayName: 40,
  teamName: 60,
  note: 500,
} as const;

export const JOIN_CODE_LENGTH = 6;

/** Ids and codes in requests, in paths and JSON bodies: longer ones get 400 (404 in a path). */
export const REQUEST_LIMITS = {
  /** Workshop, participant, vote, team and group ids, and a template id. */
  idChars: 64,
  /** A join body's `code`, before spaces and dashes are taken out to leave JOIN_CODE_LENGTH letters. */
  joinCodeChars: 32,
  /** `?since=` of the history endpoint: a seq of at most this many digits. */
  sinceDigits: 32,
} as const;

/** What opening a vote and casting a ballot accept (shared/votes.ts). */
export const VOTE_LIMITS = {
  questionChars: TEXT.note,
  minChoices: 2,
  maxChoices: 12,
  /** Each choice of a choice vote, so also a ballot's choice, cast or imported. */
  choiceChars: TEXT.teamName,
  /** Groups a vote may be limited to. */
  maxGroups: 50,
} as const;

/** What an import file may hold, besides being at most maxImportBytes (shared/export-format.ts). */
export const IMPORT_LIMITS = {
  maxParticipants: 10_000,
  maxTimelineEvents: 1_000_000,
  maxVotes: 10_000,
  maxBallots: 1_000_000,
  /** One log entry's update, in base64 characters (6 MiB of update). */
  maxUpdateBase64Chars: 8 * 1024 * 1024,
  /** A log entry's author, and a ballot's voter ("voter 12" or a participant id). */
  authorChars: 80,
  /** Imports in progress from one address: an import needs no credential, so one client must not hold every place. */
  perAddress: 1,
  /** `Retry-After` of an import refused for being one too many (ms). */
  busyRetryMs: 5_000,
} as const;
