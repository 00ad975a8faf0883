/**
 * Checks of single option values, shared by the AuthX configuration, the memory revocation store
 * and the example server. Each throws a `TypeError`/`RangeError` whose message names the option.
 * The checks that verifyJwt shares (audience, clock tolerance, token length) live in
 * `lib/core/claims.ts`, once. Internal to `authx-node` (not exported).
 */
import { checkStringOrStrings } from '../../core/claims.ts';
import { assertCookieAttribute, assertCookieName } from './cookie-rules.ts';
import { assertHttpToken } from './http-token.ts';
import { durationToSeconds, type Duration } from '../../core/duration.ts';

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
 * @example booleanOption(input.cookieSecure, true, "cookieSecure")
 * @throws {TypeError} When the value is not a boolean.
 */
export function booleanOption(value: boolean | undefined, fallback: boolean, name: string): boolean {
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

/** RFC 6265bis section 5.6.2: browsers cap Max-Age at 400 days, so a larger number is milliseconds or moot. */
const COOKIE_MAX_AGE_CAP = 400 * 86400;

/**
 * A cookie `Max-Age`: a whole number of seconds, zero allowed, at most 400 days.
 *
 * @example cookieMaxAge(input.cookieMaxAge, "cookieMaxAge")
 * @throws {RangeError} When the value is negative, fractional or not finite, or above 400 days
 *   (milliseconds, most likely: the message says so).
 */
export function cookieMaxAge(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${name} must be an integer number of seconds >= 0`);
  if (value > COOKIE_MAX_AGE_CAP) {
    throw new RangeError(`${name} is ${String(value)}: milliseconds? Max-Age is in seconds, and browsers cap it at 400 days (${String(COOKIE_MAX_AGE_CAP)}); for ${String(Math.round(value / 1000))} seconds write ${String(Math.round(value / 1000))}`);
  }
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
 * An optional audience option: a non-empty string or a non-empty list of them (frozen).
 *
 * @example optionalAudience(["api", "web"])
 * @throws {TypeError} When the value has another shape.
 */
export function optionalAudience(value: string | readonly string[] | undefined): string | readonly string[] | undefined {
  if (value === undefined) return undefined;
  const checked = checkStringOrStrings(value, 'audience');
  return typeof checked === 'string' ? checked : Object.freeze(checked);
}

/**
 * The CSRF methods (default POST, PUT, PATCH, DELETE), upper-cased.
 *
 * @example csrfMethodList(["post"]) // ["POST"]
 * @throws {TypeError} When the value is not a list of HTTP tokens.
 */
export function csrfMethodList(value: readonly string[] | undefined): readonly string[] {
  const list = value ?? ['POST', 'PUT', 'PATCH', 'DELETE'];
  if (!Array.isArray(list)) throw new TypeError('csrfMethods must be an array of HTTP method names');
  return Object.freeze(
    list.map((m: string, i: number) => {
      assertHttpToken(m, `csrfMethods[${i}]`);
      return m.toUpperCase();
    }),
  );
}
