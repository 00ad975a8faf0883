/**
 * Room `lib/authx/state/`: what the library remembers: the revocation store contract and its
 * memory, file (`DATA_DIR`) and Redis stores, the data directory lock, the Redis client adapter.
 * May import: `lib/authx/`, `lib/authx/config/`.
 *
 * The revocation model of the AuthX layer (exported by `authx-node`): what a store must remember
 * and answer. Five kinds of entry, each with an expiry so no store grows without bound: one
 * revoked token (`jti`), a revoked family (`fid`, one login's tokens), a subject's cut-off
 * ("every token of this subject issued up to this millisecond"), a family's rotation mark (its
 * refresh tokens issued up to a millisecond are retired) and a retirement claim (the one
 * successor of a retired refresh token). Every entry but a cut-off names the subject it belongs
 * to and the newest issue instant it refuses, so a store can fold one subject's entries into a
 * cut-off that refuses at least as much: the subject whose entries fill the store pays, nobody
 * else. Implementations: `MemoryRevocationStore`, `FileRevocationStore`, `RedisRevocationStore`;
 * `authx-node/testing` checks any other against the contract (docs/state.md).
 */

/** What verification asks a store about one token; answered in one call (one round trip). */
export interface RevocationCheck {
  /** The token's `jti`. */
  readonly jti: string;
  /** The token's `sub`. */
  readonly sub: string;
  /**
   * When the token was issued, in milliseconds: exact for tokens this library made (their `jti`
   * is a UUIDv7 carrying the issue millisecond), else the first millisecond of the `iat` second,
   * so a subject cut-off in that second refuses the token (fails closed).
   */
  readonly issuedAtMs: number;
  /** The token's family id (`fid` claim), if it has one. */
  readonly fid: string | undefined;
}

/**
 * Whose an entry is and what it covers. `coversMs` is the newest issue instant (ms) of the tokens
 * the entry refuses: a subject cut-off at or after it refuses all of them, so the entry may then
 * be dropped. `cutoffExpiresAt` (seconds) is how long such a cut-off must be remembered: until
 * every token the subject may hold has expired.
 */
export interface Owner {
  /** The tokens' `sub`. */
  readonly subject: string;
  /** Newest issue instant (ms since the epoch) of the tokens this entry refuses. */
  readonly coversMs: number;
  /** Seconds since the epoch until which a cut-off folding this entry must be remembered. */
  readonly cutoffExpiresAt: number;
  /**
   * Tokens issued at or after this instant (ms) belong to the write in progress (a login's
   * pair, a rotation's successor): a fold this write causes stops just before it, so they work.
   */
  readonly keepFromMs?: number | undefined;
}

/**
 * What a write did: stored its entry (`"token"`), or found the subject's share (or the store)
 * full and folded the subject's entries into a cut-off at the store's present instant
 * (`"subject"`): every token of the subject issued until then is refused, this one included.
 */
export type RevokeResult = 'token' | 'subject';

/**
 * Retiring one refresh token during a rotation: the claim that names its one successor, and the
 * family's rotation mark, written together or not at all.
 */
export interface Retirement {
  /** The claim's key (`retirementKey(jti)`). */
  readonly key: string;
  /** The successor, as the rotation encodes it. */
  readonly value: string;
  /** Seconds since the epoch until which the claim is kept. */
  readonly expiresAt: number;
  /**
   * The family's rotation mark: every refresh token of `fid` issued at or before `retiredMs` is
   * retired, remembered until `expiresAt` (seconds). Absent for a token without a family.
   */
  readonly family?: { readonly fid: string; readonly retiredMs: number; readonly expiresAt: number } | undefined;
  /** The subject the claim and mark count against. */
  readonly owner: Owner;
  /**
   * The family's session, when it has one: on `claimed`, its `lastUsedAt` (ms) and `expiresAt`
   * (seconds) move up to these in the same write. No session record is created by a retirement.
   */
  readonly session?: { readonly lastUsedAt: number; readonly expiresAt: number } | undefined;
  /**
   * The token being retired, as {@link RevocationStore.isRevoked} is asked about it. When it is
   * revoked (its `jti`, its family, or its subject's cut-off covers it), nothing is written and
   * the answer is `revoked`: checked in the same atomic step as the claim, so a logout that lands
   * between the rotation's verification and its write never gets a successor out. The rotation
   * always passes it.
   */
  readonly token?: RevocationCheck | undefined;
}

