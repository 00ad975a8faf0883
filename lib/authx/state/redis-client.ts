/**
 * A Redis client as the library's Redis stores use it (exported by `authx-node` as a type and
 * `redisCommand`): one function sending one command, routed by a key. The library depends on no
 * Redis package; it adapts the client the user passes in: the official `redis` client
 * (`createClient`: `sendCommand(args)`; `createCluster`: `sendCommand(key, readonly, args)`;
 * `createSentinel`: `sendCommand(readonly, args)`, to the master the Sentinels name), `ioredis`
 * (`Redis` or `Cluster`: `call`), or any function of that shape. Every call has a
 * deadline, and every failure becomes `StateUnavailableError` (503) without the client's error
 * text, which may hold an address; only the reply's error code (`OOM`, `NOSCRIPT`, ...) is kept.
 *
 * Lua scripts are sent once (library-internal: {@link RedisScript}, {@link runScript}): each call
 * is `EVALSHA <sha1>`, and only a node that does not know the script yet (`NOSCRIPT`: a new,
 * restarted or failed-over one) gets its text, through `EVAL`, which also loads it there. Scripts
 * that write start with `#!lua` (Redis 7): such a script is refused as a whole when Redis is out
 * of memory (`OOM`), never half applied.
 */
import { createHash } from 'node:crypto';
import { StateUnavailableError } from '../authx-errors.ts';
import { keySlot } from './redis-keys.ts';

/**
 * Sends one command (`["MGET", "k1", "k2"]`), routed to the node holding `key` on a cluster. With
 * `minReplicas`, a write and its `WAIT` are two calls made together: a function must send them
 * on one connection, in order, for `WAIT` to count that write.
 */
export type RedisCommand = (args: readonly string[], key?: string) => Promise<unknown>;

/** The official client's `createClient()`: one connection, `sendCommand(args)`. */
interface NodeRedisClient {
  sendCommand(args: string[]): Promise<unknown>;
}
/** The official client's `createCluster()`: `sendCommand(firstKey, isReadonly, args)`, its primaries and their clients. */
interface NodeRedisCluster {
  sendCommand(firstKey: string | undefined, isReadonly: boolean | undefined, args: string[]): Promise<unknown>;
  readonly masters: readonly unknown[];
  /** Indexed by hash slot: the shard serving it, as the client last learned. */
  readonly slots: ReadonlyArray<{ readonly master?: unknown } | undefined>;
  nodeClient(node: never): Promise<NodeRedisClient> | NodeRedisClient;
}
/** The official client's `createSentinel()`: the current master's pool, `sendCommand(isReadonly, args)`, and pipelines. */
interface NodeRedisSentinel {
  sendCommand(isReadonly: boolean | undefined, args: string[]): Promise<unknown>;
  multi(): NodeRedisSentinelPipeline;
  getMasterNode(): unknown;
}
interface NodeRedisSentinelPipeline {
  addCommand(isReadonly: boolean | undefined, args: string[]): NodeRedisSentinelPipeline;
  execAsPipeline(): Promise<unknown[]>;
}
/** ioredis `Redis` or `Cluster` (`isCluster`, `nodes('master')`). */
interface IoRedisClient {
  call(command: string, ...args: string[]): Promise<unknown>;
}

/** What the stores accept: an official `redis` client, cluster or sentinel, an `ioredis` client or cluster, or a {@link RedisCommand}. */
export type RedisClientLike = RedisCommand | NodeRedisClient | NodeRedisCluster | NodeRedisSentinel | IoRedisClient;

/**
 * A reply error or a failure of the link, as `StateUnavailableError` (503): `reason` is the reply's
 * error code (`OOM`, `NOSCRIPT`, `READONLY`, `CLUSTERDOWN`, `TRYAGAIN`, ...), `timeout` or
 * `connection`, never the client's text.
 */
export class RedisUnavailableError extends StateUnavailableError {
  readonly reason: string;

  constructor(reason: string) {
    super();
    this.reason = reason;
  }
}

/** The library's view of one client: routed commands with a deadline, and each primary on its own. */
export interface RedisLink {
  /** One command, routed by `key`, with the deadline. */
  readonly send: RedisCommand;
  /**
   * `args` then `WAIT replicas timeoutMs` on the same connection, sent together (one round trip):
   * resolves with the reply to `args` once `replicas` replicas hold it.
   */
  sendReplicated(args: readonly string[], key: string, replicas: number): Promise<unknown>;
  /** One sender per primary (one for a single Redis); asked again each time, as a cluster changes. */
  primaries(): Promise<RedisCommand[]>;
  /** Whether the client is a cluster client. */
  readonly cluster: boolean;
  /** Whether the client is the official client's Sentinel client (its pooled connections cannot be proven tracked, so no tracking cache). */
  readonly sentinel: boolean;
}

