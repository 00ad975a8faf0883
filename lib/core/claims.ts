/**
 * JWT claim types (RFC 7519 section 4.1) and their validation. Claims are read as own
 * properties only, so a payload key such as `__proto__` can never reach a prototype.
 */
import { assertAlgorithm, type Algorithm } from './algorithms.ts';
import { durationToSeconds, type Duration } from './duration.ts';
import { assertKnownOptions } from './option-names.ts';
import { ClaimInvalidError, TokenExpiredError, TokenNotYetValidError } from './errors.ts';

/** A JWT claims set. Registered claims are typed; any other claim is `unknown`. */
export interface JwtPayload {
  iss?: string;
  sub?: string;
  aud?: string | string[];
  exp?: number;
  nbf?: number;
  iat?: number;
  jti?: string;
  [claim: string]: unknown;
}

/** Options of {@link verifyJwt} and friends; every one is validated before any token is read. */
export interface VerifyOptions {
  /** The clock, for tests and replays; default `new Date()` at each call. */
  currentDate?: Date;
  /** Seconds of leeway for `exp`, `nbf`, `iat` and `maxTokenAge`; finite, 0..300. Default 0. */
  clockTolerance?: number;
  /** Accepted audience(s); the token's `aud` must contain one of them. */
  audience?: string | readonly string[];
  /** Accepted issuer(s); the token's `iss` must equal one of them. */
  issuer?: string | readonly string[];
  /** Required `sub`. */
  subject?: string;
  /** Maximum age of the token measured from `iat` (which becomes required). */
  maxTokenAge?: Duration;
  /** Claims that must be present. */
  requiredClaims?: readonly string[];
  /** Longest token accepted, in characters; default 8192. */
  maxTokenLength?: number;
  /** Required header `typ` (compared case-insensitively, `application/` prefix optional). */
  typ?: string;
  /**
   * Accepted `alg` values; a token must use one of them AND one its key serves. Default: what the
   * key serves (HS256 for a secret; for a secret, list HS384/HS512 here to accept them).
   */
  algorithms?: readonly Algorithm[];
}

/** Verify options after validation, ready for the hot path. */
export interface CompiledVerifyOptions {
  readonly fixedNowMs: number | undefined;
  readonly tolerance: number;
  readonly audiences: ReadonlySet<string> | undefined;
  readonly issuers: ReadonlySet<string> | undefined;
  readonly subject: string | undefined;
  readonly maxTokenAge: number | undefined;
  readonly requiredClaims: readonly string[];
  readonly maxTokenLength: number;
  readonly typ: string | undefined;
  readonly algorithms: ReadonlySet<Algorithm> | undefined;
}

const VERIFY_OPTION_NAMES = [
  'currentDate', 'clockTolerance', 'audience', 'issuer', 'subject', 'maxTokenAge', 'requiredClaims', 'maxTokenLength', 'typ',
  'algorithms',
];

/** Default cap on token length in characters. */
export const DEFAULT_MAX_TOKEN_LENGTH = 8192;
/** Largest accepted clock tolerance, in seconds. */
export const MAX_CLOCK_TOLERANCE = 300;

/**
 * Validates verify options once and returns their compiled form.
 *
 * @example const compiled = compileVerifyOptions({ audience: "api" })
 * @throws {TypeError} When an option has the wrong type.
 * @throws {RangeError} When a number is out of its range, NaN or infinite.
 */
export function compileVerifyOptions(options: VerifyOptions = {}): CompiledVerifyOptions {
  assertKnownOptions(options, VERIFY_OPTION_NAMES, 'verifyJwt options');
  const { currentDate, clockTolerance = 0, maxTokenLength = DEFAULT_MAX_TOKEN_LENGTH } = options;
  const fixedNowMs = currentDate === undefined ? undefined : checkCurrentDate(currentDate);
  checkClockTolerance(clockTolerance);
  checkMaxTokenLength(maxTokenLength);
  if (options.subject !== undefined && typeof options.subject !== 'string') {
    throw new TypeError('subject must be a string');
  }
  if (options.typ !== undefined && (typeof options.typ !== 'string' || options.typ === '')) {
    throw new TypeError('typ must be a non-empty string');
  }
  const requiredClaims = options.requiredClaims ?? [];
  if (!Array.isArray(requiredClaims) || !requiredClaims.every((c) => typeof c === 'string')) {
    throw new TypeError('requiredClaims must be an array of strings');
  }
  return {
    fixedNowMs,
    tolerance: clockTolerance,
    audiences: toStringSet(options.audience, 'audience'),
    issuers: toStringSet(options.issuer, 'issuer'),
    subject: options.subject,
    maxTokenAge: options.maxTokenAge === undefined ? undefined : durationToSeconds(options.maxTokenAge, 'maxTokenAge'),
    requiredClaims: [...requiredClaims],
    maxTokenLength,
    typ: options.typ === undefined ? undefined : normalizeTyp(options.typ),
    algorithms: compileAlgorithms(options.algorithms),
  };
}

