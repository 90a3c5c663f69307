import type { CreateWorkshopResponse, JoinResponse, SessionInfo } from '../../shared/schema.ts';
import type { Template } from '../../shared/template.ts';
import type { BallotBody, BallotValue, OpenVoteBody, VoteResult } from '../../shared/votes.ts';
import type { ErrorCode } from '../../shared/errors.ts';
import { JOIN_CODE_ALPHABET, normalizeJoinCode } from '../../shared/joincode.ts';
import { JOIN_CODE_LENGTH } from '../../shared/limits.ts';

/** An API answer that was not 2xx: a sentence for the user, with the server's code and how long to wait. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** The JSON `code` the server answered with (shared/errors.ts), when it gave one. */
    readonly code?: string,
    /** From `Retry-After`, in seconds. */
    readonly retryAfterS?: number,
  ) {
    super(message);
  }
}

/**
 * What to tell the user for a server code, written for them; the server's own text (lower case, for
 * logs and scripts) stays the fallback for a code with no sentence here.
 */
type Messages = Partial<Record<ErrorCode, string | ((retryAfterS: number | undefined) => string)>>;

/** "Try again in 40 seconds." from a Retry-After, rounded up to minutes past a minute and a half. */
export function whenToRetry(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds) || seconds <= 0) return 'Wait a minute, then try again.';
  if (seconds <= 90) return `Try again in ${seconds} second${seconds === 1 ? '' : 's'}.`;
  const minutes = Math.ceil(seconds / 60);
  return `Try again in ${minutes} minutes.`;
}

/** A failing server (a proxy's 502, a restart): said as the server's trouble, not the user's, with when to try. */
function serverTrouble(status: number, retryAfterS: number | undefined): string {
  const when = retryAfterS === undefined ? 'Try again in a moment.' : whenToRetry(retryAfterS);
  return `The server is not answering properly right now (error ${status}). ${when}`;
}

const COMMON: Messages = {
  storage_unavailable: (s) => `The server cannot save anything right now. ${s === undefined ? 'Try again in a moment.' : whenToRetry(s)}`,
  server_busy: (s) => `The server is busy. ${s === undefined ? 'Try again in a moment.' : whenToRetry(s)}`,
  unauthorized:
    'This link no longer opens this workshop: it was replaced, or you were removed. Ask the facilitator for a new link, or join again with the code.',
  too_many_requests: (s) => `Too many tries from this network. ${whenToRetry(s)}`,
};

const JOIN: Messages = {
  not_found: 'No workshop has that code. Check it with the facilitator.',
  conflict: 'This workshop is full. Ask the facilitator to make room.',
  too_many_requests: (s) => `Too many wrong codes from this network. ${whenToRetry(s)}`,
};

/** Why a typed code cannot be one, said at once and more exactly than the server's "no workshop has that code". */
export function joinCodeProblem(typed: string): string | null {
  const code = normalizeJoinCode(typed);
  if (code.length !== JOIN_CODE_LENGTH) {
    return `Codes have ${JOIN_CODE_LENGTH} characters${code.length ? `; that one has ${code.length}` : ''}. Check it with the facilitator.`;
  }
  if ([...code].some((ch) => !JOIN_CODE_ALPHABET.includes(ch))) {
    return 'Codes use letters and the digits 2 to 9, never 0, O, 1 or I. Check it with the facilitator.';
  }
  return null;
}

function written(status: number, body: { error?: unknown; code?: unknown }, retryAfterS: number | undefined, messages: Messages): ApiError {
  const code = typeof body.code === 'string' ? body.code : undefined;
  const server = typeof body.error === 'string' ? body.error : `request failed (${status})`;
  const known = code ? (messages[code as ErrorCode] ?? COMMON[code as ErrorCode]) : undefined;
  // Past a 5xx the server's own words (or a proxy's page, no JSON at all) are not for the user.
  const fallback = status >= 500 ? serverTrouble(status, retryAfterS) : server;
  const text = typeof known === 'function' ? known(retryAfterS) : (known ?? fallback);
  return new ApiError(status, text, code, retryAfterS);
}

/** 421: the workshop is moving to another server process (a cluster failover); it lands within seconds. */
const MISDIRECTED_RETRIES_MS = [150, 300, 600, 1200, 2400];

/**
 * How long one request may take, answer and body. A phone that changes networks mid-request can
 * keep it open for minutes with no answer: the join form said "Joining…" and a ballot "Sending…"
 * for good. A timer, not AbortSignal.timeout, so a test's fake clock can move it on.
 */
export const REQUEST_TIMEOUT_MS = 15_000;

export const NO_ANSWER = 'The server did not answer in time. Check your connection and try again.';

interface CallOptions extends RequestInit {
  token?: string;
  messages?: Messages;
  /** The action's key (client/lib/action-key.ts): sent on every try of it, the 421 retries below included. */
  idempotencyKey?: string;
}

