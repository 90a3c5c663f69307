import { fromBase64 } from 'lib0/buffer';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { addTeam, readControl, readTeams, ROOT_NAMES, setTeamField } from '../../shared/doc.ts';
import { ReplayEngine } from '../../shared/replay.ts';
import { createWorkshop, join } from '../helpers/api.ts';
import { startServer, useServer } from '../helpers/server.ts';
import { connect, synced, until, useClients } from '../helpers/yclient.ts';

// Small pages, so a short session already spans several of them.
const srv = useServer({ limits: { historyPageSize: 7 } });
const { open, track } = useClients(srv);

const get = async (path: string, token?: string, base = srv.url) => {
  const res = await fetch(base + path, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: res.status, json: (await res.json()) as any };
};

interface Entry {
  seq: number;
  at: number;
  author: string;
  update: string;
}

async function allHistory(id: string, key: string, base = srv.url): Promise<{ entries: Entry[]; pages: number }> {
  const entries: Entry[] = [];
  let since: number | undefined;
  let pages = 0;
  do {
    const r = await get(`/api/workshops/${id}/history${since === undefined ? '' : `?since=${since}`}`, key, base);
    expect(r.status).toBe(200);
    pages++;
    entries.push(...r.json.entries);
    since = r.json.next;
  } while (since !== undefined);
  return { entries, pages };
}

describe('history', () => {
  it('is for the facilitator only and refuses a malformed since', async () => {
    const w = await createWorkshop(srv.url);
    const p = await join(srv.url, w.joinCode, 'Nosy');
    expect((await get(`/api/workshops/${w.id}/history`)).status).toBe(401);
    expect((await get(`/api/workshops/${w.id}/history`, 'not-a-key')).status).toBe(401);
    expect((await get(`/api/workshops/${w.id}/history`, p.token)).status).toBe(403);
    expect((await get(`/api/workshops/${w.id}/export`, p.token)).status).toBe(403);
    expect((await get(`/api/workshops/${w.id}/export/teams.csv`, p.token)).status).toBe(403);
    for (const bad of ['-1', 'abc', '1.5', '']) {
      const r = await get(`/api/workshops/${w.id}/history?since=${bad}`, w.facilitatorKey);
      expect(r.status, `since=${bad}`).toBe(400);
    }
    const first = await get(`/api/workshops/${w.id}/history`, w.facilitatorKey);
    expect(first.json.entries[0]).toMatchObject({ seq: 1, author: 'server' });
    expect(first.json.next).toBeUndefined();
    const last = first.json.entries.at(-1).seq;
    expect((await get(`/api/workshops/${w.id}/history?since=${last}`, w.facilitatorKey)).json).toEqual({ entries: [] });
    // Any seq past the end, however large, is an empty last page.
    expect((await get(`/api/workshops/${w.id}/history?since=99999999999999999999`, w.facilitatorKey)).json).toEqual({
      entries: [],
    });
  });

  it('ends a page before historyPageBytes of updates, and every entry still arrives once, in order', async () => {
    const limit = 600;
    const own = await startServer({ limits: { historyPageSize: 1000, historyPageBytes: limit } });
    try {
      const w = await createWorkshop(own.url);
      const fac = connect(own.wsUrl, w.id, w.facilitatorKey);
      await synced(fac);
      // One update of about 1 KB (more than a page holds), among small ones.
      addTeam(fac.doc, 'big', { name: 'Big', color: '#2563eb', commitment: 'x'.repeat(450), bottleneck: 'y'.repeat(450) });
      for (let i = 0; i < 20; i++) setTeamField(fac.doc, 'big', 'stageCurrent', 1 + i / 10);
      const room = own.server.rooms.get(w.id)!;
      await until(room.doc, () => readTeams(room.doc, 3)[0]?.stageCurrent === 2.9, 'the last move stored');
      const seqs: number[] = [];
      let since: number | undefined;
      let pages = 0;
      do {
        const r = await get(`/api/workshops/${w.id}/history${since === undefined ? '' : `?since=${since}`}`, w.facilitatorKey, own.url);
        const bytes = r.json.entries.reduce((n: number, e: Entry) => n + fromBase64(e.update).length, 0);
        if (r.json.entries.length > 1) expect(bytes).toBeLessThanOrEqual(limit);
        seqs.push(...r.json.entries.map((e: Entry) => e.seq));
        since = r.json.next;
        pages++;
      } while (since !== undefined);
      expect(pages).toBeGreaterThan(2);
      expect(seqs).toEqual(seqs.map((_, i) => i + 1));
      expect(seqs.length).toBe(room.lastSeq);
      fac.destroy();
    } finally {
      await own.close();
    }
  });
});

