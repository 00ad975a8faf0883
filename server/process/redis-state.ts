/**
 * The example server's state in Redis (docs/state.md): `REDIS_URL` (one Redis), `REDIS_CLUSTER`
 * (seed nodes of a Redis Cluster) or `REDIS_SENTINEL` with `REDIS_SENTINEL_NAME` (the Sentinels
 * of a master, followed through a failover), with `REDIS_MIN_REPLICAS` and `REDIS_TRACKING`,
 * through the official `redis` package (loaded only here, only then). The client speaks RESP3
 * with client tracking on (not with Sentinel), so `GET /protected` is answered from a local
 * cache that Redis keeps exact. A
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

/** The variables that name where Redis is, one of which may be set. */
const REDIS_VARIABLES = ['REDIS_URL', 'REDIS_CLUSTER', 'REDIS_SENTINEL'] as const;

/** The Redis settings read from the environment. */
export interface RedisSettings {
  /** Which variable names Redis: one Redis, a cluster's seed nodes, or the Sentinels of a master. */
  readonly variable: (typeof REDIS_VARIABLES)[number];
  /** `REDIS_URL`, or the URLs of `REDIS_CLUSTER` or `REDIS_SENTINEL`. */
  readonly urls: readonly string[];
  /** `REDIS_SENTINEL_NAME`: the master the Sentinels monitor (with `REDIS_SENTINEL` only). */
  readonly masterName?: string;
  /** `REDIS_MIN_REPLICAS`: replicas every write waits for (`WAIT`); 0 by default. */
  readonly minReplicas: number;
  /** `REDIS_TRACKING`: the local cache kept exact by client tracking; on by default, off with Sentinel. */
  readonly tracking: boolean;
}

const URL_RULES = {
  REDIS_URL: 'REDIS_URL must be a redis:// or rediss:// URL',
  REDIS_CLUSTER: 'REDIS_CLUSTER must be a comma-separated list of redis:// or rediss:// URLs',
  REDIS_SENTINEL: 'REDIS_SENTINEL must be a comma-separated list of redis://host:port URLs of Sentinels (the Sentinel client has no TLS)',
} as const;

/**
 * The Redis settings of `env`, or `undefined` when none of `REDIS_URL`, `REDIS_CLUSTER` and
 * `REDIS_SENTINEL` is set.
 *
 * @example readRedisSettings(process.env)
 * @throws {ServerConfigError} When more than one is set, a URL is not a redis URL, `REDIS_SENTINEL`
 *   lacks `REDIS_SENTINEL_NAME`, or a number is out of range (the message names the variable,
 *   never its value: a URL may hold a password).
 */
