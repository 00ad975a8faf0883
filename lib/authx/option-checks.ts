/**
 * Checks of single option values, shared by the AuthX configuration. Each throws a
 * `TypeError`/`RangeError` whose message names the option.
 */
import { DEFAULT_MAX_TOKEN_LENGTH, MAX_CLOCK_TOLERANCE } from '../core/claims.ts';
import { assertCookieAttribute, assertCookieName, assertHttpToken } from './cookie-rules.ts';
import { durationToSeconds, type Duration } from '../core/duration.ts';

/**
 * Whether a string is an HTTP token (RFC 7230 section 3.2.6).
 *
 * @example isHttpToken("Bearer") // true
 * @throws Never.
 */
export function isHttpToken(value: string): boolean {
  return /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(value);
}

/**
 * An HTTP token option (header or scheme name), or its default.
 *
 * @example httpToken(input.headerName, "Authorization", "headerName")
 * @throws {TypeError} When the value is not an HTTP token.
 */
export function httpToken(value: string | undefined, fallback: string, name: string): string {
  const v = value ?? fallback;
  assertHttpToken(v, name);
  return v;
}

/**
 * A non-empty string option, or its default.
 *
 * @example nonEmpty(input.jsonKey, "access_token", "jsonKey")
 * @throws {TypeError} When the value is not a non-empty string.
 */
export function nonEmpty(value: string | undefined, fallback: string, name: string): string {
  const v = value ?? fallback;
  if (typeof v !== 'string' || v === '') throw new TypeError(`${name} must be a non-empty string`);
  return v;
}

/**
 * An optional non-empty string option.
 *
 * @example optionalString(input.issuer, "issuer")
 * @throws {TypeError} When the value is given but is not a non-empty string.
 */
export function optionalString(value: string | undefined, name: string): string | undefined {
  if (value !== undefined && (typeof value !== 'string' || value === '')) throw new TypeError(`${name} must be a non-empty string`);
  return value;
}

/**
 * A cookie name option, or its default.
 *
 * @example cookieName(input.accessCookieName, "access_token_cookie", "accessCookieName")
 * @throws {TypeError} When the value is not an HTTP token.
 */
export function cookieName(value: string | undefined, fallback: string, name: string): string {
  const v = value ?? fallback;
  assertCookieName(v, name);
  return v;
}

/**
 * A cookie path option (default `/`): absolute, without `;`, CR, LF or controls.
 *
 * @example cookiePath(input.accessCookiePath, "accessCookiePath")
 * @throws {TypeError} When the path is relative or holds a forbidden character.
 */
export function cookiePath(value: string | undefined, name: string): string {
  const v = value ?? '/';
  if (typeof v !== 'string' || !v.startsWith('/')) throw new TypeError(`${name} must be a string starting with "/"`);
  assertCookieAttribute(v, name);
  return v;
}

/**
 * A boolean option, or its default.
 *
 * @example bool(input.cookieSecure, true, "cookieSecure")
 * @throws {TypeError} When the value is not a boolean.
 */
export function bool(value: boolean | undefined, fallback: boolean, name: string): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new TypeError(`${name} must be a boolean`);
  return value;
}

/**
 * A positive integer option, or its default.
 *
 * @example positiveInteger(input.jsonBodyLimit, 16384, "jsonBodyLimit")
 * @throws {RangeError} When the value is not a positive safe integer.
 */
export function positiveInteger(value: number | undefined, fallback: number, name: string): number {
  const v = value ?? fallback;
  if (!Number.isSafeInteger(v) || v < 1) throw new RangeError(`${name} must be a positive integer`);
  return v;
}

/**
 * A whole number of seconds, zero allowed.
 *
 * @example nonNegativeInteger(input.cookieMaxAge, "cookieMaxAge")
 * @throws {RangeError} When the value is negative, fractional or not finite.
 */
export function nonNegativeInteger(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${name} must be an integer number of seconds >= 0`);
  return value;
}

/**
 * A token lifetime in whole seconds (at least 1), or its default.
 *
 * @example lifetime("15m", 900, "accessTokenExpires") // 900
 * @throws {TypeError} When the value is not a duration. {RangeError} When it is negative, NaN, infinite or below 1 second.
 */
export function lifetime(value: Duration | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  const seconds = durationToSeconds(value, name);
  // A token that never expires cannot be forgotten by the revocation store either.
  if (seconds < 1) throw new RangeError(`${name} must be at least 1 second`);
  return seconds;
}

/**
 * The clock tolerance in seconds, 0 to `MAX_CLOCK_TOLERANCE`.
 *
 * @example tolerance(input.clockTolerance)
 * @throws {RangeError} When the value is negative, NaN, infinite or too large.
 */
export function tolerance(value: number | undefined): number {
  const v = value ?? 0;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > MAX_CLOCK_TOLERANCE) {
    throw new RangeError(`clockTolerance must be a finite number of seconds from 0 to ${MAX_CLOCK_TOLERANCE}`);
  }
  return v;
}

/**
 * The longest accepted token in characters (at least 16).
 *
 * @example maxLength(input.maxTokenLength)
 * @throws {RangeError} When the value is not an integer >= 16.
 */
export function maxLength(value: number | undefined): number {
  const v = value ?? DEFAULT_MAX_TOKEN_LENGTH;
  if (!Number.isSafeInteger(v) || v < 16) throw new RangeError('maxTokenLength must be an integer >= 16');
  return v;
}

/**
 * An audience option: a non-empty string or a non-empty list of them (frozen).
 *
 * @example audience(["api", "web"])
 * @throws {TypeError} When the value has another shape.
 */
export function audience(value: string | readonly string[] | undefined): string | readonly string[] | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && value !== '') return value;
  if (Array.isArray(value) && value.length > 0 && value.every((a) => typeof a === 'string' && a !== '')) return Object.freeze([...value]);
  throw new TypeError('audience must be a non-empty string or a non-empty array of non-empty strings');
}

/**
 * The CSRF methods (default POST, PUT, PATCH, DELETE), upper-cased.
 *
 * @example methods(["post"]) // ["POST"]
 * @throws {TypeError} When the value is not a list of HTTP tokens.
 */
export function methods(value: readonly string[] | undefined): readonly string[] {
  const list = value ?? ['POST', 'PUT', 'PATCH', 'DELETE'];
  if (!Array.isArray(list)) throw new TypeError('csrfMethods must be an array of HTTP method names');
  return Object.freeze(
    list.map((m: string, i: number) => {
      assertHttpToken(m, `csrfMethods[${i}]`);
      return m.toUpperCase();
    }),
  );
}
