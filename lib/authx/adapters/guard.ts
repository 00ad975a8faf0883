/**
 * Room `lib/authx/adapters/`: the framework adapters (Express, Fastify, Hono, fetch, WebSocket)
 * and the guard they share. May import: `lib/core/`, `lib/authx/`, `lib/authx/config/`,
 * `lib/authx/http/`, `lib/authx/tokens/`.
 *
 * What every framework adapter shares: a route guard compiled once from its options (token
 * type, freshness, scopes, locations, CSRF), the session operations a cookie app needs (find a
 * token, rotate a refresh token, log out with revocation), and the answer a library error gets
 * (its status, the RFC 6750 section 3 `WWW-Authenticate` challenge, `Retry-After`,
 * `{"detail": message}`). Internal to the adapters (`authx-node/express`, `/fastify`, `/hono`,
 * `/fetch`, `/websocket`).
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { AuthX } from '../authx.ts';
import { validateTokenLocations, type TokenLocation } from '../config/config.ts';
import { errorToHttp, type HttpErrorAnswer } from '../http/http-errors.ts';
import { mediaTypeOf, type AnyRequest, type GetTokenOptions, type RequestToken, type TokenType } from '../http/request-token.ts';
import type { RotatedTokens, RotateOptions } from '../tokens/rotation.ts';
import { assertScopeList, type ScopeMatch } from '../tokens/scopes.ts';
import type { TokenPayload, VerifyTokenOptions } from '../tokens/token-verifier.ts';
import { AuthError } from '../../core/errors.ts';
import { assertKnownOptions } from '../../core/option-names.ts';

/** What a route requires of its token. Every adapter's `required(options)` takes these. */
export interface GuardOptions {
  /** The kind of token the route takes. Default `access`. */
  type?: TokenType;
  /** Require a fresh access token (one issued by a login, not by a refresh). Default `false`. */
  fresh?: boolean;
  /** Scopes the token must grant. */
  scopes?: readonly string[];
  /** All of `scopes`, or any one. Default `all`. */
  scopeMatch?: ScopeMatch;
  /** Search these locations instead of the configured `tokenLocation`. */
  locations?: readonly TokenLocation[];
  /** Run the CSRF check on cookie tokens of `csrfMethods` requests. Default `true`. */
  csrf?: boolean;
}

const GUARD_OPTIONS = ['type', 'fresh', 'scopes', 'scopeMatch', 'locations', 'csrf'];

/** A compiled guard: finds and verifies the token of one request. */
export type Guard<P> = (req: AnyRequest, body?: () => unknown) => Promise<P>;

/**
 * Checks guard options once, at route definition, and returns the per-request check.
 *
 * @example const guard = compileGuard(auth, { scopes: ["read"] }, "required() options")
 * @throws {TypeError} For an unknown option name or a value of the wrong type.
 */
export function compileGuard<C extends object>(auth: AuthX<C>, options: GuardOptions | undefined, context: string): Guard<TokenPayload<C>> {
  if (options !== undefined && (typeof options !== 'object' || options === null)) throw new TypeError(`${context} must be an object`);
  const o = options ?? {};
  assertKnownOptions(o, GUARD_OPTIONS, context);
  const type = o.type ?? 'access';
  if (type !== 'access' && type !== 'refresh') throw new TypeError(`${context}: type must be "access" or "refresh"`);
  if (o.fresh !== undefined && typeof o.fresh !== 'boolean') throw new TypeError(`${context}: fresh must be a boolean`);
  if (o.fresh === true && type === 'refresh') throw new TypeError(`${context}: fresh applies to access tokens only`);
  if (o.csrf !== undefined && typeof o.csrf !== 'boolean') throw new TypeError(`${context}: csrf must be a boolean`);
  if (o.scopes !== undefined) assertScopeList(o.scopes, `${context}: scopes`);
  if (o.scopeMatch !== undefined && o.scopeMatch !== 'all' && o.scopeMatch !== 'any') throw new TypeError(`${context}: scopeMatch must be "all" or "any"`);
  const where = o.locations === undefined ? undefined : validateTokenLocations(o.locations, `${context}: locations`);
  const verify: VerifyTokenOptions = { type };
  if (o.fresh === true) verify.verifyFresh = true;
  if (o.csrf === false) verify.verifyCsrf = false;
  if (o.scopes !== undefined) verify.requiredScopes = [...o.scopes];
  if (o.scopeMatch !== undefined) verify.scopeMatch = o.scopeMatch;
  return async (req, body) => {
    const find: GetTokenOptions = {};
    if (where !== undefined) find.locations = where;
    if (body !== undefined) find.body = body;
    const found = type === 'access' ? await auth.getAccessTokenFromRequest(req, find) : await auth.getRefreshTokenFromRequest(req, find);
    return auth.verifyToken(found, verify);
  };
}

/** Options of an adapter's `getAccessToken` / `getRefreshToken`. */
export interface TokenLookupOptions {
  /** Search these locations instead of the configured `tokenLocation`. */
  locations?: readonly TokenLocation[];
}

/** Options of an adapter's `rotateRefreshToken`: where to find the refresh token, and the rotation's own options. */
export interface RefreshOptions extends RotateOptions, TokenLookupOptions {}

/** Options of an adapter's `logout`. */
export interface LogoutOptions extends TokenLookupOptions {
  /**
   * The token that proves the session: `access` (default; the one every request of a cookie app
   * carries, with its CSRF header) or `refresh`.
   */
  type?: TokenType;
  /**
   * Revoke the token's whole family, i.e. its login session: every access and refresh token
   * issued from that login and its rotations. Default `true`; `false` revokes the one token.
   */
  family?: boolean;
}

