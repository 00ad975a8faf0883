/**
 * Error classes of the JWT core. Every error has a stable `code` to branch on and the HTTP
 * `status` it maps to; no message ever contains a token, a secret or a password.
 *
 * Programming mistakes (a bad option, a weak secret) are `TypeError`/`RangeError` instead, so a
 * bad token and a bad configuration never look alike.
 */

/** Options shared by every error constructor. */
export interface AuthErrorOptions {
  /** The underlying error, kept for debugging; never shown to clients. */
  cause?: unknown;
}

/**
 * Base class of every error this library throws for bad input from the network.
 *
 * @throws Never; it is what gets thrown.
 */
export class AuthError extends Error {
  /** Stable machine-readable code, e.g. `ERR_JWT_EXPIRED`. */
  readonly code: string = 'ERR_AUTH';
  /** HTTP status this error answers with. */
  readonly status: number = 401;
  /**
   * RFC 6750 section 3.1 error code for the `WWW-Authenticate` header (`invalid_token`,
   * `insufficient_scope`, `invalid_request`), or `undefined` when the request carried no
   * credentials at all.
   */
  readonly bearerError: string | undefined = 'invalid_token';
  /** Seconds a client should wait before trying again (sent as `Retry-After`), when that helps. */
  readonly retryAfterSeconds: number | undefined = undefined;

  constructor(message: string, options?: AuthErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * Base of every "this token is not acceptable" error (AuthX calls it `JWTDecodeError`).
 *
 * @throws Never.
 */
export class JWTDecodeError extends AuthError {
  override readonly code: string = 'ERR_JWT_INVALID';
}

/**
 * The token is not a well-formed compact JWS carrying a JSON object.
 *
 * @throws Never.
 */
export class MalformedTokenError extends JWTDecodeError {
  override readonly code: string = 'ERR_JWT_MALFORMED';
}

/**
 * The token is longer than the configured maximum; nothing of it was decoded.
 *
 * @throws Never.
 */
export class TokenTooLongError extends JWTDecodeError {
  override readonly code: string = 'ERR_JWT_TOO_LONG';
}

/**
 * The header names an algorithm that is unsupported, not allowed, or not served by the key.
 *
 * @throws Never.
 */
export class AlgorithmNotAllowedError extends JWTDecodeError {
  override readonly code: string = 'ERR_JWT_ALG_NOT_ALLOWED';
}

/**
 * The header asks for an extension this library does not implement (`crit`, `b64`, nested JWT).
 *
 * @throws Never.
 */
export class UnsupportedTokenError extends JWTDecodeError {
  override readonly code: string = 'ERR_JWT_UNSUPPORTED';
}

/**
 * The header's `kid` names no configured key.
 *
 * @throws Never.
 */
export class UnknownKeyError extends JWTDecodeError {
  override readonly code: string = 'ERR_JWT_KEY_UNKNOWN';
}

/**
 * The signature does not match the token under any configured key.
 *
 * @throws Never.
 */
export class SignatureInvalidError extends JWTDecodeError {
  override readonly code: string = 'ERR_JWT_SIGNATURE_INVALID';
}

/** Options of {@link ClaimInvalidError}. */
export interface ClaimErrorOptions extends AuthErrorOptions {
  /** The claim name, e.g. `exp`. */
  claim: string;
  /** Short machine-readable reason, e.g. `not_a_number`, `mismatch`, `missing`. */
  reason: string;
}

/**
 * A claim is missing, of the wrong type, or does not match what the verifier expects.
 *
 * @throws Never.
 */
export class ClaimInvalidError extends JWTDecodeError {
  override readonly code: string = 'ERR_JWT_CLAIM_INVALID';
  /** The claim name, e.g. `aud`. */
  readonly claim: string;
  /** Short machine-readable reason, e.g. `mismatch`. */
  readonly reason: string;

  constructor(message: string, options: ClaimErrorOptions) {
    super(message, options);
    this.claim = options.claim;
    this.reason = options.reason;
  }
}

/**
 * The token's `exp` is now or in the past (beyond the clock tolerance), or its `iat` is older
 * than the verifier's `maxTokenAge`.
 *
 * @throws Never.
 */
export class TokenExpiredError extends ClaimInvalidError {
  override readonly code: string = 'ERR_JWT_EXPIRED';

  constructor(message = 'Token has expired', options: ClaimErrorOptions = { claim: 'exp', reason: 'expired' }) {
    super(message, options);
  }
}

/**
 * The token's `nbf` or `iat` is in the future (beyond the clock tolerance).
 *
 * @throws Never.
 */
export class TokenNotYetValidError extends ClaimInvalidError {
  override readonly code: string = 'ERR_JWT_NOT_YET_VALID';
}

/**
 * Text that is not canonical base64url (or not UTF-8, for the text variant).
 *
 * @throws Never.
 */
export class Base64urlError extends Error {
  /** Always `ERR_BASE64URL_INVALID`. */
  readonly code: string = 'ERR_BASE64URL_INVALID';

  constructor(reason: string) {
    super(`Invalid base64url: ${reason}`);
    this.name = 'Base64urlError';
  }
}
