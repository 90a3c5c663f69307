import { Generator } from './load.ts';
import { fanout, FULL, load1 } from './measure.ts';
import { startServer } from './servers.ts';
const gen = new Generator(2);
for (let round = 0; round < 3; round++) {
  for (const kind of ['floor', 'y-websocket', 'stageboard'] as const) {
    const server = await startServer(kind, { env: {} });
    try {
      for (const n of [50, 200]) {
        const l = load1();
        const r = await fanout(gen, server, n, FULL);
        console.log(`${round} ${kind.padEnd(11)} ${n}: p50 ${r.p50.toFixed(2)} p99 ${r.p99.toFixed(2)} first ${r.firstP50.toFixed(2)}/${r.firstP99.toFixed(2)} lost ${r.lost} sent ${r.sent} load ${l.toFixed(2)}`);
      }
    } finally { await server.stop(); }
  }
}
await gen.terminate();
process.exit(0);
