import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { addTeam, readControl, readTeams, ROOTS, setTeamField } from '../../shared/doc.ts';
import { CLOSE } from '../../shared/errors.ts';
import { createWorkshop, join, post } from '../helpers/api.ts';
import { openRaw } from '../helpers/raw.ts';
import { useServer } from '../helpers/server.ts';
import { connect, synced, until, useClients } from '../helpers/yclient.ts';

const srv = useServer();
const { open } = useClients(srv);

const teamNamed = (doc: Y.Doc, name: string) => readTeams(doc, 3).find((t) => t.name === name);

describe('live document', () => {
  it('lets two stock WebsocketProvider clients converge on a team and its position', async () => {
    const w = await createWorkshop(srv.url);
    const alice = await join(srv.url, w.joinCode, 'Alice');
    const bob = await join(srv.url, w.joinCode.toLowerCase(), 'Bob');
    const a = open(w.id, alice.token);
    const b = open(w.id, bob.token);
    await Promise.all([synced(a), synced(b)]);

    addTeam(a.doc, 't1', { name: 'Payments', color: '#2563eb', stageCurrent: 1.2, stageTarget: 2 });
    await until(b.doc, () => teamNamed(b.doc, 'Payments')?.stageCurrent === 1.2, 'team on b');
    setTeamField(b.doc, 't1', 'stageTarget', 2.6);
    await until(a.doc, () => teamNamed(a.doc, 'Payments')?.stageTarget === 2.6, 'target on a');

    expect(Y.encodeStateVector(a.doc)).toEqual(Y.encodeStateVector(b.doc));
    expect(a.doc.getMap('meta').get('title')).toBe('Platform leadership offsite');
  });

  it('gives a client that joins later the full state', async () => {
    const w = await createWorkshop(srv.url);
    const first = open(w.id, w.facilitatorKey);
    await synced(first);
    addTeam(first.doc, 'a', { name: 'Core API', color: '#16a34a', stageCurrent: 1.4 });
    addTeam(first.doc, 'b', { name: 'Mobile', color: '#dc2626', stageCurrent: 2.1 });
    setTeamField(first.doc, 'a', 'stageCurrent', 1.7);
    const p = await join(srv.url, w.joinCode, 'Late Larry');
    const late = open(w.id, p.token);
    await synced(late);
    await until(late.doc, () => readTeams(late.doc, 3).length === 2, 'both teams');
    expect(readTeams(late.doc, 3).map((t) => [t.name, t.stageCurrent])).toEqual([
      ['Core API', 1.7],
      ['Mobile', 2.1],
    ]);
  });

  it('gives every caller of a room close the one close, which ends with the sockets told to reconnect', async () => {
    const w = await createWorkshop(srv.url);
    const c = open(w.id, w.facilitatorKey);
    await synced(c);
    const room = srv.server.rooms.get(w.id)!;
    const told = new Promise<number>((resolve) => c.provider.ws!.addEventListener('close', (e) => resolve(e.code)));
    const first = room.close(CLOSE.ownedElsewhere, 'moving');
    // A second caller (say, a load of the same workshop) waits for the same close.
    expect(room.close()).toBe(first);
    expect(room.state).toBe('closing');
    await first;
    expect(room.state).toBe('closed');
    expect(await told).toBe(CLOSE.ownedElsewhere);
  });

  it('keeps everything across a server restart on the same data folder', async () => {
    const w = await createWorkshop(srv.url, 'Restart drill');
    const c = open(w.id, w.facilitatorKey);
    await synced(c);
    addTeam(c.doc, 'x', { name: 'Data platform', color: '#9333ea', stageCurrent: 2.25, stageTarget: 2.9 });
    // The server stores an update before it broadcasts it; a second client seeing it proves it is stored.
    const watcher = open(w.id, w.facilitatorKey);
    await until(watcher.doc, () => teamNamed(watcher.doc, 'Data platform') !== undefined, 'team on watcher');
    c.destroy();
    watcher.destroy();

    await srv.restart();

    const after = open(w.id, w.facilitatorKey);
    await synced(after);
    await until(after.doc, () => teamNamed(after.doc, 'Data platform') !== undefined, 'team after restart');
    expect(teamNamed(after.doc, 'Data platform')).toMatchObject({ stageCurrent: 2.25, stageTarget: 2.9 });
    expect(after.doc.getMap('meta').get('title')).toBe('Restart drill');
    // The join code still works after the restart.
    expect((await join(srv.url, w.joinCode, 'After restart')).workshopId).toBe(w.id);
  });
});

describe('credentials on the socket', () => {
  it('refuses a bad token with 4401 before sending any document data', async () => {
    const w = await createWorkshop(srv.url);
    const r = await openRaw(`${srv.wsUrl}/${w.id}?token=not-a-real-token`);
    expect(r.code).toBe(CLOSE.badToken);
    expect(r.reason).toMatch(/invalid token/);
    expect(r.frames).toHaveLength(0);
  });

  it('refuses a missing token with 4401 and sends nothing', async () => {
    const w = await createWorkshop(srv.url);
    const r = await openRaw(`${srv.wsUrl}/${w.id}`);
    expect(r.code).toBe(CLOSE.badToken);
    expect(r.reason).toMatch(/missing token/);
    expect(r.frames).toHaveLength(0);
  });

  it("refuses one workshop's token on another workshop", async () => {
    const a = await createWorkshop(srv.url);
    const b = await createWorkshop(srv.url);
    const r = await openRaw(`${srv.wsUrl}/${b.id}?token=${a.facilitatorKey}`);
    expect(r.code).toBe(CLOSE.badToken);
    expect(r.frames).toHaveLength(0);
  });

  it('closes a socket for an unknown workshop with 4404', async () => {
    const r = await openRaw(`${srv.wsUrl}/doesnotexist?token=x`);
    expect(r.code).toBe(CLOSE.notFound);
    expect(r.frames).toHaveLength(0);
  });
});