/**
 * One login session: a token family as a user sees it. `id` is the family id (`fid`); times of
 * use are the issue instants of its tokens in milliseconds, `expiresAt` the end of its newest
 * refresh token in seconds. Metadata is what the application chose to record (never a token).
 */
export interface SessionRecord {
  /** The family id. */
  readonly id: string;
  /** The tokens' `sub`. */
  readonly subject: string;
  /** When the login issued the session's first tokens (ms). */
  readonly createdAt: number;
  /** When the session's newest tokens were issued (ms): the login or the last rotation. */
  readonly lastUsedAt: number;
  /** Seconds since the epoch when its newest refresh token expires. */
  readonly expiresAt: number;
  /** The client's `User-Agent`, bounded and cleaned, or `null`. */
  readonly userAgent: string | null;
  /** A coarse network hint (an address's /24 or /48), or `null`. */
  readonly network: string | null;
}

/**
 * What {@link RevocationStore.retire} found: `revoked` (the retired token is revoked: nothing
 * written), `claimed` (this call stored the claim and the mark), `taken` (a claim was already
 * there: its value, and the family's mark in ms, 0 when none), or `retired` (no claim, but the
 * family's mark already covers the token: it was rotated before).
 */
export type RetireResult =
  | { readonly outcome: 'claimed' }
  | { readonly outcome: 'taken'; readonly value: string; readonly markMs: number }
  | { readonly outcome: 'retired' }
  | { readonly outcome: 'revoked' };

/**
 * Where revocations live. Every method may answer synchronously or with a Promise (files, Redis).
 * A store answering `isRevoked` synchronously lets `AuthX#verifyTokenSync` work and keeps
 * verification free of Promises. A store that cannot reach its state must throw (or reject),
 * never answer "not revoked"; `StateUnavailableError` is the error for that (HTTP 503). A write
 * that throws has changed nothing a later read can see, so the caller may retry it. Times:
 * `expiresAt` in seconds since the epoch (a JWT NumericDate), instants in milliseconds.
 */
export interface RevocationStore {
  /** Whether the token is revoked by its `jti`, by its subject's cut-off, or by its family. */
  isRevoked(check: RevocationCheck): boolean | Promise<boolean>;
  /** Revokes one `jti` until `expiresAt`, counted in `owner.subject`'s share. */
  revoke(jti: string, expiresAt: number, owner: Owner): RevokeResult | Promise<RevokeResult>;
  /**
   * Revokes every token carrying `fid` until `expiresAt`, counted in `owner.subject`'s share; the
   * family's rotation mark, which the revocation makes useless, is dropped.
   */
  revokeFamily(fid: string, expiresAt: number, owner: Owner): RevokeResult | Promise<RevokeResult>;
  /**
   * Revokes every token of `subject` issued at or before `cutoffMs`, remembered until
   * `expiresAt`. A cut-off and its expiry never move backwards.
   */
  revokeSubject(subject: string, cutoffMs: number, expiresAt: number): void | Promise<void>;
  /**
   * Atomically, across every process sharing the store: when `token` is given and revoked,
   * answers `revoked` and changes nothing; else when `key` holds a claim, answers
   * `taken` and changes nothing; else when the family is revoked or its mark covers
   * `family.retiredMs`, answers `retired` and changes nothing; else stores the claim and moves the family's mark up to
   * `family.retiredMs` (never down, its expiry never shortened) in one write, and answers `claimed`.
   */
  retire(retirement: Retirement): RetireResult | Promise<RetireResult>;
  /**
   * Creates or replaces a session record, counted in its subject's share (it covers the tokens
   * issued up to its `lastUsedAt`, so a fold at or after that instant drops it). Revoking the
   * family (`revokeFamily` with its `id`) deletes the record in the same write. It may answer how
   * many live sessions the subject has after the write, which spares a login the read of the list.
   */
  recordSession(session: SessionRecord): void | number | Promise<void | number>;
  /** The subject's sessions that have not expired, ended or been folded, in any order. */
  listSessions(subject: string): readonly SessionRecord[] | Promise<readonly SessionRecord[]>;
}

/** The methods a store must have, for the check in `AuthX`'s constructor. */
export const REVOCATION_STORE_METHODS: readonly string[] = Object.freeze(['isRevoked', 'revoke', 'revokeFamily', 'revokeSubject', 'retire', 'recordSession', 'listSessions']);

/** Default share of one subject in a store: entries of every kind together. */
export const DEFAULT_MAX_ENTRIES_PER_SUBJECT = 1000;

