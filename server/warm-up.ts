import * as Y from 'yjs';
import { addTeam, initWorkshopDoc, setTeamField } from '../shared/doc.ts';
import { BUILTIN_TEMPLATES } from '../shared/templates/index.ts';
import { inspectUpdate } from './inspect.ts';
import { encodeSyncStep2 } from './protocol.ts';

/** Rounds of the made-up workshop's load: enough for V8 to have compiled and specialised the load path's code. */
const WARM_UP_ROUNDS = 2;
/** Times a long session's snapshot is applied and answered. */
const WARM_UP_SNAPSHOTS = 3;
/** Moves in the made-up workshop's log. */
const WARM_UP_MOVES = 1000;

/**
 * Runs, at start-up, what loading a stored workshop runs (apply a snapshot,
 * replay a tail of updates in one transaction, inspect an update, answer a
 * sync), on a small workshop made up here and thrown away. V8 compiles a
 * function when it is first called and specialises it as it runs: without
 * this, the first workshop loaded after a restart (everyone reconnecting at
 * once) pays that for its whole snapshot and tail. Measured with `npm run
 * bench`'s 100,900-update workshop on a 2-core VM: the first load 242 → 185 ms
 * (medians of 8, interleaved), for about 290 ms more before the server listens.
 * Returns the time it took.
 */
export function warmUp(): number {
  const started = performance.now();
  const source = new Y.Doc();
  const log: Uint8Array[] = [];
  source.on('update', (u: Uint8Array) => log.push(u));
  initWorkshopDoc(source, { title: 'Warm-up', template: BUILTIN_TEMPLATES[0]!, createdAt: 0 });
  source.transact(() => {
    for (let t = 0; t < 4; t++) addTeam(source, `t${t}`, { name: `Team ${t}`, color: '#2563eb', stageCurrent: 1 });
  });
  const snapshot = Y.encodeStateAsUpdate(source);
  const tailFrom = log.length;
  for (let i = 0; i < WARM_UP_MOVES; i++) {
    setTeamField(source, `t${i % 4}`, i % 3 === 0 ? 'stageTarget' : 'stageCurrent', 1 + (i % 20) / 10);
  }
  source.getMap('teams').delete('t3');
  const tail = log.slice(tailFrom);
  const whole = Y.encodeStateAsUpdate(source);
  for (let round = 0; round < WARM_UP_ROUNDS; round++) {
    // A snapshot and its tail, applied as Room.load does, then a joiner's sync answered.
    const doc = new Y.Doc();
    Y.applyUpdate(doc, snapshot);
    for (const u of tail.slice(0, 20)) inspectUpdate(doc, u);
    doc.transact(() => {
      for (const u of tail) Y.applyUpdate(doc, u);
    });
    encodeSyncStep2(doc, Y.encodeStateVector(new Y.Doc()));
    doc.destroy();
  }
  // A long session's snapshot is mostly overwritten positions: the most of a cold load.
  for (let round = 0; round < WARM_UP_SNAPSHOTS; round++) {
    const doc = new Y.Doc();
    Y.applyUpdate(doc, whole);
    encodeSyncStep2(doc, Y.encodeStateVector(source));
    doc.destroy();
  }
  source.destroy();
  return performance.now() - started;
}
