/**
 * Library errors as HTTP answers: the JSON body `{"detail": message}` (the shape of the adapters,
 * the example server and FastAPI; Python AuthX's `{"message", "error_type"}` on request), the
 * status of the error, and an RFC 6750 section 3 `WWW-Authenticate` challenge. This is the one
 * place where errors become statuses and bodies.
 */
import { InsufficientScopeError } from '../authx-errors.ts';
import { BodyTooLargeError } from './body-errors.ts';
import { AuthError } from '../../core/errors.ts';

/** The body of an error answer: `{"detail": message}`. */
export interface DetailErrorBody {
  detail: string;
}

/** Python AuthX's body of an error answer, for applications migrating from it. */
export interface AuthXErrorBody {
  message: string;
  error_type: string;
}

/** Which body an error answer has: `detail` (the default, `{"detail"}`) or `authx` (`{"message", "error_type"}`). */
export type ErrorBodyShape = 'detail' | 'authx';

/** Options of {@link errorToHttp}. */
export interface ErrorToHttpOptions {
  /** The body's shape. Default `detail`. */
  body?: ErrorBodyShape;
}

/** An HTTP answer for an error. */
export interface HttpErrorAnswer<B extends DetailErrorBody | AuthXErrorBody = DetailErrorBody> {
  status: number;
  headers: Record<string, string>;
  body: B;
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
 * 500 that reveals nothing: no message, no stack. The body is `{"detail": message}`, or with
 * `{ body: "authx" }` Python AuthX's `{"message", "error_type"}`.
 *
 * @example const { status, headers, body } = errorToHttp(error)
 * @throws {TypeError} When `options.body` is neither `"detail"` nor `"authx"`.
 */
export function errorToHttp(error: unknown, options?: { body?: 'detail' }): HttpErrorAnswer;
export function errorToHttp(error: unknown, options: { body: 'authx' }): HttpErrorAnswer<AuthXErrorBody>;
export function errorToHttp(error: unknown, options?: ErrorToHttpOptions): HttpErrorAnswer<DetailErrorBody | AuthXErrorBody>;
export function errorToHttp(error: unknown, options?: ErrorToHttpOptions): HttpErrorAnswer<DetailErrorBody | AuthXErrorBody> {
  const shape = errorBodyShape(options?.body);
  const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' };
  if (!(error instanceof AuthError)) {
    return { status: 500, headers, body: shape === 'authx' ? { message: 'Internal Server Error', error_type: 'InternalServerError' } : { detail: 'Internal Server Error' } };
  }
  const body = shape === 'authx' ? { message: error.message, error_type: error.name } : { detail: error.message };
  return { status: error.status, headers: { ...headers, ...errorHeaders(error) }, body };
}

/**
 * Checks an error body shape option (`undefined` is the default, `detail`).
 *
 * @example errorBodyShape(options.body)
 * @throws {TypeError} When the value is neither `"detail"` nor `"authx"`.
 */
export function errorBodyShape(value: unknown): ErrorBodyShape {
  if (value === undefined || value === 'detail') return 'detail';
  if (value === 'authx') return 'authx';
  throw new TypeError('body must be "detail" ({"detail": message}) or "authx" ({"message", "error_type"}, as Python AuthX answers)');
}

/**
 * The headers an error's answer needs whatever the body looks like: the `WWW-Authenticate`
 * challenge for 401s and scope errors, `Retry-After` when the error gives one, and
 * `Connection: close` for a body too large to read (its unread rest is still on the connection).
 * Servers with a body shape of their own use this, so the mapping lives in one place.
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
