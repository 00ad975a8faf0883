/**
 * A Redis client as the library's Redis stores use it (exported by `authx-node` as a type and
 * `redisCommand`): one function sending one command. The library depends on no Redis package;
 * it adapts the client the user passes in: the official `redis` client (`sendCommand`), `ioredis`
 * (`call`), or any function of that shape. Every call has a deadline, and every failure becomes
 * `StateUnavailableError` (503) without the client's error text, which may hold an address.
 */
import { StateUnavailableError } from '../authx-errors.ts';

/** Sends one command (`["MGET", "k1", "k2"]`) and resolves with its reply. */
export type RedisCommand = (args: readonly string[]) => Promise<unknown>;

/** What the stores accept: an official `redis` client, an `ioredis` client, or a {@link RedisCommand}. */
export type RedisClientLike = RedisCommand | { sendCommand(args: string[]): Promise<unknown> } | { call(command: string, ...args: string[]): Promise<unknown> };

/**
 * A {@link RedisCommand} for a client, with a deadline of `timeoutMs` per command.
 *
 * @example const send = redisCommand(client, 500); await send(["PING"])
 * @throws {TypeError} When `client` is none of the accepted shapes or `timeoutMs` is not a positive integer.
 */
export function redisCommand(client: RedisClientLike, timeoutMs: number): RedisCommand {
  if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 1) throw new TypeError('timeoutMs must be a positive integer of milliseconds');
  const raw = adapt(client);
  return (args) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new StateUnavailableError()), timeoutMs);
      let sent: Promise<unknown>;
      try {
        sent = raw(args);
      } catch {
        clearTimeout(timer);
        reject(new StateUnavailableError());
        return;
      }
      sent.then(
        (reply) => {
          clearTimeout(timer);
          resolve(reply);
        },
        () => {
          clearTimeout(timer);
          reject(new StateUnavailableError());
        },
      );
    });
}

function adapt(client: RedisClientLike): RedisCommand {
  if (typeof client === 'function') return client;
  if (typeof client !== 'object' || client === null) throw new TypeError('client must be a redis or ioredis client, or a function sending one command');
  // ioredis has both `call` and a `sendCommand` that takes its own Command objects: test `call` first.
  const maybe = client as { call?: unknown; sendCommand?: unknown };
  if (typeof maybe.call === 'function') {
    const c = client as { call(command: string, ...args: string[]): Promise<unknown> };
    return (args) => c.call(args[0] as string, ...args.slice(1));
  }
  if (typeof maybe.sendCommand === 'function') {
    const c = client as { sendCommand(args: string[]): Promise<unknown> };
    return (args) => c.sendCommand([...args]);
  }
  throw new TypeError('client must be a redis or ioredis client, or a function sending one command');
}