/**
 * A {@link RedisCommand} for a client, with a deadline of `timeoutMs` per command.
 *
 * @example const send = redisCommand(client, 500); await send(["PING"])
 * @throws {TypeError} When `client` is none of the accepted shapes or `timeoutMs` is not a positive integer.
 */
export function redisCommand(client: RedisClientLike, timeoutMs: number): RedisCommand {
  return redisLink(client, timeoutMs).send;
}

/**
 * The {@link RedisLink} of a client (library-internal; the stores use it).
 *
 * @example const link = redisLink(client, 500)
 * @throws {TypeError} As {@link redisCommand}.
 */
export function redisLink(client: RedisClientLike, timeoutMs: number): RedisLink {
  if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 1) throw new TypeError('timeoutMs must be a positive integer of milliseconds');
  const raw = adapt(client);
  const send: RedisCommand = (args, key) => deadline(() => raw.send(args, key), timeoutMs);
  return {
    send,
    cluster: raw.cluster,
    sentinel: raw.sentinel === true,
    sendReplicated: (args, key, replicas) =>
      deadline(async () => {
        const wait = ['WAIT', String(replicas), String(timeoutMs)];
        const [reply, acked] = await raw.pair(args, wait, key);
        if (typeof acked === 'number' || typeof acked === 'string' || typeof acked === 'bigint') {
          if (Number(acked) >= replicas) return reply;
        }
        throw new RedisUnavailableError('NOREPLICAS');
      }, timeoutMs * 2),
    // Finding the primaries may mean connecting to one (a cluster's node client): a deadline too.
    primaries: async () => (await deadline(() => raw.primaries(), timeoutMs)).map((one) => (args: readonly string[]) => deadline(() => one(args), timeoutMs)),
  };
}

interface RawLink {
  cluster: boolean;
  sentinel?: boolean;
  send(args: readonly string[], key: string | undefined): Promise<unknown>;
  /** Two commands on one connection, in order, written together. */
  pair(first: readonly string[], second: readonly string[], key: string): Promise<[unknown, unknown]>;
  primaries(): Promise<Array<(args: readonly string[]) => Promise<unknown>>>;
}

function deadline<T>(start: () => Promise<T>, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new RedisUnavailableError('timeout')), timeoutMs);
    let sent: Promise<T>;
    try {
      sent = start();
    } catch (error) {
      clearTimeout(timer);
      reject(unavailable(error));
      return;
    }
    sent.then(
      (reply) => {
        clearTimeout(timer);
        resolve(reply);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(unavailable(error));
      },
    );
  });
}

/** The reply's error code (its first word, when it is one in capitals), else `connection`. */
function unavailable(error: unknown): RedisUnavailableError {
  if (error instanceof RedisUnavailableError) return error;
  const message = error instanceof Error ? error.message : '';
  // Reply errors start with their code in capitals ("OOM command not allowed ..."); a client's
  // own errors ("connect ECONNREFUSED ...", "The client is closed") do not.
  return new RedisUnavailableError(/^([A-Z][A-Z_]{1,30})(?: |$)/.exec(message)?.[1] ?? 'connection');
}

