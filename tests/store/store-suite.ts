import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  RequestKeyTaken,
  type BallotRecord,
  type NewWorkshop,
  type RememberedRequest,
  type Store,
  type VoteRecord,
} from '../../server/store.ts';

/**
 * One behaviour suite for every Store backend: SQLite (the default) and
 * PostgreSQL (issue 10) must answer the same calls the same way.
 */
export interface OpenedStore {
  store: Store;
  cleanup(): Promise<void>;
  /** How many snapshot rows the backend keeps for a workshop, read around the Store interface. */
  snapshotRows(workshopId: string): Promise<number>;
}

export function storeSuite(name: string, open: () => Promise<OpenedStore>): void {
  describe(`${name} store`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    let snapshotRows: (id: string) => Promise<number>;
    let n = 0;
    beforeAll(async () => {
      ({ store, cleanup, snapshotRows } = await open());
    });
    afterAll(async () => {
      await store.close();
      await cleanup();
    });

    const update = (key: string, value: number) => {
      const d = new Y.Doc();
      d.getMap('teams').set(key, value);
      return Y.encodeStateAsUpdate(d);
    };
    async function workshop(over: Partial<NewWorkshop> = {}): Promise<NewWorkshop> {
      n++;
      const w: NewWorkshop = {
        id: `w${n}_${Math.random().toString(36).slice(2, 8)}`,
        title: `Workshop ${n}`,
        templateId: 'stages',
        joinCode: `C${n}${Math.random().toString(36).slice(2, 7)}`.toUpperCase(),
        createdAt: 1_700_000_000_000 + n,
        facilitatorKeyHash: `fk${n}${Math.random()}`,
        observerTokenHash: `ob${n}${Math.random()}`,
        ...over,
      };
      await store.createWorkshop(w, update('init', n));
      return w;
    }
    const participant = (workshopId: string, id: string, createdAt = 1) => ({
      id,
      workshopId,
      name: `Name ${id}`,
      tokenHash: `tok-${workshopId}-${id}`,
      createdAt,
      removedAt: null,
    });

    it('stores a workshop with its first update at seq 1 and finds it by id and by join code', async () => {
      const w = await workshop();
      const got = await store.getWorkshop(w.id);
      expect(got).toMatchObject({ id: w.id, title: w.title, templateId: 'stages', joinCode: w.joinCode, createdAt: w.createdAt });
      expect((await store.findWorkshopByJoinCode(w.joinCode))?.id).toBe(w.id);
      expect(await store.getWorkshop('nope')).toBeUndefined();
      expect(await store.findWorkshopByJoinCode('ZZZZZZ')).toBeUndefined();
      const doc = await store.loadDocument(w.id);
      expect(doc.lastSeq).toBe(1);
      expect(doc.tail.map((e) => [e.seq, e.author, e.at])).toEqual([[1, 'server', w.createdAt]]);
    });

    it('resolves the facilitator key, the observer token and participant tokens, and nothing else', async () => {
      const w = await workshop();
      await store.addParticipant(participant(w.id, 'p_a'), 100);
      expect(await store.resolveCredential(w.id, w.facilitatorKeyHash)).toEqual({ role: 'facilitator', author: 'facilitator' });
      expect(await store.resolveCredential(w.id, w.observerTokenHash)).toEqual({ role: 'observer', author: 'observer' });
      expect(await store.resolveCredential(w.id, `tok-${w.id}-p_a`)).toEqual({
        role: 'participant',
        author: 'p_a',
        participantId: 'p_a',
        name: 'Name p_a',
      });
      const other = await workshop();
      expect(await store.resolveCredential(other.id, w.facilitatorKeyHash)).toBeUndefined();
      expect(await store.resolveCredential(other.id, `tok-${w.id}-p_a`)).toBeUndefined();
      expect(await store.resolveCredential(w.id, 'wrong')).toBeUndefined();
    });

    it('replaces the join code, refuses one another workshop holds, and rotates the observer token', async () => {
      const a = await workshop();
      const b = await workshop();
      await store.setJoinCode(a.id, 'NEWCOD');
      expect((await store.findWorkshopByJoinCode('NEWCOD'))?.id).toBe(a.id);
      expect(await store.findWorkshopByJoinCode(a.joinCode)).toBeUndefined();
      await expect(Promise.resolve().then(() => store.setJoinCode(b.id, 'NEWCOD'))).rejects.toThrow();
      await store.rotateObserver(a.id, 'ob-new', 2);
      expect((await store.getWorkshop(a.id))?.observerVersion).toBe(2);
      expect(await store.resolveCredential(a.id, a.observerTokenHash)).toBeUndefined();
      expect((await store.resolveCredential(a.id, 'ob-new'))?.role).toBe('observer');
    });

    it('counts, lists, renames and removes participants; a removed token stops resolving', async () => {
      const w = await workshop();
      await store.addParticipant(participant(w.id, 'p_1', 10), 100);
      await store.addParticipant(participant(w.id, 'p_2', 20), 100);
      expect(await store.countParticipants(w.id)).toBe(2);
      expect(await store.renameParticipant(w.id, 'p_1', 'Ada')).toBe(true);
      expect(await store.renameParticipant(w.id, 'p_9', 'Nobody')).toBe(false);
      expect(await store.removeParticipant(w.id, 'p_2', 99)).toBe(true);
      expect(await store.removeParticipant(w.id, 'p_2', 100)).toBe(false);
      expect(await store.countParticipants(w.id)).toBe(1);
      expect(await store.listParticipants(w.id)).toEqual([
        { id: 'p_1', workshopId: w.id, name: 'Ada', createdAt: 10, removedAt: null },
        { id: 'p_2', workshopId: w.id, name: 'Name p_2', createdAt: 20, removedAt: 99 },
      ]);
      expect(await store.resolveCredential(w.id, `tok-${w.id}-p_2`)).toBeUndefined();
      expect(await store.renameParticipant(w.id, 'p_2', 'Back')).toBe(false);
    });

    it('seats a participant only while the workshop has a seat: the last one fills it, the next is refused', async () => {
      const w = await workshop();
      const seat = (n: number) => store.addParticipant(participant(w.id, `p_${w.id}_${n}`), 3);
      for (const n of [1, 2]) expect(await seat(n)).toBe(true);
      expect(await seat(3)).toBe(true);
      expect(await seat(4)).toBe(false);
      expect(await store.countParticipants(w.id)).toBe(3);
      expect((await store.listParticipants(w.id)).map((p) => p.id)).toEqual([1, 2, 3].map((n) => `p_${w.id}_${n}`));
      expect(await store.resolveCredential(w.id, `tok-${w.id}-p_${w.id}_4`)).toBeUndefined();
      // A removed participant frees its seat.
      await store.removeParticipant(w.id, `p_${w.id}_2`, 5);
      expect(await seat(5)).toBe(true);
      expect(await seat(6)).toBe(false);
    });

    it('never seats more than the limit when participants join at once', async () => {
      const w = await workshop();
      // Broke: the route counted, then inserted, in two steps; joins at once all saw a free seat.
      const added = await Promise.all(
        Array.from({ length: 16 }, (_, i) => Promise.resolve().then(() => store.addParticipant(participant(w.id, `p_${w.id}_${i}`), 5))),
      );
      expect(added.filter(Boolean)).toHaveLength(5);
      expect(await store.countParticipants(w.id)).toBe(5);
      expect(await store.listParticipants(w.id)).toHaveLength(5);
    });

    it('appends updates at explicit seqs and refuses a second entry at a taken seq (the fence)', async () => {
      const w = await workshop();
      const data = update('a', 2);
      await store.appendUpdate(w.id, { seq: 2, at: 5, author: 'p_x', data });
      await expect(
        Promise.resolve().then(() => store.appendUpdate(w.id, { seq: 2, at: 6, author: 'p_y', data: update('b', 3) })),
      ).rejects.toThrow();
      const h = await store.history(w.id, 0, 10);
      expect(h.map((e) => [e.seq, e.author])).toEqual([
        [1, 'server'],
        [2, 'p_x'],
      ]);
      expect(h[1]!.data).toEqual(data);
      expect(h[1]!.data).toBeInstanceOf(Uint8Array);
    });

    it('loads the newest snapshot and only the tail after it', async () => {
      const w = await workshop();
      for (let seq = 2; seq <= 6; seq++)
        await store.appendUpdate(w.id, { seq, at: seq, author: 'facilitator', data: update(`k${seq}`, seq) });
      const doc = new Y.Doc();
      for (const e of await store.history(w.id, 0, 100)) Y.applyUpdate(doc, e.data);
      await store.writeSnapshot(w.id, 3, 30, update('old', 0));
      await store.writeSnapshot(w.id, 4, 40, Y.encodeStateAsUpdate(doc));
      const loaded = await store.loadDocument(w.id);
      expect(loaded.snapshot?.seq).toBe(4);
      expect(loaded.tail.map((e) => e.seq)).toEqual([5, 6]);
      expect(loaded.lastSeq).toBe(6);
      const again = new Y.Doc();
      Y.applyUpdate(again, loaded.snapshot!.data);
      for (const e of loaded.tail) Y.applyUpdate(again, e.data);
      expect(again.getMap('teams').toJSON()).toEqual(doc.getMap('teams').toJSON());
      expect(await store.loadDocument('missing')).toEqual({ snapshot: null, tail: [], lastSeq: 0 });
    });

    it('keeps only the newest snapshot: loading never reads the others', async () => {
      const w = await workshop();
      const doc = new Y.Doc();
      for (let seq = 2; seq <= 31; seq++) {
        doc.getMap('teams').set('k', seq);
        await store.appendUpdate(w.id, { seq, at: seq, author: 'facilitator', data: Y.encodeStateAsUpdate(doc) });
        if (seq % 10 === 1) await store.writeSnapshot(w.id, seq, seq, Y.encodeStateAsUpdate(doc));
      }
      // Broke: every snapshot stayed, hundreds of copies of the whole document over a long session.
      expect(await snapshotRows(w.id)).toBe(1);
      const loaded = await store.loadDocument(w.id);
      expect(loaded.snapshot?.seq).toBe(31);
      const other = await workshop();
      await store.writeSnapshot(other.id, 1, 1, update('other', 1));
      // Another workshop's snapshots are its own.
      expect(await snapshotRows(w.id)).toBe(1);
      expect(await snapshotRows(other.id)).toBe(1);
    });

    it('pages history in seq order from any point', async () => {
      const w = await workshop();
      for (let seq = 2; seq <= 7; seq++)
        await store.appendUpdate(w.id, { seq, at: 1_700_000_000_000 + seq, author: 'p', data: update('x', seq) });
      expect((await store.history(w.id, 0, 3)).map((e) => e.seq)).toEqual([1, 2, 3]);
      expect((await store.history(w.id, 3, 3)).map((e) => e.seq)).toEqual([4, 5, 6]);
      expect((await store.history(w.id, 6, 3)).map((e) => e.seq)).toEqual([7]);
      expect(await store.history(w.id, 7, 3)).toEqual([]);
      expect((await store.history(w.id, 1, 1))[0]!.at).toBe(1_700_000_000_002);
    });

    it('numbers timeline events per workshop, even when appended at once', async () => {
      const w = await workshop();
      await Promise.all(
        Array.from({ length: 8 }, (_, i) => store.appendEvent(w.id, { at: 100 + i, kind: 'connect', actor: `p_${i}`, data: { i } })),
      );
      const events = await store.listEvents(w.id);
      expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      expect(events.map((e) => e.actor).sort()).toEqual(Array.from({ length: 8 }, (_, i) => `p_${i}`).sort());
      expect(events.find((e) => e.actor === 'p_3')?.data).toEqual({ i: 3 });
      expect(await store.listEvents((await workshop()).id)).toEqual([]);
    });

    it('imports a whole workshop in one go, or nothing when any part fails', async () => {
      const id = `imp_${Math.random().toString(36).slice(2, 8)}`;
      const entries = Array.from({ length: 1200 }, (_, i) => ({
        seq: i + 1,
        at: 1000 + i,
        author: i ? 'p_i' : 'server',
        data: update(`k${i}`, i),
      }));
      const base = {
        workshop: {
          id,
          title: 'Imported',
          templateId: 'stages',
          joinCode: `IM${Math.random().toString(36).slice(2, 6)}`.toUpperCase(),
          createdAt: 1000,
          facilitatorKeyHash: `f-${id}`,
          observerTokenHash: `o-${id}`,
        },
        entries,
        snapshot: update('final', 1),
        participants: [
          { ...participant(id, `p_${id}`), tokenHash: `t-${id}` },
          { ...participant(id, `p_gone_${id}`, 2), tokenHash: `t-gone-${id}`, removedAt: 50 },
        ],
        events: [{ at: 1001, kind: 'connect', actor: `p_${id}`, data: {} }],
        votes: [
          {
            id: `v_${id}`,
            docId: 'v_in_the_log',
            workshopId: id,
            question: 'Where is the platform team?',
            kind: 'stage' as const,
            teamId: 't1',
            choices: null,
            groups: null,
            autoReveal: false,
            named: false,
            state: 'revealed' as const,
            round: 2,
            self: null,
            openedAt: 1100,
            closedAt: 1150,
            revealedAt: 1150,
          },
        ],
        ballots: [
          {
            voteId: `v_${id}`,
            participantId: 'imported voter 1',
            group: 'g1',
            value: '{"stage":2}',
            salt: 's',
            receipt: 'r',
            seq: 0,
            at: 1150,
          },
        ],
      };
      await store.importWorkshop(base);
      const doc = await store.loadDocument(id);
      expect(doc.snapshot?.seq).toBe(1200);
      expect(doc.tail).toEqual([]);
      expect(doc.lastSeq).toBe(1200);
      expect((await store.history(id, 1199, 5)).map((e) => e.at)).toEqual([2199]);
      // Imported participants are history, not seats: kept as the file had them, but they fill no
      // seat and their tokens open nothing. Broke: they counted, so a full workshop came back full.
      expect(await store.listParticipants(id)).toEqual(base.participants.map(({ tokenHash: _, ...p }) => p));
      expect(await store.countParticipants(id)).toBe(0);
      expect(await store.resolveCredential(id, `t-${id}`)).toBeUndefined();
      expect((await store.listEvents(id)).map((e) => e.seq)).toEqual([1]);
      expect(await store.listVotes(id)).toEqual(base.votes);
      expect(await store.listBallots(`v_${id}`)).toEqual(base.ballots);

      // A duplicate seq half-way: the workshop, its log and its participants must all be absent.
      const bad = { ...base, workshop: { ...base.workshop, id: `${id}b`, joinCode: `${base.workshop.joinCode}B` }, participants: [] };
      bad.votes = [{ ...base.votes[0]!, id: `v_${id}b`, workshopId: `${id}b` }];
      bad.ballots = [{ ...base.ballots[0]!, voteId: `v_${id}b` }];
      bad.entries = [...entries.slice(0, 600), entries[599]!];
      await expect(Promise.resolve().then(() => store.importWorkshop(bad))).rejects.toThrow();
      expect(await store.getWorkshop(`${id}b`)).toBeUndefined();
      expect(await store.history(`${id}b`, 0, 10)).toEqual([]);
      expect(await store.listVotes(`${id}b`)).toEqual([]);
      expect(await store.listBallots(`v_${id}b`)).toEqual([]);

      // Broke: an import whose client had gone (or that a shutdown had answered 503) was still
      // written, a workshop nobody holds the key of. Abandoned, it writes nothing and frees its code.
      const gone = { ...bad, entries, workshop: { ...bad.workshop, id: `${id}c` }, votes: [], ballots: [] };
      const abandoned = AbortSignal.abort(new Error('client gone'));
      await expect(Promise.resolve().then(() => store.importWorkshop(gone, abandoned))).rejects.toThrow('client gone');
      expect(await store.getWorkshop(`${id}c`)).toBeUndefined();
      expect(await store.findWorkshopByJoinCode(gone.workshop.joinCode)).toBeUndefined();
      expect(await store.history(`${id}c`, 0, 10)).toEqual([]);
      await store.importWorkshop({ ...gone, workshop: { ...gone.workshop, id: `${id}d` } });
      expect((await store.getWorkshop(`${id}d`))?.joinCode).toBe(gone.workshop.joinCode);
    });

    it('imports a long timeline and many participants in their order, numbered 1..n, and appends after them', async () => {
      const id = `long_${Math.random().toString(36).slice(2, 8)}`;
      // More than two statements' worth on PostgreSQL (ROWS_PER_INSERT), more than a batch on SQLite.
      const EVENTS = 2_345;
      const people = Array.from({ length: 1_234 }, (_, i) => ({ ...participant(id, `p_${id}_${i}`, i), tokenHash: `t-${id}-${i}` }));
      const events = Array.from({ length: EVENTS }, (_, i) => ({
        at: 5_000 + i,
        kind: i % 2 ? 'disconnect' : 'connect',
        actor: people[i % people.length]!.id,
        data: i === 7 ? { note: 'seventh' } : {},
      }));
      await store.importWorkshop({
        workshop: {
          id,
          title: 'Long day',
          templateId: 'stages',
          joinCode: `LG${Math.random().toString(36).slice(2, 6)}`.toUpperCase(),
          createdAt: 1000,
          facilitatorKeyHash: `f-${id}`,
          observerTokenHash: `o-${id}`,
        },
        entries: [{ seq: 1, at: 1000, author: 'server', data: update('init', 1) }],
        snapshot: update('init', 1),
        participants: people,
        events,
        votes: [],
        ballots: [],
      });
      const stored = await store.listEvents(id);
      expect(stored).toEqual(events.map((e, i) => ({ ...e, seq: i + 1 })));
      expect((await store.listParticipants(id)).map((p) => p.id)).toEqual(people.map((p) => p.id));
      await store.appendEvent(id, { at: 9_999, kind: 'connect', actor: 'facilitator', data: {} });
      expect((await store.listEvents(id)).at(-1)).toMatchObject({ seq: EVENTS + 1, at: 9_999 });
    });

    describe('requests remembered by Idempotency-Key', () => {
      const remembered = (scope: string, keyHash: string, at: number, over: Partial<RememberedRequest> = {}): RememberedRequest => ({
        scope,
        keyHash,
        requestHash: 'body-1',
        result: '{"made":1}',
        at,
        forgetBefore: at - 1000,
        ...over,
      });
      const attempt = (work: () => unknown) => Promise.resolve().then(work);

      it('remembers a request with the write it made, and refuses a second write under its key, writing nothing', async () => {
        const scope = `create-${Math.random()}`;
        const first = await workshop();
        // The helper made it without a key; remember one with the next workshop.
        const w = { ...first, id: `${first.id}k`, joinCode: `${first.joinCode}K` };
        await store.createWorkshop(w, update('init', 1), remembered(scope, 'kh1', 10_000));
        expect(await store.findRequest(scope, 'kh1', 9_000)).toEqual({ requestHash: 'body-1', result: '{"made":1}' });
        expect(await store.findRequest(scope, 'kh2', 9_000)).toBeUndefined();
        expect(await store.findRequest(`${scope}-other`, 'kh1', 9_000)).toBeUndefined();

        const second = { ...w, id: `${w.id}2`, joinCode: `${w.joinCode}2` };
        await expect(
          attempt(() => store.createWorkshop(second, update('init', 2), remembered(scope, 'kh1', 10_001))),
        ).rejects.toBeInstanceOf(RequestKeyTaken);
        expect(await store.getWorkshop(second.id)).toBeUndefined();
        expect(await store.findWorkshopByJoinCode(second.joinCode)).toBeUndefined();

        // Seats and votes likewise.
        await store.addParticipant(participant(w.id, 'p_k1'), 10, remembered(scope, 'seat', 10_000));
        await expect(
          attempt(() => store.addParticipant(participant(w.id, 'p_k2'), 10, remembered(scope, 'seat', 10_001))),
        ).rejects.toBeInstanceOf(RequestKeyTaken);
        expect((await store.listParticipants(w.id)).map((p) => p.id)).toEqual(['p_k1']);
        const vote = (id: string): VoteRecord => ({
          id,
          workshopId: w.id,
          question: 'Q',
          kind: 'stage',
          teamId: null,
          choices: null,
          groups: null,
          autoReveal: false,
          named: false,
          state: 'open',
          round: 1,
          self: null,
          openedAt: 1,
          closedAt: null,
          revealedAt: null,
        });
        await store.createVote(vote(`v_${w.id}1`), remembered(scope, 'vote', 10_000));
        await expect(attempt(() => store.createVote(vote(`v_${w.id}2`), remembered(scope, 'vote', 10_001)))).rejects.toBeInstanceOf(
          RequestKeyTaken,
        );
        expect((await store.listVotes(w.id)).map((v) => v.id)).toEqual([`v_${w.id}1`]);
      });

      it('does not remember a join that found the workshop full', async () => {
        const w = await workshop();
        const scope = `join-${w.id}`;
        await store.addParticipant(participant(w.id, 'p_in'), 1);
        expect(await store.addParticipant(participant(w.id, 'p_out'), 1, remembered(scope, 'full', 10_000))).toBe(false);
        expect(await store.findRequest(scope, 'full', 0)).toBeUndefined();
      });

      it('treats a key past its window as new: found no more, replaced by the next write, purged in bounded batches', async () => {
        const scope = `window-${Math.random()}`;
        const w = await workshop();
        await store.addParticipant(participant(w.id, `p_old_${w.id}`), 10, remembered(scope, 'old', 1_000));
        expect(await store.findRequest(scope, 'old', 1_001)).toBeUndefined();
        // The window has passed for the row at 1,000: the next write under the key takes it over.
        await store.addParticipant(
          participant(w.id, `p_new_${w.id}`),
          10,
          remembered(scope, 'old', 5_000, { result: '"new"', forgetBefore: 4_000 }),
        );
        expect(await store.findRequest(scope, 'old', 4_000)).toEqual({ requestHash: 'body-1', result: '"new"' });

        for (let i = 0; i < 5; i++)
          await store.addParticipant(participant(w.id, `p_${i}_${w.id}`), 10, remembered(scope, `k${i}`, 2_000 + i));
        // Deletes only rows before the cutoff (k0..k2 here, and older rows of other tests), at most `limit` per call.
        expect(await store.purgeRequests(2_003, 2)).toBe(2);
        while ((await store.purgeRequests(2_003, 2)) > 0);
        expect(await store.findRequest(scope, 'k2', 0)).toBeUndefined();
        expect(await store.findRequest(scope, 'k3', 0)).toMatchObject({ requestHash: 'body-1' });
        expect(await store.findRequest(scope, 'old', 0)).toMatchObject({ result: '"new"' });
        await store.forgetRequest(scope, 'k3');
        expect(await store.findRequest(scope, 'k3', 0)).toBeUndefined();
      });

      it('gives a seat or a workshop a fresh credential: the old one stops resolving', async () => {
        const w = await workshop();
        await store.addParticipant(participant(w.id, 'p_r'), 10);
        expect(await store.reissueParticipantToken(w.id, 'p_r', `fresh-${w.id}`)).toBe(true);
        expect(await store.resolveCredential(w.id, `tok-${w.id}-p_r`)).toBeUndefined();
        expect(await store.resolveCredential(w.id, `fresh-${w.id}`)).toMatchObject({ role: 'participant', participantId: 'p_r' });
        await store.removeParticipant(w.id, 'p_r', 5);
        expect(await store.reissueParticipantToken(w.id, 'p_r', `again-${w.id}`)).toBe(false);
        expect(await store.reissueParticipantToken(w.id, 'p_nobody', `again-${w.id}`)).toBe(false);

        expect(await store.reissueFacilitatorKey(w.id, `fk-new-${w.id}`, `ob-new-${w.id}`)).toBe(true);
        expect(await store.resolveCredential(w.id, w.facilitatorKeyHash)).toBeUndefined();
        expect(await store.resolveCredential(w.id, w.observerTokenHash)).toBeUndefined();
        expect(await store.resolveCredential(w.id, `fk-new-${w.id}`)).toMatchObject({ role: 'facilitator' });
        expect(await store.resolveCredential(w.id, `ob-new-${w.id}`)).toMatchObject({ role: 'observer' });
        expect(await store.reissueFacilitatorKey('nope', 'a', 'b')).toBe(false);
      });

      it('seats one participant when requests with the same key write at once', async () => {
        const w = await workshop();
        const scope = `race-${w.id}`;
        const outcomes = await Promise.allSettled(
          Array.from({ length: 6 }, (_, i) =>
            attempt(() => store.addParticipant(participant(w.id, `p_race${i}`), 100, remembered(scope, 'same', 10_000 + i))),
          ),
        );
        expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
        for (const o of outcomes) if (o.status === 'rejected') expect(o.reason).toBeInstanceOf(RequestKeyTaken);
        expect(await store.countParticipants(w.id)).toBe(1);
      });
    });

    describe('votes and ballots', () => {
      const vote = (workshopId: string, id: string, over: Partial<VoteRecord> = {}): VoteRecord => ({
        id,
        workshopId,
        question: 'Where is the platform team?',
        kind: 'stage',
        teamId: 't1',
        choices: null,
        groups: ['g1'],
        autoReveal: true,
        named: false,
        state: 'open',
        round: 1,
        self: { stage: 1.4, autonomy: null, controls: null },
        openedAt: 500,
        closedAt: null,
        revealedAt: null,
        ...over,
      });
      const ballot = (voteId: string, participantId: string, seq: number, value = '{"stage":2}'): BallotRecord => ({
        voteId,
        participantId,
        group: 'g1',
        value,
        salt: `salt${seq}`,
        receipt: `r${seq}`,
        seq,
        at: 600 + seq,
      });

      it('stores a vote and reads it back field for field', async () => {
        const w = await workshop();
        const v = vote(w.id, `v_${w.id}`);
        await store.createVote(v);
        await store.createVote(
          vote(w.id, `v2_${w.id}`, {
            kind: 'choice',
            choices: ['a', 'b'],
            teamId: null,
            groups: null,
            self: null,
            autoReveal: false,
            named: true,
            openedAt: 700,
          }),
        );
        expect(await store.getVote(w.id, v.id)).toEqual(v);
        expect((await store.listVotes(w.id)).map((x) => [x.id, x.kind, x.choices, x.autoReveal, x.named])).toEqual([
          [v.id, 'stage', null, true, false],
          [`v2_${w.id}`, 'choice', ['a', 'b'], false, true],
        ]);
        expect(await store.getVote((await workshop()).id, v.id)).toBeUndefined();
      });

      it('moves a vote open → closed → revealed only from the stated state', async () => {
        const w = await workshop();
        const id = `v_${w.id}`;
        await store.createVote(vote(w.id, id));
        expect(await store.setVoteState(w.id, id, 'closed', 'revealed', 1)).toBe(false);
        expect(await store.setVoteState(w.id, id, 'open', 'closed', 800)).toBe(true);
        expect(await store.setVoteState(w.id, id, 'open', 'closed', 801)).toBe(false);
        expect(await store.setVoteState(w.id, id, 'closed', 'revealed', 900)).toBe(true);
        expect(await store.getVote(w.id, id)).toMatchObject({ state: 'revealed', closedAt: 800, revealedAt: 900 });
        // A reveal whose results could not be written goes back to closed, as it was.
        expect(await store.setVoteState(w.id, id, 'revealed', 'closed', 950)).toBe(true);
        expect(await store.getVote(w.id, id)).toMatchObject({ state: 'closed', closedAt: 800, revealedAt: null });
      });

      it('replaces a ballot with a newer one, keeps it against an older retry, and refuses after the close', async () => {
        const w = await workshop();
        const id = `v_${w.id}`;
        await store.createVote(vote(w.id, id));
        expect(await store.putBallot(ballot(id, 'p_1', 2))).toBe('stored');
        expect(await store.putBallot(ballot(id, 'p_1', 3, '{"stage":3}'))).toBe('stored');
        expect(await store.putBallot(ballot(id, 'p_1', 1, '{"stage":1}'))).toBe('stale');
        // The same seq again is the request that stored it, retried: nothing changes, not even the salt.
        expect(await store.putBallot({ ...ballot(id, 'p_1', 3, '{"stage":3}'), salt: 'other', receipt: 'other' })).toBe('retry');
        // The same seq with another value is a second tab counting from the same stored seq: the later one stands.
        expect(await store.putBallot({ ...ballot(id, 'p_1', 3, '{"stage":2.5}'), receipt: 'tab-b' })).toBe('stored');
        expect(await store.getBallot(id, 'p_1')).toMatchObject({ value: '{"stage":2.5}', receipt: 'tab-b' });
        expect(await store.putBallot(ballot(id, 'p_1', 3, '{"stage":3}'))).toBe('stored');
        expect(await store.putBallot(ballot(id, 'p_2', 1))).toBe('stored');
        expect(await store.getBallot(id, 'p_1')).toEqual(ballot(id, 'p_1', 3, '{"stage":3}'));
        // A ballot without a seq (0) replaces whatever stands, and the stored seq is kept.
        expect(await store.putBallot({ ...ballot(id, 'p_1', 0, '{"stage":1.5}'), receipt: 'r-none' })).toBe('stored');
        expect(await store.getBallot(id, 'p_1')).toMatchObject({ value: '{"stage":1.5}', receipt: 'r-none', seq: 3 });
        expect(await store.putBallot(ballot(id, 'p_1', 2))).toBe('stale');
        expect(await store.getBallot(id, 'p_9')).toBeUndefined();
        await store.setVoteState(w.id, id, 'open', 'closed', 1000);
        expect(await store.putBallot(ballot(id, 'p_3', 1))).toBe('closed');
        expect(await store.putBallot(ballot('no-such-vote', 'p_3', 1))).toBe('closed');
        expect((await store.listBallots(id)).map((b) => b.participantId).sort()).toEqual(['p_1', 'p_2']);
      });

      it('cancels an open or closed vote with its ballots, never a revealed one or another workshop’s', async () => {
        const w = await workshop();
        const other = await workshop();
        const [open, closed, revealed] = ['open', 'closed', 'revealed'].map((s) => `v_${s}_${w.id}`) as [string, string, string];
        for (const id of [open, closed, revealed]) {
          await store.createVote(vote(w.id, id));
          await store.putBallot(ballot(id, 'p_1', 1));
          await store.putBallot(ballot(id, 'p_2', 1));
        }
        await store.setVoteState(w.id, closed, 'open', 'closed', 800);
        await store.setVoteState(w.id, revealed, 'open', 'closed', 800);
        await store.setVoteState(w.id, revealed, 'closed', 'revealed', 900);

        expect(await store.cancelVote(other.id, open)).toBe('missing');
        expect(await store.getVote(w.id, open)).toBeDefined();
        expect(await store.cancelVote(w.id, open)).toBe('cancelled');
        expect(await store.cancelVote(w.id, closed)).toBe('cancelled');
        expect(await store.cancelVote(w.id, revealed)).toBe('revealed');
        for (const id of [open, closed]) {
          expect(await store.getVote(w.id, id)).toBeUndefined();
          expect(await store.listBallots(id)).toEqual([]);
          expect(await store.getBallot(id, 'p_1')).toBeUndefined();
          // A ballot sent after the cancel finds no vote to land in.
          expect(await store.putBallot(ballot(id, 'p_3', 1))).toBe('closed');
          expect(await store.cancelVote(w.id, id)).toBe('missing');
        }
        expect((await store.listVotes(w.id)).map((v) => v.id)).toEqual([revealed]);
        expect(await store.listBallots(revealed)).toHaveLength(2);
      });
    });
  });
}