function compileAlgorithms(algorithms: readonly Algorithm[] | undefined): ReadonlySet<Algorithm> | undefined {
  if (algorithms === undefined) return undefined;
  if (!Array.isArray(algorithms) || algorithms.length === 0) throw new TypeError('algorithms must be a non-empty array of algorithm names');
  return new Set(algorithms.map((alg: unknown, i) => assertAlgorithm(alg, `algorithms[${i}]`)));
}

/**
 * Lower-cases a `typ` and drops an `application/` prefix (RFC 7515 section 4.1.9).
 *
 * @example normalizeTyp("application/JWT") // "jwt"
 * @throws Never.
 */
export function normalizeTyp(typ: string): string {
  const lower = typ.toLowerCase();
  return lower.startsWith('application/') ? lower.slice('application/'.length) : lower;
}

function toStringSet(value: string | readonly string[] | undefined, name: string): ReadonlySet<string> | undefined {
  if (value === undefined) return undefined;
  const checked = checkStringOrStrings(value, name);
  return new Set(typeof checked === 'string' ? [checked] : checked);
}

/*
 * The option checks below are the only copies: signJwt, verifyJwt and the AuthX configuration
 * all call them, so a rule and its message cannot drift apart between the layers.
 */

/**
 * Checks an `aud` (or `iss`) option: a non-empty string or a non-empty array of non-empty
 * strings. An array comes back copied, so a caller's later change to it changes nothing.
 *
 * @example checkStringOrStrings(["api", "web"], "audience") // ["api", "web"]
 * @throws {TypeError} When the value has another shape; the message names the option.
 */
export function checkStringOrStrings(value: unknown, name: string): string | string[] {
  if (typeof value === 'string' && value !== '') return value;
  if (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string' && v !== '')) return [...value];
  throw new TypeError(`${name} must be a non-empty string or a non-empty array of non-empty strings`);
}

/**
 * Checks a `currentDate` option and returns its time in milliseconds.
 *
 * @example checkCurrentDate(new Date(0)) // 0
 * @throws {TypeError} When the value is not a `Date` or is an invalid one.
 */
export function checkCurrentDate(value: unknown): number {
  const ms = value instanceof Date ? value.getTime() : Number.NaN;
  if (Number.isNaN(ms)) throw new TypeError('currentDate must be a valid Date');
  return ms;
}

/**
 * Checks a `clockTolerance` option: seconds from 0 to {@link MAX_CLOCK_TOLERANCE}.
 *
 * @example checkClockTolerance(30) // 30
 * @throws {RangeError} When the value is not a number in that range (NaN and infinities included).
 */
export function checkClockTolerance(value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > MAX_CLOCK_TOLERANCE) {
    throw new RangeError(`clockTolerance must be a finite number of seconds from 0 to ${MAX_CLOCK_TOLERANCE}`);
  }
  return value;
}

/**
 * Checks a `maxTokenLength` option: an integer of at least 16 characters.
 *
 * @example checkMaxTokenLength(8192) // 8192
 * @throws {RangeError} When the value is not such an integer.
 */
export function checkMaxTokenLength(value: unknown): number {
  if (!Number.isSafeInteger(value) || (value as number) < 16) throw new RangeError('maxTokenLength must be an integer >= 16');
  return value as number;
}

