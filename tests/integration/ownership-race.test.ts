import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readMembers } from '../../shared/doc.ts';
import { createLogger } from '../../server/log.ts';
import { openPgOwnership, type Ownership } from '../../server/ownership.ts';
import { openPgStore } from '../../server/pg-store.ts';
import type { Store } from '../../server/store.ts';
import { createWorkshop, join } from '../helpers/api.ts';
import { freshDatabase, testDatabaseUrl } from '../helpers/pg.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { connect, until, type Client } from '../helpers/yclient.ts';

/**
 * Issue 10: news about a workshop that reaches a process while it is still
 * loading that workshop. Two real servers share one PostgreSQL database (as
 * two cluster processes do); B's store is held at one chosen point of its
 * load, so the news lands exactly in the window a real cluster hits by chance.
 */
const adminUrl = testDatabaseUrl();
const log = createLogger('silent');

/** B's store: the real one, with a gate after the roster read that a load makes. */
function gated(store: Store) {
  let armed = false;
  let entered!: () => void;
  let release!: () => void;
  const reached = new Promise<void>((r) => (entered = r));
  const gate = new Promise<void>((r) => (release = r));
  const wrapped: Store = Object.create(store);
  wrapped.listParticipants = async (id: string) => {
    const rows = await store.listParticipants(id);
    if (armed) {
      armed = false;
      entered();
      await gate;
    }
    return rows;
  };
  return { store: wrapped, arm: () => (armed = true), reached, release };
}

describe.skipIf(!adminUrl)('a workshop loading in one process while another takes a join', () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let a: TestServer;
  let b: TestServer;
  let ownershipB: Ownership;
  let gate: ReturnType<typeof gated>;
  const clients: Client[] = [];

  beforeAll(async () => {
    db = await freshDatabase(adminUrl!);
    a = await startServer({ store: await openPgStore(db.url), ownership: await openPgOwnership(db.url, log, 'stageboard:a') });
    gate = gated(await openPgStore(db.url));
    ownershipB = await openPgOwnership(db.url, log, 'stageboard:b');
    b = await startServer({ store: gate.store, ownership: ownershipB });
  });
  afterAll(async () => {
    for (const c of clients) c.destroy();
    await a?.close();
    await b?.close();
    await db?.drop();
  });

  it('puts a participant who joined during the load on the roster once the room opens', async () => {
    const w = await createWorkshop(a.url);
    const early = await join(a.url, w.joinCode, 'Before the load');
    gate.arm();
    const facilitator = connect(b.wsUrl, w.id, w.facilitatorKey);
    clients.push(facilitator);
    // B holds the lock and has read the roster; its room is not open yet.
    await gate.reached;
    const announced = new Promise<void>((resolve) => ownershipB.on((event, id) => event === 'roster' && id === w.id && resolve()));
    const late = await join(a.url, w.joinCode, 'During the load');
    await announced;
    gate.release();
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
});
