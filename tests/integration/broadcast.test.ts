import { afterAll, describe, expect, it } from 'vitest';
import * as decoding from 'lib0/decoding';
import * as Y from 'yjs';
import { addTeam } from '../../shared/doc.ts';
import { decodeAwarenessEntries } from '../../server/protocol.ts';
import { createWorkshop } from '../helpers/api.ts';
import { awarenessFrame, clientFrame, openSocket, rawUpgrade, updateFrame } from '../helpers/frames.ts';
import { useServer } from '../helpers/server.ts';

/**
 * What one recipient gets in one loop turn goes out in one write (several
 * WebSocket frames corked together). Here a sender puts a document update and
 * an awareness change into one TCP write, so the server reads both in one
 * turn, and a watcher must receive both, whole and in order.
 */
// No awareness batching, so the awareness change shares the update's turn.
const srv = useServer({ limits: { awarenessIntervalMs: 0 } });
const cleanup: (() => void)[] = [];
afterAll(() => {
  for (const c of cleanup) c();
});

const isUpdate = (f: Buffer) => f[0] === 0 && f[1] === 2;
const awarenessIds = (f: Buffer) => {
  const d = decoding.createDecoder(new Uint8Array(f));
  if (decoding.readVarUint(d) !== 1) return [];
  return decodeAwarenessEntries(decoding.readVarUint8Array(d)).map((e) => e.clientID);
};

describe('one write per recipient per turn', () => {
  it('delivers an update and an awareness change that share a turn, both whole, in order', async () => {
    const w = await createWorkshop(srv.url);
    const path = `/ws/${w.id}?token=${encodeURIComponent(w.facilitatorKey)}`;
    const watcher = await openSocket(`${srv.wsUrl}/${w.id}?token=${encodeURIComponent(w.facilitatorKey)}`);
    cleanup.push(() => watcher.ws.terminate());
    const { socket } = await rawUpgrade(srv.port, path);
    cleanup.push(() => socket.destroy());

    const doc = new Y.Doc();
    let update: Uint8Array | null = null;
    doc.on('update', (u: Uint8Array) => (update = u));
    addTeam(doc, 'corked', { name: 'Corked', color: '#2563eb', stageCurrent: 1.5 });
    const before = watcher.frames.length;
    socket.write(
      Buffer.concat([
        clientFrame(0x82, Buffer.from(updateFrame(update!))),
        clientFrame(0x82, Buffer.from(awarenessFrame([{ clientID: 7777, clock: 1, state: '{"cursor":null}' }]))),
      ]),
    );
    await watcher.received((f) => awarenessIds(f).includes(7777));
    await watcher.received(isUpdate);
    const after = watcher.frames.slice(before);
    const u = after.findIndex(isUpdate);
    const a = after.findIndex((f) => awarenessIds(f).includes(7777));
    expect(u).toBeGreaterThanOrEqual(0);
    expect(a).toBeGreaterThan(u);
    const seen = new Y.Doc();
    const d = decoding.createDecoder(new Uint8Array(after[u]!));
    decoding.readVarUint(d);
    decoding.readVarUint(d);
    Y.applyUpdate(seen, decoding.readVarUint8Array(d));
    expect((seen.getMap('teams').get('corked') as Y.Map<unknown>).get('name')).toBe('Corked');
  });
});