/**
 * Checks the arguments every store receives, so each implementation refuses the same bad input.
 *
 * @example assertKey(jti, 'jti')
 * @throws {TypeError} When `value` is not a non-empty string of at most 1024 characters.
 */
export function assertKey(value: unknown, name: string): asserts value is string {
  if (typeof value !== 'string' || value === '' || value.length > 1024) throw new TypeError(`${name} must be a non-empty string of at most 1024 characters`);
}

/**
 * @example assertTime(expiresAt, 'expiresAt')
 * @throws {TypeError} When `value` is not a finite number.
 */
export function assertTime(value: unknown, name: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new TypeError(`${name} must be a finite number`);
}

/**
 * Checks an {@link Owner}.
 *
 * @example assertOwner(owner)
 * @throws {TypeError} When it is missing or a member has the wrong type.
 */
export function assertOwner(owner: Owner): void {
  if (typeof owner !== 'object' || owner === null) throw new TypeError('owner must be an object { subject, coversMs, cutoffExpiresAt }');
  assertKey(owner.subject, 'owner.subject');
  assertTime(owner.coversMs, 'owner.coversMs');
  assertTime(owner.cutoffExpiresAt, 'owner.cutoffExpiresAt');
  if (owner.keepFromMs !== undefined) assertTime(owner.keepFromMs, 'owner.keepFromMs');
}

/**
 * Where a fold caused by a write of `owner` puts the subject's cut-off: the present instant, but
 * never at or past the tokens the write itself is issuing.
 *
 * @example foldCutoffMs(Date.now(), owner)
 * @throws Never.
 */
export function foldCutoffMs(nowMs: number, owner: Owner): number {
  return owner.keepFromMs === undefined ? nowMs : Math.min(nowMs, owner.keepFromMs - 1);
}

/**
 * Checks a {@link Retirement}.
 *
 * @example assertRetirement(retirement)
 * @throws {TypeError} When a member is missing or has the wrong type.
 */
export function assertRetirement(retirement: Retirement): void {
  if (typeof retirement !== 'object' || retirement === null) throw new TypeError('retirement must be an object');
  assertKey(retirement.key, 'key');
  if (typeof retirement.value !== 'string') throw new TypeError('value must be a string');
  assertTime(retirement.expiresAt, 'expiresAt');
  if (retirement.family !== undefined) {
    if (typeof retirement.family !== 'object' || retirement.family === null) throw new TypeError('family must be an object { fid, retiredMs, expiresAt }');
    assertKey(retirement.family.fid, 'family.fid');
    assertTime(retirement.family.retiredMs, 'family.retiredMs');
    assertTime(retirement.family.expiresAt, 'family.expiresAt');
  }
  assertOwner(retirement.owner);
  if (retirement.token !== undefined) {
    const token = retirement.token;
    if (typeof token !== 'object' || token === null) throw new TypeError('token must be an object { jti, sub, issuedAtMs, fid }');
    assertKey(token.jti, 'token.jti');
    assertKey(token.sub, 'token.sub');
    if (typeof token.issuedAtMs !== 'number' || !Number.isFinite(token.issuedAtMs)) throw new TypeError('token.issuedAtMs must be a finite number');
    if (token.fid !== undefined) assertKey(token.fid, 'token.fid');
    // Its state lives with its subject's (one hash slot on a Redis Cluster).
    if (token.sub !== retirement.owner.subject) throw new TypeError('token.sub must be owner.subject');
  }
  if (retirement.session !== undefined) {
    if (typeof retirement.session !== 'object' || retirement.session === null) throw new TypeError('session must be an object { lastUsedAt, expiresAt }');
    assertTime(retirement.session.lastUsedAt, 'session.lastUsedAt');
    assertTime(retirement.session.expiresAt, 'session.expiresAt');
  }
}

/**
 * Checks a {@link SessionRecord}.
 *
 * @example assertSession(session)
 * @throws {TypeError} When a member is missing or has the wrong type.
 */
export function assertSession(session: SessionRecord): void {
  if (typeof session !== 'object' || session === null) throw new TypeError('session must be an object');
  assertKey(session.id, 'session.id');
  assertKey(session.subject, 'session.subject');
  assertTime(session.createdAt, 'session.createdAt');
  assertTime(session.lastUsedAt, 'session.lastUsedAt');
  assertTime(session.expiresAt, 'session.expiresAt');
  for (const name of ['userAgent', 'network'] as const) {
    const value = session[name];
    if (value !== null && (typeof value !== 'string' || value.length > 512)) throw new TypeError(`session.${name} must be null or a string of at most 512 characters`);
  }
}
