/**
 * Room `lib/authx/`: the `AuthX` object that ties the rooms below together, and the library's
 * error classes (`authx-errors.ts`). May import: `lib/core/`, `lib/authx/config/`,
 * `lib/authx/tokens/`, `lib/authx/http/`, `lib/authx/state/`.
 *
 * `AuthX`: the one object an application configures. It is thin: each concern lives in its own
 * file (configuration, token creation, extraction, verification, cookies, errors to HTTP), and
 * all of them are prepared once here, at construction.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { validateTokenLocations, resolveConfig, type AuthXConfig, type ResolvedAuthXConfig, type TokenLocation } from './config/config.ts';
import { appendSetCookie, CookieWriter, type SetCookieOptions } from './http/cookies.ts';
import { errorBodyShape, errorToHttp, type ErrorBodyShape } from './http/http-errors.ts';
import { TokenExtractor, type AnyRequest, type GetTokenOptions, type RequestToken, type TokenType } from './http/request-token.ts';
import { MemoryRevocationStore } from './state/memory-revocation-store.ts';
import { assertKey, assertTime, REVOCATION_STORE_METHODS, type Owner, type RevocationStore, type RevokeResult } from './state/revocation.ts';
import { issuedAtMs } from './tokens/token-id.ts';
import { cleanNetwork, cleanUserAgent, listSessions, maxSessionsOf, SESSION_OPTION_NAMES, type SessionInfo, type SessionMetadata } from './tokens/sessions.ts';
import { decodeJwt } from '../core/jwt.ts';
import { RefreshRotation, type RotatedTokens, type RotateOptions } from './tokens/rotation.ts';
import { TokenFactory, type CreateTokenArgs, type CreateTokenOptions, type TokenPair, type TokenPairOptions } from './tokens/tokens.ts';
import { TokenVerifier, type TokenPayload, type VerifyTokenOptions } from './tokens/token-verifier.ts';
import { assertKnownOptions } from '../core/option-names.ts';

const CREATE_OPTION_NAMES = ['fresh', 'expiresIn', 'data', 'audience', 'scopes', 'headers'];
const PAIR_OPTION_NAMES = [...CREATE_OPTION_NAMES, 'refreshExpiresIn'];
const COOKIE_OPTION_NAMES = ['maxAge'];

/** Options of {@link AuthX.revokeToken}. */
export interface RevokeTokenOptions {
  /** Revoke the token's whole family (`fid`: its login session) instead of the token alone. Default `false`. */
  family?: boolean;
}

/** A `node:http` request handler. */
export type NodeHandler = (req: IncomingMessage, res: ServerResponse) => unknown;

/** Options of {@link AuthX.handleErrors}. */
export interface HandleErrorsOptions {
  /** Called with every error that is not an `AuthError` (answered as a generic 500). Default: nothing. */
  onUnexpectedError?: (error: unknown) => void;
  /**
   * The error body: `detail` (default) answers `{"detail": message}` like the adapters and the
   * example server; `authx` answers Python AuthX's `{"message", "error_type"}`, for clients
   * migrating from it.
   */
  body?: ErrorBodyShape;
}

/**
 * JWT authentication as AuthX (Python) offers it: access and refresh tokens, extraction from
 * headers, cookies, query and JSON bodies, CSRF double submit, revocation, scopes, and errors as
 * RFC 6750 answers.
 *
 * @example
 * const auth = new AuthX({ secretKey: process.env.JWT_SECRET_KEY! });
 * const token = auth.createAccessToken('user1');
 * const payload = await auth.verifyToken(await auth.getAccessTokenFromRequest(req));
 *
 * @typeParam Claims The application's own claims: `createAccessToken`'s `data` must have this
 *   type (and is required when a key of it is), and `verifyToken` returns it with the AuthX
 *   claims, e.g. `new AuthX<{ role: "admin" | "user" }>(...)`.
 */
