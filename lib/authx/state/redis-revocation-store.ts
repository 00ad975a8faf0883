/**
 * `RedisRevocationStore` (exported by `authx-node`): the revocation model in Redis, shared by
 * every process using the same Redis. Verification costs one command (`MGET` of the `jti`,
 * subject and family keys: one round trip). Writes that must be atomic run as Lua scripts. Every
 * key expires (`EX`, computed from the store's clock, so Redis's own clock does not matter).
 * Needs Redis 6.2 or later; a single instance or a primary (not Redis Cluster: keys of one
 * check may live in different slots).
 */
import { redisLink, RedisUnavailableError, type RedisClientLike, type RedisLink } from './redis-client.ts';
import { RedisGuard } from './redis-guard.ts';
import { RedisKeys } from './redis-keys.ts';
import { RedisScript, runScript } from './redis-scripts.ts';
import { RedisTracking } from './redis-tracking.ts';
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
  /**
   * Replicas that must hold every write before it is answered (`WAIT`, in the same round trip);
   * fewer in time fails the call with `StateUnavailableError` (503). Default 0: answered once the
   * primary has it, so a failover right after can lose it (docs/state.md).
   */
  minReplicas?: number;
  /** A local cache kept exact by Redis' invalidations (needs the official client with RESP3); default none. */
  tracking?: RedisTracking;
  /** Where the store reports lost data and an untrusted Redis (one line each, never an address); default nowhere. */
  log?: (line: string) => void;
  /** How often every primary's `maxmemory-policy` is read again, in ms; default 1000. */
  checkIntervalMs?: number;
}

const OPTION_NAMES = new Set(['client', 'prefix', 'timeoutMs', 'clock', 'minReplicas', 'tracking', 'log', 'checkIntervalMs']);

// KEYS: key. ARGV: value, ttl seconds. Sets value, never shortening an existing expiry.
const SET_KEEP_LONGER = new RedisScript(`#!lua
local ttl = redis.call('TTL', KEYS[1])
local want = tonumber(ARGV[2])
if ttl > want then want = ttl end
redis.call('SET', KEYS[1], ARGV[1], 'EX', want)
return 1`);

// KEYS: cut-off key. ARGV: cut-off ms, ttl seconds. The cut-off and its expiry only grow.
const CUTOFF_TEXT = `
local known = tonumber(redis.call('GET', KEYS[1]) or '')
local ms = tonumber(ARGV[1])
if known and known > ms then ms = known end
local ttl = redis.call('TTL', KEYS[1])
local want = tonumber(ARGV[2])
if ttl > want then want = ttl end
redis.call('SET', KEYS[1], string.format('%d', ms), 'EX', want)
return 1`;
const CUTOFF = new RedisScript(`#!lua\n${CUTOFF_TEXT}`);

// KEYS: jti key, subject's set of counted jtis, cut-off key.
// ARGV: jti, ttl, now (s), expiresAt (s), limit, cut-off ms, cut-off ttl.
const BOUNDED_REVOKE = new RedisScript(`#!lua
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[3])
if redis.call('EXISTS', KEYS[1]) == 0 and redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[5]) then
${CUTOFF_TEXT.replaceAll('KEYS[1]', 'KEYS[3]').replaceAll('ARGV[1]', 'ARGV[6]').replaceAll('ARGV[2]', 'ARGV[7]').replace('return 1', "return 'subject'")}
end
redis.call('SET', KEYS[1], '1', 'EX', ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[1])
local top = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')
redis.call('EXPIRE', KEYS[2], math.max(1, tonumber(top[2]) - tonumber(ARGV[3])))
return 'token'`);

// KEYS: claim key. ARGV: value, ttl. SET NX + GET as one step.
const CLAIM = new RedisScript(`#!lua
local known = redis.call('GET', KEYS[1])
if known then return known end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return false`);

/**
 * Revocations in Redis. The client must be connected by the caller; the store never closes it.
 * Give the client a short reconnect delay and no offline queue, so a command during an outage
 * fails fast (503) instead of waiting for the deadline. Call {@link prepare} before serving, and
 * {@link close} when done (it stops the store's timers, not the client).
 *
 * @example
 * const client = await createClient({ url: process.env.REDIS_URL }).connect()
 * const store = new RedisRevocationStore({ client }); await store.prepare()
 * const auth = new AuthX({ secretKey, revocationStore: store })
 */
