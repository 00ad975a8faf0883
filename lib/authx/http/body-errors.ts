/**
 * Errors of request-body reading. They are about the request, not about credentials, so
 * `bearerError` is `undefined`: a route must not answer them with a `WWW-Authenticate` challenge.
 */
import { AuthError, type AuthErrorOptions } from '../../core/errors.ts';

/**
 * Base of every "this request body is not acceptable" error.
 *
 * @throws Never; it is what gets thrown.
 */
export class BodyError extends AuthError {
  override readonly code: string = 'ERR_BODY';
  override readonly status: number = 400;
  override readonly bearerError: string | undefined = undefined;
}

/**
 * The body is, or announces itself as, larger than the limit. Nothing past the limit was read:
 * answer with `Connection: close`, because the unread rest is still on the connection.
 *
 * @throws Never.
 */
export class BodyTooLargeError extends BodyError {
  override readonly code: string = 'ERR_BODY_TOO_LARGE';
  override readonly status: number = 413;
  /** The limit in bytes that was crossed. */
  readonly limit: number;

  constructor(limit: number, options?: AuthErrorOptions) {
    super(`Request body is larger than ${limit} bytes`, options);
    this.limit = limit;
  }
}

/**
 * The `Content-Type` is not JSON, is missing, or a `Content-Encoding` other than `identity` was
 * used (RFC 7694 answers an unsupported coding with 415 too).
 *
 * @throws Never.
 */
export class BodyContentTypeError extends BodyError {
  override readonly code: string = 'ERR_BODY_CONTENT_TYPE';
  override readonly status: number = 415;
}

/** Options of {@link InvalidJsonBodyError}. */
export interface InvalidJsonBodyErrorOptions extends AuthErrorOptions {
  /**
   * Zero-based character offset in the decoded text where parsing failed, when known
   * (for invalid UTF-8: the byte offset of the first bad byte).
   */
  position?: number | undefined;
  /** Short fixed description of the failure; never contains any part of the body. */
  reason: string;
}

/**
 * The body is not valid UTF-8, or not valid JSON. The message and `reason` never quote the body
 * (V8's `SyntaxError` messages do, so the original is only kept as `cause`).
 *
 * @throws Never.
 */
export class InvalidJsonBodyError extends BodyError {
  override readonly code: string = 'ERR_BODY_INVALID_JSON';
  /** Where parsing failed, when known; see {@link InvalidJsonBodyErrorOptions.position}. */
  readonly position: number | undefined;
  /** Short fixed description, e.g. `Expecting value`; safe to show. */
  readonly reason: string;

  constructor(message: string, options: InvalidJsonBodyErrorOptions) {
    super(message, options);
    this.position = options.position;
    this.reason = options.reason;
  }
}

/**
 * The body was empty although JSON was expected.
 *
 * @throws Never.
 */
export class EmptyBodyError extends InvalidJsonBodyError {
  override readonly code: string = 'ERR_BODY_EMPTY';

  constructor(options?: AuthErrorOptions) {
    super('Request body is empty', { ...options, position: 0, reason: 'Expecting value' });
  }
}

/**
 * The client went away (or the stream failed) before the body was complete.
 *
 * @throws Never.
 */
export class BodyAbortedError extends BodyError {
  override readonly code: string = 'ERR_BODY_ABORTED';
}
