import * as Y from 'yjs';
import { addTeam, ROOTS } from '../../shared/doc.ts';
import type { CreateWorkshopResponse, JoinResponse } from '../../shared/schema.ts';

/** One request, its answer read whole: the status, the body as text and, when it parses, as JSON. */
export async function request(method: string, url: string, opts: { headers?: Record<string, string>; body?: string | Blob } = {}) {
  const res = await fetch(url, { method, headers: opts.headers, body: opts.body });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, headers: res.headers, text };
}

export async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  return request('POST', url, {
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

export async function createWorkshop(base: string, title = 'Platform leadership offsite', template?: string) {
  const r = await post(`${base}/api/workshops`, template ? { title, template } : { title });
  if (r.status !== 201) throw new Error(`create failed: ${r.status} ${JSON.stringify(r.json)}`);
  return r.json as CreateWorkshopResponse;
}

export async function join(base: string, code: string, name: string) {
  const r = await post(`${base}/api/join`, { code, name });
  if (r.status !== 200) throw new Error(`join failed: ${r.status} ${JSON.stringify(r.json)}`);
  return r.json as JoinResponse;
}

/**
 * A workshop's export whose timeline holds `events` connects and disconnects: small to parse, and
 * one row each, the slowest part of an import to store. Returns the file as a request body.
 */
export async function exportWithEvents(base: string, events: number): Promise<string> {
  const w = await createWorkshop(base, 'Long day');
  const res = await fetch(`${base}/api/workshops/${w.id}/export`, { headers: { authorization: `Bearer ${w.facilitatorKey}` } });
  const file = await res.json();
  file.timeline = Array.from({ length: events }, (_, i) => ({
    at: 1_700_000_000_000 + i,
    kind: i % 2 ? 'disconnect' : 'connect',
    label: '',
    actor: 'facilitator',
  }));
  return JSON.stringify(file);
}

/**
 * A workshop's export whose log holds `entries` updates (one team dragged back and forth): long to
 * replay and store. Returns the file as a request body.
 */
export async function exportWithLog(base: string, entries: number): Promise<string> {
  const w = await createWorkshop(base, 'Long session');
  const res = await fetch(`${base}/api/workshops/${w.id}/export`, { headers: { authorization: `Bearer ${w.facilitatorKey}` } });
  const file = await res.json();
  const doc = new Y.Doc();
  for (const e of file.log) Y.applyUpdate(doc, Buffer.from(e.update, 'base64'));
  doc.on('update', (update: Uint8Array) => {
    const seq = file.log.length + 1;
    file.log.push({ seq, at: 1_700_000_000_000 + seq, author: 'facilitator', update: Buffer.from(update).toString('base64') });
  });
  addTeam(doc, 't1', { name: 'Platform', color: '#2563eb', stageCurrent: 1 });
  const team = doc.getMap(ROOTS.teams).get('t1') as Y.Map<unknown>;
  while (file.log.length < entries) team.set('stageCurrent', 1 + (file.log.length % 300) / 100);
  return JSON.stringify(file);
}
