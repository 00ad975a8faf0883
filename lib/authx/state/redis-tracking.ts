/**
 * `RedisTracking` (exported by `authx-node`): server-assisted client-side caching for
 * `RedisRevocationStore` (Redis "client-side caching", RESP3 `CLIENT TRACKING`). Redis remembers
 * which keys each connection read and pushes an `invalidate` message on that same connection when
 * any of them changes, expires, is evicted or flushed. The store keeps what it read in a local
 * map, so verifying a token again is a lookup in this process, and drops an entry the moment its
 * invalidation arrives. The library imports no Redis package: {@link RedisTracking.cacheFor}
 * builds the cache object the official `redis` client takes (`clientSideCache`) from the
 * client's own base class, and that client delivers the invalidations here.
 *
 * A cached answer is used only while the store can prove it has heard every invalidation:
 * - a read fills the cache only if no invalidation and no connection loss happened between
 *   sending it and its reply (an invalidation for the same keys may be decoded before the reply
 *   reaches the store);
 * - a connection error or close drops the whole cache;
 * - every primary must have answered a heartbeat (`CLIENT TRACKINGINFO`, tracking on) sent at
 *   most `maxStalenessMs` ago: Redis answers on the connection that carries the invalidations,
 *   in order, so every change made before the heartbeat reached Redis has been heard. A link
 *   that goes silent (a partition, a paused Redis) stops the cache within that time, and reads
 *   go to Redis again (or fail with 503).
 */

/** Options of {@link RedisTracking}. */
export interface RedisTrackingOptions {
  /** Entries kept at most (oldest dropped first); default 100,000. */
  maxEntries?: number;
  /** How old the last answered heartbeat may be for the cache to be used, in ms; default 50. */
  maxStalenessMs?: number;
}

const OPTION_NAMES = new Set(['maxEntries', 'maxStalenessMs']);

/** The methods of the official client's `ClientSideCacheProvider` that a cache must answer. */
interface ProviderBase {
  new (config?: object): object;
}

/** A read on its way (see {@link RedisTracking.reading}). */
export interface PendingRead {
  readonly keys: readonly string[];
  stale: boolean;
}

/** Server-assisted client-side cache of `RedisRevocationStore`; see the file comment. */
export class RedisTracking {
  readonly maxStalenessMs: number;
  readonly #maxEntries: number;
  readonly #entries = new Map<string, string | null>();
  /** Reads on their way: an invalidation of one of their keys (or a loss) marks them stale. */
  readonly #reading = new Set<PendingRead>();
  /** Bumped by every connection loss: a heartbeat that saw it change proves nothing. */
  #losses = 0;
  /** `performance.now()` at which the last heartbeat answered by every primary was sent. */
  #provenAt = Number.NEGATIVE_INFINITY;
  #hits = 0;
  #misses = 0;

