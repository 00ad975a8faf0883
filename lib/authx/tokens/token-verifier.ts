/**
 * Verifying AuthX tokens, in a fixed order: the JWT core (length, form, algorithm, signature,
 * registered claims, time, issuer, audience), the shape of the AuthX claims, revocation, token
 * (`jti`, subject cut-off and family in one store call), type, freshness, CSRF (cookie tokens on state-changing methods), scopes.
 */
import { AccessTokenRequiredError, FreshTokenRequiredError, InsufficientScopeError, RefreshTokenRequiredError, RevokedTokenError } from '../authx-errors.ts';
import { assertKnownOptions } from '../../core/option-names.ts';
import { compileVerifyOptions, type CompiledVerifyOptions, type JwtPayload } from '../../core/claims.ts';
import type { ResolvedAuthXConfig } from '../config/config.ts';
import { checkCsrf } from '../http/csrf.ts';
import { ClaimInvalidError } from '../../core/errors.ts';
import { verifyCompiled } from '../../core/jwt.ts';
import type { Keyring } from '../../core/keyring.ts';
import type { RequestToken, TokenType } from '../http/request-token.ts';
import type { RevocationCheck, RevocationStore } from '../state/revocation.ts';
import { issuedAtMs } from './token-id.ts';
import { assertScopeList, hasScopes, isScopeToken, type ScopeMatch } from './scopes.ts';

/** The claims every verified AuthX token has. */
export interface BaseTokenPayload extends JwtPayload {
  sub: string;
  type: TokenType;
  jti: string;
  iat: number;
  exp: number;
  /** `false` when the token does not say (refresh tokens never do). */
  fresh: boolean;
  scopes?: string[];
  csrf?: string;
  /** Token family id (refresh token rotation); revoking the family refuses every token carrying it. */
  fid?: string;
}

/**
 * A verified AuthX token's claims, with the application's own claims `C` (the `Claims` of
 * `AuthX<Claims>`, written through `createAccessToken`'s typed `data`). They are trusted as the
 * application's because only a holder of its secret can have signed them.
 */
export type TokenPayload<C extends object = Record<never, never>> = BaseTokenPayload & C;

/** Options of `verifyToken` / `verifyTokenSync`. */
export interface VerifyTokenOptions {
  /** The kind required. Default: the `type` of a `RequestToken`, else `access`. */
  type?: TokenType;
  /** Refuse a token of the other kind. Default `true`. */
  verifyType?: boolean;
  /** Require `fresh: true`. Default `false`. */
  verifyFresh?: boolean;
  /** Run the CSRF check for cookie tokens. Default `true`. */
  verifyCsrf?: boolean;
  /** Scopes the token must grant. */
  requiredScopes?: readonly string[];
  /** All of `requiredScopes`, or any one. Default `all`. */
  scopeMatch?: ScopeMatch;
}

const REQUIRED_CLAIMS = ['sub', 'iat', 'exp', 'jti', 'type'];
const OPTION_NAMES = ['type', 'verifyType', 'verifyFresh', 'verifyCsrf', 'requiredScopes', 'scopeMatch'];

/**
 * The verification pipeline of one AuthX instance; options and keys are compiled once.
 */
export class TokenVerifier {
  readonly #keyring: Keyring;
  readonly #compiled: CompiledVerifyOptions;
  readonly #store: RevocationStore;
  readonly #clock: (() => number) | undefined;
  readonly #csrfProtect: boolean;
  readonly #csrfMethods: ReadonlySet<string>;

