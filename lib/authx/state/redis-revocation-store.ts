/**
 * `RedisRevocationStore` (exported by `authx-node`): the revocation model in Redis or a Redis
 * Cluster, shared by every process using it (docs/state.md, "Redis, Redis Cluster and Sentinel in detail").
 * Every key of one subject lives under its hash tag (`authx:{<sub>}:...`, lib/authx/state/redis-keys.ts),
 * so a verification is one `MGET` of one slot (the token's keys and the slot's epoch record),
 * and a logout or a rotation one Lua script on one node. Scripts go by SHA-1
 * (lib/authx/state/redis-client.ts); with `minReplicas` every write waits for replicas (`WAIT`);
 * with `tracking` verifications are answered from a local cache Redis keeps exact
 * (lib/authx/state/redis-tracking.ts); the guard refuses a Redis that may evict and notices lost
 * data (lib/authx/state/redis-guard.ts). Every entry expires (`EX`, from the store's clock).
 * Needs Redis 7.0 or later.
 */
import { redisLink, RedisScript, RedisUnavailableError, runScript, type RedisClientLike, type RedisLink } from './redis-client.ts';
import { RedisGuard } from './redis-guard.ts';
import { RedisKeys } from './redis-keys.ts';
import { RedisTracking } from './redis-tracking.ts';
import {
  assertKey,
  assertOwner,
  assertRetirement,
  assertTime,
  assertSession,
  DEFAULT_MAX_ENTRIES_PER_SUBJECT,
  foldCutoffMs,
  type Owner,
  type SessionRecord,
  type Retirement,
  type RetireResult,
  type RevocationCheck,
  type RevocationStore,
  type RevokeResult,
} from './revocation.ts';

/** Options of {@link RedisRevocationStore}. */
export interface RedisRevocationStoreOptions {
  /** A connected official `redis` client, cluster or sentinel, an `ioredis` client or cluster, or a function sending one command. */
  client: RedisClientLike;
  /** Prefix of every key, without braces; default `"authx:"`. */
  prefix?: string;
  /** Deadline of each command in ms; past it the call fails with `StateUnavailableError`. Default 500. */
  timeoutMs?: number;
  /** Clock in milliseconds; default `Date.now`. */
  clock?: () => number;
  /** Most live entries of one subject (tokens, families, marks, claims); default 1000. */
  maxEntriesPerSubject?: number;
  /**
   * Replicas that must hold every write before it is answered (`WAIT`, in the same round trip);
   * fewer in time fails the call with `StateUnavailableError` (503). Default 0: answered once the
   * primary has it, so a failover right after can lose it (docs/state.md).
   */
  minReplicas?: number;
  /** A local cache kept exact by Redis' invalidations (the official client with RESP3, not its Sentinel client); default none. */
  tracking?: RedisTracking;
  /** Where the store reports lost data and an untrusted Redis (one line each, never an address); default nowhere. */
  log?: (line: string) => void;
  /** How often every primary's `maxmemory-policy` is read again, in ms; default 1000. */
  checkIntervalMs?: number;
}

const OPTION_NAMES = new Set(['client', 'prefix', 'timeoutMs', 'clock', 'maxEntriesPerSubject', 'minReplicas', 'tracking', 'log', 'checkIntervalMs']);

/** The rotation's probe subject (lib/authx/tokens/rotation.ts) when `isFamilyRevoked` got none. */
const PROBE_SUBJECT = '\u0000probe:';

// Every owned entry (j: token, f: family, m: rotation mark, c: claim, u: session) is a key under its subject's
// tag whose value starts with the newest issue ms it covers; the subject's share is a sorted set
// of the entries' suffixes scored by expiry. A fold raises the cut-off and deletes the covered
// entries. All of them are in the subject's slot, so the undeclared entry keys are local keys.

// The part every writer shares. KEYS[1]: share, KEYS[2]: cut-off. ARGV[1]: the subject's key
// prefix (`authx:{<sub>}:`), ARGV[2]: now (s), ARGV[3]: entries to add, ARGV[4]: share size,
// ARGV[5]: cut-off ms if folded, ARGV[6]: cut-off ttl. Sets `folded`.
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
  -- The cut-off replaces the entries it drops: it lives as long as the longest of them.
  local top = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
  if top[2] and tonumber(top[2]) - now > want then want = tonumber(top[2]) - now end
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
const OWNED = new RedisScript(`#!lua
${ADMIT}
for i = 11, #ARGV do
  redis.call('DEL', prefix .. ARGV[i])
  redis.call('ZREM', KEYS[1], ARGV[i])
end
if folded and tonumber(ARGV[8]) <= tonumber(redis.call('GET', KEYS[2])) then return 'subject' end
keep(ARGV[7], ARGV[8], tonumber(ARGV[9]), tonumber(ARGV[10]))
if folded then return 'subject' end
return 'token'`);

