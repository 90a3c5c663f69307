import { describe, expect, it } from 'vitest';
import { CLOSE } from '../../shared/errors.ts';
import { createWorkshop, join, post } from '../helpers/api.ts';
import { openRaw } from '../helpers/raw.ts';
import { rawClient } from '../helpers/rawyjs.ts';
import { useServer } from '../helpers/server.ts';

const srv = useServer();

const auth = (token: string) => ({ authorization: `Bearer ${token}` });
const tokenOf = (observerUrl: string) => new URL(observerUrl).hash.replace('#token=', '');

describe('rotating the join code', () => {
  it('stops the old code at once while people already in stay', async () => {
    const w = await createWorkshop(srv.url);
    const early = await join(srv.url, w.joinCode, 'Early');
    const inside = rawClient(srv.wsUrl, w.id, early.token);
    await inside.synced;

    const r = await post(`${srv.url}/api/workshops/${w.id}/rotate-code`, {}, auth(w.facilitatorKey));
    expect(r.status).toBe(200);
    expect(r.json.joinCode).toMatch(/^[A-HJ-NP-Z2-9]{6}$/);
    expect(r.json.joinCode).not.toBe(w.joinCode);

    expect((await post(`${srv.url}/api/join`, { code: w.joinCode, name: 'Late' })).status).toBe(404);
    expect((await join(srv.url, r.json.joinCode, 'Late')).workshopId).toBe(w.id);
    // The early participant's socket is untouched and its token still works.
    expect(inside.ws.readyState).toBe(inside.ws.OPEN);
    const again = rawClient(srv.wsUrl, w.id, early.token);
    await again.synced;
    again.ws.close();
    inside.ws.close();
    const session = await fetch(`${srv.url}/api/workshops/${w.id}/session`, { headers: auth(w.facilitatorKey) });
    expect((await session.json()).joinCode).toBe(r.json.joinCode);
  });

  it("is the facilitator's alone", async () => {
    const w = await createWorkshop(srv.url);
    const p = await join(srv.url, w.joinCode, 'P');
    expect((await post(`${srv.url}/api/workshops/${w.id}/rotate-code`, {}, auth(p.token))).status).toBe(403);
    expect((await post(`${srv.url}/api/workshops/${w.id}/rotate-code`, {})).status).toBe(401);
    expect((await post(`${srv.url}/api/workshops/${w.id}/rotate-observer`, {}, auth(tokenOf(w.observerUrl)))).status).toBe(403);
  });
});

describe('rotating the observer link', () => {
  it('closes live sockets on the old token, refuses it afterwards, and issues a working link', async () => {
    const w = await createWorkshop(srv.url);
    const projector = rawClient(srv.wsUrl, w.id, tokenOf(w.observerUrl));
    await projector.synced;

    const r = await post(`${srv.url}/api/workshops/${w.id}/rotate-observer`, {}, auth(w.facilitatorKey));
    expect(r.status).toBe(200);
    expect(r.json.observerUrl).not.toBe(w.observerUrl);
    expect(await projector.closed).toEqual({ code: CLOSE.badToken, reason: 'the observer link was revoked' });

    const old = await openRaw(`${srv.wsUrl}/${w.id}?token=${tokenOf(w.observerUrl)}`);
    expect(old.code).toBe(CLOSE.badToken);
    expect(old.frames).toHaveLength(0);
    const fresh = rawClient(srv.wsUrl, w.id, tokenOf(r.json.observerUrl));
    await fresh.synced;
    fresh.ws.close();
    // The facilitator's session shows the new link, from any device holding the key.
    const session = await fetch(`${srv.url}/api/workshops/${w.id}/session`, { headers: auth(w.facilitatorKey) });
    expect((await session.json()).observerUrl).toBe(r.json.observerUrl);
  });
});
