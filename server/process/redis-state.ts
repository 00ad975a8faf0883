/**
 * The example server's state in Redis (docs/state.md): `REDIS_URL` (one Redis) or `REDIS_CLUSTER`
 * (seed nodes of a Redis Cluster), with `REDIS_MIN_REPLICAS` and `REDIS_TRACKING`, through the
 * official `redis` package (loaded only here, only then). The client speaks RESP3 with client
 * tracking on, so `GET /protected` is answered from a local cache that Redis keeps exact. A
 * Redis that may evict keys stops the start; one that cannot be reached is waited for, with 503s
 * meanwhile. Log lines and errors never hold a URL, an address or a client's error text.
 * Example server only.
 */
import type { RevocationStore } from '../../lib/authx/state/revocation.ts';
import type { CounterStore } from '../login/counter-store.ts';
import { ServerConfigError } from './server-config.ts';

/** What `openServerState` answers for Redis (see `ServerState` in server/process/state.ts). */
export interface RedisState {
  readonly mode: 'redis';
  readonly revocationStore: RevocationStore;
  readonly counterStore: CounterStore;
  stateReady(): Promise<boolean>;
  close(): Promise<void>;
}

/** The Redis settings read from the environment. */
export interface RedisSettings {
  /** `REDIS_URL`, or the seed URLs of `REDIS_CLUSTER`. */
  readonly urls: readonly string[];
  readonly cluster: boolean;
  /** `REDIS_MIN_REPLICAS`: replicas every write waits for (`WAIT`); 0 by default. */
  readonly minReplicas: number;
  /** `REDIS_TRACKING`: the local cache kept exact by client tracking; on by default. */
  readonly tracking: boolean;
}

/**
 * The Redis settings of `env`, or `undefined` when neither `REDIS_URL` nor `REDIS_CLUSTER` is set.
 *
 * @example readRedisSettings(process.env)
 * @throws {ServerConfigError} When both are set, a URL is not a redis URL, or a number is out of range
 *   (the message names the variable, never its value: a URL may hold a password).
 */
export function readRedisSettings(env: Readonly<Record<string, string | undefined>>): RedisSettings | undefined {
  const url = env.REDIS_URL ?? '';
  const seeds = env.REDIS_CLUSTER ?? '';
  if (url !== '' && seeds !== '') throw new ServerConfigError('REDIS_URL and REDIS_CLUSTER are both set: set REDIS_URL for one Redis, or REDIS_CLUSTER for the seed nodes of a Redis Cluster');
  if (url === '' && seeds === '') return undefined;
  const cluster = seeds !== '';
  const urls = cluster ? seeds.split(',').map((s) => s.trim()).filter(Boolean) : [url];
  for (const one of urls) {
    if (!/^rediss?:\/\/[^\s]+$/.test(one)) {
      throw new ServerConfigError(cluster ? 'REDIS_CLUSTER must be a comma-separated list of redis:// or rediss:// URLs' : 'REDIS_URL must be a redis:// or rediss:// URL');
    }
  }
  if (urls.length === 0) throw new ServerConfigError('REDIS_CLUSTER must name at least one seed node');
  const replicas = env.REDIS_MIN_REPLICAS ?? '';
  if (replicas !== '' && !/^\d{1,2}$/.test(replicas)) throw new ServerConfigError('REDIS_MIN_REPLICAS must be an integer from 0 to 99');
  const tracking = env.REDIS_TRACKING ?? 'on';
  if (tracking !== 'on' && tracking !== 'off') throw new ServerConfigError('REDIS_TRACKING must be on or off');
  return { urls, cluster, minReplicas: replicas === '' ? 0 : Number(replicas), tracking: tracking === 'on' };
}

interface EventSource {
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  connect(): Promise<unknown>;
  destroy?(): void;
  disconnect?(): Promise<void> | void;
}

interface RedisPackage {
  createClient(options: object): EventSource;
  createCluster(options: object): EventSource;
  BasicClientSideCache: new (config?: object) => object;
  BasicPooledClientSideCache: new (config?: object) => object;
}

/** How long the start waits for a first connection before serving 503s while it keeps trying. */
const FIRST_CONNECT_MS = 1_500;

/**
 * Connects (or starts waiting), checks that Redis can be trusted, and builds the stores.
 *
 * @example const state = await openRedisState(settings, log, 500)
 * @throws {ServerConfigError} When the `redis` package is missing, or Redis answers with a
 *   `maxmemory-policy` other than `noeviction` (the message names the setting and the fix).
 */