// KEYS[3]: claim, KEYS[4]: mark, KEYS[5]: session, KEYS[6]: the family's revocation (keys no
// entry has when no family), KEYS[7]: the slot's epoch record. ARGV[7]: claim member, ARGV[8]:
// claim value, ARGV[9]: claim ttl (0: none), ARGV[10]: claim expiresAt, ARGV[11]: mark member or
// '', ARGV[12]: retired ms, ARGV[13]: mark ttl, ARGV[14]: mark expiresAt, ARGV[15]: covers ms
// (the retired token's issue ms), ARGV[16]: session last used ms (0: none), ARGV[17]: session
// ttl, ARGV[18]: session expiresAt. A slot without its epoch record lost its data ('lost'); a
// token issued before the record predates what the slot remembers ('retired', as a
// verification would refuse it). KEYS[8], KEYS[9]: the retired token's revocation and its
// family's; ARGV[19]: its issue ms, or '' when not given: a token revoked since its verification
// ('revoked': its own entry, its family's, its subject's cut-off, or issued before the epoch
// record, as a verification would see it; an unreadable cut-off refuses too) gets nothing written.
const RETIRE = new RedisScript(`#!lua
local epoch = redis.call('GET', KEYS[7])
if not epoch then return {'lost'} end
if ARGV[19] ~= '' then
  if tonumber(ARGV[19]) <= (tonumber(epoch) or math.huge) then return {'revoked'} end
  if redis.call('EXISTS', KEYS[8]) == 1 or redis.call('EXISTS', KEYS[9]) == 1 then return {'revoked'} end
  local raw = redis.call('GET', KEYS[2])
  if raw then
    local cut = tonumber(raw)
    if not cut or tonumber(ARGV[19]) <= cut then return {'revoked'} end
  end
end
if tonumber(ARGV[15]) <= (tonumber(epoch) or math.huge) then return {'retired'} end
local claim = redis.call('GET', KEYS[3])
local mark = 0
if ARGV[11] ~= '' then mark = tonumber(redis.call('GET', KEYS[4]) or '0') or 0 end
if claim then return {'taken', string.match(claim, '^%d+ (.*)$') or '', string.format('%d', mark)} end
if ARGV[11] ~= '' and mark >= tonumber(ARGV[12]) then return {'retired'} end
if ARGV[11] ~= '' and redis.call('EXISTS', KEYS[6]) == 1 then return {'retired'} end
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
return {'claimed'}`);

// ARGV[7]: session member (u:<fid>), ARGV[8]: "<lastUsedAt> <meta>", ARGV[9]: ttl, ARGV[10]:
// expiresAt, ARGV[11]: lastUsedAt.
const SESSION = new RedisScript(`#!lua
local existed = redis.call('EXISTS', ARGV[1] .. ARGV[7]) == 1
${ADMIT.replace('local adds = tonumber(ARGV[3])', 'local adds = tonumber(ARGV[3])\nif existed then adds = 0 end')}
if not (folded and tonumber(ARGV[11]) <= tonumber(redis.call('GET', KEYS[2]))) then
  keep(ARGV[7], ARGV[8], tonumber(ARGV[9]), tonumber(ARGV[10]))
end
local sessions = 0
for _, m in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. ARGV[2], '+inf')) do
  if string.sub(m, 1, 2) == 'u:' then sessions = sessions + 1 end
end
return sessions`);

// KEYS[1]: share. ARGV[1]: the subject's key prefix, ARGV[2]: now. Every live session: member,
// expiry, value. Reads only: it runs on a full Redis too.
const SESSIONS = new RedisScript(`#!lua flags=no-writes
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
return out`);

