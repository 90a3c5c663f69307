import type { CreateWorkshopResponse, JoinResponse } from '../../shared/schema.ts';

export async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, headers: res.headers };
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
