/**
 * Library errors as HTTP answers: AuthX's JSON shape `{"message", "error_type"}`, the status of
 * the error, and an RFC 6750 section 3 `WWW-Authenticate` challenge. This is the one place where
 * errors become statuses.
 */
import { InsufficientScopeError } from '../authx-errors.ts';
import { BodyTooLargeError } from './body-errors.ts';
import { AuthError } from '../../core/errors.ts';

/** An HTTP answer for an error. */
export interface HttpErrorAnswer {
  status: number;
  headers: Record<string, string>;
  body: { message: string; error_type: string };
}

// RFC 6750 section 3: error_description uses %x20-21 / %x23-5B / %x5D-7E only.
const NOT_DESCRIPTION_CHAR = /[^\x20\x21\x23-\x5B\x5D-\x7E]/g;

/**
 * The `WWW-Authenticate` value for an error: `Bearer` alone when the request had no credentials
 * (RFC 6750 section 3.1), else `Bearer error="...", error_description="..."`, plus `scope="..."`
 * for {@link InsufficientScopeError}. The description is the error's fixed message (never token
 * bytes), restricted to the RFC 6750 character set; parameter values are quoted-strings.
 *
 * @example wwwAuthenticateFor(new TokenExpiredError()) // 'Bearer error="invalid_token", error_description="Token has expired"'
 * @throws Never.
 */
export function wwwAuthenticateFor(error: AuthError): string {
  if (error.bearerError === undefined) return 'Bearer';
  let value = `Bearer error=${quote(error.bearerError)}, error_description=${quote(error.message.replace(NOT_DESCRIPTION_CHAR, ''))}`;
  if (error instanceof InsufficientScopeError && error.required.length > 0) value += `, scope=${quote(error.required.join(' '))}`;
  return value;
}

/**
 * Maps any thrown value to an HTTP answer. `AuthError`s keep their status and message (messages
 * are fixed text); 401s and scope errors get `WWW-Authenticate`; a too-large body also gets
 * `Connection: close` (its unread rest is still on the connection). Anything else is a generic
 * 500 that reveals nothing: no message, no stack.
 *
 * @example const { status, headers, body } = errorToHttp(error)
 * @throws Never.
 */
export function errorToHttp(error: unknown): HttpErrorAnswer {
  const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' };
  if (!(error instanceof AuthError)) {
    return { status: 500, headers, body: { message: 'Internal Server Error', error_type: 'InternalServerError' } };
  }
  return { status: error.status, headers: { ...headers, ...errorHeaders(error) }, body: { message: error.message, error_type: error.name } };
}

/**
 * The headers an error's answer needs whatever the body looks like: the `WWW-Authenticate`
 * challenge for 401s and scope errors, `Retry-After` when the error gives one, and
 * `Connection: close` for a body too large to read (its unread rest is still on the connection).
 * Servers with their own body shape (the example server answers `{"detail"}`) use this, so the
 * mapping lives in one place.
 *
 * @example sendJson(res, error.status, { detail: error.message }, errorHeaders(error))
 * @throws Never.
 */
export function errorHeaders(error: AuthError): Record<string, string> {
  const headers: Record<string, string> = {};
  if (error.status === 401 || error.bearerError === 'insufficient_scope') headers['www-authenticate'] = wwwAuthenticateFor(error);
  if (error.retryAfterSeconds !== undefined) headers['retry-after'] = String(error.retryAfterSeconds);
  if (error instanceof BodyTooLargeError) headers.connection = 'close';
  return headers;
}

function quote(value: string): string {
  return `"${value.replace(/["\\]/g, '\\$&')}"`;
}
