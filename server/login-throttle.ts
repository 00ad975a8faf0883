/**
 * Counting failed logins per key (a username, a client address) in fixed windows, with a hard
 * cap on how many keys are remembered. Checking is one `Map` lookup, so it runs before the
 * expensive password hash and a throttled client costs the server almost nothing.
 *
 * Entries sit in the `Map` in the order their windows started (a new window re-inserts its key),
 * so expired entries are always at the front and are dropped there in amortised O(1). When the
 * cap is reached with no expired entry, the oldest window is forgotten: memory stays bounded,
 * at the price that a flood of distinct keys can push out an older counter early.
 */
import { positiveInteger } from '../lib/authx/option-checks.ts';

/** Options of {@link LoginThrottle}. */
export interface LoginThrottleOptions {
  /** Failures allowed per key within one window; the next attempt is refused. Positive integer. */
  maxFailures: number;
  /** Window length in seconds. Positive and finite. */
  windowSeconds: number;
  /** Most keys remembered at once. Positive integer; default 10 000. */
  maxEntries?: number;
  /** Clock in milliseconds since the epoch; default `Date.now`. */
  now?: () => number;
}

/** Answer of {@link LoginThrottle.check}. */
export type ThrottleDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

interface Window {
  startedAt: number;
  failures: number;
}

/**
 * Failed-login counters per key.
 *
 * @example
 * const perUser = new LoginThrottle({ maxFailures: 5, windowSeconds: 900 })
 * const decision = perUser.check(username)
 * if (!decision.allowed) return tooManyRequests(decision.retryAfterSeconds)
 * perUser.recordFailure(username) // before the slow check, so parallel guesses are counted
 * if (await passwordMatches()) perUser.reset(username)
 */
export class LoginThrottle {
  readonly #maxFailures: number;
  readonly #windowMs: number;
  readonly #maxEntries: number;
  readonly #now: () => number;
  readonly #windows = new Map<string, Window>();

  /**
   * @throws {RangeError} When an option is out of range; the message names it.
   * @throws {TypeError} When `now` is not a function.
   */
  constructor(options: LoginThrottleOptions) {
    const { windowSeconds, now = Date.now } = options;
    const maxFailures = positiveInteger(options.maxFailures, 0, 'maxFailures');
    const maxEntries = positiveInteger(options.maxEntries, 10_000, 'maxEntries');
    if (typeof windowSeconds !== 'number' || !Number.isFinite(windowSeconds) || windowSeconds <= 0) {
      throw new RangeError('windowSeconds must be a positive finite number');
    }
    if (typeof now !== 'function') throw new TypeError('now must be a function returning milliseconds');
    this.#maxFailures = maxFailures;
    this.#windowMs = windowSeconds * 1000;
    this.#maxEntries = maxEntries;
    this.#now = now;
  }

  /** How many keys are remembered right now (expired ones included until they are swept). */
  get size(): number {
    return this.#windows.size;
  }

  /**
   * Whether another attempt for `key` may go ahead. Does not count anything.
   *
   * @returns `{ allowed: true }`, or `{ allowed: false, retryAfterSeconds }` (whole seconds, at
   *   least 1) until the key's window ends.
   * @throws Never.
   */
  check(key: string): ThrottleDecision {
    const window = this.#windows.get(key);
    if (window === undefined) return { allowed: true };
    const now = this.#now();
    const endsAt = window.startedAt + this.#windowMs;
    if (now >= endsAt || window.failures < this.#maxFailures) return { allowed: true };
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((endsAt - now) / 1000)) };
  }

  /**
   * Counts one failure for `key`, starting a new window if its last one has ended.
   *
   * @throws Never.
   */
  recordFailure(key: string): void {
    const now = this.#now();
    this.#sweep(now);
    const window = this.#windows.get(key);
    if (window !== undefined && now < window.startedAt + this.#windowMs) {
      window.failures++;
      return;
    }
    // Deleting first moves the key to the end, keeping the Map ordered by window start.
    this.#windows.delete(key);
    if (this.#windows.size >= this.#maxEntries) {
      const oldest = this.#windows.keys().next();
      if (oldest.done !== true) this.#windows.delete(oldest.value);
    }
    this.#windows.set(key, { startedAt: now, failures: 1 });
  }

  /**
   * Takes back one failure of `key`'s current window. For pessimistic counting: count every
   * attempt as a failure before the (slow) password check, so concurrent guesses cannot all pass
   * {@link check} before the first failure is recorded, and release it if the check succeeds.
   *
   * @throws Never.
   */
  release(key: string): void {
    const window = this.#windows.get(key);
    if (window !== undefined && window.failures > 0 && this.#now() < window.startedAt + this.#windowMs) window.failures--;
  }

  /**
   * Forgets `key`'s failures (after a successful login, for the username only: resetting the
   * address counter would let one valid account launder an attacker's guesses).
   *
   * @throws Never.
   */
  reset(key: string): void {
    this.#windows.delete(key);
  }

  #sweep(now: number): void {
    for (const [key, window] of this.#windows) {
      if (now < window.startedAt + this.#windowMs) return;
      this.#windows.delete(key);
    }
  }
}
