/**
 * `RedisCounterStore`: the example server's throttle counters (`CounterStore`,
 * server/login/counter-store.ts) in Redis, a Redis Cluster or behind Sentinel, so every instance
 * counts against one limit. One Lua script per hit (sent by SHA-1 once loaded): INCR, and the window's PEXPIRE when the
 * key is new (or lost its TTL), so the count and its expiry are set atomically and no key ever
 * lives without a TTL. Each counter is one key, so on a cluster each hit is one command on the
 * node of its slot. Example server only.
 */
import { redisLink, RedisScript, runScript, type RedisClientLike, type RedisLink } from '../../lib/authx/state/redis-client.ts';
import { StateUnavailableError } from '../../lib/authx/authx-errors.ts';
import type { CounterHit, CounterSteps, CounterStore, InOrderResult } from './counter-store.ts';
import { assertKnownOptions } from '../../lib/core/option-names.ts';

/** Options of {@link RedisCounterStore}. */
export interface RedisCounterStoreOptions {
  /** An official `redis` client, an `ioredis` client, or a function sending one command. */
  client: RedisClientLike;
  /** Prefix of every key; default `"authx:t:"`. */
  prefix?: string;
  /** Deadline of each command in ms; default 500. */
  timeoutMs?: number;
}

const OPTION_NAMES = ['client', 'prefix', 'timeoutMs'];

// KEYS: counter. ARGV: window ms. Returns { count, ms left }.
const INCREMENT = new RedisScript(`#!lua
local count = redis.call('INCR', KEYS[1])
local left = redis.call('PTTL', KEYS[1])
if left < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  left = tonumber(ARGV[1])
end
return { count, left }`);

// KEYS: failures. ARGV: max, window ms. Refuses at max (with ms left), else counts one.
const BEGIN_FAILURE = new RedisScript(`#!lua
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
if count >= tonumber(ARGV[1]) then
  local left = redis.call('PTTL', KEYS[1])
  if left < 0 then left = tonumber(ARGV[2]) end
  return { 0, left }
end
redis.call('INCR', KEYS[1])
if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return { 1, 0 }`);

// KEYS: failures. Takes one back, never below zero; DECR keeps the TTL.
const RELEASE_FAILURE = new RedisScript(`#!lua
if tonumber(redis.call('GET', KEYS[1]) or '0') > 0 then redis.call('DECR', KEYS[1]) end
return 1`);

// KEYS: counter. Reads only: { count (0: none), ms left (<= 0: none) }.
const READ = new RedisScript(`#!lua flags=no-writes
return { tonumber(redis.call('GET', KEYS[1]) or '0'), redis.call('PTTL', KEYS[1]) }`);

// KEYS: the counters in order, then the known key (or none). ARGV: window ms and max of each
// counter, in order. Counts each until one passes its max; the last may be let through by a
// known key whose window has not ended. Returns { 1 } or { 0, index (0-based), ms left }.
const INCREMENT_IN_ORDER = new RedisScript(`#!lua
local counters = #ARGV / 2
for i = 1, counters do
  local count = redis.call('INCR', KEYS[i])
  local left = redis.call('PTTL', KEYS[i])
  if left < 0 then
    redis.call('PEXPIRE', KEYS[i], ARGV[2 * i - 1])
    left = tonumber(ARGV[2 * i - 1])
  end
  if count > tonumber(ARGV[2 * i]) then
    if i == counters and KEYS[counters + 1] and redis.call('EXISTS', KEYS[counters + 1]) == 1 then return { 1 } end
    return { 0, i - 1, left }
  end
end
return { 1 }`);

/**
 * Fixed-window counters in Redis; the window starts at a key's first hit (Redis's clock).
 *
 * @example const counters = new RedisCounterStore({ client })
 */
export class RedisCounterStore implements CounterStore {
  readonly #link: RedisLink;
  readonly #prefix: string;

  /**
   * @throws {TypeError} When an option is unknown or invalid.
   */
  constructor(options: RedisCounterStoreOptions) {
    if (typeof options !== 'object' || options === null) throw new TypeError('RedisCounterStore options must be an object');
    assertKnownOptions(options, OPTION_NAMES, 'RedisCounterStore options');
    const { prefix = 'authx:t:', timeoutMs = 500 } = options;
    if (typeof prefix !== 'string') throw new TypeError('prefix must be a string');
    this.#link = redisLink(options.client, timeoutMs);
    this.#prefix = prefix;
  }

