/**
 * Where the example server keeps its state (docs/state.md), chosen once at start-up from the
 * environment: `REDIS_URL`, `REDIS_CLUSTER` or `REDIS_SENTINEL` (shared by every instance; server/process/redis-state.ts),
 * else `DATA_DIR` (durable on this machine,
 * default `./data`), or `DATA_DIR=:memory:` (this process only; tests). Example server only; the
 * stores themselves are the library's (`lib/authx/`). `stateReady()` is the health check (for
 * DATA_DIR a real write probe, and not ready at capacity); `metricsSources` what it adds to `/metrics`.
 */
import { FileRevocationStore } from '../../lib/authx/state/file-revocation-store.ts';
import { MemoryRevocationStore } from '../../lib/authx/state/memory-revocation-store.ts';
import type { RevocationStore } from '../../lib/authx/state/revocation.ts';
import type { CounterStore } from '../login/counter-store.ts';
import type { MetricsSources } from '../ops/server-metrics.ts';
import { ServerConfigError } from './server-config.ts';
import { writeSafely } from './stream-guard.ts';

/** The memory opt-in value of `DATA_DIR`. */
export const MEMORY_DATA_DIR = ':memory:';

/** The state of one server process. */
export interface ServerState {
  /** `memory`, `file` (DATA_DIR) or `redis` (REDIS_URL, REDIS_CLUSTER or REDIS_SENTINEL). */
  readonly mode: 'memory' | 'file' | 'redis';
  /** Revocations, cut-offs, families and claims. */
  readonly revocationStore: RevocationStore;
  /** Throttle counters shared through Redis; `undefined`: the server's in-memory counters. */
  readonly counterStore: CounterStore | undefined;
  /** Whether the state can be used right now (DATA_DIR writable / every Redis primary answers in time and may not evict). */
  stateReady(): Promise<boolean>;
  /** Releases the state (the DATA_DIR lock; the Redis connection). */
  close(): Promise<void>;
  /** What the state adds to `/metrics` (DATA_DIR: capacity and failed writes). */
  readonly metricsSources?: MetricsSources;
}

/** Options of {@link openServerState}. */
export interface OpenStateOptions {
  /** Start-up and connection messages (one line each, no addresses); default stderr. */
  log?: (line: string) => void;
  /** Deadline of each Redis command in ms; default 500. */
  redisTimeoutMs?: number;
}

/**
 * Opens the state the environment asks for.
 *
 * @example const state = await openServerState(process.env)
 * @throws {ServerConfigError} When `DATA_DIR` cannot be created, written or locked (the message
 *   names `DATA_DIR`), `REDIS_URL`/`REDIS_CLUSTER`/`REDIS_SENTINEL` is not valid, the `redis` package is missing,
 *   or Redis may evict keys (`maxmemory-policy`).
 */
export async function openServerState(env: Readonly<Record<string, string | undefined>>, options: OpenStateOptions = {}): Promise<ServerState> {
  const log = options.log ?? ((line: string) => void writeSafely(process.stderr, `${line}\n`));
  // REDIS_SENTINEL_NAME alone too: readRedisSettings refuses it rather than a silent DATA_DIR.
  if (['REDIS_URL', 'REDIS_CLUSTER', 'REDIS_SENTINEL', 'REDIS_SENTINEL_NAME'].some((name) => (env[name] ?? '') !== '')) {
    // Loaded only with Redis, like the `redis` package itself (docs/performance.md, start-up).
    const { openRedisState, readRedisSettings } = await import('./redis-state.ts');
    return openRedisState(readRedisSettings(env)!, log, options.redisTimeoutMs ?? 500);
  }
  const dataDir = env.DATA_DIR === undefined || env.DATA_DIR === '' ? './data' : env.DATA_DIR;
  if (dataDir === MEMORY_DATA_DIR) {
    log('state: memory only (DATA_DIR=:memory:): revocations are lost when this process stops');
    return { mode: 'memory', revocationStore: new MemoryRevocationStore(), counterStore: undefined, stateReady: async () => true, close: async () => {} };
  }
  const maxEntries = readMaxEntries(env.DATA_DIR_MAX_ENTRIES);
  let store: FileRevocationStore;
  try {
    store = await FileRevocationStore.open({ directory: dataDir, ...(maxEntries === undefined ? {} : { maxEntries }) });
  } catch (error) {
    const { code } = error as { code?: unknown };
    // A damaged journal or one of a newer format: the message names the file, the byte and the remedy.
    if (code === 'ERR_STATE_JOURNAL_DAMAGED' || code === 'ERR_STATE_JOURNAL_VERSION') throw new ServerConfigError(`DATA_DIR ${dataDir}: ${(error as Error).message}`);
    const reason = code === 'ERR_STATE_DIR_IN_USE' ? (error as Error).message : `cannot be created or written (${String(code ?? 'error')})`;
    throw new ServerConfigError(`DATA_DIR ${dataDir}: ${reason}. Set DATA_DIR to a writable directory of its own, or DATA_DIR=:memory: for a throwaway server.`);
  }
  const { tornBytesAtOpen } = store.stats;
  if (tornBytesAtOpen > 0) log(`state: DATA_DIR ${dataDir}: cut off a torn last write of ${tornBytesAtOpen} byte(s) at the end of the journal (a crash mid-write; it was never acknowledged)`);
  log(`state: revocations kept in DATA_DIR ${dataDir}`);
  return {
    mode: 'file',
    revocationStore: store,
    counterStore: undefined,
    stateReady: () => store.isReady(),
    close: () => store.close(),
    metricsSources: {
      revocationCapacity: () => store.stats.capacity,
      stateWriteFailures: () => Object.entries(store.stats.failedWrites),
    },
  };
}

/** Most `DATA_DIR_MAX_ENTRIES` accepts: ten million entries are some 2 GB of heap. */
const MAX_DATA_DIR_ENTRIES = 10_000_000;

/** `DATA_DIR_MAX_ENTRIES`: the DATA_DIR store's capacity, or `undefined` for the library's default. */
function readMaxEntries(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (!/^\d{1,8}$/.test(value) || Number(value) < 1 || Number(value) > MAX_DATA_DIR_ENTRIES) {
    throw new ServerConfigError(`DATA_DIR_MAX_ENTRIES must be a whole number from 1 to ${MAX_DATA_DIR_ENTRIES}`);
  }
  return Number(value);
}