/**
 * Checks the claims of a verified payload: types of the registered claims first, then time,
 * then the expected values. `now` is in whole seconds.
 *
 * @example validateClaims(payload, compileVerifyOptions(), Math.floor(Date.now() / 1000))
 * @throws {ClaimInvalidError} `ERR_JWT_CLAIM_INVALID` for a missing, mistyped or mismatched claim.
 * @throws {TokenExpiredError} `ERR_JWT_EXPIRED` when `now >= exp` (beyond tolerance) or too old.
 * @throws {TokenNotYetValidError} `ERR_JWT_NOT_YET_VALID` for `nbf` or `iat` in the future.
 */
export function validateClaims(payload: JwtPayload, options: CompiledVerifyOptions, now: number): void {
  const exp = numericDate(payload, 'exp');
  const nbf = numericDate(payload, 'nbf');
  const iat = numericDate(payload, 'iat');
  const iss = stringClaim(payload, 'iss');
  const sub = stringClaim(payload, 'sub');
  stringClaim(payload, 'jti');
  const aud = audienceClaim(payload);
  for (const claim of options.requiredClaims) {
    if (!Object.hasOwn(payload, claim)) throw missing(claim);
  }
  const tolerance = options.tolerance;
  // RFC 7519 section 4.1.4: the current time must be before exp, so exp === now is expired.
  if (exp !== undefined && exp <= now - tolerance) throw new TokenExpiredError();
  if (nbf !== undefined && nbf > now + tolerance) {
    throw new TokenNotYetValidError('Token is not valid yet (nbf)', { claim: 'nbf', reason: 'in_future' });
  }
  if (iat !== undefined && iat > now + tolerance) {
    throw new TokenNotYetValidError('Token was issued in the future (iat)', { claim: 'iat', reason: 'in_future' });
  }
  if (options.maxTokenAge !== undefined) {
    if (iat === undefined) throw missing('iat');
    if (now - iat > options.maxTokenAge + tolerance) {
      throw new TokenExpiredError('Token is older than the maximum age', { claim: 'iat', reason: 'too_old' });
    }
  }
  if (options.issuers !== undefined) {
    if (iss === undefined) throw missing('iss');
    if (!options.issuers.has(iss)) throw mismatch('iss');
  }
  if (options.subject !== undefined) {
    if (sub === undefined) throw missing('sub');
    if (sub !== options.subject) throw mismatch('sub');
  }
  if (options.audiences !== undefined) {
    if (aud === undefined) throw missing('aud');
    const audiences = options.audiences;
    const ok = typeof aud === 'string' ? audiences.has(aud) : aud.some((a) => audiences.has(a));
    if (!ok) throw mismatch('aud');
  }
}

function numericDate(payload: JwtPayload, claim: string): number | undefined {
  if (!Object.hasOwn(payload, claim)) return undefined;
  const value = payload[claim];
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new ClaimInvalidError(`Claim "${claim}" must be a finite number`, { claim, reason: 'not_a_number' });
  }
  return value;
}

/**
 * Reads an optional string claim as an own property.
 *
 * @example stringClaim(payload, "sub")
 * @throws {ClaimInvalidError} When the claim is present but not a string.
 */
export function stringClaim(payload: JwtPayload, claim: string): string | undefined {
  if (!Object.hasOwn(payload, claim)) return undefined;
  const value = payload[claim];
  if (typeof value !== 'string') {
    throw new ClaimInvalidError(`Claim "${claim}" must be a string`, { claim, reason: 'not_a_string' });
  }
  return value;
}

function audienceClaim(payload: JwtPayload): string | string[] | undefined {
  if (!Object.hasOwn(payload, 'aud')) return undefined;
  const aud = payload.aud;
  if (typeof aud === 'string') return aud;
  if (Array.isArray(aud) && aud.every((a) => typeof a === 'string')) return aud;
  throw new ClaimInvalidError('Claim "aud" must be a string or an array of strings', { claim: 'aud', reason: 'invalid_type' });
}

function missing(claim: string): ClaimInvalidError {
  return new ClaimInvalidError(`Claim "${claim}" is required`, { claim, reason: 'missing' });
}

function mismatch(claim: string): ClaimInvalidError {
  return new ClaimInvalidError(`Claim "${claim}" does not have the expected value`, { claim, reason: 'mismatch' });
}