export class AuthX<Claims extends object = Record<string, unknown>> {
  /** The validated configuration (frozen; no secrets in it). */
  readonly config: ResolvedAuthXConfig;
  /** The clock tokens are created and checked with, in milliseconds (the `clock` option or `Date.now`). */
  readonly clock: () => number;
  readonly #factory: TokenFactory;
  readonly #extractor: TokenExtractor;
  readonly #verifier: TokenVerifier;
  readonly #cookies: CookieWriter;
  readonly #store: RevocationStore;
  readonly #clockTolerance: number;
  readonly #clock: () => number;
  readonly #rotation: RefreshRotation;

  /**
   * @example new AuthX({ secretKey, tokenLocation: ["headers", "cookies"] })
   * @throws {TypeError} When an option has the wrong type or value; the message names it.
   * @throws {RangeError} When a number is out of range or a secret is shorter than 32 bytes.
   */
  constructor(config: AuthXConfig) {
    const { config: resolved, keyring } = resolveConfig(config);
    const clock = config.clock;
    if (clock !== undefined && typeof clock !== 'function') throw new TypeError('clock must be a function returning milliseconds');
    const store = config.revocationStore ?? new MemoryRevocationStore(clock === undefined ? {} : { clock });
    const missing = REVOCATION_STORE_METHODS.filter((name) => typeof (store as unknown as Record<string, unknown>)[name] !== 'function');
    if (missing.length > 0) throw new TypeError(`revocationStore lacks the method(s) ${missing.join(', ')} (see RevocationStore)`);
    this.config = resolved;
    this.clock = clock ?? Date.now;
    this.#factory = new TokenFactory(resolved, keyring, clock ?? Date.now);
    this.#extractor = new TokenExtractor(resolved);
    this.#verifier = new TokenVerifier(resolved, keyring, store, clock);
    this.#cookies = new CookieWriter(resolved);
    this.#store = store;
    this.#clockTolerance = resolved.clockTolerance;
    this.#clock = clock ?? Date.now;
    this.#rotation = new RefreshRotation(this.#factory, this.#verifier, store, resolved, clock ?? Date.now);
  }

  /** The revocation store verification consults (the configured one, or the default memory store). */
  get revocationStore(): RevocationStore {
    return this.#store;
  }

  /**
   * Creates an access token (`type: "access"`, `fresh`, lifetime `accessTokenExpires`).
   *
   * With `AuthX<Claims>` whose claims have required keys, `options` and its `data` are required.
   *
   * @example auth.createAccessToken("user1", { fresh: true, scopes: ["read"] })
   * @throws {TypeError} When `subject` is empty or an option is invalid, e.g. `data` naming a registered claim.
   * @throws {RangeError} When `expiresIn` is negative, NaN, infinite or plainly milliseconds.
   */
  createAccessToken(subject: string, ...args: CreateTokenArgs<Claims, CreateTokenOptions<Claims>>): string {
    const options: CreateTokenOptions<Claims> | undefined = args[0];
    assertKnownOptions(options, CREATE_OPTION_NAMES, 'createAccessToken options');
    return this.#factory.create(subject, 'access', options);
  }

  /**
   * Creates a refresh token (`type: "refresh"`, lifetime `refreshTokenExpires`).
   *
   * As for {@link createAccessToken}, declared claims with required keys make `data` required.
   *
   * @example auth.createRefreshToken("user1")
   * @throws {TypeError} As {@link createAccessToken}; also when `fresh` is given.
   * @throws {RangeError} When `expiresIn` is negative, NaN, infinite or plainly milliseconds.
   */
  createRefreshToken(subject: string, ...args: CreateTokenArgs<Claims, CreateTokenOptions<Claims>>): string {
    const options: CreateTokenOptions<Claims> | undefined = args[0];
    assertKnownOptions(options, CREATE_OPTION_NAMES, 'createRefreshToken options');
    return this.#factory.create(subject, 'refresh', options);
  }