async function call<T>(path: string, options: CallOptions = {}): Promise<T> {
  const { token, messages = {}, idempotencyKey, ...init } = options;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  // A structured-field string, as the IETF draft writes it.
  if (idempotencyKey) headers['idempotency-key'] = `"${idempotencyKey}"`;
  for (let attempt = 0; ; attempt++) {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), REQUEST_TIMEOUT_MS);
    let res: Response;
    let body: unknown;
    try {
      res = await fetch(path, { ...init, headers, signal: abort.signal });
      body = await res.json().catch(() => {
        if (abort.signal.aborted) throw new Error('timed out');
        return {};
      });
    } catch {
      throw new ApiError(0, abort.signal.aborted ? NO_ANSWER : 'Cannot reach the server. Check your connection and try again.');
    } finally {
      clearTimeout(timer);
    }
    if (res.status === 421 && attempt < MISDIRECTED_RETRIES_MS.length) {
      await new Promise((r) => setTimeout(r, MISDIRECTED_RETRIES_MS[attempt]));
      continue;
    }
    if (!res.ok) {
      const retry = Number(res.headers.get('retry-after') ?? NaN);
      throw written(res.status, (body ?? {}) as { error?: unknown; code?: unknown }, Number.isFinite(retry) ? retry : undefined, messages);
    }
    return body as T;
  }
}

export const api = {
  /** `idempotencyKey`, here and on join and openVote: the action's (ActionKey), so a retry of it makes nothing twice. */
  createWorkshop: (title: string, template: string, idempotencyKey?: string) =>
    call<CreateWorkshopResponse>('/api/workshops', { method: 'POST', body: JSON.stringify({ title, template }), idempotencyKey }),
  join: (code: string, name: string, idempotencyKey?: string) =>
    call<JoinResponse>('/api/join', { method: 'POST', body: JSON.stringify({ code, name }), messages: JOIN, idempotencyKey }),
  session: (workshopId: string, token: string) => call<SessionInfo>(`/api/workshops/${encodeURIComponent(workshopId)}/session`, { token }),
  renameParticipant: (workshopId: string, key: string, participantId: string, name: string) =>
    call<{ id: string; name: string }>(`/api/workshops/${encodeURIComponent(workshopId)}/participants/${participantId}`, {
      method: 'PATCH',
      token: key,
      body: JSON.stringify({ name }),
    }),
  participants: (workshopId: string, key: string) =>
    call<{ participants: { id: string; name: string; joinedAt: number; online: boolean }[] }>(
      `/api/workshops/${encodeURIComponent(workshopId)}/participants`,
      { token: key },
    ),
  removeParticipant: (workshopId: string, key: string, participantId: string) =>
    call<{ removed: boolean }>(`/api/workshops/${encodeURIComponent(workshopId)}/participants/${participantId}`, {
      method: 'DELETE',
      token: key,
    }),
  templates: () => call<{ templates: Template[] }>('/api/templates'),
  openVote: (workshopId: string, key: string, body: OpenVoteBody, idempotencyKey?: string) =>
    call<{ voteId: string }>(`${votes(workshopId)}`, { method: 'POST', token: key, body: JSON.stringify(body), idempotencyKey }),
  closeVote: (workshopId: string, key: string, voteId: string) =>
    call<{ voteId: string; state: 'closed'; ballots: number }>(`${votes(workshopId)}/${voteId}/close`, { method: 'POST', token: key }),
  revealVote: (workshopId: string, key: string, voteId: string) =>
    call<{ voteId: string; result: VoteResult }>(`${votes(workshopId)}/${voteId}/reveal`, { method: 'POST', token: key }),
  cancelVote: (workshopId: string, key: string, voteId: string) =>
    call<{ voteId: string; cancelled: true }>(`${votes(workshopId)}/${voteId}`, { method: 'DELETE', token: key }),
  castBallot: (workshopId: string, token: string, voteId: string, body: BallotBody) =>
    call<{ voteId: string; status: 'stored' | 'stale'; receipt: string }>(`${votes(workshopId)}/${voteId}/ballots`, {
      method: 'POST',
      token,
      body: JSON.stringify(body),
    }),
  pickGroup: (workshopId: string, token: string, group: string | null) =>
    call<{ group: string | null }>(`/api/workshops/${encodeURIComponent(workshopId)}/groups/pick`, {
      method: 'POST',
      token,
      body: JSON.stringify({ group }),
    }),
  myBallot: (workshopId: string, token: string, voteId: string) =>
    call<{ voteId: string; value: BallotValue; receipt: string; seq: number; at: number }>(`${votes(workshopId)}/${voteId}/ballot`, {
      token,
    }),
};

function votes(workshopId: string): string {
  return `/api/workshops/${encodeURIComponent(workshopId)}/votes`;
}