export function readRedisSettings(env: Readonly<Record<string, string | undefined>>): RedisSettings | undefined {
  const set = REDIS_VARIABLES.filter((name) => (env[name] ?? '') !== '');
  if (set.length > 1) {
    throw new ServerConfigError(
      `${set.slice(0, -1).join(', ')} and ${set.at(-1)} are ${set.length === 2 ? 'both' : 'all'} set: set only one, REDIS_URL for one Redis, ` +
        'REDIS_CLUSTER for the seed nodes of a Redis Cluster, or REDIS_SENTINEL for the Sentinels that watch a master',
    );
  }
  const variable = set[0];
  const masterName = env.REDIS_SENTINEL_NAME ?? '';
  if (variable !== 'REDIS_SENTINEL' && masterName !== '') throw new ServerConfigError('REDIS_SENTINEL_NAME is set without REDIS_SENTINEL: it names the master of the Sentinels in REDIS_SENTINEL');
  if (variable === undefined) return undefined;
  const value = env[variable]!;
  const urls = variable === 'REDIS_URL' ? [value] : value.split(',').map((s) => s.trim()).filter(Boolean);
  const pattern = variable === 'REDIS_SENTINEL' ? /^redis:\/\/[^\s/?#]+$/ : /^rediss?:\/\/[^\s]+$/;
  for (const one of urls) if (!pattern.test(one) || !URL.canParse(one) || !credentialsDecode(one)) throw new ServerConfigError(URL_RULES[variable]);
  // One scheme for every node: the client takes TLS from the first, and refuses a node whose URL
  // says otherwise in a message that quotes that URL, password included, then waits for ever.
  if (new Set(urls.map((one) => one.slice(0, one.indexOf(':')))).size > 1) throw new ServerConfigError(`${variable} must use one scheme for every node: all redis:// or all rediss://`);
  if (urls.length === 0) throw new ServerConfigError(`${variable} must name at least one ${variable === 'REDIS_SENTINEL' ? 'Sentinel' : 'seed node'}`);
  if (variable === 'REDIS_SENTINEL' && masterName === '') {
    throw new ServerConfigError('REDIS_SENTINEL_NAME must be set with REDIS_SENTINEL: the name the Sentinels monitor the master under (sentinel monitor <name> ...)');
  }
  if (!/^[\x21-\x7e]{0,128}$/.test(masterName)) throw new ServerConfigError('REDIS_SENTINEL_NAME must be at most 128 printable ASCII characters, without spaces');
  const replicas = env.REDIS_MIN_REPLICAS ?? '';
  if (replicas !== '' && !/^\d{1,2}$/.test(replicas)) throw new ServerConfigError('REDIS_MIN_REPLICAS must be an integer from 0 to 99');
  const tracking = env.REDIS_TRACKING ?? (variable === 'REDIS_SENTINEL' ? 'off' : 'on');
  if (tracking !== 'on' && tracking !== 'off') throw new ServerConfigError('REDIS_TRACKING must be on or off');
  if (variable === 'REDIS_SENTINEL' && tracking === 'on') {
    throw new ServerConfigError('REDIS_TRACKING=on is not supported with REDIS_SENTINEL: its pooled connections cannot be proven to hear every invalidation; unset REDIS_TRACKING');
  }
  return { variable, urls, ...(variable === 'REDIS_SENTINEL' ? { masterName } : {}), minReplicas: replicas === '' ? 0 : Number(replicas), tracking: tracking === 'on' };
}

/** Whether a URL's user and password are valid percent-encoding (they are decoded at connect). */
function credentialsDecode(url: string): boolean {
  const { username, password } = new URL(url);
  try {
    decodeURIComponent(username);
    decodeURIComponent(password);
    return true;
  } catch {
    return false;
  }
}

interface EventSource {
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  connect(): Promise<unknown>;
  destroy?(): Promise<void> | void;
  disconnect?(): Promise<void> | void;
}

interface RedisPackage {
  createClient(options: object): EventSource;
  createCluster(options: object): EventSource;
  createSentinel(options: object): EventSource;
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
  const name = settings.variable;
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
  // A URL's user and password: the seeds' apply to every node found through them, the first
  // Sentinel's to every Sentinel and to the master and its replicas.
  const first = new URL(settings.urls[0]!);
  const credentials = {
    ...(first.username === '' ? {} : { username: decodeURIComponent(first.username) }),
    ...(first.password === '' ? {} : { password: decodeURIComponent(first.password) }),
  };
  let client: EventSource;
  if (settings.variable === 'REDIS_CLUSTER') {
    client = redis.createCluster({
      rootNodes: settings.urls.map((url) => ({ url })),
      defaults: { ...common, ...credentials, socket: { ...socket, ...(first.protocol === 'rediss:' ? { tls: true } : {}) } },
      ...common,
      // A primary that stops answering: the topology is read again 500 ms after the first
      // reconnection attempt (the client's default waits 5 s), so a failover is followed sooner.
      topologyRefreshOnReconnectionAttemptStrategy: 500,
      ...(tracking === undefined ? {} : { clientSideCache: tracking.cacheFor(redis.BasicPooledClientSideCache) }),
    });
  } else if (settings.variable === 'REDIS_SENTINEL') {
    // No tracking (readRedisSettings refuses it): every verification is one MGET on the master.
    client = redis.createSentinel({
      name: settings.masterName,
      sentinelRootNodes: settings.urls.map((url) => ({ host: new URL(url).hostname, port: Number(new URL(url).port || 26379) })),
      nodeClientOptions: { disableOfflineQueue: true, ...credentials, socket },
      sentinelClientOptions: { ...credentials, socket },
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
  const cluster = settings.variable === 'REDIS_CLUSTER';
  client.on('error', waiting);
  client.on(cluster ? 'node-error' : 'end', waiting);
  client.on(cluster ? 'connect' : 'ready', ready);
  // A cluster node back (or a replica promoted): the cluster answers again.
  if (cluster) client.on('node-ready', ready);
  // The Sentinel client lost its master (a failover under way) and is finding it again.
  if (settings.variable === 'REDIS_SENTINEL') client.on('reconnecting', waiting);
  const store = new RedisRevocationStore({ client: client as never, timeoutMs, minReplicas: settings.minReplicas, log, ...(tracking === undefined ? {} : { tracking }) });
  const close = async (): Promise<void> => {
    store.close();
    closed = true;
    clearTimeout(retry);
    try {
      if (typeof client.destroy === 'function') await client.destroy();
      else await client.disconnect?.();
    } catch {
      // already closed
    }
  };
  let closed = false;
  let retry: ReturnType<typeof setTimeout> | undefined;
  // A single client reconnects by itself; a cluster's or Sentinel client's first discovery does not, so it is retried here.
  const connect = (): Promise<boolean> =>
    client.connect().then(
      () => true,
      () => {
        waiting();
        if (settings.variable !== 'REDIS_URL' && !closed) retry = setTimeout(() => void connect(), 1_000).unref();
        return false;
      },
    );
  const firstConnect = await Promise.race([connect(), new Promise<false>((resolve) => setTimeout(resolve, FIRST_CONNECT_MS, false).unref())]);
  if (firstConnect) {
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
