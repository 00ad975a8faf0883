/**
 * `RedisRevocationStore` (exported by `authx-node`): the revocation model in Redis, shared by
 * every process using the same Redis. Verification costs one command (`MGET` of the `jti`,
 * subject and family keys: one round trip). Writes that must be atomic run as Lua scripts. Every
 * key expires (`EX`, computed from the store's clock, so Redis's own clock does not matter).
 * Needs Redis 6.2 or later; a single instance or a primary (not Redis Cluster: keys of one
 * check may live in different slots).
 */
import { StateUnavailableError } from '../authx-errors.ts';
import { redisCommand, type RedisClientLike, type RedisCommand } from './redis-client.ts';
import { assertBound, assertKey, assertTime, type RevocationCheck, type RevocationStore, type RevokeResult, type SubjectBound } from './revocation.ts';

/** Options of {@link RedisRevocationStore}. */
export interface RedisRevocationStoreOptions {
  /** A connected official `redis` client, an `ioredis` client, or a function sending one command. */
  client: RedisClientLike;
  /** Prefix of every key; default `"authx:"`. */
  prefix?: string;
  /** Deadline of each command in ms; past it the call fails with `StateUnavailableError`. Default 500. */
  timeoutMs?: number;
  /** Clock in milliseconds; default `Date.now`. */
  clock?: () => number;
}

const OPTION_NAMES = new Set(['client', 'prefix', 'timeoutMs', 'clock']);

// KEYS: key. ARGV: value, ttl seconds. Sets value, never shortening an existing expiry.
const SET_KEEP_LONGER = `
local ttl = redis.call('TTL', KEYS[1])
local want = tonumber(ARGV[2])
if ttl > want then want = ttl end
redis.call('SET', KEYS[1], ARGV[1], 'EX', want)
return 1`;

// KEYS: cut-off key. ARGV: cut-off ms, ttl seconds. The cut-off and its expiry only grow.
const CUTOFF = `
local known = tonumber(redis.call('GET', KEYS[1]) or '')
local ms = tonumber(ARGV[1])
if known and known > ms then ms = known end
local ttl = redis.call('TTL', KEYS[1])
local want = tonumber(ARGV[2])
if ttl > want then want = ttl end
redis.call('SET', KEYS[1], string.format('%d', ms), 'EX', want)
return 1`;

// KEYS: jti key, subject's set of counted jtis, cut-off key.
// ARGV: jti, ttl, now (s), expiresAt (s), limit, cut-off ms, cut-off ttl.
const BOUNDED_REVOKE = `
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[3])
if redis.call('EXISTS', KEYS[1]) == 0 and redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[5]) then
${CUTOFF.replaceAll('KEYS[1]', 'KEYS[3]').replaceAll('ARGV[1]', 'ARGV[6]').replaceAll('ARGV[2]', 'ARGV[7]').replace('return 1', "return 'subject'")}
end
redis.call('SET', KEYS[1], '1', 'EX', ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[1])
local top = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')
redis.call('EXPIRE', KEYS[2], math.max(1, tonumber(top[2]) - tonumber(ARGV[3])))
return 'token'`;

// KEYS: claim key. ARGV: value, ttl. SET NX + GET as one step.
const CLAIM = `
local known = redis.call('GET', KEYS[1])
if known then return known end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return false`;

/**
 * Revocations in Redis. The client must be connected by the caller; the store never closes it.
 * Give the client a short reconnect delay and no offline queue, so a command during an outage
 * fails fast (503) instead of waiting for the deadline.
 *
 * @example
 * const client = await createClient({ url: process.env.REDIS_URL }).connect()
 * const auth = new AuthX({ secretKey, revocationStore: new RedisRevocationStore({ client }) })
 */
export class RedisRevocationStore implements RevocationStore {
  readonly #send: RedisCommand;
  readonly #prefix: string;
  readonly #clock: () => number;

  /**
   * @throws {TypeError} When an option is unknown or invalid.
   */
  constructor(options: RedisRevocationStoreOptions) {
    if (typeof options !== 'object' || options === null) throw new TypeError('RedisRevocationStore options must be an object');
    for (const name of Object.keys(options)) if (!OPTION_NAMES.has(name)) throw new TypeError(`unknown RedisRevocationStore option "${name}"`);
    const { prefix = 'authx:', timeoutMs = 500, clock = Date.now } = options;
    if (typeof prefix !== 'string') throw new TypeError('prefix must be a string');
    if (typeof clock !== 'function') throw new TypeError('clock must be a function returning milliseconds');
    this.#send = redisCommand(options.client, timeoutMs);
    this.#prefix = prefix;
    this.#clock = clock;
  }