  /**
   * Creates both tokens, as a login does: they start a new token family (the same fresh `fid`
   * claim in both, unless `data.fid` names one), which {@link rotateRefreshToken} carries on and {@link revokeFamily} ends.
   * `fresh` and `expiresIn` apply to the access token; `refreshExpiresIn` to the refresh token;
   * `data`, `audience`, `scopes` and `headers` to both. As for {@link createAccessToken},
   * declared claims with required keys make `data` required.
   *
   * @example const { access_token, refresh_token } = auth.createTokenPair("user1", { fresh: true })
   * @throws {TypeError | RangeError} As {@link createAccessToken}.
   */
  createTokenPair(subject: string, ...args: CreateTokenArgs<Claims, TokenPairOptions<Claims>>): TokenPair {
    const options: TokenPairOptions<Claims> | undefined = args[0];
    assertKnownOptions(options, PAIR_OPTION_NAMES, 'createTokenPair options');
    // `data.fid` chooses the family itself; otherwise the pair starts a new one.
    const family = options?.data !== undefined && Object.hasOwn(options.data, 'fid') ? {} : { fid: randomUUID() };
    const access_token = this.#factory.create(subject, 'access', options, undefined, family);
    const { fresh: _fresh, expiresIn: _expiresIn, refreshExpiresIn, ...shared } = options ?? {};
    const refresh_token = this.#factory.create(subject, 'refresh', shared, refreshExpiresIn, family);
    return { access_token, refresh_token, token_type: 'bearer' };
  }

