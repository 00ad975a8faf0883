/**
 * Errors of the AuthX layer (finding a token in a request, token kinds, freshness, CSRF,
 * revocation, scopes). Names follow AuthX (Python) so its users recognise them; each has a stable
 * `code`, the HTTP `status` it answers with and its RFC 6750 `bearerError`.
 */
import { AuthError, JWTDecodeError, type AuthErrorOptions } from '../core/errors.ts';

/**
 * The request carries no token in any searched location. RFC 6750 section 3.1: a request without
 * credentials gets a bare `WWW-Authenticate: Bearer` challenge, so `bearerError` is `undefined`.
 *
 * @throws Never; it is what gets thrown.
 */
export class MissingTokenError extends AuthError {
  override readonly code: string = 'ERR_TOKEN_MISSING';
  override readonly bearerError: string | undefined = undefined;
  /** The locations that were searched, in order. */
  readonly locations: readonly string[];

  constructor(message = 'No token found in the request', options: AuthErrorOptions & { locations?: readonly string[] } = {}) {
    super(message, options);
    this.locations = options.locations ?? [];
  }
}

/** Why an `Authorization` header was refused. */
export type AuthorizationHeaderProblem = 'wrong_scheme' | 'malformed';

/**
 * An `Authorization` header is present but is not `<headerType> <token>`: another scheme,
 * no token, several tokens, a doubled scheme, tabs or control characters. Answered with 401 and
 * `error="invalid_request"` (RFC 6750 section 3.1: the request is malformed), never with the
 * header's content.
 *
 * @throws Never.
 */
export class InvalidAuthorizationHeaderError extends AuthError {
  override readonly code: string = 'ERR_AUTHORIZATION_HEADER_INVALID';
  override readonly bearerError: string | undefined = 'invalid_request';
  /** `wrong_scheme` or `malformed`. */
  readonly reason: AuthorizationHeaderProblem;

  constructor(reason: AuthorizationHeaderProblem, options?: AuthErrorOptions) {
    super(
      reason === 'wrong_scheme'
        ? 'Authorization header uses another scheme than the expected one'
        : 'Authorization header is malformed; expected "<scheme> <token>" separated by spaces',
      options,
    );
    this.reason = reason;
  }
}

/**
 * The token's `jti` was revoked (logout, rotation of a refresh token, ...).
 *
 * @throws Never.
 */
export class RevokedTokenError extends JWTDecodeError {
  override readonly code: string = 'ERR_TOKEN_REVOKED';

  constructor(message = 'Token has been revoked', options?: AuthErrorOptions) {
    super(message, options);
  }
}

/**
 * A refresh token that was already rotated was presented again outside the race rule (see
 * docs/rotation.md): RFC 9700 section 4.14.2 treats that as theft, so the whole token family was
 * revoked. 401 like any revoked token; `familyId` and `tokenId` (ids, not secrets) are for the
 * security log.
 *
 * @throws Never.
 */
export class RefreshTokenReusedError extends RevokedTokenError {
  override readonly code: string = 'ERR_REFRESH_TOKEN_REUSED';
  /** The family that was revoked. */
  readonly familyId: string;
  /** The `jti` of the reused refresh token. */
  readonly tokenId: string;

  constructor(familyId: string, tokenId: string, options?: AuthErrorOptions) {
    super('Refresh token was already used; its token family has been revoked', options);
    this.familyId = familyId;
    this.tokenId = tokenId;
  }
}

/**
 * The token is of the other kind than the route needs (RFC 8725 section 3.12). AuthX calls it
 * `TokenTypeError`; see the two subclasses.
 *
 * @throws Never.
 */
export class WrongTokenTypeError extends JWTDecodeError {
  override readonly code: string = 'ERR_TOKEN_WRONG_TYPE';
  /** The kind the route needs. */
  readonly expected: 'access' | 'refresh';

  constructor(expected: 'access' | 'refresh', message = `An ${expected} token is required`, options?: AuthErrorOptions) {
    super(message, options);
    this.expected = expected;
  }
}

/**
 * A refresh token (or anything but an access token) was offered where an access token is required.
 *
 * @throws Never.
 */
export class AccessTokenRequiredError extends WrongTokenTypeError {
  override readonly code: string = 'ERR_ACCESS_TOKEN_REQUIRED';

  constructor(options?: AuthErrorOptions) {
    super('access', 'An access token is required', options);
  }
}

/**
 * An access token (or anything but a refresh token) was offered where a refresh token is required.
 *
 * @throws Never.
 */
export class RefreshTokenRequiredError extends WrongTokenTypeError {
  override readonly code: string = 'ERR_REFRESH_TOKEN_REQUIRED';

  constructor(options?: AuthErrorOptions) {
    super('refresh', 'A refresh token is required', options);
  }
}

/**
 * The route needs a fresh access token (one issued by a login, not by a refresh).
 *
 * @throws Never.
 */
export class FreshTokenRequiredError extends JWTDecodeError {
  override readonly code: string = 'ERR_FRESH_TOKEN_REQUIRED';

