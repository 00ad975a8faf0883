/**
 * One throttle layer: attempts per key (a username, a client address, a pair of them) in fixed
 * windows, counted through a {@link CounterStore} so several server processes can share the
 * counts (Redis) and one process needs no more than a bounded `Map`. Example server only: not
 * exported by `authx-node`. The layered scheme built from it is described in docs/throttling.md.
 *
 * Every attempt is counted before the slow check it guards, in one atomic increment, so
 * concurrent guesses cannot all pass before the first failure is recorded (a separate
 * "check, then record" would let a burst through). A success calls {@link LoginThrottle.reset}.
 */
import { assertKnownOptions } from '../../lib/core/option-names.ts';
import { positiveInteger } from '../../lib/authx/config/option-checks.ts';
import { MemoryCounterStore, type CounterStore } from './counter-store.ts';

/** Options of {@link LoginThrottle}. */
export interface LoginThrottleOptions {
  /** Attempts allowed per key within one window; the next one is refused. Positive integer. */
  maxFailures: number;
  /** Window length in seconds. Positive and finite. */
  windowSeconds: number;
  /** Where the counts live; default a {@link MemoryCounterStore} of `maxEntries` keys. */
  store?: CounterStore;
  /** Prefix of this layer's keys, so layers can share one store. Default `""`. */
  keyPrefix?: string;
  /** Most keys remembered by the default store. Positive integer; default 10 000. */
  maxEntries?: number;
  /** Clock of the default store, in milliseconds since the epoch; default `Date.now`. */
  now?: () => number;
}

/** Answer of {@link LoginThrottle.hit}. */
export type ThrottleDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

const OPTION_NAMES = ['maxFailures', 'windowSeconds', 'store', 'keyPrefix', 'maxEntries', 'now'];

/**
 * Attempt counters per key.
 *
 * @example
 * const perUser = new LoginThrottle({ maxFailures: 5, windowSeconds: 900 })
 * const decision = await perUser.hit(username) // counts this attempt
 * if (!decision.allowed) return tooManyRequests(decision.retryAfterSeconds)
 * if (await passwordMatches()) await perUser.reset(username)
 */
export class LoginThrottle {
  readonly #maxFailures: number;
  readonly #windowMs: number;
  readonly #store: CounterStore;
  readonly #prefix: string;

  /**
   * @throws {RangeError} When an option is out of range; the message names it.
   * @throws {TypeError} When an option is unknown, or `now`, `store` or `keyPrefix` has the wrong type.
   */
  constructor(options: LoginThrottleOptions) {
    assertKnownOptions(options, OPTION_NAMES, 'LoginThrottle options');
    const { windowSeconds, store, keyPrefix = '' } = options;
    this.#maxFailures = positiveInteger(options.maxFailures, 0, 'maxFailures');
    if (typeof windowSeconds !== 'number' || !Number.isFinite(windowSeconds) || windowSeconds <= 0) {
      throw new RangeError('windowSeconds must be a positive finite number');
    }
    if (typeof keyPrefix !== 'string') throw new TypeError('keyPrefix must be a string');
    if (store !== undefined && (typeof store?.increment !== 'function' || typeof store.reset !== 'function' || typeof store.exists !== 'function')) {
      throw new TypeError('store must be a CounterStore (increment, reset and exists)');
    }
    if (store !== undefined && (options.maxEntries !== undefined || options.now !== undefined)) {
      throw new TypeError('maxEntries and now configure the default store; give them to your store instead');
    }
    this.#windowMs = windowSeconds * 1000;
    this.#prefix = keyPrefix;
    this.#store = store ?? new MemoryCounterStore({ ...pick(options, 'maxEntries'), ...pick(options, 'now') });
  }

  /**
   * Counts one attempt for `key`; refuses it when the window already holds `maxFailures`.
   *
   * @returns `{ allowed: true }`, or `{ allowed: false, retryAfterSeconds }` (whole seconds, at
   *   least 1) until the key's window ends.
   * @throws Whatever the store throws (an unreachable shared store).
   */
  async hit(key: string): Promise<ThrottleDecision> {
    const { count, resetMs } = await this.#store.increment(this.#prefix + key, this.#windowMs);
    if (count <= this.#maxFailures) return { allowed: true };
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(resetMs / 1000)) };
  }

  /** Whether the store can read a count without counting ({@link peek}). */
  get canPeek(): boolean {
    return typeof this.#store.read === 'function';
  }

  /**
   * Whether one more attempt for `key` would be allowed now, counting nothing (the store must
   * {@link canPeek}; a store that cannot says allowed).
   *
   * @throws Whatever the store throws.
   */
  async peek(key: string): Promise<ThrottleDecision> {
    const seen = await this.#store.read?.(this.#prefix + key);
    if (seen === null || seen === undefined || seen.count < this.#maxFailures) return { allowed: true };
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(seen.resetMs / 1000)) };
  }

  /** Where and how `key` is counted, for {@link hitInOrder}. */
  counter(key: string): { store: CounterStore; key: string; windowMs: number; max: number } {
    return { store: this.#store, key: this.#prefix + key, windowMs: this.#windowMs, max: this.#maxFailures };
  }

  /**
   * Forgets `key`'s attempts (after a successful login).
   *
   * @throws Whatever the store throws.
   */
  async reset(key: string): Promise<void> {
    await this.#store.reset(this.#prefix + key);
  }
}

