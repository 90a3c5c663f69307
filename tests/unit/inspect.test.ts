import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { addTeam, initWorkshopDoc, ROOTS, setTeamField } from '../../shared/doc.ts';
import { findTemplate } from '../../shared/templates/index.ts';
import { inspectUpdate } from '../../server/inspect.ts';
import { checkWrite } from '../../server/permissions.ts';

/** A server copy and a client copy of one workshop, in sync. */
function pair() {
  const server = new Y.Doc();
  initWorkshopDoc(server, { title: 'T', template: findTemplate('ai-sdlc')!, createdAt: 1 });
  addTeam(server, 't1', { name: 'Payments', color: '#123456', stageCurrent: 1 });
  const client = new Y.Doc();
  Y.applyUpdate(client, Y.encodeStateAsUpdate(server));
  return { server, client };
}

/** The update a change on the client produces. */
function capture(doc: Y.Doc, change: () => void): Uint8Array {
  let out: Uint8Array | null = null;
  const on = (u: Uint8Array) => (out = u);
  doc.on('update', on);
  change();
  doc.off('update', on);
  return out!;
}

describe('inspecting an update against the server document', () => {
  it('sees a new team as a write to teams', () => {
    const { server, client } = pair();
    const u = capture(client, () => addTeam(client, 't2', { name: 'Mobile', color: '#abcdef' }));
    const r = inspectUpdate(server, u);
    expect([...r.roots]).toEqual([ROOTS.teams]);
    expect(r).toMatchObject({ missing: false, fresh: true, malformed: false });
  });

  it('traces a field change inside a team map back to teams', () => {
    const { server, client } = pair();
    const u = capture(client, () => setTeamField(client, 't1', 'stageCurrent', 2.2));
    expect([...inspectUpdate(server, u).roots]).toEqual([ROOTS.teams]);
  });

  it('traces the deletion of a team back to teams', () => {
    const { server, client } = pair();
    const u = capture(client, () => client.getMap(ROOTS.teams).delete('t1'));
    const r = inspectUpdate(server, u);
    expect([...r.roots]).toEqual([ROOTS.teams]);
    expect(r.fresh).toBe(true);
  });

  it('sees changes to control, meta and unknown roots', () => {
    const { server, client } = pair();
    const u = capture(client, () =>
      client.transact(() => {
        client.getMap(ROOTS.control).set('step', 3);
        client.getMap(ROOTS.meta).set('title', 'hijacked');
        client.getMap('sneaky').set('x', 1);
      }),
    );
    expect([...inspectUpdate(server, u).roots].sort()).toEqual(['control', 'meta', 'sneaky']);
  });

  it('finds a "__proto__" key malformed wherever it is set, and "constructor" not', () => {
    const cases: [(client: Y.Doc) => void, boolean][] = [
      [(client) => client.getMap(ROOTS.teams).set('__proto__', new Y.Map()), true],
      [(client) => client.getMap(ROOTS.groups).set('__proto__', 'x'), true],
      [(client) => (client.getMap(ROOTS.teams).get('t1') as Y.Map<unknown>).set('__proto__', 1), true],
      [(client) => client.getMap(ROOTS.groups).set('constructor', 'x'), false],
    ];
    for (const [change, malformed] of cases) {
      const { server, client } = pair();
      expect(
        inspectUpdate(
          server,
          capture(client, () => change(client)),
        ),
      ).toMatchObject({ malformed, missing: false });
    }
  });

  it('finds an update that was already integrated not fresh', () => {
    const { server, client } = pair();
    const u = capture(client, () => setTeamField(client, 't1', 'stageCurrent', 2.2));
    Y.applyUpdate(server, u);
    expect(inspectUpdate(server, u).fresh).toBe(false);
  });

  it('flags an update whose predecessor never arrived as missing', () => {
    const { server, client } = pair();
    capture(client, () => setTeamField(client, 't1', 'stageCurrent', 1.5));
    const second = capture(client, () => setTeamField(client, 't1', 'stageCurrent', 1.6));
    expect(inspectUpdate(server, second).missing).toBe(true);
  });

  it('flags an update inside a team the server has never seen as missing', () => {
    const { server, client } = pair();
    capture(client, () => addTeam(client, 't9', { name: 'Ghost', color: '#000000' }));
    const other = new Y.Doc();
    Y.applyUpdate(other, Y.encodeStateAsUpdate(client));
    const u = capture(other, () => setTeamField(other, 't9', 'stageCurrent', 2));
    expect(inspectUpdate(server, u).missing).toBe(true);
  });

  it('follows a long chain of overwrites of one key: a client that dragged for minutes offline', () => {
    const { server, client } = pair();
    // Each risk-map move sets two fields, throttled to 20 a second: 10,000 is over four minutes of dragging.
    const u = capture(client, () =>
      client.transact(() => {
        for (let i = 0; i < 10_000; i++) {
          setTeamField(client, 't1', 'autonomy', (i % 100) / 100);
          setTeamField(client, 't1', 'controls', (i % 50) / 50);
        }
      }),
    );
    // Sent as the client's catch-up after reconnecting: one update, each item beside the one it replaced.
    const offline = Y.encodeStateAsUpdate(client, Y.encodeStateVector(server));
    for (const update of [u, offline]) {
      const r = inspectUpdate(server, update);
      expect(r).toMatchObject({ missing: false, fresh: true, malformed: false, misfit: false });
      expect([...r.roots]).toEqual([ROOTS.teams]);
    }
  });

  it('follows moves made one by one offline and sent as one catch-up', () => {
    const { server, client } = pair();
    for (let i = 0; i < 300; i++) {
      setTeamField(client, 't1', 'autonomy', i / 300);
      setTeamField(client, 't1', 'controls', 1 - i / 300);
    }
    const r = inspectUpdate(server, Y.encodeStateAsUpdate(client, Y.encodeStateVector(server)));
    expect(r).toMatchObject({ missing: false, fresh: true, misfit: false });
  });

  it('takes a field’s old values kept by an undo history and merged into one deleted item', () => {
    const { server, client } = pair();
    // The app's edits keep what they overwrote, for Undo; offline, Yjs merges each run of them into one item.
    const origin = { edits: true };
    const undo = new Y.UndoManager(client.getMap(ROOTS.teams), { trackedOrigins: new Set([origin]) });
    for (let i = 1; i <= 3; i++) client.transact(() => setTeamField(client, 't1', 'stageCurrent', 1 + i / 10), origin);
    const update = Y.encodeStateAsUpdate(client, Y.encodeStateVector(server));
    const { structs } = Y.decodeUpdate(update) as unknown as { structs: { content?: { arr?: unknown[] } }[] };
    expect(structs.some((s) => (s.content?.arr?.length ?? 0) > 1)).toBe(true);
    // Broke: refused as "not a plain value", so the moves made offline were thrown away on reconnect.
    expect(inspectUpdate(server, update)).toMatchObject({ missing: false, fresh: true, misfit: false });

    // The old values are still held to the size of a value.
    client.transact(() => setTeamField(client, 't1', 'bottleneck', 'x'.repeat(1500)), origin);
    client.transact(() => setTeamField(client, 't1', 'bottleneck', 'y'), origin);
    client.transact(() => setTeamField(client, 't1', 'bottleneck', 'z'), origin);
    const oversized = inspectUpdate(server, Y.encodeStateAsUpdate(client, Y.encodeStateVector(server)));
    expect(oversized).toMatchObject({ misfit: true, misfitDetail: 'team field "bottleneck" is 1500 characters long' });
    undo.destroy();
  });

  it('throws on bytes that are not an update', () => {
    const { server } = pair();
    expect(() => inspectUpdate(server, new Uint8Array([200, 200, 200, 200, 1]))).toThrow();
  });

  it('names what does not fit in teams', () => {
    const detail = (change: (teams: Y.Map<unknown>) => void) => {
      const { server, client } = pair();
      const r = inspectUpdate(
        server,
        capture(client, () => change(client.getMap(ROOTS.teams))),
      );
      expect(r.misfit).toBe(true);
      return r.misfitDetail;
    };
    expect(detail((teams) => (teams.get('t1') as Y.Map<unknown>).set('evil', 1))).toBe('"evil" is not a team field');
    expect(detail((teams) => (teams.get('t1') as Y.Map<unknown>).set('commitment', 'x'.repeat(1001)))).toBe(
      'team field "commitment" is 1001 characters long',
    );
    expect(detail((teams) => teams.set('t2', 'not a map'))).toBe('team "t2" is not a map');
  });

  it('inspects an update of many teams in time proportional to its size', () => {
    const { server, client } = pair();
    const u = capture(client, () =>
      client.transact(() => {
        for (let i = 0; i < 20_000; i++) addTeam(client, `t${i + 2}`, { name: `Team ${i}`, color: '#123456' });
      }),
    );
    // Broke: each field looked up its team among the update's items one by one, so this 1.3 MB
    // update took over ten seconds; an import (no credential needed) inspects far larger entries.
    const t = performance.now();
    const r = inspectUpdate(server, u);
    expect(performance.now() - t).toBeLessThan(3000);
    expect(r).toMatchObject({ misfit: false, missing: false, newTeams: 20_000 });
  });
});

describe('who may write what', () => {
  it('lets participants write teams only while unlocked', () => {
    expect(checkWrite('participant', ['teams'], false)).toEqual({ ok: true });
    expect(checkWrite('participant', ['teams'], true)).toEqual({ ok: false, reason: 'the board is locked' });
  });

  it('keeps control, meta, groups and results from participants', () => {
    for (const root of ['control', 'meta', 'groups', 'results']) {
      expect(checkWrite('participant', [root], false).ok).toBe(false);
    }
  });

  it('lets the facilitator write everything but the server-owned results, locked or not', () => {
    for (const root of ['control', 'meta', 'groups', 'teams']) expect(checkWrite('facilitator', [root], true).ok).toBe(true);
    expect(checkWrite('facilitator', ['results'], false).ok).toBe(false);
  });

  it('lets observers write nothing and nobody write unknown roots', () => {
    expect(checkWrite('observer', ['teams'], false).ok).toBe(false);
    expect(checkWrite('facilitator', ['sneaky'], false)).toEqual({ ok: false, reason: 'unknown part of the document: "sneaky"' });
  });
});