function adapt(client: RedisClientLike): RawLink {
  if (typeof client === 'function') {
    return {
      cluster: false,
      send: (args, key) => client(args, key),
      pair: (first, second, key) => Promise.all([client(first, key), client(second, key)]),
      primaries: async () => [(args) => client(args)],
    };
  }
  if (typeof client !== 'object' || client === null) throw new TypeError('client must be a redis or ioredis client or cluster, or a function sending one command');
  const maybe = client as { call?: unknown; sendCommand?: unknown; masters?: unknown; nodeClient?: unknown; isCluster?: unknown; nodes?: unknown; pipeline?: unknown; getMasterNode?: unknown; multi?: unknown };
  // ioredis has both `call` and a `sendCommand` that takes its own Command objects: test `call` first.
  if (typeof maybe.call === 'function') {
    const io = client as IoRedisClient;
    const call = (args: readonly string[]): Promise<unknown> => io.call(args[0] as string, ...args.slice(1));
    if (maybe.isCluster === true && typeof maybe.nodes === 'function' && typeof maybe.pipeline === 'function') {
      const cluster = client as unknown as IoRedisClusterShape;
      return {
        cluster: true,
        send: (args) => call(args),
        // A pipeline goes to the node of its keyed commands: WAIT rides along to the same node.
        pair: async (first, second) => {
          const replies = await cluster.pipeline([[...first], [...second]]).exec();
          if (!Array.isArray(replies) || replies.length !== 2) throw new RedisUnavailableError('connection');
          for (const [error] of replies) if (error) throw error;
          return [replies[0]![1], replies[1]![1]];
        },
        primaries: async () => cluster.nodes('master').map((node) => (args: readonly string[]) => node.call(args[0] as string, ...args.slice(1))),
      };
    }
    return { cluster: false, send: (args) => call(args), pair: (first, second) => Promise.all([call(first), call(second)]), primaries: async () => [call] };
  }
  if (typeof maybe.sendCommand === 'function') {
    if (typeof maybe.getMasterNode === 'function' && typeof maybe.multi === 'function') return adaptSentinel(client as NodeRedisSentinel);
    if (Array.isArray(maybe.masters) && typeof maybe.nodeClient === 'function') {
      const cluster = client as NodeRedisCluster;
      const send = (args: readonly string[], key: string | undefined): Promise<unknown> => cluster.sendCommand(key, false, [...args]);
      return {
        cluster: true,
        send,
        // Both commands go to the key's primary's own client, written in one batch, in order, so
        // WAIT follows the write on its connection. Not through sendCommand: it would follow a
        // MOVED for the write alone and leave WAIT on the old node, counting nothing of it.
        pair: async (first, second, key) => {
          for (let attempt = 0; ; attempt++) {
            const master = cluster.slots[keySlot(key)]?.master;
            if (master === undefined) throw new RedisUnavailableError('CLUSTERDOWN');
            const one = await cluster.nodeClient(master as never);
            const [reply, acked] = await Promise.allSettled([one.sendCommand([...first]), one.sendCommand([...second])]);
            if (reply.status === 'fulfilled') {
              if (acked.status === 'rejected') throw acked.reason;
              return [reply.value, acked.value];
            }
            // A redirect means the write did not run there. Once: a read through the cluster client
            // follows it and updates the slot map, and the pair goes to the new owner. A slot in
            // migration (ASK) answers ASK again: refused (503) until the migration ends.
            const redirected = reply.reason instanceof Error && /^(MOVED|ASK) /.test(reply.reason.message);
            if (!redirected || attempt > 0) throw reply.reason;
            await send(['EXISTS', key], key);
          }
        },
        primaries: async () => {
          const clients = await Promise.all(cluster.masters.map((node) => cluster.nodeClient(node as never)));
          return clients.map((one) => (args: readonly string[]) => one.sendCommand([...args]));
        },
      };
    }
    const one = client as NodeRedisClient;
    const send = (args: readonly string[]): Promise<unknown> => one.sendCommand([...args]);
    return { cluster: false, send, pair: (first, second) => Promise.all([send(first), send(second)]), primaries: async () => [send] };
  }
  throw new TypeError('client must be a redis or ioredis client or cluster, or a function sending one command');
}

/**
 * A Sentinel client: every command to the current master (never a replica: `isReadonly` false,
 * so a read cannot miss a write). The pair is one pipeline: both commands are written together
 * on one connection of the master's pool, and when the client retries after a failover
 * (`READONLY`, a lost connection) it sends both again, in order, to the new master. Two
 * `sendCommand`s would be retried one by one, and a `WAIT` re-sent alone on a fresh connection
 * counts replicas without having seen the write.
 */
function adaptSentinel(sentinel: NodeRedisSentinel): RawLink {
  const send = (args: readonly string[]): Promise<unknown> => sentinel.sendCommand(false, [...args]);
  return {
    cluster: false,
    sentinel: true,
    send,
    pair: async (first, second) => {
      const replies = await sentinel.multi().addCommand(false, [...first]).addCommand(false, [...second]).execAsPipeline();
      if (!Array.isArray(replies) || replies.length !== 2) throw new RedisUnavailableError('connection');
      return [replies[0], replies[1]];
    },
    primaries: async () => [send],
  };
}

interface IoRedisClusterShape {
  nodes(role: 'master'): IoRedisClient[];
  pipeline(commands: string[][]): { exec(): Promise<Array<[Error | null, unknown]> | null> };
}

/** A script and its SHA-1, the name Redis files it under. */
export class RedisScript {
  readonly text: string;
  readonly sha: string;

  constructor(text: string) {
    this.text = text;
    this.sha = createHash('sha1').update(text).digest('hex');
  }
}

/**
 * Runs `script` on the node holding `keys[0]`: `EVALSHA`, then `EVAL` once if that node does
 * not know it. With `replicas` > 0 the answer waits until that many replicas hold the writes
 * (`WAIT`, in the same round trip).
 *
 * @example await runScript(link, CLAIM, [key], [value, ttl])
 * @throws {RedisUnavailableError} When Redis does not answer in time or refuses.
 */
export async function runScript(link: RedisLink, script: RedisScript, keys: readonly string[], args: readonly string[], replicas = 0): Promise<unknown> {
  const key = keys[0]!;
  const call = (verb: 'EVALSHA' | 'EVAL'): Promise<unknown> => {
    const command = [verb, verb === 'EVAL' ? script.text : script.sha, String(keys.length), ...keys, ...args];
    return replicas > 0 ? link.sendReplicated(command, key, replicas) : link.send(command, key);
  };
  try {
    return await call('EVALSHA');
  } catch (error) {
    if (!(error instanceof RedisUnavailableError) || error.reason !== 'NOSCRIPT') throw error;
    return call('EVAL');
  }
}