/** What a logout revoked: the token or its family (`token`), or, past the user's share of the store, every token of the subject (`subject`). */
export type LogoutResult = Awaited<ReturnType<AuthX['revokeToken']>>;

const LOOKUP_OPTIONS = ['locations'];
const REFRESH_OPTIONS = ['locations', 'reuseGraceSeconds'];
const LOGOUT_OPTIONS = ['locations', 'type', 'family'];

/**
 * Finds a token of a request the way the adapter's guard does (the framework's parsed body for
 * the `json` location).
 *
 * @example await findToken(auth, req, "refresh", options, body, "getRefreshToken options")
 * @throws {MissingTokenError | InvalidAuthorizationHeaderError | BodyError} As `getAccessTokenFromRequest`.
 * @throws {TypeError} For an unknown option.
 */
export async function findToken<C extends object>(auth: AuthX<C>, req: AnyRequest, type: TokenType, options: TokenLookupOptions | undefined, body: () => unknown, context: string): Promise<RequestToken> {
  assertKnownOptions(options, LOOKUP_OPTIONS, context);
  return lookup(auth, req, type, options?.locations, body);
}

/**
 * Finds the refresh token of a request and rotates it (`AuthX#rotateRefreshToken`).
 *
 * @example const { access_token, refresh_token } = await rotateFrom(auth, req, options, body, "rotateRefreshToken options")
 * @throws {RefreshTokenReusedError} On reuse; the family is revoked by then.
 * @throws {AuthError} When the request holds no acceptable refresh token (CSRF included).
 * @throws {TypeError} For an unknown option.
 */
export async function rotateFrom<C extends object>(auth: AuthX<C>, req: AnyRequest, options: RefreshOptions | undefined, body: () => unknown, context: string): Promise<RotatedTokens> {
  assertKnownOptions(options, REFRESH_OPTIONS, context);
  const { locations, ...rotate } = options ?? {};
  return auth.rotateRefreshToken(await lookup(auth, req, 'refresh', locations, body), rotate);
}

/**
 * Logs a request out: finds and verifies its token (access by default, CSRF included), and
 * revokes it, with its whole family unless `family: false`. The adapter then deletes the cookies.
 *
 * @example await logoutFrom(auth, req, options, body, "logout options")
 * @throws {AuthError} When the request holds no acceptable token; nothing is revoked then.
 * @throws {TypeError} For an unknown option or a value of the wrong type.
 * @throws {StateUnavailableError | RevocationStoreFullError} When the store cannot take the revocation.
 */
export async function logoutFrom<C extends object>(auth: AuthX<C>, req: AnyRequest, options: LogoutOptions | undefined, body: () => unknown, context: string): Promise<LogoutResult> {
  assertKnownOptions(options, LOGOUT_OPTIONS, context);
  const type = options?.type ?? 'access';
  if (type !== 'access' && type !== 'refresh') throw new TypeError(`${context}: type must be "access" or "refresh"`);
  const family = options?.family ?? true;
  if (typeof family !== 'boolean') throw new TypeError(`${context}: family must be a boolean`);
  const payload = await auth.verifyToken(await lookup(auth, req, type, options?.locations, body), { type });
  return auth.revokeToken(payload, { family });
}

/**
 * The `Set-Cookie` values a logout sends: every token and CSRF cookie deleted, when the app keeps
 * tokens in cookies; none otherwise.
 *
 * @example res.append("Set-Cookie", logoutCookieValues(auth))
 * @throws Never.
 */
export function logoutCookieValues<C extends object>(auth: AuthX<C>): string[] {
  if (!auth.config.tokenLocation.includes('cookies')) return [];
  return [...auth.cookieHeaderValues('access', null), ...auth.cookieHeaderValues('refresh', null)];
}

function lookup<C extends object>(auth: AuthX<C>, req: AnyRequest, type: TokenType, locations: readonly TokenLocation[] | undefined, body: () => unknown): Promise<RequestToken> {
  const find: GetTokenOptions = { body };
  if (locations !== undefined) find.locations = locations;
  return type === 'access' ? auth.getAccessTokenFromRequest(req, find) : auth.getRefreshTokenFromRequest(req, find);
}

/** The HTTP answer of a library error: `{"detail": message}`, as every answer of this library. */
export type ErrorAnswer = HttpErrorAnswer;

/**
 * The answer for a library error (`AuthError` and its subclasses), or `undefined` for anything
 * else, which the adapter passes on to the framework untouched. Messages are the errors' fixed
 * texts and never hold a token.
 *
 * @example const answer = libraryErrorAnswer(error); if (answer === undefined) return next(error)
 * @throws Never.
 */
export function libraryErrorAnswer(error: unknown): ErrorAnswer | undefined {
  return error instanceof AuthError ? errorToHttp(error) : undefined;
}

/**
 * The body a framework parsed, for the `json` location. When there is none although the request
 * declares an `application/json` body, the framework has not parsed it (no parser mounted, or
 * the guard runs before parsing); reading the stream here would starve the framework's own parser
 * and hang the request, so this is reported as the programming mistake it is, with the fix. Other
 * JSON media types (`application/vnd.api+json`) are the client's choice, which a default parser
 * may well leave alone: no body then, so no token in it (401), never a 500 a client can cause.
 *
 * @example parsedBody(req.body, req.headers, "mount express.json() before the guard")
 * @throws {TypeError} When a JSON body was declared but not parsed.
 */
export function parsedBody(body: unknown, headers: IncomingHttpHeaders, fix: string): unknown {
  if (body !== undefined) return body;
  const length = headers['content-length'];
  const declared = headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
  if (declared && mediaTypeOf(headers['content-type']) === 'application/json') throw new TypeError(`the json token location needs the parsed body: ${fix}`);
  return undefined;
}