export async function openRedisState(settings: RedisSettings, log: (line: string) => void, timeoutMs: number): Promise<RedisState> {
  const name = settings.cluster ? 'REDIS_CLUSTER' : 'REDIS_URL';
  let redis: RedisPackage;
  try {
    // Loaded only now: `redis` is an optional peer dependency, needed only with Redis.
    redis = (await import('redis')) as unknown as RedisPackage;
  } catch {
    throw new ServerConfigError(`${name} is set but the "redis" package is not installed: run npm install redis`);
  }
  // The Redis stores too: a server without Redis never loads them (docs/performance.md, start-up).
  const [{ RedisRevocationStore }, { RedisTracking }, { RedisCounterStore }] = await Promise.all([
    import('../../lib/authx/state/redis-revocation-store.ts'),
    import('../../lib/authx/state/redis-tracking.ts'),
    import('../login/redis-counter-store.ts'),
  ]);
  const tracking = settings.tracking ? new RedisTracking() : undefined;
  const socket = { connectTimeout: 1_000, reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, 1_000) };
  // Fail a command at once while disconnected (503) instead of queueing it behind the outage.
  const common = { RESP: 3, disableOfflineQueue: true };
  let client: EventSource;
  if (settings.cluster) {
    // Nodes found through the seeds get the seeds' credentials (a URL's user and password).
    const first = new URL(settings.urls[0]!);
    const credentials = {
      ...(first.username === '' ? {} : { username: decodeURIComponent(first.username) }),
      ...(first.password === '' ? {} : { password: decodeURIComponent(first.password) }),
    };
    client = redis.createCluster({
      rootNodes: settings.urls.map((url) => ({ url })),
      defaults: { ...common, ...credentials, socket: { ...socket, ...(first.protocol === 'rediss:' ? { tls: true } : {}) } },
      ...common,
      // A primary that stops answering: the topology is read again 500 ms after the first
      // reconnection attempt (the client's default waits 5 s), so a failover is followed sooner.
      topologyRefreshOnReconnectionAttemptStrategy: 500,
      ...(tracking === undefined ? {} : { clientSideCache: tracking.cacheFor(redis.BasicPooledClientSideCache) }),
    });
  } else {
    client = redis.createClient({
      url: settings.urls[0],
      ...common,
      socket,
      ...(tracking === undefined ? {} : { clientSideCache: tracking.cacheFor(redis.BasicClientSideCache) }),
    });
  }
  let connected = false;
  let waitingLogged = false;
  const waiting = (): void => {
    // Error texts name the address; say only that the state is unreachable, once per outage.
    if (!waitingLogged) log(`state: waiting for Redis (${name} not reachable); state routes answer 503 until it is`);
    waitingLogged = true;
    connected = false;
  };
  const ready = (): void => {
    if (!connected) log(`state: connected to Redis (${name})`);
    connected = true;
    waitingLogged = false;
  };
  client.on('error', waiting);
  client.on(settings.cluster ? 'node-error' : 'end', waiting);
  client.on(settings.cluster ? 'connect' : 'ready', ready);
  // A cluster node back (or a replica promoted): the cluster answers again.
  if (settings.cluster) client.on('node-ready', ready);
  const store = new RedisRevocationStore({ client: client as never, timeoutMs, minReplicas: settings.minReplicas, log, ...(tracking === undefined ? {} : { tracking }) });
  const close = async (): Promise<void> => {
    store.close();
    closed = true;
    clearTimeout(retry);
    try {
      if (typeof client.destroy === 'function') client.destroy();
      else await client.disconnect?.();
    } catch {
      // already closed
    }
  };
  let closed = false;
  let retry: ReturnType<typeof setTimeout> | undefined;
  // A single client reconnects by itself; a cluster's first discovery does not, so it is retried here.
  const connect = (): Promise<boolean> =>
    client.connect().then(
      () => true,
      () => {
        waiting();
        if (settings.cluster && !closed) retry = setTimeout(() => void connect(), 1_000).unref();
        return false;
      },
    );
  const first = await Promise.race([connect(), new Promise<false>((resolve) => setTimeout(resolve, FIRST_CONNECT_MS, false).unref())]);
  if (first) {
    try {
      await store.prepare();
    } catch (error) {
      // StateUntrustedError (lib/authx/, a room this one does not import), told by its code.
      const { code, detail } = error as { code?: unknown; detail?: unknown };
      if (code === 'ERR_STATE_UNTRUSTED' && typeof detail === 'string') {
        await close();
        throw new ServerConfigError(`${name}: ${detail}`);
      }
      // Unreachable after all: served with 503s until it answers, like a Redis down at start.
    }
  } else {
    waiting();
  }
  return {
    mode: 'redis',
    revocationStore: store,
    counterStore: new RedisCounterStore({ client: client as never, timeoutMs }),
    stateReady: () => store.isReady(),
    close,
  };
}