describe('HTTP API', () => {
  it('creates a workshop with a short unambiguous code and secret links', async () => {
    const r = await post(`${srv.url}/api/workshops`, { title: 'Q3 planning' });
    expect(r.status).toBe(201);
    expect(r.json.joinCode).toMatch(/^[A-HJ-NP-Z2-9]{6}$/);
    expect(r.json.facilitatorKey.length).toBeGreaterThanOrEqual(22); // ≥128 bits in base64url
    expect(r.json.facilitatorUrl).toBe(`${srv.url}/w/${r.json.id}#key=${r.json.facilitatorKey}`);
    expect(r.json.participantUrl).toBe(`${srv.url}/join/${r.json.joinCode}`);
    expect(r.json.observerUrl).toMatch(new RegExp(`^${srv.url}/w/${r.json.id}#token=[\\w-]{22,}$`));
  });

  it('answers an unknown join code with 404 and a JSON error', async () => {
    const r = await post(`${srv.url}/api/join`, { code: 'ZZZZZZ', name: 'Eve' });
    expect(r.status).toBe(404);
    expect(r.json).toMatchObject({ error: expect.stringMatching(/code/) });
  });

  it('answers malformed JSON with 400 and a JSON error', async () => {
    const r = await post(`${srv.url}/api/join`, '{"code": "ABC');
    expect(r.status).toBe(400);
    expect(r.json.error).toMatch(/not valid JSON/);
    const w = await post(`${srv.url}/api/workshops`, '{title:');
    expect(w.status).toBe(400);
  });

  it('answers a body of the wrong shape with 400 naming the field', async () => {
    expect((await post(`${srv.url}/api/workshops`, { title: '' })).json.error).toMatch(/^title: /);
    expect((await post(`${srv.url}/api/workshops`, { title: 42 })).status).toBe(400);
    expect((await post(`${srv.url}/api/workshops`, { title: 'x', template: 'nope' })).json.error).toMatch(/unknown template/);
    expect((await post(`${srv.url}/api/join`, { code: 'ABCDEF' })).json.error).toMatch(/^name: /);
    expect((await post(`${srv.url}/api/join`, [])).status).toBe(400);
  });

  it('accepts join codes typed in lower case or with a dash', async () => {
    const w = await createWorkshop(srv.url);
    const typed = `${w.joinCode.slice(0, 3)}-${w.joinCode.slice(3)}`.toLowerCase();
    const r = await post(`${srv.url}/api/join`, { code: typed, name: 'Dana' });
    expect(r.status).toBe(200);
    expect(r.json.workshopId).toBe(w.id);
  });

  it('tells a facilitator and a participant who they are', async () => {
    const w = await createWorkshop(srv.url);
    const p = await join(srv.url, w.joinCode, 'Priya');
    const asF = await fetch(`${srv.url}/api/workshops/${w.id}/session`, { headers: { authorization: `Bearer ${w.facilitatorKey}` } });
    expect(await asF.json()).toMatchObject({ role: 'facilitator', joinCode: w.joinCode, observerUrl: w.observerUrl });
    const asP = await fetch(`${srv.url}/api/workshops/${w.id}/session`, { headers: { authorization: `Bearer ${p.token}` } });
    const info = await asP.json();
    expect(info).toMatchObject({ role: 'participant', name: 'Priya', participantId: p.participantId });
    expect(info.joinCode).toBeUndefined();
    // The projector shows the room how to join, and nothing more.
    const observerToken = new URL(w.observerUrl.replace('#', '?')).searchParams.get('token')!;
    const asO = await fetch(`${srv.url}/api/workshops/${w.id}/session`, { headers: { authorization: `Bearer ${observerToken}` } });
    const o = await asO.json();
    expect(o).toMatchObject({ role: 'observer', joinCode: w.joinCode, participantUrl: w.participantUrl });
    expect(o.observerUrl).toBeUndefined();
    expect(o.facilitatorUrl).toBeUndefined();
    // The facilitator can switch that off: then an observer link cannot lead anyone in.
    const f = connect(srv.wsUrl, w.id, w.facilitatorKey);
    await synced(f);
    f.doc.getMap(ROOTS.control).set('showJoin', false);
    await expect.poll(() => readControl(srv.server.rooms.get(w.id)!.doc).showJoin).toBe(false);
    const off = await (
      await fetch(`${srv.url}/api/workshops/${w.id}/session`, { headers: { authorization: `Bearer ${observerToken}` } })
    ).json();
    expect(off).toMatchObject({ role: 'observer' });
    expect(off.joinCode).toBeUndefined();
    expect(off.participantUrl).toBeUndefined();
    f.destroy();
    const bad = await fetch(`${srv.url}/api/workshops/${w.id}/session`, { headers: { authorization: 'Bearer nope' } });
    expect(bad.status).toBe(401);
  });
});
