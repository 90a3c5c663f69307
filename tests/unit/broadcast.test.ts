import { describe, expect, it } from 'vitest';
import * as decoding from 'lib0/decoding';
import * as Y from 'yjs';
import * as awarenessProtocol from 'y-protocols/awareness';
import { Broadcaster } from '../../server/broadcast.ts';
import type { Peer } from '../../server/room.ts';

function peer(): Peer & { frames: Uint8Array[]; writes: Uint8Array[][]; next(): Promise<Uint8Array[]> } {
  const frames: Uint8Array[] = [];
  const writes: Uint8Array[][] = [];
  let waiting: ((w: Uint8Array[]) => void) | null = null;
  return {
    role: 'participant',
    author: 'p',
    closed: false,
    awarenessClients: new Set(),
    unresolved: 0,
    frames,
    writes,
    send: (...f) => {
      frames.push(...f);
      writes.push(f);
      waiting?.(f);
      waiting = null;
    },
    next: () => new Promise((r) => (waiting = r)),
    close: () => {},
  };
}
/** The client ids an awareness frame carries. */
const awarenessClientsOf = (frame: Uint8Array) => {
  const d = decoding.createDecoder(frame);
  expect(decoding.readVarUint(d)).toBe(1);
  const u = decoding.createDecoder(decoding.readVarUint8Array(d));
  const n = decoding.readVarUint(u);
  const ids: number[] = [];
  for (let i = 0; i < n; i++) {
    ids.push(decoding.readVarUint(u));
    decoding.readVarUint(u);
    decoding.readVarString(u);
  }
  return ids.sort();
};
const turn = () => new Promise((r) => setImmediate(r));
const updateOf = (frame: Uint8Array) => {
  const d = decoding.createDecoder(frame);
  expect([decoding.readVarUint(d), decoding.readVarUint(d)]).toEqual([0, 2]);
  return decoding.readVarUint8Array(d);
};
function edits(n: number) {
  return Array.from({ length: n }, (_, i) => {
    const doc = new Y.Doc();
    const updates: Uint8Array[] = [];
    doc.on('update', (u: Uint8Array) => updates.push(u));
    doc.getMap('teams').set(`t${i}`, i);
    return updates[0]!;
  });
}