export class RedisRevocationStore implements RevocationStore {
  readonly #link: RedisLink;
  readonly #keys: RedisKeys;
  readonly #prefix: string;
  readonly #clock: () => number;
  readonly #replicas: number;
  readonly #tracking: RedisTracking | undefined;
  readonly #guard: RedisGuard;
  readonly #reads = new Map<string, Promise<boolean>>();

  /**
   * @throws {TypeError} When an option is unknown or invalid. @throws {RangeError} When a number is out of range.
   */
  constructor(options: RedisRevocationStoreOptions) {
    if (typeof options !== 'object' || options === null) throw new TypeError('RedisRevocationStore options must be an object');
    for (const name of Object.keys(options)) if (!OPTION_NAMES.has(name)) throw new TypeError(`unknown RedisRevocationStore option "${name}"`);
    const { prefix = 'authx:', timeoutMs = 500, clock = Date.now, minReplicas = 0, tracking, log = () => {}, checkIntervalMs = 1000 } = options;
    if (typeof clock !== 'function') throw new TypeError('clock must be a function returning milliseconds');
    if (typeof log !== 'function') throw new TypeError('log must be a function taking one line');
    if (!Number.isSafeInteger(minReplicas) || minReplicas < 0 || minReplicas > 100) throw new RangeError('minReplicas must be an integer from 0 to 100');
    if (!Number.isSafeInteger(checkIntervalMs) || checkIntervalMs < 10) throw new RangeError('checkIntervalMs must be an integer of at least 10');
    if (tracking !== undefined && !(tracking instanceof RedisTracking)) throw new TypeError('tracking must be a RedisTracking');
    this.#keys = new RedisKeys(prefix);
    this.#link = redisLink(options.client, timeoutMs);
    this.#prefix = prefix;
    this.#clock = clock;
    this.#replicas = minReplicas;
    this.#tracking = tracking;
    this.#guard = new RedisGuard({
      link: this.#link, keys: this.#keys, clock, log, tracking, checkIntervalMs,
      heartbeatMs: tracking === undefined ? 0 : Math.max(2, Math.floor(tracking.maxStalenessMs / 4)),
    });
  }

  /** Whether `isRevoked` may answer without a Promise (from the tracking cache, when it holds the answer). */
  get answersFromCache(): boolean {
    return this.#tracking !== undefined;
  }

  /**
   * Checks that Redis can be trusted (`maxmemory-policy noeviction` on every primary) and writes
   * the epoch records of every hash slot that lacks one. Operations do this themselves when
   * needed; a server calls it at start to refuse a Redis it cannot trust.
   *
   * @example await store.prepare()
   * @throws {StateUntrustedError} When a primary may evict keys (`detail` names the setting and the fix).
   * @throws {StateUnavailableError} When Redis does not answer in time.
   */
  async prepare(): Promise<void> {
    await this.#guard.ensure();
  }

  /**
   * Answers from the local cache when a {@link RedisTracking} vouches for it (no Promise), else
   * with one `MGET` of the token's keys and its slot's epoch record (one round trip).
   *
   * @example await store.isRevoked({ jti, sub, issuedAtMs, fid })
   * @throws {StateUnavailableError} When Redis does not answer in time or cannot be trusted (never "not revoked").
   */
  isRevoked(check: RevocationCheck): boolean | Promise<boolean> {
    const subject = this.#keys.ofSubject(check.sub);
    const jtiKey = this.#key('j', check.jti);
    const familyKey = check.fid === undefined ? undefined : this.#key('f', check.fid);
    const tracking = this.#tracking;
    // The hot path: four map lookups, no array, no Promise.
    if (tracking !== undefined && this.#guard.ok && tracking.usable()) {
      const epoch = tracking.peek(subject.epoch);
      const jti = tracking.peek(jtiKey);
      const cutoff = tracking.peek(subject.cutoff);
      const family = familyKey === undefined ? null : tracking.peek(familyKey);
      if (epoch !== undefined && jti !== undefined && cutoff !== undefined && family !== undefined) {
        tracking.hit();
        return this.#decide(jti, cutoff, epoch, family, check.issuedAtMs);
      }
    }
    const keys = familyKey === undefined ? [jtiKey, subject.cutoff, subject.epoch] : [jtiKey, subject.cutoff, subject.epoch, familyKey];
    return this.#read(keys, check.issuedAtMs);
  }

  /** One MGET per question at a time: a caller asking again while it is on its way joins it. */
  #read(keys: string[], issuedAtMs: number): Promise<boolean> {
    const id = `${issuedAtMs}\n${keys.join('\n')}`;
    let pending = this.#reads.get(id);
    if (pending === undefined) {
      pending = this.#readNow(keys, issuedAtMs).finally(() => this.#reads.delete(id));
      this.#reads.set(id, pending);
    }
    return pending;
  }

  async #readNow(keys: string[], issuedAtMs: number): Promise<boolean> {
    await this.#ready();
    const read = this.#tracking?.reading(keys);
    let reply: unknown;
    try {
      reply = await this.#call(() => this.#link.send(['MGET', ...keys], keys[0]));
    } finally {
      if (read !== undefined && !Array.isArray(reply)) this.#tracking!.fill(read);
    }
    if (!Array.isArray(reply) || reply.length !== keys.length) throw new RedisUnavailableError('reply');
    if (read !== undefined) this.#tracking!.fill(read, reply);
    return this.#decide(reply[0], reply[1], reply[2], reply[3], issuedAtMs);
  }

  /** The answer for the values of a token's keys (`null` or `undefined`: no such key). */
  #decide(jti: unknown, cutoff: unknown, epoch: unknown, family: unknown, issuedAtMs: number): boolean {
    if (epoch === null || epoch === undefined) {
      this.#guard.epochMissing();
      return true;
    }
    // An unreadable epoch or cut-off refuses (fails closed) rather than being ignored.
    const epochMs = Number(String(epoch));
    if (!Number.isFinite(epochMs) || issuedAtMs <= epochMs) return true;
    if (jti !== null && jti !== undefined) return true;
    if (family !== null && family !== undefined) return true;
    if (cutoff === null || cutoff === undefined) return false;
    const ms = Number(String(cutoff));
    return !Number.isFinite(ms) || issuedAtMs <= ms;
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
    await this.#script(CUTOFF, [this.#keys.subject(subject) + ':s'], [String(Math.floor(cutoffMs)), ttl(expiresAt, now)]);
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
    const reply = await this.#script(CLAIM, [this.#key('c', key)], [value, ttl(expiresAt, now)]);
    return reply === null || reply === undefined ? null : String(reply);
  }

  /**
   * Whether every primary answers in time and can be trusted (`maxmemory-policy noeviction`).
   *
   * @example if (!(await store.isReady())) answer503()
   * @throws Never.
   */
  isReady(): Promise<boolean> {
    return this.#guard.isReady();
  }

  /**
   * Stops the store's timers (policy checks, tracking heartbeats). The client stays open.
   *
   * @example store.close(); await client.quit()
   * @throws Never.
   */
  close(): void {
    this.#guard.close();
  }

  /** A jti (`j`) or family (`f`) entry, counted against the subject's share when `bound` is given (one script). */
  async #bounded(kind: 'j' | 'f', id: string, expiresAt: number, bound: SubjectBound | undefined): Promise<RevokeResult> {
    const now = this.#now();
    if (bound === undefined) {
      if (expiresAt > now) await this.#script(SET_KEEP_LONGER, [this.#key(kind, id)], ['1', ttl(expiresAt, now)]);
      return 'token';
    }
    assertBound(bound);
    // The member names the kind, so a jti and a family id that happen to be equal count twice.
    const tag = this.#keys.subject(bound.subject);
    const keys = [this.#key(kind, id), `${tag}:n`, `${tag}:s`];
    const args = [`${kind}:${id}`, ttl(expiresAt, now), String(now), String(Math.ceil(expiresAt)), String(bound.limit), String(Math.floor(bound.cutoffMs)), ttl(bound.cutoffExpiresAt, now)];
    const reply = await this.#script(BOUNDED_REVOKE, keys, args);
    return String(reply) === 'subject' ? 'subject' : 'token';
  }

  /** A write script, once Redis is trusted, acknowledged by `minReplicas` replicas. */
  async #script(script: RedisScript, keys: string[], args: string[]): Promise<unknown> {
    await this.#ready();
    return this.#call(() => runScript(this.#link, script, keys, args, this.#replicas));
  }

  #ready(): Promise<void> | undefined {
    return this.#guard.ok ? undefined : this.#call(() => this.#guard.ensure());
  }

  async #call<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      this.#guard.failed(error);
      throw error;
    }
  }

  // Interim: jti, family and claim keys are not under the subject's tag until the store contract
  // names each write's subject (single Redis only until then).
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
