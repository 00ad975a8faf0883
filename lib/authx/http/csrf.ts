/**
 * Double-submit CSRF protection for tokens carried by cookies. A token created while cookies and
 * CSRF protection are on carries a random `csrf` claim; the same value goes into a cookie that
 * page scripts can read, and a state-changing request must echo it in a header. Another site can
 * make the browser send the cookies, but cannot read the value to put in the header.
 */
import { randomUUID } from 'node:crypto';
import { CSRFError } from '../authx-errors.ts';
import { timingSafeEqualText } from '../../core/constant-time.ts';

/**
 * A new CSRF value: a random UUID (122 random bits), as AuthX uses.
 *
 * @example const csrf = createCsrfValue()
 * @throws Never.
 */
export function createCsrfValue(): string {
  return randomUUID();
}

/**
 * Checks the CSRF header of a request against the token's `csrf` claim, in constant time.
 *
 * @param claim The verified token's `csrf` claim (anything; only a string can match).
 * @param header The request's CSRF header value, if any.
 * @example checkCsrf(payload.csrf, req.headers["x-csrf-token"])
 * @throws {CSRFError} `reason: "missing"` without a header, `"mismatch"` when the values differ
 *   or the token has no `csrf` claim.
 */
export function checkCsrf(claim: unknown, header: string | undefined): void {
  if (header === undefined || header === '') throw new CSRFError('missing');
  if (typeof claim !== 'string' || claim === '' || !timingSafeEqualText(claim, header)) throw new CSRFError('mismatch');
}
