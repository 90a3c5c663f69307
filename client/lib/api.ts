import type { CreateWorkshopResponse, JoinResponse, SessionInfo } from '../../shared/schema.ts';
import type { Template } from '../../shared/template.ts';
import type { BallotBody, BallotValue, OpenVoteBody, VoteResult } from '../../shared/votes.ts';

/** An API answer that was not 2xx, with the server's message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** 421: the workshop is moving to another server process (a cluster failover); it lands within seconds. */
const MISDIRECTED_RETRIES_MS = [150, 300, 600, 1200, 2400];

async function call<T>(path: string, init: RequestInit & { token?: string } = {}): Promise<T> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  for (let attempt = 0; ; attempt++) {
    let res: Response;
    try {
      res = await fetch(path, { ...init, headers });
    } catch {
      throw new ApiError(0, 'Cannot reach the server. Check your connection and try again.');
    }
    const body = await res.json().catch(() => ({}));
    if (res.status === 421 && attempt < MISDIRECTED_RETRIES_MS.length) {
      await new Promise((r) => setTimeout(r, MISDIRECTED_RETRIES_MS[attempt]));
      continue;
    }
    if (!res.ok) throw new ApiError(res.status, body.error ?? `request failed (${res.status})`);
    return body as T;
  }
}

export const api = {
  createWorkshop: (title: string, template: string) =>
    call<CreateWorkshopResponse>('/api/workshops', { method: 'POST', body: JSON.stringify({ title, template }) }),
  join: (code: string, name: string) => call<JoinResponse>('/api/join', { method: 'POST', body: JSON.stringify({ code, name }) }),
  session: (workshopId: string, token: string) => call<SessionInfo>(`/api/workshops/${encodeURIComponent(workshopId)}/session`, { token }),
  renameParticipant: (workshopId: string, key: string, participantId: string, name: string) =>
    call<{ id: string; name: string }>(`/api/workshops/${encodeURIComponent(workshopId)}/participants/${participantId}`, {
      method: 'PATCH',
      token: key,
      body: JSON.stringify({ name }),
    }),
  removeParticipant: (workshopId: string, key: string, participantId: string) =>
    call<{ removed: boolean }>(`/api/workshops/${encodeURIComponent(workshopId)}/participants/${participantId}`, {
      method: 'DELETE',
      token: key,
    }),
  templates: () => call<{ templates: Template[] }>('/api/templates'),
  openVote: (workshopId: string, key: string, body: OpenVoteBody) =>
    call<{ voteId: string }>(`${votes(workshopId)}`, { method: 'POST', token: key, body: JSON.stringify(body) }),
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
