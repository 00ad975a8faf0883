/**
 * What may appear in a `Set-Cookie` header (RFC 6265 section 4.1.1, RFC 6265bis cookie
 * prefixes). Checked when options are configured, so no request can smuggle an attribute in.
 */
import { isHttpToken } from './http-token.ts';

// RFC 6265 cookie-octet: visible ASCII except DQUOTE, comma, semicolon and backslash.
const COOKIE_VALUE = /^[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]*$/;
// An attribute value ends at ";" and a header line at CR/LF; other controls have no business there.
const ATTRIBUTE_VALUE = /^[\x20-\x3A\x3C-\x7E]+$/;

/**
 * Checks a cookie name (an HTTP token).
 *
 * @example assertCookieName("access_token_cookie", "accessCookieName")
 * @throws {TypeError} When the name is not a non-empty HTTP token.
 */
export function assertCookieName(value: unknown, name: string): asserts value is string {
  if (!isHttpToken(value)) throw new TypeError(`${name} must be a non-empty cookie name (an HTTP token)`);
}

/**
 * Checks a cookie attribute value such as a path or domain: no `;`, CR, LF or other controls.
 *
 * @example assertCookieAttribute("/api", "accessCookiePath")
 * @throws {TypeError} When the value is empty or holds a forbidden character.
 */
export function assertCookieAttribute(value: unknown, name: string): asserts value is string {
  if (typeof value !== 'string' || !ATTRIBUTE_VALUE.test(value)) {
    throw new TypeError(`${name} must be non-empty printable ASCII without ";", CR or LF`);
  }
}

/**
 * Checks a cookie value: RFC 6265 cookie-octets only (JWTs and CSRF tokens qualify).
 *
 * @example assertCookieValue(token, "token")
 * @throws {TypeError} When the value holds a character a cookie cannot carry unencoded.
 */
export function assertCookieValue(value: unknown, name: string): asserts value is string {
  if (typeof value !== 'string' || !COOKIE_VALUE.test(value)) throw new TypeError(`${name} is not a valid cookie value`);
}

/**
 * Enforces the cookie name prefixes browsers enforce (RFC 6265bis section 4.1.3): `__Secure-`
 * needs `Secure`; `__Host-` needs `Secure`, `Path=/` and no `Domain`. Compared
 * case-insensitively, as current browsers do.
 *
 * @example assertPrefixRules("__Host-access", "/", config, "accessCookieName")
 * @throws {TypeError} When a prefixed cookie could never be stored by a browser.
 */
export function assertPrefixRules(
  cookieName: string,
  path: string,
  attributes: { readonly cookieSecure: boolean; readonly cookieDomain: string | undefined },
  name: string,
): void {
  const lower = cookieName.toLowerCase();
  if ((lower.startsWith('__secure-') || lower.startsWith('__host-')) && !attributes.cookieSecure) {
    throw new TypeError(`${name} "${cookieName}" has a __Secure-/__Host- prefix, which requires cookieSecure: true`);
  }
  if (lower.startsWith('__host-') && (path !== '/' || attributes.cookieDomain !== undefined)) {
    throw new TypeError(`${name} "${cookieName}" has the __Host- prefix, which requires path "/" and no cookieDomain`);
  }
}
