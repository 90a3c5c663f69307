import { fromBase64 } from 'lib0/buffer';
import type { ReplayEngine } from '../../shared/replay.ts';
import type { ParticipantInfo, PresenceInfo } from '../../shared/timeline.ts';

/**
 * Loads a workshop's history into a replay engine, a page at a time. Only
 * `fetch` is used, so the benchmark runs this same code under Node. The next
 * page is requested before the current one is applied, so the network and
 * the Yjs work overlap.
 */
interface HistoryAnswer {
  entries: { seq: number; at: number; author: string; update: string }[];
  next?: number;
}

export class LoadError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function getJson<T>(url: string, token: string, signal?: AbortSignal): Promise<T> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` }, signal });
  const body = (await res.json().catch(() => ({}))) as { error?: string };
  if (!res.ok) throw new LoadError(res.status, body.error ?? `request failed (${res.status})`);
  return body as T;
}

export async function loadHistory(opts: {
  base?: string;
  workshopId: string;
  token: string;
  engine: ReplayEngine;
  onProgress?: (loaded: number, lastAt: number) => void;
  signal?: AbortSignal;
}): Promise<void> {
  const url = (since?: number) =>
    `${opts.base ?? ''}/api/workshops/${encodeURIComponent(opts.workshopId)}/history${since === undefined ? '' : `?since=${since}`}`;
  let pending: Promise<HistoryAnswer> | null = getJson<HistoryAnswer>(url(), opts.token, opts.signal);
  while (pending) {
    const page: HistoryAnswer = await pending;
    pending = page.next === undefined ? null : getJson<HistoryAnswer>(url(page.next), opts.token, opts.signal);
    opts.engine.append(page.entries.map((e) => ({ seq: e.seq, at: e.at, author: e.author, update: fromBase64(e.update) })));
    opts.onProgress?.(opts.engine.length, opts.engine.endAt);
    // Let the page paint the progress between pages.
    await new Promise((r) => setTimeout(r, 0));
  }
}

export function loadPresence(opts: { base?: string; workshopId: string; token: string }) {
  return getJson<{ participants: (ParticipantInfo & { removedAt: number | null })[]; events: PresenceInfo[] }>(
    `${opts.base ?? ''}/api/workshops/${encodeURIComponent(opts.workshopId)}/presence`,
    opts.token,
  );
}