/** Every root, read as a map: a fresh Y.Doc's toJSON lists only the types it has been asked for. */
const docJson = (doc: Y.Doc) => Object.fromEntries(ROOT_NAMES.map((n) => [n, doc.getMap(n).toJSON()]));
const sameState = (a: Y.Doc, b: Y.Doc) => String(Y.encodeStateVector(a)) === String(Y.encodeStateVector(b));

/** Resolves once both documents hold the same state, re-checking whenever either changes. */
function converged(a: Y.Doc, b: Y.Doc): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error('documents did not converge')), 5_000);
    const check = () => sameState(a, b) && done();
    const done = (err?: Error) => {
      clearTimeout(timer);
      a.off('update', check);
      b.off('update', check);
      if (err) reject(err);
      else resolve();
    };
    a.on('update', check);
    b.on('update', check);
    check();
  });
}

describe('replaying a session', () => {
  it('reproduces the live document exactly at every agenda step, and the export re-imports to the same state', async () => {
    const w = await createWorkshop(srv.url);
    const fac = open(w.id, w.facilitatorKey);
    const priya = open(w.id, (await join(srv.url, w.joinCode, 'Priya')).token);
    const omar = open(w.id, (await join(srv.url, w.joinCode, 'Omar')).token);
    await Promise.all([synced(fac), synced(priya), synced(omar)]);
    const room = srv.server.rooms.get(w.id)!;
    const serverHas = (check: (doc: Y.Doc) => boolean, what: string) => until(room.doc, () => check(room.doc), what);

    // At each agenda step: what the server's live document was, and the last seq logged by then.
    const checkpoints: { seq: number; json: unknown; sv: Uint8Array }[] = [];
    const mark = () => checkpoints.push({ seq: room.lastSeq, json: docJson(room.doc), sv: Y.encodeStateVector(room.doc) });

    for (let step = 1; step <= 4; step++) {
      fac.doc.getMap('control').set('step', step);
      await serverHas((d) => d.getMap('control').get('step') === step, `step ${step}`);
      const teamId = `t${step}`;
      addTeam(priya.doc, teamId, { name: `Team ${step}`, color: '#2563eb', createdAt: step, stageCurrent: 1 });
      setTeamField(priya.doc, teamId, 'autonomy', step / 5);
      await until(omar.doc, () => omar.doc.getMap('teams').has(teamId), `${teamId} on Omar's board`);
      for (let k = 1; k <= 3; k++) setTeamField(omar.doc, teamId, 'stageCurrent', 1 + k * 0.3);
      await serverHas((d) => d.getMap('teams').has(teamId), `team ${teamId}`);
      for (const c of [fac, priya, omar]) await converged(c.doc, room.doc);
      mark();
    }
    omar.destroy();

    const { entries, pages } = await allHistory(w.id, w.facilitatorKey);
    expect(pages).toBeGreaterThan(2);
    expect(entries.map((e) => e.seq)).toEqual(entries.map((_, i) => i + 1));
    const authors = [...new Set(entries.map((e) => e.author))];
    expect(authors).toEqual(expect.arrayContaining(['server', 'facilitator']));
    expect(authors.filter((a) => a.startsWith('p_'))).toHaveLength(2);

    // One by one into a fresh document, as the history endpoint hands them out.
    const doc = new Y.Doc();
    const engine = new ReplayEngine({ checkpointEvery: 5 });
    engine.append(entries.map((e) => ({ ...e, update: fromBase64(e.update) })));
    for (const e of entries) {
      Y.applyUpdate(doc, fromBase64(e.update));
      const cp = checkpoints.find((c) => c.seq === e.seq);
      if (!cp) continue;
      expect(docJson(doc)).toEqual(cp.json);
      expect(Y.encodeStateVector(doc)).toEqual(cp.sv);
      // The engine's checkpoint-and-seek path lands on the same document, in either direction.
      expect(docJson(engine.docAt(e.seq - 1))).toEqual(cp.json);
    }
    for (const cp of [...checkpoints].reverse()) expect(docJson(engine.docAt(cp.seq - 1))).toEqual(cp.json);
    // The view's seek (an index of states, no Yjs work) shows what the readers read from the exact document.
    for (let i = -1; i < entries.length; i++) {
      const frame = engine.frameAt(i);
      const exact = engine.docAt(i);
      expect(frame.teams).toEqual(readTeams(exact, 3));
      expect(frame.control).toEqual(readControl(exact));
    }
    expect(engine.events.filter((e) => e.kind === 'step').map((e) => e.step)).toEqual([0, 1, 2, 3, 4]);
    // Team 1's trail: added at 1, given an autonomy, then dragged right in three moves.
    expect(engine.trails.get('t1')!.map((p) => [p.stageCurrent, p.autonomy])).toEqual([
      [1, undefined],
      [1, 0.2],
      [1.3, 0.2],
      [1.6, 0.2],
      [1.9, 0.2],
    ]);

    // Omar left: the timeline has joins, connects and his leave.
    const exported = await get(`/api/workshops/${w.id}/export`, w.facilitatorKey);
    expect(exported.status).toBe(200);
    const exp = exported.json;
    expect(exp.teams.map((t: { name: string }) => t.name)).toEqual(['Team 1', 'Team 2', 'Team 3', 'Team 4']);
    expect(exp.participants.map((p: { name: string }) => p.name).sort()).toEqual(['Omar', 'Priya']);
    expect(exp.log).toHaveLength(entries.length);
    const labels = exp.timeline.map((e: { label: string }) => e.label);
    expect(labels).toEqual(
      expect.arrayContaining(['Priya joined', 'Omar joined', 'Omar left', 'Team added: Team 3', 'Agenda 2: Where is your team today?']),
    );
    expect(exp.votes).toEqual([]);

    const fresh = await startServer();
    try {
      const res = await fetch(`${fresh.url}/api/workshops/import`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(exp),
      });
      expect(res.status).toBe(201);
      const imported = (await res.json()) as { id: string; facilitatorKey: string; joinCode: string };
      expect(imported.id).not.toBe(w.id);
      expect(imported.joinCode).toMatch(/^[A-Z2-9]{6}$/);
      const again = new Y.Doc();
      for (const e of (await allHistory(imported.id, imported.facilitatorKey, fresh.url)).entries)
        Y.applyUpdate(again, fromBase64(e.update));
      expect(docJson(again)).toEqual(docJson(room.doc));
      // And the imported workshop opens live with that state.
      const live = connect(fresh.wsUrl, imported.id, imported.facilitatorKey);
      track(live);
      await synced(live);
      expect(docJson(live.doc)).toEqual(docJson(room.doc));
      const reExport = await fetch(`${fresh.url}/api/workshops/${imported.id}/export`, {
        headers: { authorization: `Bearer ${imported.facilitatorKey}` },
      });
      const re = (await reExport.json()) as typeof exp;
      expect(re.timeline.map((e: { label: string }) => e.label)).toEqual(expect.arrayContaining(['Omar joined', 'Omar left']));
    } finally {
      await fresh.close();
    }
  });
});