describe('Broadcaster', () => {
  it('sends a lone update on the next loop turn, to everyone but its sender', async () => {
    const [a, b, c] = [peer(), peer(), peer()];
    const doc = new Y.Doc();
    const out = new Broadcaster(new Set([a, b, c]), new awarenessProtocol.Awareness(doc));
    const [u] = edits(1);
    out.update(u!, a);
    expect(b.frames).toHaveLength(0);
    await turn();
    expect(a.frames).toHaveLength(0);
    expect(b.frames).toHaveLength(1);
    expect(b.frames[0]).toBe(c.frames[0]); // encoded once, shared
    expect(updateOf(b.frames[0]!)).toEqual(u);
  });

  it('merges a burst into one frame per recipient, leaving out what each recipient wrote', async () => {
    const [a, b, c] = [peer(), peer(), peer()];
    const out = new Broadcaster(new Set([a, b, c]), new awarenessProtocol.Awareness(new Y.Doc()));
    const us = edits(5);
    us.forEach((u, i) => out.update(u, i < 2 ? a : b));
    await turn();
    for (const p of [a, b, c]) expect(p.frames).toHaveLength(1);
    const apply = (frame: Uint8Array) => {
      const d = new Y.Doc();
      Y.applyUpdate(d, updateOf(frame));
      return Object.keys(d.getMap('teams').toJSON()).sort();
    };
    expect(apply(c.frames[0]!)).toEqual(['t0', 't1', 't2', 't3', 't4']);
    expect(apply(a.frames[0]!)).toEqual(['t2', 't3', 't4']);
    expect(apply(b.frames[0]!)).toEqual(['t0', 't1']);
  });

  it('sends awareness changes of a turn in one frame, the sender included', async () => {
    const [a, b] = [peer(), peer()];
    const doc = new Y.Doc();
    const awareness = new awarenessProtocol.Awareness(doc);
    const out = new Broadcaster(new Set([a, b]), awareness);
    awareness.setLocalState({ x: 1 });
    out.awarenessChange([doc.clientID]);
    out.awarenessChange([doc.clientID]);
    await turn();
    expect(a.frames).toHaveLength(1);
    expect(b.frames).toHaveLength(1);
    awareness.destroy();
  });

  it('batches awareness: a change after a quiet spell goes at once, the rest of a burst waits for the interval, in one frame', async () => {
    const [a, b] = [peer(), peer()];
    const awareness = new awarenessProtocol.Awareness(new Y.Doc());
    const others = [1, 2, 3].map(() => new awarenessProtocol.Awareness(new Y.Doc()));
    const INTERVAL = 60;
    const out = new Broadcaster(new Set([a, b]), awareness, INTERVAL);
    awareness.on('update', ({ added, updated }: { added: number[]; updated: number[] }) => out.awarenessChange([...added, ...updated]));
    const publish = (o: awarenessProtocol.Awareness, x: number) => {
      o.setLocalState({ cursor: x });
      awarenessProtocol.applyAwarenessUpdate(awareness, awarenessProtocol.encodeAwarenessUpdate(o, [o.clientID]), 'test');
    };
    const started = performance.now();
    publish(others[0]!, 1);
    await turn();
    expect(b.frames.map(awarenessClientsOf)).toEqual([[others[0]!.clientID]]);
    const batch = b.next();
    publish(others[1]!, 1);
    publish(others[2]!, 1);
    publish(others[0]!, 2);
    await turn();
    expect(b.frames).toHaveLength(1); // the burst waits
    const [frame] = await batch;
    expect(performance.now() - started).toBeGreaterThanOrEqual(INTERVAL - 5);
    expect(awarenessClientsOf(frame!)).toEqual(others.map((o) => o.clientID).sort());
    expect(a.frames).toHaveLength(2); // the sender gets its own state back too
    out.close();
    for (const o of [awareness, ...others]) o.destroy();
  });

  it('writes what a recipient gets in one turn together: the update and the awareness batch in one write', async () => {
    const [a, b] = [peer(), peer()];
    const doc = new Y.Doc();
    const awareness = new awarenessProtocol.Awareness(doc);
    const out = new Broadcaster(new Set([a, b]), awareness, 50);
    const [u] = edits(1);
    out.update(u!, a);
    awareness.setLocalState({ cursor: 1 });
    out.awarenessChange([doc.clientID]);
    await turn();
    expect(b.writes).toHaveLength(1);
    expect(b.writes[0]).toHaveLength(2);
    expect(updateOf(b.writes[0]![0]!)).toEqual(u);
    expect(awarenessClientsOf(b.writes[0]![1]!)).toEqual([doc.clientID]);
    expect(a.writes).toEqual([[b.writes[0]![1]]]); // no echo of its update, only the awareness
    out.close();
    awareness.destroy();
  });

  it('sends a waiting awareness batch when the room closes, and nothing after', () => {
    const [a] = [peer()];
    const doc = new Y.Doc();
    const awareness = new awarenessProtocol.Awareness(doc);
    const out = new Broadcaster(new Set([a]), awareness, 10_000);
    awareness.setLocalState({ cursor: 1 });
    out.awarenessChange([doc.clientID]);
    out.flush();
    awareness.setLocalState({ cursor: 2 });
    out.awarenessChange([doc.clientID]);
    expect(a.frames).toHaveLength(1);
    out.close();
    expect(a.frames).toHaveLength(2);
    // Closed: later changes (peers leaving as the room shuts) queue and schedule nothing.
    awareness.setLocalState({ cursor: 3 });
    out.awarenessChange([doc.clientID]);
    out.update(edits(1)[0]!, null);
    out.flush();
    expect(a.frames).toHaveLength(2);
    awareness.destroy();
  });
});
