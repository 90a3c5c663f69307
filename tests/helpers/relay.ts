import { connect, createServer, type Socket } from 'node:net';

export interface Relay {
  port: number;
  /**
   * The network drops under every connection open now: each client side is
   * destroyed at once (its client sees the socket close and reconnects),
   * while the server side stays open and silent, never sent a FIN, so the
   * server learns of it only when a ping goes unanswered. Resolves once the
   * server has hung up every one of them. Later connections pass as usual.
   */
  cut(): { serverClosed: Promise<void> };
  close(): Promise<void>;
}

/** A TCP relay in front of the server on `port`, to lose a network the way a phone does. */
export async function startRelay(port: number): Promise<Relay> {
  const pairs = new Set<{ client: Socket; server: Socket }>();
  /** Server sides left open by cut(), until the server hangs up. */
  const severed = new Set<Socket>();
  const relay = createServer((client) => {
    const server = connect(port, '127.0.0.1');
    const pair = { client, server };
    pairs.add(pair);
    for (const s of [client, server]) {
      s.on('error', () => {});
      s.on('close', () => {
        client.destroy();
        server.destroy();
        pairs.delete(pair);
      });
    }
    client.pipe(server);
    server.pipe(client);
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  const address = relay.address();
  if (!address || typeof address === 'string') throw new Error('relay has no port');

  return {
    port: address.port,
    cut() {
      const closing: Promise<void>[] = [];
      for (const pair of pairs) {
        pairs.delete(pair);
        const { client, server } = pair;
        client.unpipe(server);
        server.unpipe(client);
        server.removeAllListeners('close');
        severed.add(server);
        closing.push(new Promise((resolve) => server.once('close', () => (severed.delete(server), resolve()))));
        // What the server sends (pings among it) is read and lost, so its buffers never fill and its
        // hang-up is seen. Unpiped, the stream is paused: a data listener alone would not resume it.
        server.on('data', () => {});
        server.resume();
        client.removeAllListeners('close');
        client.destroy();
      }
      return { serverClosed: Promise.all(closing).then(() => undefined) };
    },
    async close() {
      for (const { client, server } of pairs) {
        client.destroy();
        server.destroy();
      }
      for (const server of severed) server.destroy();
      await new Promise<void>((resolve) => relay.close(() => resolve()));
    },
  };
}
