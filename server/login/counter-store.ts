/**
 * Counters in fixed windows, the storage behind the example server's throttles
 * (`server/login/login-throttle.ts`). `CounterStore` is the interface a shared store (Redis) implements
 * so several server processes count together; `MemoryCounterStore` is the bounded one-process
 * default. Example server only: not exported by `authx-node`.
 */
import { assertKnownOptions } from '../../lib/core/option-names.ts';
import { positiveInteger } from '../../lib/authx/config/option-checks.ts';

/** One counted hit. */
export interface CounterHit {
  /** The key's count in its current window, this hit included. */
  count: number;
  /** Milliseconds until the key's window ends. */
  resetMs: number;
}

/** Counters per key in fixed windows. */
export interface CounterStore {
  /** Atomically adds one to key's counter in a fixed window of windowMs that starts at its first hit; returns the new count and the ms left in the window. */
  increment(key: string, windowMs: number): CounterHit | Promise<CounterHit>;
  /** Forgets key. */
  reset(key: string): void | Promise<void>;
  /** Whether key's counter is in a window that has not ended; reads only, counts nothing. */
  exists(key: string): boolean | Promise<boolean>;
  /**
   * Optional: key's count in its current window and the ms left, or `null` when no window is
   * open; reads only, counts nothing. With it, `POST /refresh` reads the budget while the token's
   * revocation is checked and counts with the rotation (two round trips on a shared store), so a
   * token that does not verify never counts; without it, it checks, then counts, then rotates.
   */
  read?(key: string): CounterHit | null | Promise<CounterHit | null>;
  /**
   * Optional: {@link CounterSteps} as one atomic step (one round trip to a shared store). Without
   * it the steps run one after another through {@link increment} and {@link exists}.
   */
  incrementInOrder?(steps: CounterSteps): Promise<InOrderResult>;
}

/**
 * Counts `counters` in order, each in its window; stops at the first whose count passes its
 * `max` (the later ones are not counted). When the last one refuses and `known` names a key
 * whose window has not ended, the result is allowed anyway. On a Redis Cluster every key must
 * hold the same hash tag (`{...}`), so the step runs on one node.
 */
export interface CounterSteps {
  readonly counters: ReadonlyArray<{ readonly key: string; readonly windowMs: number; readonly max: number }>;
  readonly known?: string;
}

/** What {@link CounterStore.incrementInOrder} did: allowed, or refused by counter `index` with the ms left in its window. */
export type InOrderResult = { allowed: true } | { allowed: false; index: number; resetMs: number };

/** Options of {@link MemoryCounterStore}. */
export interface MemoryCounterStoreOptions {
  /** Most keys remembered at once. Positive integer; default 10 000. */
  maxEntries?: number;
  /** Clock in milliseconds since the epoch; default `Date.now`. */
  now?: () => number;
}

interface Window {
  endsAt: number;
  count: number;
}

const OPTION_NAMES = ['maxEntries', 'now'];

/**
 * A {@link CounterStore} in one process's memory, holding at most `maxEntries` keys.
 *
 * Keys sit in the `Map` in the order their windows started (a new window re-inserts its key), so
 * with one window length expired entries are at the front and are dropped there in amortised
 * O(1). When the cap is reached with no expired entry in front, the oldest window is forgotten:
 * memory stays bounded, at the price that a flood of distinct keys can push out an older counter
 * early (which is why the login throttle keys by digests of few, coarse things).
 *
 * @example
 * const store = new MemoryCounterStore()
 * const { count, resetMs } = store.increment('login:alice', 900_000)
 */
export class MemoryCounterStore implements CounterStore {
  readonly #maxEntries: number;
  readonly #now: () => number;
  readonly #windows = new Map<string, Window>();

  /**
   * @throws {TypeError} When an option is unknown or `now` is not a function.
   * @throws {RangeError} When `maxEntries` is not a positive integer.
   */
  constructor(options: MemoryCounterStoreOptions = {}) {
    assertKnownOptions(options, OPTION_NAMES, 'MemoryCounterStore options');
    const { now = Date.now } = options;
    if (typeof now !== 'function') throw new TypeError('now must be a function returning milliseconds');
    this.#maxEntries = positiveInteger(options.maxEntries, 10_000, 'maxEntries');
    this.#now = now;
  }

  /** How many keys are remembered right now (expired ones included until they are swept). */
  get size(): number {
    return this.#windows.size;
  }

  /**
   * Counts one hit for `key`, starting a new window if its last one has ended.
   *
   * @throws {RangeError} When `windowMs` is not a positive finite number.
   */
  increment(key: string, windowMs: number): CounterHit {
    if (typeof windowMs !== 'number' || !Number.isFinite(windowMs) || windowMs <= 0) {
      throw new RangeError('windowMs must be a positive finite number');
    }
    const now = this.#now();
    this.#sweep(now);
    const window = this.#windows.get(key);
    if (window !== undefined && now < window.endsAt) {
      window.count++;
      return { count: window.count, resetMs: window.endsAt - now };
    }
    // Deleting first moves the key to the end, keeping the Map ordered by window start.
    this.#windows.delete(key);
    if (this.#windows.size >= this.#maxEntries) {
      const oldest = this.#windows.keys().next();
      if (oldest.done !== true) this.#windows.delete(oldest.value);
    }
    this.#windows.set(key, { endsAt: now + windowMs, count: 1 });
    return { count: 1, resetMs: windowMs };
  }

  /**
   * Forgets `key`.
   *
   * @throws Never.
   */
  reset(key: string): void {
    this.#windows.delete(key);
  }

  /**
   * `key`'s count in its current window and the ms left, or `null` when none is open.
   *
   * @throws Never.
   */
  read(key: string): CounterHit | null {
    const window = this.#windows.get(key);
    const now = this.#now();
    return window === undefined || now >= window.endsAt ? null : { count: window.count, resetMs: window.endsAt - now };
  }

  /**
   * Whether `key` has a window that has not ended.
   *
   * @throws Never.
   */
  exists(key: string): boolean {
    const window = this.#windows.get(key);
    return window !== undefined && this.#now() < window.endsAt;
  }

  #sweep(now: number): void {
    for (const [key, window] of this.#windows) {
      if (now < window.endsAt) return;
      this.#windows.delete(key);
    }
  }
}
