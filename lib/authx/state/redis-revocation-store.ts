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
import {
  assertKey,
  assertOwner,
  assertRetirement,
  assertTime,
  DEFAULT_MAX_ENTRIES_PER_SUBJECT,
  type Owner,
  type Retirement,
  type RetireResult,
  type RevocationCheck,
  type RevocationStore,
  type RevokeResult,
  type SessionRecord,
  assertSession,
} from './revocation.ts';

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
  /** Most live entries of one subject (tokens, families, marks, claims); default 1000. */
  maxEntriesPerSubject?: number;
}

const OPTION_NAMES = new Set(['client', 'prefix', 'timeoutMs', 'clock', 'maxEntriesPerSubject']);

// Every owned entry (j: token, f: family, m: rotation mark, c: claim, u: session) is a key whose value starts
// with the newest issue ms it covers; the subject's share is a sorted set of the entries' key
// suffixes scored by expiry. A fold raises the cut-off and deletes the covered entries.

// The part every writer shares. KEYS[1]: share, KEYS[2]: cut-off. ARGV[1]: prefix, ARGV[2]: now
// (s), ARGV[3]: entries to add, ARGV[4]: share size, ARGV[5]: cut-off ms if folded, ARGV[6]:
// cut-off ttl. Sets `folded`.
const ADMIT = `
local prefix, now = ARGV[1], tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local folded = false
local adds = tonumber(ARGV[3])
if adds > 0 and redis.call('ZCARD', KEYS[1]) + adds > tonumber(ARGV[4]) then
  local cut = tonumber(ARGV[5])
  local known = tonumber(redis.call('GET', KEYS[2]) or '')
  if known and known > cut then cut = known end
  local want = tonumber(ARGV[6])
  local ttl = redis.call('TTL', KEYS[2])
  if ttl > want then want = ttl end
  redis.call('SET', KEYS[2], string.format('%d', cut), 'EX', want)
  for _, member in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
    local value = redis.call('GET', prefix .. member)
    local covers = value and tonumber(string.match(value, '^(%d+)'))
    if not covers or covers <= cut then
      redis.call('DEL', prefix .. member)
      redis.call('ZREM', KEYS[1], member)
    end
  end
  folded = true
end
local function keep(member, value, ttl, expiresAt)
  local k = prefix .. member
  local left = redis.call('TTL', k)
  if left > ttl then ttl = left end
  redis.call('SET', k, value, 'EX', ttl)
  redis.call('ZADD', KEYS[1], expiresAt, member)
  local top = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
  redis.call('EXPIRE', KEYS[1], math.max(1, tonumber(top[2]) - now))
end
`;

// ARGV[7]: member (j:<jti> or f:<fid>), ARGV[8]: covers ms, ARGV[9]: ttl, ARGV[10]: expiresAt,
// ARGV[11...]: members to drop (a revoked family's mark and session).
const OWNED = `${ADMIT}
for i = 11, #ARGV do
  redis.call('DEL', prefix .. ARGV[i])
  redis.call('ZREM', KEYS[1], ARGV[i])
end
if folded and tonumber(ARGV[8]) <= tonumber(redis.call('GET', KEYS[2])) then return 'subject' end
keep(ARGV[7], ARGV[8], tonumber(ARGV[9]), tonumber(ARGV[10]))
if folded then return 'subject' end
return 'token'`;

// KEYS[3]: claim, KEYS[4]: mark ('' members when no family). ARGV[7]: claim member, ARGV[8]:
// claim value, ARGV[9]: claim ttl (0: none), ARGV[10]: claim expiresAt, ARGV[11]: mark member or
// '', ARGV[12]: retired ms, ARGV[13]: mark ttl, ARGV[14]: mark expiresAt, ARGV[15]: covers ms.
const RETIRE = `local claim = redis.call('GET', KEYS[3])
local mark = 0
if ARGV[11] ~= '' then mark = tonumber(redis.call('GET', KEYS[4]) or '0') or 0 end
if claim then return {'taken', string.match(claim, '^%d+ (.*)$') or '', string.format('%d', mark)} end
if ARGV[11] ~= '' and mark >= tonumber(ARGV[12]) then return {'retired'} end
${ADMIT}
if tonumber(ARGV[9]) > 0 then keep(ARGV[7], ARGV[15] .. ' ' .. ARGV[8], tonumber(ARGV[9]), tonumber(ARGV[10])) end
if ARGV[11] ~= '' then
  local ms = tonumber(ARGV[12])
  local known = tonumber(redis.call('GET', KEYS[4]) or '')
  if known and known > ms then ms = known end
  keep(ARGV[11], string.format('%d', ms), tonumber(ARGV[13]), tonumber(ARGV[14]))
  local used = tonumber(ARGV[16])
  local session = redis.call('GET', KEYS[5])
  if used > 0 and session then
    local was, meta = string.match(session, '^(%d+) (.*)$')
    if tonumber(was) > used then used = tonumber(was) end
    keep(string.sub(KEYS[5], #prefix + 1), string.format('%d', used) .. ' ' .. meta, tonumber(ARGV[17]), tonumber(ARGV[18]))
  end
end
return {'claimed'}`;

