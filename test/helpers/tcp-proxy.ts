/**
 * A TCP proxy on a free port of 127.0.0.1 in front of a test's Redis, to fake network faults:
 * `delay` holds every chunk in both directions, `partition` stops forwarding without closing
 * anything (packets vanish, as in a network partition), `cut` resets every connection.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

/** A running proxy owned by the test. */
export interface TestProxy {
  readonly port: number;
  readonly url: string;
  /** Holds every chunk `ms` before passing it on (0: none). */
  delay(ms: number): void;
  /** Stops (true) or resumes (false) forwarding; nothing is closed, held chunks stay held. */
  partition(on: boolean): void;
  /** Resets every open connection (new ones are accepted). */
  cut(): void;
  close(): Promise<void>;
}

/**
 * @example const proxy = await startProxy(redis.port); createClient({ url: proxy.url })
 * @throws {Error} When no port can be bound.
 */
export async function startProxy(targetPort: number): Promise<TestProxy> {
  let delayMs = 0;
  let partitioned = false;
  const sockets = new Set<Socket>();
  const held: Array<() => void> = [];
  const forward = (from: Socket, to: Socket): void => {
    from.on('data', (chunk: Buffer) => {
      const pass = (): void => {
        if (!to.destroyed) to.write(chunk);
      };
      const send = (): void => (partitioned ? void held.push(pass) : pass());
      if (delayMs > 0) setTimeout(send, delayMs);
      else send();
    });
  };
  const server: Server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => {});
      socket.on('close', () => {
        sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    forward(client, upstream);
    forward(upstream, client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    delay: (ms) => {
      delayMs = ms;
    },
    partition: (on) => {
      partitioned = on;
      if (!on) for (const pass of held.splice(0)) pass();
    },
    cut: () => {
      held.length = 0;
      for (const socket of sockets) socket.resetAndDestroy();
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
