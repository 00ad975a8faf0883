/**
 * A per-subject bound on individual revocations. Each logout normally stores one revoked `jti`
 * until the token expires (refresh tokens: weeks). Without a bound per subject, one account
 * could log out tokens until the shared store is full and logout fails for everyone. Past
 * `perSubject` unexpired revocations, a subject's next logout instead revokes every token of
 * that subject issued up to that second (a "logged out everywhere" mark): one number per
 * subject, so memory is bounded by the number of users, not of tokens.
 */
import { RevokedTokenError } from '../lib/authx/authx-errors.ts';
import { positiveInteger } from '../lib/authx/option-checks.ts';

/** Options of {@link RevocationQuota}. */
export interface RevocationQuotaOptions {
  /** Individual revocations a subject may hold at once; positive integer, default 20. */
  perSubject?: number;
  /** Longest token lifetime in seconds: a mark older than this revokes nothing and is dropped. */
  maxTokenLifetime: number;
  /** Clock in milliseconds since the epoch; default `Date.now`. */
  clock?: () => number;
}

interface SubjectState {
  /** `exp` (seconds) of each individual revocation still held. */
  expiries: number[];
  /** Tokens with `iat` at or before this second are revoked. */
  revokedThrough?: number;
}

/**
 * Bookkeeping that keeps each subject's share of a revocation store bounded.
 *
 * @example
 * const quota = new RevocationQuota({ maxTokenLifetime: 20 * 86400 })
 * quota.assertNotRevoked(payload)
 * if (quota.admit(payload.sub, payload.exp)) await auth.revokeToken(payload)
 * else quota.revokeAllThroughNow(payload.sub)
 */
export class RevocationQuota {
  readonly #perSubject: number;
  readonly #maxTokenLifetime: number;
  readonly #clock: () => number;
  readonly #subjects = new Map<string, SubjectState>();

  /**
   * @throws {RangeError} When `perSubject` or `maxTokenLifetime` is not a positive integer.
   * @throws {TypeError} When `clock` is not a function.
   */
  constructor(options: RevocationQuotaOptions) {
    const { clock = Date.now } = options;
    const perSubject = positiveInteger(options.perSubject, 20, 'perSubject');
    const maxTokenLifetime = positiveInteger(options.maxTokenLifetime, 0, 'maxTokenLifetime (seconds)');
    if (typeof clock !== 'function') throw new TypeError('clock must be a function returning milliseconds');
    this.#perSubject = perSubject;
    this.#maxTokenLifetime = maxTokenLifetime;
    this.#clock = clock;
  }

  /**
   * Records one individual revocation for `subject` if it has room, and says whether it had.
   *
   * @returns `true`: revoke the token individually; `false`: call {@link revokeAllThroughNow}.
   * @throws Never.
   */
  admit(subject: string, expiresAt: number): boolean {
    const state = this.#state(subject);
    if (state.expiries.length >= this.#perSubject) return false;
    state.expiries.push(expiresAt);
    return true;
  }

  /**
   * Revokes every token of `subject` issued up to the current second.
   *
   * @throws Never.
   */
  revokeAllThroughNow(subject: string): void {
    this.#state(subject).revokedThrough = Math.floor(this.#clock() / 1000);
  }

  /**
   * Refuses a token whose subject was logged out everywhere after the token was issued.
   *
   * @throws {RevokedTokenError} `ERR_TOKEN_REVOKED` when the token is covered by such a mark.
   */
  assertNotRevoked(payload: { sub: string; iat: number }): void {
    const through = this.#subjects.get(payload.sub)?.revokedThrough;
    if (through !== undefined && payload.iat <= through) throw new RevokedTokenError();
  }

  /** How many subjects are tracked (for tests and metrics). */
  get size(): number {
    return this.#subjects.size;
  }

  /** The subject's state with expired revocations and an outlived mark dropped. */
  #state(subject: string): SubjectState {
    const now = Math.floor(this.#clock() / 1000);
    const state = this.#subjects.get(subject) ?? { expiries: [] };
    state.expiries = state.expiries.filter((exp) => exp > now);
    if (state.revokedThrough !== undefined && state.revokedThrough + this.#maxTokenLifetime < now) delete state.revokedThrough;
    this.#subjects.set(subject, state);
    return state;
  }
}