  /**
   * @example const tracking = new RedisTracking()
   * @throws {TypeError} On an unknown option. @throws {RangeError} On a value out of range.
   */
  constructor(options: RedisTrackingOptions = {}) {
    if (typeof options !== 'object' || options === null) throw new TypeError('RedisTracking options must be an object');
    for (const name of Object.keys(options)) if (!OPTION_NAMES.has(name)) throw new TypeError(`unknown RedisTracking option "${name}"`);
    const { maxEntries = 100_000, maxStalenessMs = 50 } = options;
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) throw new RangeError('maxEntries must be a positive integer');
    if (!Number.isSafeInteger(maxStalenessMs) || maxStalenessMs < 5 || maxStalenessMs > 10_000) throw new RangeError('maxStalenessMs must be an integer from 5 to 10000');
    this.#maxEntries = maxEntries;
    this.maxStalenessMs = maxStalenessMs;
  }

  /**
   * The `clientSideCache` object for the official client, made from its own base class (the
   * library depends on no Redis package): `createClient({ RESP: 3, clientSideCache:
   * tracking.cacheFor(BasicClientSideCache) })`, or `BasicPooledClientSideCache` for
   * `createCluster`. The client turns tracking on for each connection and forwards every
   * invalidation, error and close here; it never serves the store's commands from its own cache
   * (the store sends raw commands).
   *
   * @example import { BasicClientSideCache } from 'redis'; tracking.cacheFor(BasicClientSideCache)
   * @throws {TypeError} When `Base` is not a class.
   */
  cacheFor<T extends ProviderBase>(Base: T): InstanceType<T> {
    if (typeof Base !== 'function') throw new TypeError('cacheFor needs the client\'s cache class, e.g. BasicClientSideCache from "redis"');
    const tracking = this;
    // Overrides only what tells of a change; the base class keeps its own (unused) entries.
    const Forwarding = class extends (Base as unknown as new (config?: object) => Record<string, unknown>) {
      invalidate(key: unknown): void {
        tracking.invalidate(key === null || key === undefined ? null : String(key));
      }
      clear(): void {
        tracking.connectionLost();
      }
      onError(): void {
        tracking.connectionLost();
      }
      onClose(): void {
        tracking.connectionLost();
      }
    };
    return new Forwarding({ maxEntries: 1 }) as InstanceType<T>;
  }

  /**
   * One invalidation from Redis: `key` changed; `null` means everything (`FLUSHALL`, `FLUSHDB`).
   *
   * @example tracking.invalidate("authx:{alice}:s")
   */
  invalidate(key: string | null): void {
    if (key === null) {
      this.#entries.clear();
      for (const read of this.#reading) read.stale = true;
      return;
    }
    this.#entries.delete(key);
    for (const read of this.#reading) if (read.keys.includes(key)) read.stale = true;
  }

  /** A connection was lost or replaced: its invalidations may be lost too, so nothing cached is kept. */
  connectionLost(): void {
    this.#losses++;
    this.#entries.clear();
    for (const read of this.#reading) read.stale = true;
    this.#provenAt = Number.NEGATIVE_INFINITY;
  }

  /** Connection losses so far, taken when a heartbeat is sent (see {@link proven}). */
  get losses(): number {
    return this.#losses;
  }

  /** Every primary answered a heartbeat sent at `sentAt` (`performance.now()`), with tracking on. */
  proven(sentAt: number, losses: number): void {
    // A loss during the heartbeat may have dropped invalidations it cannot vouch for.
    if (losses === this.#losses && sentAt > this.#provenAt) this.#provenAt = sentAt;
  }

  /** A heartbeat failed or found tracking off: the cache is not used until the next one succeeds. */
  unproven(): void {
    this.#provenAt = Number.NEGATIVE_INFINITY;
  }

  /** Whether cached entries may answer now. */
  usable(): boolean {
    return performance.now() - this.#provenAt <= this.maxStalenessMs;
  }

  /**
   * Called as a read of `keys` is sent: its reply is cached by {@link fill} unless one of them is
   * invalidated (or a connection lost) before then.
   */
  reading(keys: readonly string[]): PendingRead {
    this.#misses++;
    const read = { keys, stale: false };
    this.#reading.add(read);
    return read;
  }

  /** The cached value of `key` (`null`: Redis has no such key), or `undefined` when not cached; see {@link usable}. */
  peek(key: string): string | null | undefined {
    return this.#entries.get(key);
  }

  /** Counts one answer given from the cache (for {@link stats}). */
  hit(): void {
    this.#hits++;
  }

  /** Caches the reply of `read` (or only forgets it, with no `values`: the read failed). */
  fill(read: PendingRead, values?: readonly unknown[]): void {
    this.#reading.delete(read);
    if (read.stale || values === undefined) return;
    const { keys } = read;
    for (let i = 0; i < keys.length; i++) {
      const value = values[i];
      if (this.#entries.size >= this.#maxEntries) {
        const oldest = this.#entries.keys().next();
        if (!oldest.done) this.#entries.delete(oldest.value);
      }
      this.#entries.set(keys[i]!, value === null || value === undefined ? null : String(value));
    }
  }

  /** Entries held, hits and misses (for metrics and tests). */
  stats(): { entries: number; hits: number; misses: number } {
    return { entries: this.#entries.size, hits: this.#hits, misses: this.#misses };
  }
}