  /**
   * One `MGET` of the token's three keys.
   *
   * @example await store.isRevoked({ jti, sub, issuedAtMs, fid })
   * @throws {StateUnavailableError} When Redis does not answer in time (never "not revoked").
   */
  async isRevoked(check: RevocationCheck): Promise<boolean> {
    const keys = [this.#key('j', check.jti), this.#key('s', check.sub)];
    if (check.fid !== undefined) keys.push(this.#key('f', check.fid));
    const reply = await this.#send(['MGET', ...keys]);
    if (!Array.isArray(reply)) throw new StateUnavailableError();
    const [jti, cutoff, family] = reply as unknown[];
    if (jti !== null && jti !== undefined) return true;
    if (family !== null && family !== undefined) return true;
    if (cutoff === null || cutoff === undefined) return false;
    const ms = Number(String(cutoff));
    // An unreadable cut-off refuses (fails closed) rather than being ignored.
    return !Number.isFinite(ms) || check.issuedAtMs <= ms;
  }

  /**
   * @example await store.revoke(payload.jti, payload.exp, bound)
   * @throws {TypeError} When an argument is invalid.
   * @throws {StateUnavailableError} When Redis does not answer in time.
   */
  async revoke(jti: string, expiresAt: number, bound?: SubjectBound): Promise<RevokeResult> {
    assertKey(jti, 'jti');
    assertTime(expiresAt, 'expiresAt');
    return this.#bounded('j', jti, expiresAt, bound);
  }

  /**
   * @example await store.revokeSubject("user1", Date.now(), exp)
   * @throws {TypeError | StateUnavailableError} As {@link revoke}.
   */
  async revokeSubject(subject: string, cutoffMs: number, expiresAt: number): Promise<void> {
    assertKey(subject, 'subject');
    assertTime(cutoffMs, 'cutoffMs');
    assertTime(expiresAt, 'expiresAt');
    const now = this.#now();
    if (expiresAt <= now) return;
    await this.#send(['EVAL', CUTOFF, '1', this.#key('s', subject), String(Math.floor(cutoffMs)), ttl(expiresAt, now)]);
  }

  /**
   * @example await store.revokeFamily(fid, exp)
   * @throws {TypeError | StateUnavailableError} As {@link revoke}.
   */
  async revokeFamily(fid: string, expiresAt: number, bound?: SubjectBound): Promise<RevokeResult> {
    assertKey(fid, 'fid');
    assertTime(expiresAt, 'expiresAt');
    return this.#bounded('f', fid, expiresAt, bound);
  }

  /**
   * Atomic across every client of the Redis (a Lua script: GET, else SET with its TTL).
   *
   * @example const previous = await store.claim(key, value, exp) // null: this caller won
   * @throws {TypeError | StateUnavailableError} As {@link revoke}.
   */
  async claim(key: string, value: string, expiresAt: number): Promise<string | null> {
    assertKey(key, 'key');
    if (typeof value !== 'string') throw new TypeError('value must be a string');
    assertTime(expiresAt, 'expiresAt');
    const now = this.#now();
    if (expiresAt <= now) return null;
    const reply = await this.#send(['EVAL', CLAIM, '1', this.#key('c', key), value, ttl(expiresAt, now)]);
    return reply === null || reply === undefined ? null : String(reply);
  }

  /**
   * Whether Redis answers `PING` within the deadline.
   *
   * @example if (!(await store.isReady())) answer503()
   * @throws Never.
   */
  async isReady(): Promise<boolean> {
    try {
      return String(await this.#send(['PING'])) === 'PONG';
    } catch {
      return false;
    }
  }

  /** A jti (`j`) or family (`f`) entry, counted against the subject's share when `bound` is given (one script). */
  async #bounded(kind: 'j' | 'f', id: string, expiresAt: number, bound: SubjectBound | undefined): Promise<RevokeResult> {
    const now = this.#now();
    if (bound === undefined) {
      if (expiresAt > now) await this.#send(['EVAL', SET_KEEP_LONGER, '1', this.#key(kind, id), '1', ttl(expiresAt, now)]);
      return 'token';
    }
    assertBound(bound);
    // The member names the kind, so a jti and a family id that happen to be equal count twice.
    const keys = [this.#key(kind, id), this.#key('n', bound.subject), this.#key('s', bound.subject)];
    const args = [`${kind}:${id}`, ttl(expiresAt, now), String(now), String(Math.ceil(expiresAt)), String(bound.limit), String(Math.floor(bound.cutoffMs)), ttl(bound.cutoffExpiresAt, now)];
    const reply = await this.#send(['EVAL', BOUNDED_REVOKE, '3', ...keys, ...args]);
    return String(reply) === 'subject' ? 'subject' : 'token';
  }

  #key(kind: string, id: string): string {
    return `${this.#prefix}${kind}:${id}`;
  }

  #now(): number {
    return Math.floor(this.#clock() / 1000);
  }
}

/** Seconds from `now` to `expiresAt`, at least 1 (Redis refuses `EX 0`). */
function ttl(expiresAt: number, now: number): string {
  return String(Math.max(1, Math.ceil(expiresAt - now)));
}