/** Options of {@link FailureThrottle}. */
export interface FailureThrottleOptions {
  /** Failures allowed per key within one window; the next attempt is refused. Positive integer. */
  maxFailures: number;
  /** Window length in seconds. Positive and finite. */
  windowSeconds: number;
  /** Most keys remembered at once. Positive integer; default 10 000. */
  maxEntries?: number;
  /** Clock in milliseconds since the epoch; default `Date.now`. */
  now?: () => number;
  /** Keep the counts there (Redis) instead of in this process, so every instance counts against one limit. */
  shared?: SharedFailures;
}

/**
 * Failure counts shared by several processes (server/login/redis-counter-store.ts): the same
 * begin/take-back semantics as {@link FailureThrottle}, each step atomic in the store.
 */
export interface SharedFailures {
  /** Refuses when `key` holds `maxFailures` (with the ms left), else counts one, starting a window of `windowMs` if none. */
  beginFailure(key: string, maxFailures: number, windowMs: number): Promise<{ allowed: true } | { allowed: false; retryAfterMs: number }>;
  /** Takes one failure back (never below zero; the window keeps its end). */
  releaseFailure(key: string): Promise<void>;
}

/**
 * Whether a counter store can also hold shared failure counts.
 *
 * @throws Never.
 */
export function isSharedFailures(store: unknown): store is SharedFailures {
  const s = store as Partial<SharedFailures> | null;
  return typeof s?.beginFailure === 'function' && typeof s.releaseFailure === 'function';
}

/**
 * Failures per key where a success must not count (the per-address layer: the logins of a shared
 * address must not use up its budget). Each attempt counts as a failure from {@link begin}, so a
 * burst cannot pass together, and {@link end} takes it back if it succeeded. Kept in this
 * process's memory: "take one back" has no atomic form in a {@link CounterStore}, and a second
 * process only allows its own share again. Entries sit in window-start order, so expired ones are
 * dropped at the front; past `maxEntries` the oldest window is forgotten.
 *
 * @example
 * if (!addresses.begin(address).allowed) return tooManyRequests()
 * addresses.end(address, !(await passwordMatches()))
 */
export class FailureThrottle {
  readonly #maxFailures: number;
  readonly #windowMs: number;
  readonly #maxEntries: number;
  readonly #now: () => number;
  readonly #windows = new Map<string, { startedAt: number; failures: number }>();
  readonly #shared: SharedFailures | undefined;

  /**
   * @throws {RangeError} When an option is out of range; the message names it.
   * @throws {TypeError} When an option is unknown or `now` is not a function.
   */
  constructor(options: FailureThrottleOptions) {
    assertKnownOptions(options, ['maxFailures', 'windowSeconds', 'maxEntries', 'now', 'shared'], 'FailureThrottle options');
    this.#shared = options.shared;
    const { windowSeconds, now = Date.now } = options;
    this.#maxFailures = positiveInteger(options.maxFailures, 0, 'maxFailures');
    this.#maxEntries = positiveInteger(options.maxEntries, 10_000, 'maxEntries');
    if (typeof windowSeconds !== 'number' || !Number.isFinite(windowSeconds) || windowSeconds <= 0) {
      throw new RangeError('windowSeconds must be a positive finite number');
    }
    if (typeof now !== 'function') throw new TypeError('now must be a function returning milliseconds');
    this.#windowMs = windowSeconds * 1000;
    this.#now = now;
  }

  /** How many keys are remembered right now. */
  get size(): number {
    return this.#windows.size;
  }

