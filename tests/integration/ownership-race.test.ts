import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addTeam, readMembers } from '../../shared/doc.ts';
import { createLogger } from '../../server/log.ts';
import { openPgOwnership, OWNER_QUERY, type Ownership } from '../../server/ownership.ts';
import { openPgStore } from '../../server/pg-store.ts';
import type { Store } from '../../server/store.ts';
import { createWorkshop, join } from '../helpers/api.ts';
import { freshDatabase, testDatabaseUrl, testPool } from '../helpers/pg.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { connect, synced, until, type Client } from '../helpers/yclient.ts';

/**
 * Issue 10: news about a workshop that reaches a process while it is still
 * loading that workshop. Two real servers share one PostgreSQL database (as
 * two cluster processes do); B's store is held at one chosen point of its
 * load, so the news lands exactly in the window a real cluster hits by chance.
 */
const adminUrl = testDatabaseUrl();
const log = createLogger('silent');

/** A point in B's store where a test can hold it: armed once, entered, released. */
interface Gate {
  arm(): void;
  reached: Promise<void>;
  release(): void;
}
function gate(): Gate & { pass(): Promise<void> } {
  let armed = false;
  let entered!: () => void;
  let open!: () => void;
  const reached = new Promise<void>((r) => (entered = r));
  const opened = new Promise<void>((r) => (open = r));
  return {
    arm: () => (armed = true),
    reached,
    release: () => open(),
    async pass() {
      if (!armed) return;
      armed = false;
      entered();
      await opened;
    },
  };
}

/** B's store: the real one, with gates after a load's roster read and before a snapshot write. */
function gated(store: Store) {
  const roster = gate();
  const snapshot = gate();
  const wrapped: Store = Object.create(store);
  wrapped.listParticipants = async (id: string) => {
    const rows = await store.listParticipants(id);
    await roster.pass();
    return rows;
  };
  wrapped.writeSnapshot = async (...args: Parameters<Store['writeSnapshot']>) => {
    await snapshot.pass();
    return store.writeSnapshot(...args);
  };
  // A socket's token check, the last step before the server asks for the room.
  let checked: (() => void) | null = null;
  wrapped.resolveCredential = async (...args: Parameters<Store['resolveCredential']>) => {
    const cred = await store.resolveCredential(...args);
    checked?.();
    checked = null;
    return cred;
  };
  const nextCredentialCheck = () => new Promise<void>((r) => (checked = r));
  return { store: wrapped, roster, snapshot, nextCredentialCheck };
}

describe.skipIf(!adminUrl)('a workshop loading in one process while another takes a join', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let a: TestServer;
  let b: TestServer;
  let ownershipB: Ownership;
  let gate: ReturnType<typeof gated>;
  let db: pg.Pool;
  const clients: Client[] = [];

  beforeAll(async () => {
    database = await freshDatabase(adminUrl!);
    db = testPool(database.url);
    a = await startServer({ store: await openPgStore(database.url), ownership: await openPgOwnership(database.url, log, 'stageboard:a') });
    gate = gated(await openPgStore(database.url));
    ownershipB = await openPgOwnership(database.url, log, 'stageboard:b');
    b = await startServer({ store: gate.store, ownership: ownershipB });
  });
  afterAll(async () => {
    for (const c of clients) c.destroy();
    await a?.close();
    await b?.close();
    await db?.end();
    await database?.drop();
  });

  it('puts a participant who joined during the load on the roster once the room opens', async () => {
    const w = await createWorkshop(a.url);
    const early = await join(a.url, w.joinCode, 'Before the load');
    gate.roster.arm();
    const facilitator = connect(b.wsUrl, w.id, w.facilitatorKey);
    clients.push(facilitator);
    // B holds the lock and has read the roster; its room is not open yet.
    await gate.roster.reached;
    const announced = new Promise<void>((resolve) => ownershipB.on((event, id) => event === 'roster' && id === w.id && resolve()));
    const late = await join(a.url, w.joinCode, 'During the load');
    await announced;
    gate.roster.release();
    await until(
      facilitator.doc,
      () => {
        const ids = readMembers(facilitator.doc).map((m) => m.id);
        return ids.includes(early.participantId) && ids.includes(late.participantId);
      },
      'both participants on the roster',
    );
    expect(
      readMembers(facilitator.doc)
        .map((m) => m.name)
        .sort(),
    ).toEqual(['Before the load', 'During the load']);
  });

  it('keeps the lock for the room that replaces one still closing after a release request', async () => {
    const w = await createWorkshop(a.url);
    const first = connect(b.wsUrl, w.id, w.facilitatorKey);
    clients.push(first);
    await synced(first);
    const watch = connect(b.wsUrl, w.id, w.facilitatorKey);
    clients.push(watch);
    await synced(watch);
    addTeam(first.doc, 'x', { name: 'Before the move', color: '#2563eb' });
    // B stores an update before it sends it on, so once the watcher has it, B's room has a snapshot to write.
    await until(watch.doc, () => watch.doc.getMap('teams').has('x'), 'the team on the watcher');
    const old = b.server.rooms.get(w.id)!;
    gate.snapshot.arm();
    // Another process asks B to let go: B starts closing the room and is held in its final snapshot.
    await db.query('SELECT pg_notify($1, $2)', ['stageboard_ownership', `release:${w.id}`]);
    await gate.snapshot.reached;
    // Meanwhile a client reaches B again (the proxy still routes here), so B loads the workshop anew.
    const checked = gate.nextCredentialCheck();
    const again = connect(b.wsUrl, w.id, w.facilitatorKey);
    clients.push(again);
    await checked;
    // One turn later B has asked for the room: the new load is under way while the old room still closes.
    await new Promise((r) => setImmediate(r));
    gate.snapshot.release();
    await synced(again);
    await old.close();
    await new Promise((r) => setImmediate(r));
    // The ownership connection runs its queries in order: a release the old room sent is done after this one.
    await ownershipB.announce(w.id, 'roster');
    expect(b.server.rooms.get(w.id)?.state).toBe('open');
    const { rows } = await db.query(OWNER_QUERY, [w.id]);
    expect(rows[0]?.owner).toBe('stageboard:b');
  });
});
