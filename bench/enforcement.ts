/**
 * Cost of the permission filter per update: decoding an incoming update and
 * checking it against the server's document (server/inspect.ts +
 * server/permissions.ts), next to the cost of applying the same update.
 * Run: npx tsx bench/enforcement.ts
 */
import * as Y from 'yjs';
import { addTeam, initWorkshopDoc, setTeamField } from '../shared/doc.ts';
import { findTemplate } from '../shared/templates/index.ts';
import { inspectUpdate } from '../server/inspect.ts';
import { checkWrite } from '../server/permissions.ts';

export function runEnforcementBench(n = 20_000): { inspectUs: number; applyUs: number; ratio: number; docUpdates: number } {
  const server = new Y.Doc();
  initWorkshopDoc(server, { title: 'Bench', template: findTemplate('ai-sdlc')!, createdAt: 0 });
  for (let t = 0; t < 20; t++) addTeam(server, `t${t}`, { name: `Team ${t}`, color: '#123456', stageCurrent: 1 });
  const client = new Y.Doc();
  Y.applyUpdate(client, Y.encodeStateAsUpdate(server));
  // A realistic stream: marker moves on twenty teams, as a drag produces them.
  const updates: Uint8Array[] = [];
  client.on('update', (u: Uint8Array) => updates.push(u));
  for (let i = 0; i < n; i++) setTeamField(client, `t${i % 20}`, 'stageCurrent', 1 + (i % 200) / 100);

  let inspectNs = 0n;
  let applyNs = 0n;
  for (const u of updates) {
    const t0 = process.hrtime.bigint();
    const r = inspectUpdate(server, u);
    if (!checkWrite('participant', r.roots, false).ok || r.missing) throw new Error('unexpected refusal');
    const t1 = process.hrtime.bigint();
    Y.applyUpdate(server, u);
    const t2 = process.hrtime.bigint();
    inspectNs += t1 - t0;
    applyNs += t2 - t1;
  }
  const inspectUs = Number(inspectNs) / 1000 / updates.length;
  const applyUs = Number(applyNs) / 1000 / updates.length;
  return { inspectUs, applyUs, ratio: inspectUs / applyUs, docUpdates: updates.length };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  runEnforcementBench(2_000); // warm-up
  const r = runEnforcementBench();
  console.log(
    `permission filter: ${r.inspectUs.toFixed(2)} µs per update (inspect + check), ` +
      `apply: ${r.applyUs.toFixed(2)} µs, filter/apply ${r.ratio.toFixed(2)}× over ${r.docUpdates} updates`,
  );
}
