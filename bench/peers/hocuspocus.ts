import { Server } from '@hocuspocus/server';

/** Hocuspocus 2 with its defaults: no extensions, no persistence, no auth. */
const server = Server.configure({
  port: Number(process.env.PORT ?? 1235),
  address: process.env.HOST ?? '127.0.0.1',
  quiet: true,
});
await server.listen();
process.stderr.write(`hocuspocus running on port ${server.address.port}\n`);