  constructor(message = 'A fresh token is required', options?: AuthErrorOptions) {
    super(message, options);
  }
}

/** Why a CSRF check failed. */
export type CsrfProblem = 'missing' | 'mismatch';

/**
 * The double-submit CSRF check failed for a cookie token on a state-changing method: the CSRF
 * header is absent (`missing`) or differs from the token's `csrf` claim (`mismatch`; also when
 * the token has no `csrf` claim at all).
 *
 * @throws Never.
 */
export class CSRFError extends AuthError {
  override readonly code: string = 'ERR_CSRF';
  /** `missing` or `mismatch`. */
  readonly reason: CsrfProblem;

  constructor(reason: CsrfProblem, options?: AuthErrorOptions) {
    super(reason === 'missing' ? 'CSRF token is missing from the request headers' : 'CSRF token does not match', options);
    this.reason = reason;
  }
}

/**
 * The token lacks the scopes the route requires. 403 with `error="insufficient_scope"`
 * (RFC 6750 section 3.1).
 *
 * @throws Never.
 */
export class InsufficientScopeError extends AuthError {
  override readonly code: string = 'ERR_INSUFFICIENT_SCOPE';
  override readonly status: number = 403;
  override readonly bearerError: string | undefined = 'insufficient_scope';
  /** The scopes the route requires (configuration, never token content). */
  readonly required: readonly string[];
  /** Whether all of `required` or any one of them was needed. */
  readonly match: 'all' | 'any';

  constructor(required: readonly string[], match: 'all' | 'any', options?: AuthErrorOptions) {
    super(match === 'all' ? 'Token lacks a required scope' : 'Token has none of the accepted scopes', options);
    this.required = Object.freeze([...required]);
    this.match = match;
  }
}

/**
 * The in-memory revocation store is full of revocations that have not expired yet. Forgetting a
 * revocation silently would let a logged-out token work again, so the store refuses instead,
 * and the request is answered 503 with `Retry-After`: capacity frees up as revoked tokens expire.
 *
 * @throws Never.
 */
export class RevocationStoreFullError extends AuthError {
  override readonly code: string = 'ERR_REVOCATION_STORE_FULL';
  override readonly status: number = 503;
  override readonly bearerError: string | undefined = undefined;
  override readonly retryAfterSeconds: number | undefined = 60;
  /** How many unexpired revocations the store holds. */
  readonly capacity: number;

  constructor(capacity: number) {
    super('Too many revoked tokens are held right now; try again later');
    this.capacity = capacity;
  }
}

/**
 * The state a decision needs (revocations in Redis or on disk) cannot be reached in time. The
 * request is refused with 503 and `Retry-After` rather than answered without the check: a token
 * whose revocation could not be checked is never accepted. The message says nothing about
 * where the state lives or why it failed.
 *
 * @throws Never.
 */
export class StateUnavailableError extends AuthError {
  override readonly code: string = 'ERR_STATE_UNAVAILABLE';
  override readonly status: number = 503;
  override readonly bearerError: string | undefined = undefined;
  override readonly retryAfterSeconds: number | undefined = 1;

  constructor(options?: AuthErrorOptions) {
    super('Revocation state is unavailable right now; try again shortly', options);
  }
}

/**
 * The state can be reached but not trusted: Redis is set to evict keys (`maxmemory-policy` other
 * than `noeviction`), so a revocation could vanish and a logged-out token work again. Answered
 * 503 like {@link StateUnavailableError}, with the same message; `detail` says what to change,
 * for the operator's log (it names the setting, never an address).
 *
 * @throws Never.
 */
export class StateUntrustedError extends StateUnavailableError {
  override readonly code: string = 'ERR_STATE_UNTRUSTED';
  /** What is wrong and how to fix it, for logs; never sent to clients. */
  readonly detail: string;

  constructor(detail: string) {
    super();
    this.detail = detail;
  }
}

/**
 * A remote JWK Set (`createRemoteJWKSet`) could not be fetched, and none was fetched before or the
 * last one expired more than `maxStaleSeconds` ago, so no token can be checked: the issuer's
 * outage, not the client's token. Answered 503 with
 * `Retry-After` (the seconds until the next fetch is allowed), never 401, so clients do not throw
 * away tokens that may be good and operators can tell an outage from forged tokens. The message
 * says nothing about the URL or why the fetch failed.
 *
 * @throws Never.
 */
export class KeySetUnavailableError extends AuthError {
  override readonly code: string = 'ERR_JWKS_UNAVAILABLE';
  override readonly status: number = 503;
  override readonly bearerError: string | undefined = undefined;
  override readonly retryAfterSeconds: number | undefined;

  constructor(retryAfterSeconds: number, options?: AuthErrorOptions) {
    super('The keys to check tokens with are unavailable right now; try again shortly', options);
    this.retryAfterSeconds = Math.max(1, Math.ceil(retryAfterSeconds));
  }
}