  /**
   * Starts a session: a token pair of a new family, recorded in the revocation store with the
   * client's metadata, so the user can list it ({@link listSessions}) and end it
   * ({@link endSession}). Recording needs the store, so this returns a Promise, where
   * {@link createTokenPair} (which records nothing) stays synchronous. Past `maxSessions`
   * (default 100) the user's oldest sessions are ended first.
   *
   * @example const { access_token, refresh_token, sessionId } = await auth.createSession("user1", { userAgent: req.headers["user-agent"] })
   * @throws {TypeError | RangeError} As {@link createTokenPair}, or for bad metadata.
   * @throws {StateUnavailableError} When the store cannot be reached (503).
   */
  async createSession(subject: string, ...args: CreateTokenArgs<Claims, TokenPairOptions<Claims> & SessionMetadata>): Promise<TokenPair & { sessionId: string }> {
    const given: (TokenPairOptions<Claims> & SessionMetadata) | undefined = args[0];
    assertKnownOptions(given, [...PAIR_OPTION_NAMES, ...SESSION_OPTION_NAMES], 'createSession options');
    const { userAgent, network, maxSessions, ...pairOptions } = given ?? {};
    const meta = { userAgent: cleanUserAgent(userAgent), network: cleanNetwork(network), max: maxSessionsOf(maxSessions) };
    if (pairOptions.data !== undefined && Object.hasOwn(pairOptions.data, 'fid')) throw new TypeError('createSession starts its own family: data may not name fid');
    const pair = (this.createTokenPair as (subject: string, options?: TokenPairOptions<Claims>) => TokenPair)(subject, pairOptions);
    const claims = decodeJwt(pair.refresh_token).payload as { jti: string; iat: number; exp: number; fid: string };
    const createdAt = issuedAtMs(claims.jti, claims.iat);
    const count = await this.#store.recordSession({
      id: claims.fid, subject, createdAt, lastUsedAt: createdAt, expiresAt: claims.exp + Math.ceil(this.#clockTolerance),
      userAgent: meta.userAgent, network: meta.network,
    });
    // Past the bound, the oldest are ended first. A store that answers its count spares the read
    // of the list on every login below the bound (a login on Redis stays at three round trips).
    if (typeof count !== 'number' || count > meta.max) {
      const others = (await listSessions(this.#store, subject)).filter((s) => s.id !== claims.fid);
      for (const old of others.slice(meta.max - 1).reverse()) await this.#endListed(subject, old, createdAt);
    }
    return { ...pair, sessionId: claims.fid };
  }

  /**
   * The user's sessions, newest first (times in seconds). A session ended, expired or folded
   * into a "logged out everywhere" cut-off is not listed.
   *
   * @example for (const s of await auth.listSessions("user1")) console.log(s.id, s.userAgent)
   * @throws {TypeError} When `subject` is not a non-empty string.
   * @throws {StateUnavailableError} When the store cannot be reached (503).
   */
  async listSessions(subject: string): Promise<SessionInfo[]> {
    assertKey(subject, 'subject');
    return listSessions(this.#store, subject);
  }

  /**
   * Ends one of the user's sessions: its family is revoked, so every access and refresh token
   * of it is refused at once. Answers `false` (and changes nothing) when the user has no live
   * session with that id, whoever else may have one.
   *
   * @example if (!(await auth.endSession("user1", id))) answer404()
   * @throws {TypeError} When an argument is not a non-empty string.
   * @throws {StateUnavailableError} When the store cannot be reached (503).
   */
  async endSession(subject: string, id: string): Promise<boolean> {
    assertKey(subject, 'subject');
    if (typeof id !== 'string' || id === '' || id.length > 1024) return false;
    const found = (await this.#store.listSessions(subject)).find((s) => s.id === id && s.subject === subject);
    if (found === undefined) return false;
    await this.#endListed(subject, found, undefined);
    return true;
  }

  /** Revokes the family of a session just listed (its record goes with it), with no second read. */
  async #endListed(subject: string, session: { id: string; expiresAt: number }, keepFromMs: number | undefined): Promise<void> {
    const end = Math.max(session.expiresAt, this.#rotation.familyExpiry(undefined));
    await this.#store.revokeFamily(session.id, end, { ...this.#owner(subject, this.#clock(), end), keepFromMs });
  }

  /**
   * Ends every session of the user except `currentId` ("sign out of other devices"); answers how
   * many were ended.
   *
   * @example await auth.endOtherSessions(payload.sub, payload.fid)
   * @throws {TypeError} When `subject` is not a non-empty string.
   * @throws {StateUnavailableError} When the store cannot be reached (503).
   */
  async endOtherSessions(subject: string, currentId: string | undefined): Promise<number> {
    assertKey(subject, 'subject');
    // One read; then one write per session ended (not a read per session as well).
    const others = (await listSessions(this.#store, subject)).filter((s) => s.id !== currentId);
    for (const session of others) await this.#endListed(subject, session, undefined);
    return others.length;
  }

  /**
   * Refresh token rotation (RFC 9700 section 4.14.2): verifies a refresh token, retires it and
   * answers a new access token and the one successor refresh token of the same family. Presenting
   * a retired token again is theft, which revokes the whole family, except under the race rule:
   * within `reuseGraceSeconds` (default 10) of the rotation, and while the successor is unused,
   * the same successor is answered again. See docs/rotation.md.
   *
   * @example const { access_token, refresh_token } = await auth.rotateRefreshToken(await auth.getRefreshTokenFromRequest(req))
   * @throws {RefreshTokenReusedError} `ERR_REFRESH_TOKEN_REUSED` (401) on reuse; the family is revoked by then.
   * @throws {JWTDecodeError} Or a subclass, when the token does not verify as a refresh token.
   * @throws {TypeError} When an option is invalid or the store cannot rotate.
   */
  rotateRefreshToken(token: RequestToken | string, options?: RotateOptions): Promise<RotatedTokens> {
    return this.#rotation.rotate(token, options);
  }

  /**
   * Whether a token family was revoked (by {@link revokeFamily}, a logout, or a detected reuse).
   *
   * Pass the family's subject when you have it: a store that keeps each subject's state together
   * (Redis Cluster) answers from one place.
   *
   * @example if (await auth.isFamilyRevoked(payload.fid, payload.sub)) ...
   * @throws {TypeError} When `fid` is not a non-empty string.
   */
  isFamilyRevoked(fid: string, subject?: string): Promise<boolean> {
    return this.#rotation.isFamilyRevoked(fid, subject);
  }

  /**
   * Finds the access token of a request in the configured locations, in order.
   *
   * @example const found = await auth.getAccessTokenFromRequest(req)
   * @throws {MissingTokenError} `ERR_TOKEN_MISSING` when no location holds one.
   * @throws {InvalidAuthorizationHeaderError} For a malformed or other-scheme `Authorization` header.
   * @throws {BodyError} When a JSON body is too large or invalid (`json` location).
   * @throws {TypeError} When `options.locations` is invalid.
   */
  getAccessTokenFromRequest(req: AnyRequest, options?: GetTokenOptions): Promise<RequestToken> {
    return this.#find(req, 'access', options);
  }

  /**
   * Finds the refresh token of a request; every location works, the query string included.
   *
   * @example const found = await auth.getRefreshTokenFromRequest(req, { locations: ["cookies"] })
   * @throws {MissingTokenError | InvalidAuthorizationHeaderError | BodyError | TypeError} As {@link getAccessTokenFromRequest}.
   */
  getRefreshTokenFromRequest(req: AnyRequest, options?: GetTokenOptions): Promise<RequestToken> {
    return this.#find(req, 'refresh', options);
  }

  /**
   * {@link getAccessTokenFromRequest} without a Promise, for locations that need no body
   * (headers, cookies, query): what a hot route uses with {@link verifyTokenSync}.
   *
   * @example const payload = auth.verifyTokenSync(auth.getAccessTokenFromRequestSync(req))
   * @throws {TypeError} When the locations include `json`, or `options.locations` is invalid.
   * @throws {MissingTokenError | InvalidAuthorizationHeaderError} As {@link getAccessTokenFromRequest}.
   */
  getAccessTokenFromRequestSync(req: AnyRequest, options?: GetTokenOptions): RequestToken {
    assertKnownOptions(options, ['locations'], 'getAccessTokenFromRequestSync options');
    return this.#extractor.findSync(req, 'access', this.#locations(options));
  }

  /**
   * {@link getRefreshTokenFromRequest} without a Promise; as {@link getAccessTokenFromRequestSync}.
   *
   * @example const found = auth.getRefreshTokenFromRequestSync(req, { locations: ["cookies"] })
   * @throws {TypeError | MissingTokenError | InvalidAuthorizationHeaderError} As {@link getAccessTokenFromRequestSync}.
   */
  getRefreshTokenFromRequestSync(req: AnyRequest, options?: GetTokenOptions): RequestToken {
    assertKnownOptions(options, ['locations'], 'getRefreshTokenFromRequestSync options');
    return this.#extractor.findSync(req, 'refresh', this.#locations(options));
  }

  /**
   * Verifies a token: the JWT core, revocation, type, freshness, CSRF, scopes, in that order.
   *
   * The payload carries the instance's `Claims`; `verifyToken<T>()` names another claim type for
   * one call (as jose's `jwtVerify<T>` does), for tokens this application signed with that shape.
   *
   * @example const payload = await auth.verifyToken(found, { requiredScopes: ["read"] })
   * @throws {JWTDecodeError} Or a subclass: `TokenExpiredError`, `SignatureInvalidError`,
   *   `RevokedTokenError`, `AccessTokenRequiredError`, `RefreshTokenRequiredError`, `FreshTokenRequiredError`, ...
   * @throws {CSRFError} When a cookie token on a `csrfMethods` request fails the CSRF check.
   * @throws {InsufficientScopeError} When `requiredScopes` are not granted.
   * @throws {TypeError} When an option is invalid.
   */
  verifyToken<T extends object = Claims>(token: RequestToken | string, options?: VerifyTokenOptions): Promise<TokenPayload<T>> {
    // The signature vouches for the claims: only this application's secret wrote them.
    return this.#verifier.verify(token, options) as Promise<TokenPayload<T>>;
  }

  /**
   * {@link verifyToken} without a Promise, for synchronous revocation stores (the default one is).
   *
   * @example const payload = auth.verifyTokenSync(token)
   * @throws {JWTDecodeError | CSRFError | InsufficientScopeError} As {@link verifyToken}.
   * @throws {TypeError} When an option is invalid or the store's `isRevoked` returns a Promise.
   */
  verifyTokenSync<T extends object = Claims>(token: RequestToken | string, options?: VerifyTokenOptions): TokenPayload<T> {
    return this.#verifier.verifySync(token, options) as TokenPayload<T>;
  }

  /**
   * {@link verifyToken} that answers without a Promise whenever the revocation store does (the
   * memory and DATA_DIR stores, a Redis read its client-side cache holds), and with a Promise
   * otherwise; the token is verified once either way. For hot paths that serve both.
   *
   * @example const p = auth.verifyTokenEither(token); const payload = p instanceof Promise ? await p : p
   * @throws {JWTDecodeError | CSRFError | InsufficientScopeError} As {@link verifyToken}, thrown or rejected.
   */
  verifyTokenEither<T extends object = Claims>(token: RequestToken | string, options?: VerifyTokenOptions): TokenPayload<T> | Promise<TokenPayload<T>> {
    return this.#verifier.verifyEither(token, options) as TokenPayload<T> | Promise<TokenPayload<T>>;
  }

  /**
   * Revokes a verified token until it would have expired (plus the clock tolerance, during which
   * it would still verify), or with `family: true` its whole family (the login session). The entry
   * counts in the subject's share of the store; a subject past its share has all its entries
   * folded into one cut-off ("logged out everywhere"), so no account can fill the store, and the
   * answer says which happened (docs/state.md).
   *
   * @example await auth.revokeToken(await auth.verifyToken(found), { family: true })
   * @throws {TypeError} When the payload has no string `jti`/`sub` or no numeric `exp`, or an option is unknown.
   * @throws {RevocationStoreFullError} When the store is full and folding frees nothing (503).
   * @throws {StateUnavailableError} When the store cannot be reached or the write did not become durable (503).
   */
  async revokeToken(payload: Pick<TokenPayload, 'jti' | 'exp' | 'sub'> & Partial<Pick<TokenPayload, 'iat' | 'fid'>>, options?: RevokeTokenOptions): Promise<RevokeResult> {
    if (typeof payload?.jti !== 'string' || payload.jti === '' || typeof payload.exp !== 'number' || !Number.isFinite(payload.exp)) {
      throw new TypeError('revokeToken needs a verified payload with a string jti and a numeric exp');
    }
    if (typeof payload.sub !== 'string' || payload.sub === '') throw new TypeError('revokeToken needs the verified payload\'s sub');
    checkOptionNames(options, ['family'], 'revokeToken');
    const family = options?.family ?? false;
    if (typeof family !== 'boolean') throw new TypeError('family must be a boolean');
    // Revoking the family ends the whole session (every token of that login); a token without
    // a family falls back to revoking itself.
    const fid = family && typeof payload.fid === 'string' && payload.fid !== '' ? payload.fid : undefined;
    const nowMs = this.#clock();
    if (fid !== undefined) {
      const expiresAt = this.#rotation.familyExpiry(typeof payload.iat === 'number' ? { iat: payload.iat, exp: payload.exp } : undefined);
      return this.#store.revokeFamily(fid, expiresAt, this.#owner(payload.sub, nowMs, expiresAt));
    }
    const expiresAt = payload.exp + Math.ceil(this.#clockTolerance);
    const coversMs = issuedAtMs(payload.jti, typeof payload.iat === 'number' ? payload.iat : Math.floor(nowMs / 1000));
    return this.#store.revoke(payload.jti, expiresAt, { ...this.#owner(payload.sub, nowMs, expiresAt), coversMs });
  }

  /**
   * Revokes every token of `subject` issued up to this millisecond ("log out everywhere"). A
   * token issued later, even within the same second, still works: tokens carry their issue
   * millisecond in their `jti`. The cut-off is remembered for the longest configured lifetime
   * (plus tolerance) unless `expiresAt` (seconds) says longer, e.g. for tokens made with a longer `expiresIn`.
   *
   * @example await auth.revokeAllTokens("user1")
   * @throws {TypeError} When `subject` is not a non-empty string or an option is invalid.
   * @throws {StateUnavailableError} When the store cannot be reached (503).
   */
  async revokeAllTokens(subject: string, options?: { expiresAt?: number }): Promise<void> {
    assertKey(subject, 'subject');
    checkOptionNames(options, ['expiresAt'], 'revokeAllTokens');
    const nowMs = this.#clock();
    const longest = this.#longestLifetimeEnd(nowMs);
    if (options?.expiresAt !== undefined) assertTime(options.expiresAt, 'expiresAt');
    await this.#store.revokeSubject(subject, nowMs, Math.max(longest, options?.expiresAt ?? longest));
  }

  /**
   * Revokes every token carrying the family id `fid` (claim `fid`) of `subject` until `expiresAt`
   * (seconds; the expiry of the family's last refresh token). Without `expiresAt`, until the
   * longest token lifetime from now has passed: the newest token of a family is issued now at the latest.
   *
   * @example await auth.revokeFamily(payload.fid, payload.sub)
   * @throws {TypeError} When an argument is invalid.
   * @throws {StateUnavailableError} When the store cannot be reached (503).
   */
  async revokeFamily(fid: string, subject: string, expiresAt?: number): Promise<void> {
    assertKey(fid, 'fid');
    assertKey(subject, 'subject');
    if (expiresAt !== undefined) assertTime(expiresAt, 'expiresAt');
    const end = expiresAt === undefined ? this.#rotation.familyExpiry(undefined) : expiresAt + Math.ceil(this.#clockTolerance);
    await this.#store.revokeFamily(fid, end, this.#owner(subject, this.#clock(), end));
  }

  /** The owner of an entry made now: it covers everything the subject was issued until now. */
  #owner(subject: string, nowMs: number, expiresAt: number): Owner {
    return { subject, coversMs: nowMs, cutoffExpiresAt: Math.max(expiresAt, this.#longestLifetimeEnd(nowMs)) };
  }

  /** Seconds since the epoch until which a cut-off made at `nowMs` can still matter. */
  #longestLifetimeEnd(nowMs: number): number {
    const longest = Math.max(this.config.accessTokenExpires, this.config.refreshTokenExpires);
    return Math.floor(nowMs / 1000) + longest + Math.ceil(this.#clockTolerance) + 1;
  }

  /**
   * Sets the access token cookie and, with CSRF protection, the script-readable CSRF cookie.
   *
   * @example auth.setAccessCookies(res, auth.createAccessToken("user1"))
   * @throws {TypeError} When the token has no `csrf` claim but the CSRF cookie is wanted, or `maxAge` is invalid.
   */
  setAccessCookies(res: ServerResponse, token: string, options?: SetCookieOptions): void {
    assertKnownOptions(options, COOKIE_OPTION_NAMES, 'setAccessCookies options');
    appendSetCookie(res, this.#cookies.setValues('access', token, options));
  }

  /**
   * Sets the refresh token cookie and its CSRF cookie.
   *
   * @example auth.setRefreshCookies(res, auth.createRefreshToken("user1"))
   * @throws {TypeError} As {@link setAccessCookies}.
   */
  setRefreshCookies(res: ServerResponse, token: string, options?: SetCookieOptions): void {
    assertKnownOptions(options, COOKIE_OPTION_NAMES, 'setRefreshCookies options');
    appendSetCookie(res, this.#cookies.setValues('refresh', token, options));
  }

  /**
   * Deletes the access token cookie and its CSRF cookie.
   *
   * @example auth.unsetAccessCookies(res)
   * @throws Never (node:http throws if the headers were already sent).
   */
  unsetAccessCookies(res: ServerResponse): void {
    appendSetCookie(res, this.#cookies.unsetValues('access'));
  }

  /**
   * Deletes the refresh token cookie and its CSRF cookie.
   *
   * @example auth.unsetRefreshCookies(res)
   * @throws Never (node:http throws if the headers were already sent).
   */
  unsetRefreshCookies(res: ServerResponse): void {
    appendSetCookie(res, this.#cookies.unsetValues('refresh'));
  }

  /**
   * Deletes every token and CSRF cookie (logout).
   *
   * @example auth.unsetCookies(res)
   * @throws Never (node:http throws if the headers were already sent).
   */
  unsetCookies(res: ServerResponse): void {
    appendSetCookie(res, [...this.#cookies.unsetValues('access'), ...this.#cookies.unsetValues('refresh')]);
  }

  /**
   * `Set-Cookie` values for fetch-style responses: append each with `headers.append("Set-Cookie", v)`.
   * With a token, the values that set its cookies; with `null`, the values that delete them.
   *
   * @example for (const v of auth.cookieHeaderValues("access", token)) headers.append("Set-Cookie", v)
   * @throws {TypeError} As {@link setAccessCookies}.
   */
  cookieHeaderValues(type: TokenType, token: string | null, options?: SetCookieOptions): string[] {
    assertKnownOptions(options, COOKIE_OPTION_NAMES, 'cookieHeaderValues options');
    if (type !== 'access' && type !== 'refresh') throw new TypeError('type must be "access" or "refresh"');
    return token === null ? this.#cookies.unsetValues(type) : this.#cookies.setValues(type, token, options);
  }

  /**
   * Wraps a `node:http` handler: a thrown or rejected library error becomes the JSON answer
   * `{"detail": message}` (or, with `body: "authx"`, Python AuthX's `{"message", "error_type"}`)
   * with its status and `WWW-Authenticate` (see `errorToHttp`); any other error becomes a generic
   * 500. If the response had already started, it is destroyed.
   *
   * @example http.createServer(auth.handleErrors(async (req, res) => { ... }))
   * @throws {TypeError} For an unknown option or a value of the wrong type; the returned function resolves in every case.
   */
  handleErrors(handler: NodeHandler, options?: HandleErrorsOptions): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
    assertKnownOptions(options, ['onUnexpectedError', 'body'], 'handleErrors options');
    const onUnexpectedError = options?.onUnexpectedError;
    if (onUnexpectedError !== undefined && typeof onUnexpectedError !== 'function') throw new TypeError('onUnexpectedError must be a function');
    const body = errorBodyShape(options?.body);
    return async (req, res) => {
      try {
        await handler(req, res);
      } catch (error) {
        const answer = errorToHttp(error, { body });
        if (answer.status === 500 && onUnexpectedError !== undefined) {
          try {
            onUnexpectedError(error);
          } catch {
            // a failing logger must not turn one error into an unhandled rejection
          }
        }
        if (res.headersSent) {
          res.destroy();
          return;
        }
        // Headers the handler set before failing (cookies above all) must not ride on the error.
        for (const name of res.getHeaderNames()) res.removeHeader(name);
        res.writeHead(answer.status, answer.headers).end(JSON.stringify(answer.body));
      }
    };
  }

  #find(req: AnyRequest, type: TokenType, options: GetTokenOptions | undefined): Promise<RequestToken> {
    assertKnownOptions(options, ['locations', 'body'], `get${type === 'access' ? 'Access' : 'Refresh'}TokenFromRequest options`);
    const body = options?.body;
    if (body !== undefined && typeof body !== 'function') throw new TypeError('body must be a function returning the parsed body');
    return this.#extractor.find(req, type, this.#locations(options), body);
  }

  #locations(options: GetTokenOptions | undefined): readonly TokenLocation[] {
    return options?.locations === undefined ? this.config.tokenLocation : validateTokenLocations(options.locations, 'locations');
  }
}

function checkOptionNames(options: object | undefined, known: readonly string[], where: string): void {
  if (options === undefined) return;
  if (typeof options !== 'object' || options === null) throw new TypeError(`${where} options must be an object`);
  for (const name of Object.keys(options)) if (!known.includes(name)) throw new TypeError(`unknown ${where} option "${name}"`);
}
