/**
 * Room `lib/authx/state/`: what the library remembers: the revocation store contract and its
 * memory, file (`DATA_DIR`) and Redis stores, the data directory lock, the Redis client adapter.
 * May import: `lib/authx/`, `lib/authx/config/`.
 *
 * The revocation model of the AuthX layer (exported by `authx-node`): what a store must remember
 * and answer. Four kinds of state, each with an expiry so no store grows without bound:
 * one token (`jti` until its `exp`), all of a subject's tokens issued up to a cut-off instant,
 * a token family (`fid`), and one-shot claims (`claim`, SET-if-absent, used to retire a refresh
 * token exactly once). Implementations: `MemoryRevocationStore`, `FileRevocationStore`,
 * `RedisRevocationStore`.
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
 * The per-subject bound of a revocation: past `limit` unexpired individual revocations of
 * `subject`, the store revokes all of the subject's tokens issued up to `cutoffMs` instead of
 * storing one more `jti`, so one account can never fill a store.
 */
export interface SubjectBound {
  /** The token's subject. */
  readonly subject: string;
  /** Individual revocations the subject may hold at once (positive integer). */
  readonly limit: number;
  /** The cut-off instant (ms) used when the bound is reached: normally "now". */
  readonly cutoffMs: number;
  /** Seconds since the epoch until which such a cut-off must be remembered (longest token lifetime). */
  readonly cutoffExpiresAt: number;
}

/** What a bounded `revoke` did: stored the `jti`, or revoked the subject's tokens up to the cut-off. */
export type RevokeResult = 'token' | 'subject';

/**
 * Where revocations live. Every method may answer synchronously or with a Promise (files, Redis).
 * A store answering `isRevoked` synchronously lets `AuthX#verifyTokenSync` work and keeps
 * verification free of Promises. A store that cannot reach its state must throw (or reject),
 * never answer "not revoked": `StateUnavailableError` is the error for that (HTTP 503).
 * Times: `expiresAt` in seconds since the epoch (a JWT NumericDate), cut-offs in milliseconds.
 */
export interface RevocationStore {
  /** Whether the token is revoked by its `jti`, by its subject's cut-off, or by its family. */
  isRevoked(check: RevocationCheck): boolean | Promise<boolean>;
  /**
   * Revokes one `jti` until `expiresAt`. With `bound`, applies the per-subject bound atomically
   * (see {@link SubjectBound}) and says which revocation it made.
   */
  revoke(jti: string, expiresAt: number, bound?: SubjectBound): RevokeResult | Promise<RevokeResult>;
  /**
   * Revokes every token of `subject` issued at or before `cutoffMs` (milliseconds), remembered
   * until `expiresAt` (seconds). A cut-off never moves backwards.
   */
  revokeSubject(subject: string, cutoffMs: number, expiresAt: number): void | Promise<void>;
  /**
   * Revokes every token carrying `fid` until `expiresAt` (seconds). With `bound`, the family
   * counts against the subject's share exactly as {@link revoke} does (a logout that ends a session).
   */
  revokeFamily(fid: string, expiresAt: number, bound?: SubjectBound): void | RevokeResult | Promise<void | RevokeResult>;
  /**
   * Atomically stores `value` under `key` until `expiresAt` (seconds) if `key` holds nothing and
   * answers `null`; otherwise answers the value already stored and changes nothing. Exactly one
   * caller wins, across every process sharing the store.
   */
  claim(key: string, value: string, expiresAt: number): string | null | Promise<string | null>;
}

/** The methods a store must have, for the check in `AuthX`'s constructor. */
export const REVOCATION_STORE_METHODS: readonly string[] = Object.freeze(['isRevoked', 'revoke', 'revokeSubject', 'revokeFamily', 'claim']);

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
 * Checks a {@link SubjectBound}.
 *
 * @example assertBound(bound)
 * @throws {TypeError} When a member is missing or has the wrong type.
 */
export function assertBound(bound: SubjectBound): void {
  if (typeof bound !== 'object' || bound === null) throw new TypeError('bound must be an object');
  assertKey(bound.subject, 'bound.subject');
  if (!Number.isSafeInteger(bound.limit) || bound.limit < 1) throw new TypeError('bound.limit must be a positive integer');
  assertTime(bound.cutoffMs, 'bound.cutoffMs');
  assertTime(bound.cutoffExpiresAt, 'bound.cutoffExpiresAt');
}