  /**
   * Counts an attempt for `key` as a failure if its window has room; end it with {@link end}.
   * Synchronous unless the counts are `shared`.
   *
   * @throws Never in memory; shared, the Promise rejects with `StateUnavailableError` (503).
   */
  begin(key: string): ThrottleDecision | Promise<ThrottleDecision> {
    if (this.#shared !== undefined) {
      return this.#shared.beginFailure(key, this.#maxFailures, this.#windowMs).then((d) =>
        d.allowed ? { allowed: true } : { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(d.retryAfterMs / 1000)) },
      );
    }
    const now = this.#now();
    for (const [k, w] of this.#windows) {
      if (now < w.startedAt + this.#windowMs) break;
      this.#windows.delete(k);
    }
    const window = this.#windows.get(key);
    if (window !== undefined) {
      if (window.failures >= this.#maxFailures) {
        return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((window.startedAt + this.#windowMs - now) / 1000)) };
      }
      window.failures++;
      return { allowed: true };
    }
    if (this.#windows.size >= this.#maxEntries) {
      const oldest = this.#windows.keys().next();
      if (oldest.done !== true) this.#windows.delete(oldest.value);
    }
    this.#windows.set(key, { startedAt: now, failures: 1 });
    return { allowed: true };
  }

  /**
   * Ends an attempt started by {@link begin}: a success is taken back (within the same window).
   *
   * @throws Never.
   */
  end(key: string, failed: boolean): void | Promise<void> {
    if (failed) return;
    // A take-back that fails only leaves one failure counted until the window ends.
    if (this.#shared !== undefined) return this.#shared.releaseFailure(key).catch(() => {});
    const window = this.#windows.get(key);
    if (window !== undefined && window.failures > 0 && this.#now() < window.startedAt + this.#windowMs) window.failures--;
  }
}

/**
 * Keys (a username with an address) that logged in successfully within a window, in a
 * {@link CounterStore}: the per-username layer lets them through, so strangers exhausting a
 * username's budget do not lock its owner out of the places the owner logs in from.
 *
 * @example
 * if (!(await perUsername.hit(user)).allowed && !(await known.has(pair))) return tooManyRequests()
 * if (await passwordMatches()) await known.remember(pair)
 */
export class KnownKeys {
  readonly #store: CounterStore;
  readonly #windowMs: number;
  readonly #prefix: string;

  /**
   * @throws {TypeError} When an option is unknown.
   * @throws {RangeError} When `windowSeconds` is not a positive finite number.
   */
  constructor(options: { store: CounterStore; windowSeconds: number; keyPrefix?: string }) {
    assertKnownOptions(options, ['store', 'windowSeconds', 'keyPrefix'], 'KnownKeys options');
    if (typeof options.store?.exists !== 'function' || typeof options.store.increment !== 'function') {
      throw new TypeError('store must be a CounterStore (increment, reset and exists)');
    }
    if (typeof options.windowSeconds !== 'number' || !Number.isFinite(options.windowSeconds) || options.windowSeconds <= 0) {
      throw new RangeError('windowSeconds must be a positive finite number');
    }
    this.#store = options.store;
    this.#windowMs = options.windowSeconds * 1000;
    this.#prefix = options.keyPrefix ?? '';
  }

  /**
   * Marks `key` as known for the window.
   *
   * @throws Whatever the store throws.
   */
  async remember(key: string): Promise<void> {
    await this.#store.increment(this.#prefix + key, this.#windowMs);
  }

  /** Where `key` is remembered, for {@link hitInOrder}. */
  entry(key: string): { store: CounterStore; key: string } {
    return { store: this.#store, key: this.#prefix + key };
  }

  /**
   * Whether `key` was remembered in its current window. A read only: a probe that counted (and
   * took its count back when it found nothing) let concurrent probes of an unknown pair see each
   * other's counts and pass for known, past the per-username limit, on a shared store.
   *
   * @throws Whatever the store throws.
   */
  async has(key: string): Promise<boolean> {
    return (await this.#store.exists(this.#prefix + key)) === true;
  }
}

/**
 * Counts `firstKey` in `first`, then (only if that allowed it) `secondKey` in `second`; when
 * `second` refuses, a `knownKey` remembered in `known` is let through. The same decisions as
 * three calls in turn, but one round trip when all three share a store with
 * `incrementInOrder` (Redis): the keys must then share a hash tag.
 *
 * @example await hitInOrder([perPair, `{u}${pair}`], [perUser, '{u}'], [known, `{u}${pair}`])
 * @throws Whatever the store throws.
 */
export async function hitInOrder(
  [first, firstKey]: readonly [LoginThrottle, string],
  [second, secondKey]: readonly [LoginThrottle, string],
  [known, knownKey]: readonly [KnownKeys, string],
): Promise<ThrottleDecision> {
  const a = first.counter(firstKey);
  const b = second.counter(secondKey);
  const k = known.entry(knownKey);
  const store = a.store;
  if (store === b.store && store === k.store && typeof store.incrementInOrder === 'function') {
    const result = await store.incrementInOrder({ counters: [a, b].map(({ key, windowMs, max }) => ({ key, windowMs, max })), known: k.key });
    return result.allowed ? { allowed: true } : { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(result.resetMs / 1000)) };
  }
  const byFirst = await first.hit(firstKey);
  if (!byFirst.allowed) return byFirst;
  const bySecond = await second.hit(secondKey);
  if (!bySecond.allowed && !(await known.has(knownKey))) return bySecond;
  return { allowed: true };
}

/** `{ [name]: value }` when the option is given, `{}` otherwise (exactOptionalPropertyTypes). */
function pick<K extends 'maxEntries' | 'now'>(options: { maxEntries?: number; now?: () => number }, name: K): Pick<LoginThrottleOptions, K> {
  return (options[name] === undefined ? {} : { [name]: options[name] }) as Pick<LoginThrottleOptions, K>;
}