// ARGV[7]: session member (u:<fid>), ARGV[8]: "<lastUsedAt> <meta>", ARGV[9]: ttl, ARGV[10]:
// expiresAt, ARGV[11]: lastUsedAt.
const SESSION = `local existed = redis.call('EXISTS', ARGV[1] .. ARGV[7]) == 1
${ADMIT.replace("local adds = tonumber(ARGV[3])", "local adds = tonumber(ARGV[3])\nif existed then adds = 0 end")}
if folded and tonumber(ARGV[11]) <= tonumber(redis.call('GET', KEYS[2])) then return 0 end
keep(ARGV[7], ARGV[8], tonumber(ARGV[9]), tonumber(ARGV[10]))
return 1`;

// KEYS[1]: share. ARGV[1]: prefix, ARGV[2]: now. Every live session: member, expiry, value.
const SESSIONS = `
local found = {}
for _, m in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. ARGV[2], '+inf', 'WITHSCORES')) do table.insert(found, m) end
local out = {}
for i = 1, #found, 2 do
  local member = found[i]
  if string.sub(member, 1, 2) == 'u:' then
    local value = redis.call('GET', ARGV[1] .. member)
    if value then
      table.insert(out, string.sub(member, 3))
      table.insert(out, found[i + 1])
      table.insert(out, value)
    end
  end
end
return out`;

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
  readonly #maxPerSubject: number;

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
    const share = options.maxEntriesPerSubject ?? DEFAULT_MAX_ENTRIES_PER_SUBJECT;
    if (!Number.isSafeInteger(share) || share < 1) throw new RangeError('maxEntriesPerSubject must be a positive integer');
    this.#maxPerSubject = share;
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
   * @example await store.revoke(payload.jti, payload.exp, owner)
   * @throws {TypeError} When an argument is invalid.
   * @throws {StateUnavailableError} When Redis does not answer in time.
   */
  async revoke(jti: string, expiresAt: number, owner: Owner): Promise<RevokeResult> {
    assertKey(jti, 'jti');
    assertTime(expiresAt, 'expiresAt');
    assertOwner(owner);
    return this.#owned(`j:${jti}`, expiresAt, owner, []);
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
   * @example await store.revokeFamily(fid, exp, owner)
   * @throws {TypeError | StateUnavailableError} As {@link revoke}.
   */
  async revokeFamily(fid: string, expiresAt: number, owner: Owner): Promise<RevokeResult> {
    assertKey(fid, 'fid');
    assertTime(expiresAt, 'expiresAt');
    assertOwner(owner);
    return this.#owned(`f:${fid}`, expiresAt, owner, [`m:${fid}`, `u:${fid}`]);
  }

  /**
   * Claim and mark in one Lua script (one round trip), atomic across every client of the Redis.
   *
   * @example const found = await store.retire(retirement)
   * @throws {TypeError | StateUnavailableError} As {@link revoke}.
   */
  async retire(retirement: Retirement): Promise<RetireResult> {
    assertRetirement(retirement);
    const { key, value, expiresAt, family, owner } = retirement;
    const now = this.#now();
    const claimTtl = expiresAt > now ? ttl(expiresAt, now) : '0';
    const markMember = family === undefined ? '' : `m:${family.fid}`;
    const adds = (claimTtl === '0' ? 0 : 1) + (family === undefined ? 0 : 1);
    const keys = [
      this.#key('n', owner.subject), this.#key('s', owner.subject), this.#key('c', key),
      family === undefined ? this.#key('m', '') : this.#key('m', family.fid), family === undefined ? this.#key('u', '') : this.#key('u', family.fid),
    ];
    const session = retirement.session;
    const args = [
      this.#prefix, String(now), String(adds), String(this.#maxPerSubject), String(Math.floor(this.#clock())), ttl(owner.cutoffExpiresAt, now),
      `c:${key}`, value, claimTtl, String(Math.ceil(expiresAt)),
      markMember, String(Math.floor(family?.retiredMs ?? 0)), family === undefined ? '1' : ttl(family.expiresAt, now), String(Math.ceil(family?.expiresAt ?? 0)),
      String(Math.floor(owner.coversMs)),
      String(Math.floor(session?.lastUsedAt ?? 0)), session === undefined ? '1' : ttl(session.expiresAt, now), String(Math.ceil(session?.expiresAt ?? 0)),
    ];
    const reply = await this.#send(['EVAL', RETIRE, '5', ...keys, ...args]);
    if (!Array.isArray(reply)) throw new StateUnavailableError();
    const [outcome, found, mark] = (reply as unknown[]).map((v) => (v === null || v === undefined ? '' : String(v)));
    if (outcome === 'claimed') return { outcome: 'claimed' };
    if (outcome === 'taken') return { outcome: 'taken', value: found ?? '', markMs: Number(mark) };
    return { outcome: 'retired' };
  }

  /**
   * One Lua script: counted in the subject's share, folded with it when the share is full.
   *
   * @example await store.recordSession(session)
   * @throws {TypeError | StateUnavailableError} As {@link revoke}.
   */
  async recordSession(session: SessionRecord): Promise<void> {
    assertSession(session);
    const now = this.#now();
    if (session.expiresAt <= now) return;
    const keys = [this.#key('n', session.subject), this.#key('s', session.subject)];
    const value = `${Math.floor(session.lastUsedAt)} ${JSON.stringify([session.createdAt, session.userAgent, session.network])}`;
    const args = [
      this.#prefix, String(now), '1', String(this.#maxPerSubject), String(Math.floor(this.#clock())), ttl(session.expiresAt, now),
      `u:${session.id}`, value, ttl(session.expiresAt, now), String(Math.ceil(session.expiresAt)), String(Math.floor(session.lastUsedAt)),
    ];
    await this.#send(['EVAL', SESSION, '2', ...keys, ...args]);
  }

  /**
   * One Lua script over the subject's share.
   *
   * @example await store.listSessions("user1")
   * @throws {StateUnavailableError} When Redis does not answer in time.
   */
  async listSessions(subject: string): Promise<SessionRecord[]> {
    assertKey(subject, 'subject');
    const reply = await this.#send(['EVAL', SESSIONS, '1', this.#key('n', subject), this.#prefix, String(this.#now())]);
    if (!Array.isArray(reply)) throw new StateUnavailableError();
    const items = (reply as unknown[]).map(String);
    const found: SessionRecord[] = [];
    for (let i = 0; i + 2 < items.length; i += 3) {
      const [id, expires, value] = [items[i]!, items[i + 1]!, items[i + 2]!];
      const match = /^(\d+) (.*)$/.exec(value);
      if (match === null) throw new StateUnavailableError();
      const [createdAt, userAgent, network] = JSON.parse(match[2]!) as [number, string | null, string | null];
      found.push({ id, subject, createdAt, lastUsedAt: Number(match[1]), expiresAt: Number(expires), userAgent, network });
    }
    return found;
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

  /** A token (`j:`) or family (`f:`) entry in its subject's share, folded when the share is full (one script). */
  async #owned(member: string, expiresAt: number, owner: Owner, drop: readonly string[]): Promise<RevokeResult> {
    const now = this.#now();
    if (expiresAt <= now && drop.length === 0) return 'token';
    const keys = [this.#key('n', owner.subject), this.#key('s', owner.subject)];
    const live = expiresAt > now;
    const args = [
      this.#prefix, String(now), live ? '1' : '0', String(this.#maxPerSubject), String(Math.floor(this.#clock())), ttl(owner.cutoffExpiresAt, now),
      member, String(Math.floor(owner.coversMs)), ttl(expiresAt, now), String(Math.ceil(expiresAt)), ...drop,
    ];
    if (!live) {
      await this.#send(['DEL', ...drop.map((d) => `${this.#prefix}${d}`)]);
      return 'token';
    }
    const reply = await this.#send(['EVAL', OWNED, '2', ...keys, ...args]);
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
