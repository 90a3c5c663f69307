import { describe, expect, it } from 'vitest';
import * as decoding from 'lib0/decoding';
import * as Y from 'yjs';
import * as awarenessProtocol from 'y-protocols/awareness';
import { Broadcaster } from '../../server/broadcast.ts';
import type { Peer } from '../../server/room.ts';

function peer(): Peer & { frames: Uint8Array[] } {
  const frames: Uint8Array[] = [];
  return {
    role: 'participant',
    author: 'p',
    closed: false,
    awarenessClients: new Set(),
    unresolved: 0,
    frames,
    send: (f) => void frames.push(f),
    close: () => {},
  };
}
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
});