  /**
   * @example const { count, resetMs } = await counters.increment(key, 900_000)
   * @throws {RangeError} When `windowMs` is not a positive integer.
   * @throws {StateUnavailableError} When Redis does not answer in time (the caller answers 503).
   */
  async increment(key: string, windowMs: number): Promise<CounterHit> {
    if (!Number.isSafeInteger(windowMs) || windowMs < 1) throw new RangeError('windowMs must be a positive integer');
    const reply = await runScript(this.#link, INCREMENT, [this.#prefix + key], [String(windowMs)]);
    if (!Array.isArray(reply) || reply.length !== 2) throw new StateUnavailableError();
    return { count: Number(reply[0]), resetMs: Math.max(0, Number(reply[1])) };
  }

  /**
   * Counters in order, in one script (one round trip); see `CounterSteps`. On a cluster all keys
   * must share a hash tag.
   *
   * @example await counters.incrementInOrder({ counters: [{ key, windowMs, max }], known })
   * @throws {StateUnavailableError} When Redis does not answer in time.
   */
  async incrementInOrder(steps: CounterSteps): Promise<InOrderResult> {
    const keys = steps.counters.map((c) => this.#prefix + c.key);
    if (steps.known !== undefined) keys.push(this.#prefix + steps.known);
    const args = steps.counters.flatMap((c) => [String(Math.max(1, Math.ceil(c.windowMs))), String(c.max)]);
    const reply = await runScript(this.#link, INCREMENT_IN_ORDER, keys, args);
    if (!Array.isArray(reply) || reply.length < 1) throw new StateUnavailableError();
    if (Number(reply[0]) === 1) return { allowed: true };
    return { allowed: false, index: Number(reply[1]), resetMs: Math.max(0, Number(reply[2])) };
  }

  /**
   * The per-address layer's shared form (`SharedFailures` in server/login/login-throttle.ts).
   *
   * @example const decision = await counters.beginFailure(address, 20, 900_000)
   * @throws {StateUnavailableError} When Redis does not answer in time.
   */
  async beginFailure(key: string, maxFailures: number, windowMs: number): Promise<{ allowed: true } | { allowed: false; retryAfterMs: number }> {
    const reply = await runScript(this.#link, BEGIN_FAILURE, [`${this.#prefix}f:${key}`], [String(maxFailures), String(Math.ceil(windowMs))]);
    if (!Array.isArray(reply) || reply.length !== 2) throw new StateUnavailableError();
    return Number(reply[0]) === 1 ? { allowed: true } : { allowed: false, retryAfterMs: Math.max(0, Number(reply[1])) };
  }

  /**
   * @example await counters.releaseFailure(address)
   * @throws {StateUnavailableError} When Redis does not answer in time.
   */
  async releaseFailure(key: string): Promise<void> {
    await runScript(this.#link, RELEASE_FAILURE, [`${this.#prefix}f:${key}`], []);
  }

  /**
   * `key`'s count in its current window and the ms left, or `null` when none is open (reads only).
   *
   * @example await counters.read(key)
   * @throws {StateUnavailableError} When Redis does not answer in time.
   */
  async read(key: string): Promise<CounterHit | null> {
    const reply = await runScript(this.#link, READ, [this.#prefix + key], []);
    if (!Array.isArray(reply) || reply.length !== 2) throw new StateUnavailableError();
    const [count, left] = [Number(reply[0]), Number(reply[1])];
    return count > 0 && left > 0 ? { count, resetMs: left } : null;
  }

  /**
   * @example await counters.reset(key)
   * @throws {StateUnavailableError} When Redis does not answer in time.
   */
  async reset(key: string): Promise<void> {
    await this.#link.send(['DEL', this.#prefix + key], this.#prefix + key);
  }

  /**
   * Whether `key` has a window that has not ended (its TTL ends the window, so EXISTS says it).
   *
   * @example await counters.exists(key)
   * @throws {StateUnavailableError} When Redis does not answer in time.
   */
  async exists(key: string): Promise<boolean> {
    return Number(await this.#link.send(['EXISTS', this.#prefix + key], this.#prefix + key)) === 1;
  }
}
