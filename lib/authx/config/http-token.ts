/**
 * The HTTP token rule (RFC 9110 section 5.6.2, `tchar`), written once: header names, the
 * Authorization scheme, CSRF methods and cookie names are all tokens. Internal to `authx-node`
 * (used by the AuthX layer's option checks and header parsing; not exported).
 */

/** One `tchar` as a regular-expression character class, for rules built on tokens. */
export const TCHAR_CLASS = "[!#$%&'*+.^_`|~0-9A-Za-z-]";

const HTTP_TOKEN = new RegExp(`^${TCHAR_CLASS}+$`);

/**
 * Whether a value is a non-empty HTTP token.
 *
 * @example isHttpToken("Bearer") // true
 */
export function isHttpToken(value: unknown): value is string {
  return typeof value === 'string' && HTTP_TOKEN.test(value);
}

/**
 * Checks an option that must be an HTTP token, e.g. a header or method name.
 *
 * @example assertHttpToken("X-CSRF-TOKEN", "accessCsrfHeaderName")
 * @throws {TypeError} When the value is not a non-empty token; the message names the option.
 */
export function assertHttpToken(value: unknown, name: string): asserts value is string {
  if (!isHttpToken(value)) throw new TypeError(`${name} must be a non-empty HTTP token (letters, digits, !#$%&'*+.^_\`|~-)`);
}
