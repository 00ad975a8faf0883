/**
 * The `Authorization: <scheme> <token>` rule, defined exactly:
 *
 * - the scheme is the configured `headerType`, matched case-insensitively (RFC 7235 section 2.1);
 * - then one or more spaces (tabs are refused);
 * - then exactly one token of `[A-Za-z0-9_.-]` (the characters of a compact JWS), and nothing
 *   after it: no second token, no trailing space, no control character;
 * - a token equal to the scheme itself (`Bearer Bearer`) is refused.
 *
 * With `headerType: ""` the whole header value must be one such token.
 */
import { InvalidAuthorizationHeaderError } from '../authx-errors.ts';
import { TCHAR_CLASS } from '../config/http-token.ts';

const TOKEN_CHARS = /^[A-Za-z0-9_.-]+$/;
const SCHEME_CHARS = new RegExp(`^${TCHAR_CLASS}+`);

/**
 * Extracts the token from an `Authorization` header value.
 *
 * @param value The header value as received.
 * @param scheme The expected scheme (`headerType`), or `""` for a bare token.
 * @example parseAuthorizationHeader("bearer eyJ...", "Bearer") // "eyJ..."
 * @throws {InvalidAuthorizationHeaderError} `reason: "wrong_scheme"` when another scheme is used,
 *   `"malformed"` when the scheme matches but the rest breaks the rule above (or the value does
 *   not even start with a scheme).
 */
export function parseAuthorizationHeader(value: string, scheme: string): string {
  if (scheme === '') {
    if (!TOKEN_CHARS.test(value)) throw new InvalidAuthorizationHeaderError('malformed');
    return value;
  }
  const received = SCHEME_CHARS.exec(value)?.[0];
  if (received === undefined) throw new InvalidAuthorizationHeaderError('malformed');
  if (received !== scheme && received.toLowerCase() !== scheme.toLowerCase()) {
    throw new InvalidAuthorizationHeaderError('wrong_scheme');
  }
  let start = received.length;
  if (value.charCodeAt(start) !== 0x20) throw new InvalidAuthorizationHeaderError('malformed');
  while (value.charCodeAt(start) === 0x20) start++;
  const token = value.slice(start);
  // The length first: lower-casing a whole token (hundreds of characters) on every request
  // only to compare it with a six-letter scheme would copy it for nothing.
  if (!TOKEN_CHARS.test(token) || (token.length === scheme.length && token.toLowerCase() === scheme.toLowerCase())) {
    throw new InvalidAuthorizationHeaderError('malformed');
  }
  return token;
}
