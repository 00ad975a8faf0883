/**
 * Revocation of tokens by `jti`. A store only has to remember a `jti` until the token would have
 * expired anyway, so the in-memory default forgets each entry at its expiry and never grows
 * without bound.
 */
import { RevocationStoreFullError } from './authx-errors.ts';
import { positiveInteger } from './option-checks.ts';

/**
 * Where revoked token ids live. Either method may answer synchronously or with a Promise (a
 * database or Redis store); `AuthX#verifyTokenSync` needs a synchronous `isRevoked`.
 */
export interface RevocationStore {
  /** Whether `jti` has been revoked and the revocation has not expired. */
  isRevoked(jti: string): boolean | Promise<boolean>;
  /** Remembers `jti` as revoked until `expiresAt` (seconds since the epoch); later it may be forgotten. */
  revoke(jti: string, expiresAt: number): void | Promise<void>;
}

/** Options of {@link MemoryRevocationStore}. */
export interface MemoryRevocationStoreOptions {
  /** Most unexpired revocations kept at once; default 100000 (a few MB). */
  maxEntries?: number;
  /** Seconds between sweeps for expired entries, done on a `revoke` call; default 60. */
  sweepInterval?: number;
  /** The clock in milliseconds; default `Date.now`. */
  clock?: () => number;
}

/** Default cap of {@link MemoryRevocationStore}. */
export const DEFAULT_MAX_REVOKED_ENTRIES = 100_000;

/**
 * In-memory revocation store of one process. Entries expire with their token: a lookup drops an
 * expired entry, and `revoke` sweeps all expired entries at most once per `sweepInterval` (and
 * whenever the cap is reached). No timer is used, so the store never keeps a process alive.
 *
 * When the cap is reached by entries that have not expired, `revoke` throws
 * {@link RevocationStoreFullError} rather than forgetting a revocation (which would let a
 * logged-out token work again). Rate-limit the routes that revoke, or use a shared store.
 */
export class MemoryRevocationStore implements RevocationStore {
  readonly #entries = new Map<string, number>();
  readonly #maxEntries: number;
  readonly #sweepInterval: number;
  readonly #clock: () => number;
  #nextSweep = 0;
  #lastSweep = Number.NEGATIVE_INFINITY;

  /**
   * @example const store = new MemoryRevocationStore({ maxEntries: 10_000 })
   * @throws {RangeError} When `maxEntries` or `sweepInterval` is not a positive integer.
   * @throws {TypeError} When `clock` is not a function.
   */
  constructor(options: MemoryRevocationStoreOptions = {}) {
    const { clock = Date.now } = options;
    const maxEntries = positiveInteger(options.maxEntries, DEFAULT_MAX_REVOKED_ENTRIES, 'maxEntries');
    const sweepInterval = positiveInteger(options.sweepInterval, 60, 'sweepInterval (seconds)');
    if (typeof clock !== 'function') throw new TypeError('clock must be a function returning milliseconds');
    this.#maxEntries = maxEntries;
    this.#sweepInterval = sweepInterval;
    this.#clock = clock;
  }

  /** Number of entries held, expired ones not yet swept included. */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * @example store.isRevoked(payload.jti)
   * @throws Never.
   */
  isRevoked(jti: string): boolean {
    const expiresAt = this.#entries.get(jti);
    if (expiresAt === undefined) return false;
    if (expiresAt <= this.#now()) {
      this.#entries.delete(jti);
      return false;
    }
    return true;
  }

  /**
   * @example store.revoke(payload.jti, payload.exp)
   * @throws {TypeError} When `jti` is not a non-empty string or `expiresAt` not a finite number.
   * @throws {RevocationStoreFullError} When `maxEntries` unexpired revocations are already held.
   */
  revoke(jti: string, expiresAt: number): void {
    if (typeof jti !== 'string' || jti === '') throw new TypeError('jti must be a non-empty string');
    if (typeof expiresAt !== 'number' || !Number.isFinite(expiresAt)) throw new TypeError('expiresAt must be a finite number of seconds');
    const now = this.#now();
    if (expiresAt <= now) return; // already dead: nothing to remember
    // When full, sweep at once to make room, but at most once a second: a store full of live
    // revocations would otherwise rescan every entry on every refused call.
    const full = this.#entries.size >= this.#maxEntries && !this.#entries.has(jti);
    if (now >= this.#nextSweep || (full && now > this.#lastSweep)) this.#sweep(now);
    const known = this.#entries.get(jti);
    if (known === undefined && this.#entries.size >= this.#maxEntries) throw new RevocationStoreFullError(this.#maxEntries);
    if (known === undefined || known < expiresAt) this.#entries.set(jti, expiresAt);
  }

  /**
   * Drops every expired entry now.
   *
   * @example store.sweep()
   * @throws Never.
   */
  sweep(): void {
    this.#sweep(this.#now());
  }

  #sweep(now: number): void {
    for (const [jti, expiresAt] of this.#entries) if (expiresAt <= now) this.#entries.delete(jti);
    this.#lastSweep = now;
    this.#nextSweep = now + this.#sweepInterval;
  }

  #now(): number {
    return Math.floor(this.#clock() / 1000);
  }
}