// KEYS: cut-off key. ARGV: cut-off ms, ttl seconds. The cut-off and its expiry only grow.
const CUTOFF = new RedisScript(`#!lua
local known = tonumber(redis.call('GET', KEYS[1]) or '')
local ms = tonumber(ARGV[1])
if known and known > ms then ms = known end
local ttl = redis.call('TTL', KEYS[1])
local want = tonumber(ARGV[2])
if ttl > want then want = ttl end
redis.call('SET', KEYS[1], string.format('%d', ms), 'EX', want)
return 1`);

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
  readonly #clock: () => number;
  readonly #maxPerSubject: number;
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
    const share = options.maxEntriesPerSubject ?? DEFAULT_MAX_ENTRIES_PER_SUBJECT;
    if (!Number.isSafeInteger(share) || share < 1) throw new RangeError('maxEntriesPerSubject must be a positive integer');
    if (!Number.isSafeInteger(minReplicas) || minReplicas < 0 || minReplicas > 100) throw new RangeError('minReplicas must be an integer from 0 to 100');
    if (!Number.isSafeInteger(checkIntervalMs) || checkIntervalMs < 10) throw new RangeError('checkIntervalMs must be an integer of at least 10');
    if (tracking !== undefined && !(tracking instanceof RedisTracking)) throw new TypeError('tracking must be a RedisTracking');
    this.#keys = new RedisKeys(prefix);
    this.#link = redisLink(options.client, timeoutMs);
    // The heartbeat proves one connection's invalidation stream; a Sentinel client spreads its
    // reads over a pool of them it does not let the store address (docs/state.md, Sentinel).
    if (tracking !== undefined && this.#link.sentinel) throw new TypeError('tracking is not supported with a Sentinel client: leave it out (every verification is one MGET)');
    this.#clock = clock;
    this.#maxPerSubject = share;
    this.#replicas = minReplicas;
    this.#tracking = tracking;
    this.#guard = new RedisGuard({
      link: this.#link, bulkLink: redisLink(options.client, timeoutMs * 20), keys: this.#keys, clock, log, tracking, checkIntervalMs,
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
   * with one `MGET` of the token's keys and its slot's epoch record (one round trip, one slot).
   *
   * @example await store.isRevoked({ jti, sub, issuedAtMs, fid })
   * @throws {StateUnavailableError} When Redis does not answer in time or cannot be trusted (never "not revoked").
   * @throws {TypeError} When asked about a family without its subject (`isFamilyRevoked(fid)`):
   *   a family is kept under its subject's tag.
   */
  isRevoked(check: RevocationCheck): boolean | Promise<boolean> {
    if (check.sub.startsWith(PROBE_SUBJECT)) throw new TypeError('RedisRevocationStore keeps a family under its subject: ask isFamilyRevoked(fid, subject)');
    const subject = this.#keys.ofSubject(check.sub);
    const jtiKey = `${subject.tag}:j:${check.jti}`;
    const familyKey = check.fid === undefined ? undefined : `${subject.tag}:f:${check.fid}`;
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

  /**
   * @example await store.revoke(payload.jti, payload.exp, owner)
   * @throws {TypeError} When an argument is invalid.
   * @throws {StateUnavailableError} When Redis does not answer in time or cannot be trusted.
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
    await this.#script(CUTOFF, [this.#keys.ofSubject(subject).cutoff], [String(Math.floor(cutoffMs)), ttl(expiresAt, now)]);
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
   * Claim and mark in one Lua script on the subject's node (one round trip), atomic across every
   * client. A slot that lost its data answers `retired` (the rotation then treats the token as
   * reused): a refresh token is never rotated on an empty store.
   *
   * @example const found = await store.retire(retirement)
   * @throws {TypeError | StateUnavailableError} As {@link revoke}.
   */
  async retire(retirement: Retirement): Promise<RetireResult> {
    assertRetirement(retirement);
    const { key, value, expiresAt, family, owner } = retirement;
    const now = this.#now();
    const subject = this.#keys.ofSubject(owner.subject);
    const prefix = `${subject.tag}:`;
    const claimTtl = expiresAt > now ? ttl(expiresAt, now) : '0';
    const markMember = family === undefined ? '' : `m:${family.fid}`;
    const adds = (claimTtl === '0' ? 0 : 1) + (family === undefined ? 0 : 1);
    const fid = family?.fid ?? '';
    const token = retirement.token;
    const keys = [
      `${prefix}n`, subject.cutoff, `${prefix}c:${key}`, `${prefix}m:${fid}`, `${prefix}u:${fid}`, `${prefix}f:${fid}`, subject.epoch,
      // No entry has an empty id: the keys of a check not asked for.
      `${prefix}j:${token?.jti ?? ''}`, `${prefix}f:${token?.fid ?? ''}`,
    ];
    const session = retirement.session;
    const args = [
      prefix, String(now), String(adds), String(this.#maxPerSubject), String(Math.floor(foldCutoffMs(this.#clock(), owner))), ttl(owner.cutoffExpiresAt, now),
      `c:${key}`, value, claimTtl, String(Math.ceil(expiresAt)),
      markMember, String(Math.floor(family?.retiredMs ?? 0)), family === undefined ? '1' : ttl(family.expiresAt, now), String(Math.ceil(family?.expiresAt ?? 0)),
      String(Math.floor(owner.coversMs)),
      String(Math.floor(session?.lastUsedAt ?? 0)), session === undefined ? '1' : ttl(session.expiresAt, now), String(Math.ceil(session?.expiresAt ?? 0)),
      token === undefined ? '' : String(Math.floor(token.issuedAtMs)),
    ];
    const reply = await this.#script(RETIRE, keys, args);
    if (!Array.isArray(reply)) throw new RedisUnavailableError('reply');
    const [outcome, found, mark] = (reply as unknown[]).map((v) => (v === null || v === undefined ? '' : String(v)));
    if (outcome === 'claimed') return { outcome: 'claimed' };
    if (outcome === 'taken') return { outcome: 'taken', value: found ?? '', markMs: Number(mark) };
    if (outcome === 'revoked') return { outcome: 'revoked' };
    if (outcome === 'lost') this.#guard.epochMissing();
    return { outcome: 'retired' };
  }

  /**
   * One Lua script on the subject's node: counted in the subject's share, folded with it when the
   * share is full.
   *
   * @example await store.recordSession(session)
   * @throws {TypeError | StateUnavailableError} As {@link revoke}.
   */
  async recordSession(session: SessionRecord): Promise<number | undefined> {
    assertSession(session);
    const now = this.#now();
    if (session.expiresAt <= now) return undefined;
    const subject = this.#keys.ofSubject(session.subject);
    const prefix = `${subject.tag}:`;
    const value = `${Math.floor(session.lastUsedAt)} ${JSON.stringify([session.createdAt, session.userAgent, session.network])}`;
    const args = [
      prefix, String(now), '1', String(this.#maxPerSubject), String(Math.floor(foldCutoffMs(this.#clock(), { subject: session.subject, coversMs: session.lastUsedAt, cutoffExpiresAt: session.expiresAt, keepFromMs: session.createdAt }))), ttl(session.expiresAt, now),
      `u:${session.id}`, value, ttl(session.expiresAt, now), String(Math.ceil(session.expiresAt)), String(Math.floor(session.lastUsedAt)),
    ];
    const count = Number(await this.#script(SESSION, [`${prefix}n`, subject.cutoff], args));
    return Number.isSafeInteger(count) ? count : undefined;
  }

  /**
   * One Lua script over the subject's share, on its node.
   *
   * @example await store.listSessions("user1")
   * @throws {StateUnavailableError} When Redis does not answer in time.
   */
  async listSessions(subject: string): Promise<SessionRecord[]> {
    assertKey(subject, 'subject');
    const keys = this.#keys.ofSubject(subject);
    await this.#ready();
    const reply = await this.#call(() => runScript(this.#link, SESSIONS, [`${keys.tag}:n`], [`${keys.tag}:`, String(this.#now())]));
    if (!Array.isArray(reply)) throw new RedisUnavailableError('reply');
    const items = (reply as unknown[]).map(String);
    const found: SessionRecord[] = [];
    for (let i = 0; i + 2 < items.length; i += 3) {
      const [id, expires, value] = [items[i]!, items[i + 1]!, items[i + 2]!];
      const match = /^(\d+) (.*)$/.exec(value);
      if (match === null) throw new RedisUnavailableError('reply');
      const [createdAt, userAgent, network] = JSON.parse(match[2]!) as [number, string | null, string | null];
      found.push({ id, subject, createdAt, lastUsedAt: Number(match[1]), expiresAt: Number(expires), userAgent, network });
    }
    return found;
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
    // An unreadable epoch or cut-off refuses (fails closed) rather than being ignored. A
    // negative instant is no token's (the rotation's family probe): only the record's presence counts.
    const epochMs = Number(String(epoch));
    if (!Number.isFinite(epochMs) || (issuedAtMs >= 0 && issuedAtMs <= epochMs)) return true;
    if (jti !== null && jti !== undefined) return true;
    if (family !== null && family !== undefined) return true;
    if (cutoff === null || cutoff === undefined) return false;
    const ms = Number(String(cutoff));
    return !Number.isFinite(ms) || issuedAtMs <= ms;
  }

  /** A token (`j:`) or family (`f:`) entry in its subject's share, folded when the share is full (one script). */
  async #owned(member: string, expiresAt: number, owner: Owner, drop: readonly string[]): Promise<RevokeResult> {
    const now = this.#now();
    // An end already past revokes nothing, so it drops nothing either (a mark, a session).
    if (expiresAt <= now) return 'token';
    const subject = this.#keys.ofSubject(owner.subject);
    const prefix = `${subject.tag}:`;
    const args = [
      prefix, String(now), '1', String(this.#maxPerSubject), String(Math.floor(foldCutoffMs(this.#clock(), owner))), ttl(owner.cutoffExpiresAt, now),
      member, String(Math.floor(owner.coversMs)), ttl(expiresAt, now), String(Math.ceil(expiresAt)), ...drop,
    ];
    const reply = await this.#script(OWNED, [`${prefix}n`, subject.cutoff], args);
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

  #now(): number {
    return Math.floor(this.#clock() / 1000);
  }
}

/** Seconds from `now` to `expiresAt`, at least 1 (Redis refuses `EX 0`). */
function ttl(expiresAt: number, now: number): string {
  return String(Math.max(1, Math.ceil(expiresAt - now)));
}