  /**
   * @param clock A custom clock, or `undefined` for the core's own `Date.now()`.
   * @example new TokenVerifier(config, keyring, new MemoryRevocationStore(), undefined)
   * @throws Never for a resolved configuration.
   */
  constructor(config: ResolvedAuthXConfig, keyring: Keyring, store: RevocationStore, clock: (() => number) | undefined) {
    this.#keyring = keyring;
    this.#store = store;
    this.#clock = clock;
    this.#csrfProtect = config.cookieCsrfProtect;
    this.#csrfMethods = new Set(config.csrfMethods);
    this.#compiled = compileVerifyOptions({
      clockTolerance: config.clockTolerance,
      maxTokenLength: config.maxTokenLength,
      requiredClaims: REQUIRED_CLAIMS,
      // The configured algorithm only: the keys may serve more (an RSA key serves RS* and PS*).
      algorithms: [config.algorithm],
      ...(config.issuer === undefined ? {} : { issuer: config.issuer }),
      ...(config.audience === undefined ? {} : { audience: config.audience }),
    });
  }

  /**
   * Verifies without a Promise; the revocation store must answer synchronously.
   *
   * @example verifier.verifySync(requestToken, { verifyFresh: true })
   * @throws {JWTDecodeError} Or a subclass (`TokenExpiredError`, `RevokedTokenError`,
   *   `AccessTokenRequiredError`, `FreshTokenRequiredError`, ...) when the token is not acceptable.
   * @throws {CSRFError} When the CSRF check fails.
   * @throws {InsufficientScopeError} When the scopes do not satisfy `requiredScopes`.
   * @throws {TypeError} When an option is invalid or the store's `isRevoked` returned a Promise.
   */
  verifySync(token: RequestToken | string, options?: VerifyTokenOptions): TokenPayload {
    assertKnownOptions(options, OPTION_NAMES, 'verifyTokenSync options');
    const payload = this.#decode(token);
    const revoked: unknown = this.#store.isRevoked(revocationCheck(payload));
    if (isThenable(revoked)) {
      revoked.then(undefined, () => {}); // nobody will await it; keep its rejection quiet
      throw new TypeError('the revocation store answers asynchronously; use verifyToken instead of verifyTokenSync');
    }
    // Any truthy answer counts: a store returning, say, the stored expiry must not fail open.
    if (revoked) throw new RevokedTokenError();
    this.#checkRequirements(payload, token, options);
    return payload;
  }

  /**
   * Verifies, awaiting the revocation store. Same checks and errors as {@link verifySync}.
   *
   * @example await verifier.verify(requestToken)
   * @throws {JWTDecodeError | CSRFError | InsufficientScopeError | TypeError} As {@link verifySync}.
   */
  async verify(token: RequestToken | string, options?: VerifyTokenOptions): Promise<TokenPayload> {
    assertKnownOptions(options, OPTION_NAMES, 'verifyToken options');
    const payload = this.#decode(token);
    if (await this.#store.isRevoked(revocationCheck(payload))) throw new RevokedTokenError();
    this.#checkRequirements(payload, token, options);
    return payload;
  }

  /**
   * Verifies once, answering without a Promise when the store did (a memory store, a cached
   * Redis read) and with one otherwise: the signature and claims are checked a single time either way.
   *
   * @example const result = verifier.verifyEither(token); if (result instanceof Promise) await result
   * @throws {JWTDecodeError | CSRFError | InsufficientScopeError | TypeError} As {@link verifySync}, or rejects so.
   */
  verifyEither(token: RequestToken | string, options?: VerifyTokenOptions): TokenPayload | Promise<TokenPayload> {
    assertKnownOptions(options, OPTION_NAMES, 'verifyToken options');
    const payload = this.#decode(token);
    const revoked: unknown = this.#store.isRevoked(revocationCheck(payload));
    if (!isThenable(revoked)) {
      if (revoked) throw new RevokedTokenError();
      this.#checkRequirements(payload, token, options);
      return payload;
    }
    return Promise.resolve(revoked).then((answer) => {
      if (answer) throw new RevokedTokenError();
      this.#checkRequirements(payload, token, options);
      return payload;
    });
  }

  #decode(token: RequestToken | string): TokenPayload {
    const raw = typeof token === 'string' ? token : (token as RequestToken | null)?.token;
    const compiled = this.#clock === undefined ? this.#compiled : { ...this.#compiled, fixedNowMs: this.#clock() };
    return toTokenPayload(verifyCompiled(raw as string, this.#keyring, compiled).payload);
  }

  #checkRequirements(payload: TokenPayload, token: RequestToken | string, options: VerifyTokenOptions | undefined): void {
    const fromRequest = typeof token === 'string' ? undefined : token;
    const expected = options?.type ?? fromRequest?.type ?? 'access';
    if (expected !== 'access' && expected !== 'refresh') throw new TypeError('type must be "access" or "refresh"');
    if (options?.verifyType !== false && payload.type !== expected) {
      throw expected === 'access' ? new AccessTokenRequiredError() : new RefreshTokenRequiredError();
    }
    if (options?.verifyFresh === true && (payload.type !== 'access' || !payload.fresh)) throw new FreshTokenRequiredError();
    if (
      fromRequest?.location === 'cookies' &&
      this.#csrfProtect &&
      options?.verifyCsrf !== false &&
      (fromRequest.method === undefined || this.#csrfMethods.has(fromRequest.method.toUpperCase()))
    ) {
      checkCsrf(payload.csrf, fromRequest.csrf);
    }
    const required = options?.requiredScopes;
    if (required !== undefined) {
      assertScopeList(required, 'requiredScopes');
      const match = options?.scopeMatch ?? 'all';
      if (match !== 'all' && match !== 'any') throw new TypeError('scopeMatch must be "all" or "any"');
      if (!hasScopes(payload.scopes ?? [], required, match)) throw new InsufficientScopeError(required, match);
    }
  }
}

/**
 * Checks the AuthX claims of a payload the core has verified (`sub`, `jti`, `iat`, `exp` are
 * already known to be present and well typed) and defaults `fresh` to `false`.
 *
 * @example toTokenPayload(verifyJwt(token, secret))
 * @throws {ClaimInvalidError} When `type`, `fresh`, `scopes` or `csrf` has the wrong type or value.
 */
export function toTokenPayload(payload: JwtPayload): TokenPayload {
  const { type } = payload;
  if (type !== 'access' && type !== 'refresh') {
    throw new ClaimInvalidError('Claim "type" must be "access" or "refresh"', { claim: 'type', reason: 'invalid_value' });
  }
  // The store keys tokens by these: a signed token with a giant one is refused, never a 500.
  for (const claim of ['jti', 'sub'] as const) {
    if ((payload[claim] as string).length > 1024) throw new ClaimInvalidError(`Claim "${claim}" must be at most 1024 characters`, { claim, reason: 'invalid_value' });
  }
  if (!Object.hasOwn(payload, 'fresh')) payload.fresh = false;
  else if (typeof payload.fresh !== 'boolean') {
    throw new ClaimInvalidError('Claim "fresh" must be a boolean', { claim: 'fresh', reason: 'invalid_type' });
  }
  if (Object.hasOwn(payload, 'scopes') && !(Array.isArray(payload.scopes) && payload.scopes.every(isScopeToken))) {
    throw new ClaimInvalidError('Claim "scopes" must be an array of scope names', { claim: 'scopes', reason: 'invalid_type' });
  }
  if (Object.hasOwn(payload, 'csrf') && typeof payload.csrf !== 'string') {
    throw new ClaimInvalidError('Claim "csrf" must be a string', { claim: 'csrf', reason: 'invalid_type' });
  }
  if (Object.hasOwn(payload, 'fid') && (typeof payload.fid !== 'string' || payload.fid === '' || payload.fid.length > 1024)) {
    throw new ClaimInvalidError('Claim "fid" must be a non-empty string', { claim: 'fid', reason: 'invalid_type' });
  }
  return payload as TokenPayload;
}

/** The one question verification asks the store: jti, subject cut-off and family at once. */
/** What a revocation store is asked about a verified token. */
export function revocationCheck(payload: TokenPayload): RevocationCheck {
  return { jti: payload.jti, sub: payload.sub, issuedAtMs: issuedAtMs(payload.jti, payload.iat), fid: payload.fid };
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}
