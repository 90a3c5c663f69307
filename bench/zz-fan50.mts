import { readFileSync } from 'node:fs';
import { Generator } from './load.ts';
import { fanout, FULL, load1 } from './measure.ts';
import { startServer } from './servers.ts';
import type { ServerKind } from './wire.ts';
const cpu = (pid: number) => { const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' '); return (Number(f[11]) + Number(f[12])) * 10; };
const gen = new Generator(2);
const kinds = (process.env.KINDS ?? 'stageboard,y-websocket,floor').split(',') as ServerKind[];
const N = Number(process.env.N ?? 50);
for (let round = 0; round < Number(process.env.ROUNDS ?? 3); round++) {
  for (const kind of kinds) {
    const server = await startServer(kind, { env: { STAGEBOARD_MAX_MESSAGES_PER_SECOND: '1000000' } });
    const c0 = cpu(server.pid);
    const l = load1();
    const r = await fanout(gen, server, N, FULL);
    const c1 = cpu(server.pid);
    console.log(`${kind.padEnd(12)} p50 ${r.p50.toFixed(2)} p99 ${r.p99.toFixed(2)} first ${r.firstP50.toFixed(2)}/${r.firstP99.toFixed(2)} sent ${r.sent} lost ${r.lost} cpu ${c1 - c0} ms load ${l.toFixed(2)}`);
    await server.stop();
  }
}
await gen.terminate();
process.exit(0);
