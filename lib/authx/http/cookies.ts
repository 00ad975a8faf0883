/**
 * Writing token cookies (`Set-Cookie`, RFC 6265). The token cookie is `HttpOnly`, `Secure` and
 * `SameSite` by default; the CSRF cookie next to it is deliberately readable by page scripts,
 * which must copy it into the `X-CSRF-TOKEN` header. Every name and attribute was checked when
 * the configuration was resolved; token values are checked here.
 */
import type { ServerResponse } from 'node:http';
import type { ResolvedAuthXConfig } from '../config/config.ts';
import { assertCookieValue } from '../config/cookie-rules.ts';
import { cookieMaxAge } from '../config/option-checks.ts';
import type { JwtPayload } from '../../core/claims.ts';
import { decodeJwt } from '../../core/jwt.ts';
import type { TokenType } from './request-token.ts';

/** Options of the cookie setters. */
export interface SetCookieOptions {
  /** `Max-Age` in seconds for these cookies, instead of the configured `cookieMaxAge`. */
  maxAge?: number;
}

const EPOCH = 'Thu, 01 Jan 1970 00:00:00 GMT';

/**
 * Builds `Set-Cookie` values for one configuration.
 */
export class CookieWriter {
  readonly #config: ResolvedAuthXConfig;
  readonly #withCsrf: boolean;

  /**
   * @example new CookieWriter(config)
   * @throws Never.
   */
  constructor(config: ResolvedAuthXConfig) {
    this.#config = config;
    this.#withCsrf = config.cookieCsrfProtect && config.csrfInCookies;
  }

  /**
   * The `Set-Cookie` values that store a token: the token cookie, then (when CSRF protection
   * and `csrfInCookies` are on) the CSRF cookie holding the token's `csrf` claim.
   *
   * @example writer.setValues("access", token) // ["access_token_cookie=eyJ...; Path=/; Secure; HttpOnly; SameSite=Lax", "csrf_access_token=...; ..."]
   * @throws {TypeError} When the token cannot be a cookie value, is of the other kind (a refresh
   *   token for the access cookie), has no `csrf` claim while the CSRF cookie is wanted, or
   *   `maxAge` is not an integer >= 0.
   * @throws {RangeError} When `maxAge` is above 400 days (milliseconds, most likely).
   */
  setValues(kind: TokenType, token: string, options?: SetCookieOptions): string[] {
    assertCookieValue(token, 'token');
    const maxAge = options?.maxAge ?? this.#config.cookieMaxAge;
    if (maxAge !== undefined && (!Number.isSafeInteger(maxAge) || maxAge < 0)) throw new TypeError('maxAge must be an integer number of seconds >= 0');
    if (maxAge !== undefined) cookieMaxAge(maxAge, 'maxAge');
    const c = this.#config;
    const payload = claimsOf(token, c.maxTokenLength, this.#withCsrf);
    // RFC 8725 section 3.12: the kinds are not interchangeable, and a refresh token in the access
    // cookie would ride on every request (and be refused by every route).
    const type = payload?.type;
    if ((type === 'access' || type === 'refresh') && type !== kind) {
      throw new TypeError(`${type === 'access' ? 'an' : 'a'} ${type} token does not belong in the ${kind} token cookie; use ${type === 'access' ? 'setAccessCookies' : 'setRefreshCookies'} (or cookieHeaderValues("${type}", token)) for it`);
    }
    const values = [
      this.#serialize(kind === 'access' ? c.accessCookieName : c.refreshCookieName, token, kind === 'access' ? c.accessCookiePath : c.refreshCookiePath, maxAge, c.cookieHttpOnly),
    ];
    if (this.#withCsrf) {
      const csrf = payload?.csrf;
      if (typeof csrf !== 'string') {
        throw new TypeError('token has no "csrf" claim; create it with "cookies" in tokenLocation and cookieCsrfProtect on, or set csrfInCookies: false');
      }
      assertCookieValue(csrf, 'csrf claim');
      values.push(this.#serialize(kind === 'access' ? c.accessCsrfCookieName : c.refreshCsrfCookieName, csrf, kind === 'access' ? c.accessCsrfCookiePath : c.refreshCsrfCookiePath, maxAge, false));
    }
    return values;
  }

  /**
   * The `Set-Cookie` values that delete a token's cookies (empty value, `Max-Age=0`, and an
   * `Expires` in the past for old clients), with the same path and domain they were set with.
   *
   * @example writer.unsetValues("refresh")
   * @throws Never.
   */
  unsetValues(kind: TokenType): string[] {
    const c = this.#config;
    const values = [
      this.#serialize(kind === 'access' ? c.accessCookieName : c.refreshCookieName, '', kind === 'access' ? c.accessCookiePath : c.refreshCookiePath, 0, c.cookieHttpOnly),
    ];
    if (this.#withCsrf) {
      values.push(this.#serialize(kind === 'access' ? c.accessCsrfCookieName : c.refreshCsrfCookieName, '', kind === 'access' ? c.accessCsrfCookiePath : c.refreshCsrfCookiePath, 0, false));
    }
    return values;
  }

  #serialize(name: string, value: string, path: string, maxAge: number | undefined, httpOnly: boolean): string {
    const c = this.#config;
    let cookie = `${name}=${value}`;
    if (maxAge !== undefined) cookie += `; Max-Age=${maxAge}`;
    if (maxAge === 0) cookie += `; Expires=${EPOCH}`;
    if (c.cookieDomain !== undefined) cookie += `; Domain=${c.cookieDomain}`;
    cookie += `; Path=${path}`;
    if (c.cookieSecure) cookie += '; Secure';
    if (httpOnly) cookie += '; HttpOnly';
    cookie += `; SameSite=${c.cookieSameSite === 'lax' ? 'Lax' : c.cookieSameSite === 'strict' ? 'Strict' : 'None'}`;
    return cookie;
  }
}

/**
 * The (unverified) claims of a token about to be stored: the CSRF cookie needs its `csrf` claim,
 * so a token that does not decode is refused then; otherwise any cookie value may be stored.
 */
function claimsOf(token: string, maxTokenLength: number, required: boolean): JwtPayload | undefined {
  if (required) return decodeJwt(token, { maxTokenLength }).payload;
  try {
    return decodeJwt(token, { maxTokenLength }).payload;
  } catch {
    return undefined;
  }
}

/**
 * Adds `Set-Cookie` values to a response, keeping the ones already set.
 *
 * @example appendSetCookie(res, writer.setValues("access", token))
 * @throws {Error} `ERR_HTTP_HEADERS_SENT` (from node:http) when the headers are already sent.
 */
export function appendSetCookie(res: ServerResponse, values: readonly string[]): void {
  const existing = res.getHeader('set-cookie');
  const previous = existing === undefined ? [] : Array.isArray(existing) ? existing : [String(existing)];
  res.setHeader('Set-Cookie', [...previous, ...values]);
}
