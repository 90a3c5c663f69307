import { afterAll, beforeAll } from 'vitest';
import { addTeam, readTeams, setTeamField } from '../../shared/doc.ts';
import { createWorkshop, join } from './api.ts';
import { openSocket } from './frames.ts';
import { startServer, type TestServer } from './server.ts';
import { connect, synced, until, type Client } from './yclient.ts';

/** Limits tight enough for the hostile-client tests to reach each one in a few messages. */
export const HOSTILE_LIMITS = {
  maxMessageBytes: 4096,
  maxMessagesPerSecond: 40,
  maxAwarenessStateBytes: 200,
  maxAwarenessClientsPerConnection: 2,
  // The facilitator and two participants of room() publish three states of their own.
  maxAwarenessStatesPerRoom: 6,
  maxUnresolvedUpdates: 5,
  awarenessIntervalMs: 100,
};

/**
 * The server the hostile-client tests attack, started before the calling
 * file's tests and stopped after them, with every client and socket they
 * opened. Call it once, at the top of a test file.
 */
export function hostileServer() {
  let srv: TestServer;
  const cleanup: (() => void)[] = [];
  beforeAll(async () => {
    srv = await startServer({ limits: HOSTILE_LIMITS });
  });
  afterAll(async () => {
    for (const c of cleanup) c();
    await srv.close();
  });

  const client = (id: string, token: string): Client => {
    const c = connect(srv.wsUrl, id, token);
    cleanup.push(() => c.destroy());
    return c;
  };
  const socket = async (id: string, token: string) => {
    const s = await openSocket(`${srv.wsUrl}/${id}?token=${encodeURIComponent(token)}`);
    cleanup.push(() => s.ws.terminate());
    return s;
  };

  /** A workshop with a team, two honest connected participants, and a third participant's token for the attacker. */
  async function room() {
    const w = await createWorkshop(srv.url);
    const [a, b, m] = await Promise.all(['Ada', 'Bo', 'Mallory'].map((n) => join(srv.url, w.joinCode, n)));
    const f = client(w.id, w.facilitatorKey);
    await synced(f);
    addTeam(f.doc, 't', { name: 'Payments', color: '#2563eb', stageCurrent: 1 });
    const ca = client(w.id, a!.token);
    const cb = client(w.id, b!.token);
    await Promise.all([synced(ca), synced(cb)]);
    await until(ca.doc, () => readTeams(ca.doc, 3).length === 1, 'team on a');
    /** Proves the room still works for honest clients: a change made on one arrives on the other. */
    const carriesOn = async (value: number) => {
      setTeamField(ca.doc, 't', 'stageCurrent', value);
      await until(cb.doc, () => readTeams(cb.doc, 3)[0]?.stageCurrent === value, `value ${value} on b`);
    };
    return { w, attacker: m!.token, a: ca, b: cb, carriesOn };
  }

  return {
    get srv() {
      return srv;
    },
    cleanup,
    client,
    socket,
    room,
  };
}
