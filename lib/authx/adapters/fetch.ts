/**
 * The fetch adapter, `authx-node/fetch`: authentication for WHATWG `Request` handlers (Bun,
 * Deno, workerd, Next.js route handlers, `node:http` through a fetch bridge). One call protects
 * a handler, one wrapper turns library errors into `Response`s and lets every other error go,
 * and `fetchAuth(auth)` gives the session operations on a `Request` and the response `Headers`:
 * token getters, refresh token rotation, logout with revocation, cookies.
 */
import type { AuthX } from '../authx.ts';
import { readJsonBody } from '../http/body.ts';
import { ImplicitRefresh, type ImplicitRefreshOptions } from '../http/implicit-refresh.ts';
import type { SetCookieOptions } from '../http/cookies.ts';
import { isJsonContentType, type RequestToken } from '../http/request-token.ts';
import type { RotatedTokens } from '../tokens/rotation.ts';
import type { TokenPayload } from '../tokens/token-verifier.ts';
import {
  compileGuard, findToken, libraryErrorAnswer, logoutCookieValues, logoutFrom, rotateFrom,
  type GuardOptions, type LogoutOptions, type LogoutResult, type RefreshOptions, type TokenLookupOptions,
} from './guard.ts';

export type { GuardOptions, LogoutOptions, LogoutResult, RefreshOptions, TokenLookupOptions } from './guard.ts';

/** Options of {@link authenticate}: the guard options, plus the body if the handler parsed it already. */
export interface AuthenticateOptions extends GuardOptions {
  /**
   * The body the handler already parsed, for the `json` location. Without it, a JSON body is
   * read from a clone of the request, so the handler can still call `request.json()`.
   */
  body?: () => unknown;
}

/** A fetch-style handler. */
export type FetchHandler<A extends unknown[] = []> = (request: Request, ...rest: A) => Response | Promise<Response>;

/**
 * Finds and verifies the token of a request as `options` require, and returns its payload.
 * Options are checked on every call; in a hot path, use {@link fetchGuard} to check them once.
 *
 * @example const payload = await authenticate(auth, request, { scopes: ["read"] })
 * @throws {AuthError} A library error when the token is missing or not acceptable.
 * @throws {TypeError} For an unknown option or a value of the wrong type.
 */
export function authenticate<C extends object>(auth: AuthX<C>, request: Request, options?: AuthenticateOptions): Promise<TokenPayload<C>> {
  const { body, ...guardOptions } = options ?? {};
  return fetchGuard(auth, guardOptions)(request, body);
}

/**
 * {@link authenticate} with its options checked once: returns the per-request check.
 *
 * @example const requireRead = fetchGuard(auth, { scopes: ["read"] }); const payload = await requireRead(request)
 * @throws {TypeError} For an unknown option or a value of the wrong type.
 */
export function fetchGuard<C extends object>(auth: AuthX<C>, options?: GuardOptions): (request: Request, body?: () => unknown) => Promise<TokenPayload<C>> {
  const guard = compileGuard(auth, options, 'authenticate options');
  const limit = auth.config.jsonBodyLimit;
  return (request, body) => guard(request, body ?? (() => readClonedJson(request, limit)));
}

/**
 * The `Response` for a library error (status, RFC 6750 `WWW-Authenticate`, `Retry-After`,
 * `{"detail": message}`), or `undefined` for any other error, which the caller rethrows.
 *
 * @example catch (error) { return authErrorResponse(error) ?? Promise.reject(error) }
 * @throws Never.
 */
export function authErrorResponse(error: unknown): Response | undefined {
  const answer = libraryErrorAnswer(error);
  return answer === undefined ? undefined : Response.json(answer.body, { status: answer.status, headers: answer.headers });
}

/**
 * Wraps a fetch handler: a library error it throws becomes its `Response`; every other error is
 * rethrown untouched, for the runtime or the framework to handle.
 *
 * @example export default { fetch: handleAuthErrors(async (request) => { ... }) }
 * @throws Never itself; the returned handler rejects with the non-library errors of `handler`.
 */
export function handleAuthErrors<A extends unknown[]>(handler: FetchHandler<A>): (request: Request, ...rest: A) => Promise<Response> {
  return async (request, ...rest) => {
    try {
      return await handler(request, ...rest);
    } catch (error) {
      const response = authErrorResponse(error);
      if (response === undefined) throw error;
      return response;
    }
  };
}

/**
 * Wraps a fetch handler with implicit refresh: the new access token cookies are appended to the
 * handler's `Response` (a copy when its headers are immutable).
 *
 * @example handleAuthErrors(withImplicitRefresh(auth, handler, { excludeRoutes: ["/logout"] }))
 * @throws {TypeError | RangeError} For invalid options, at once.
 */
export function withImplicitRefresh<C extends object, A extends unknown[]>(
  auth: AuthX<C>,
  handler: FetchHandler<A>,
  options?: ImplicitRefreshOptions,
): (request: Request, ...rest: A) => Promise<Response> {
  const refresh = new ImplicitRefresh<C>(auth, options);
  return async (request, ...rest) => {
    const values = await refresh.setCookieValues(request);
    const response = await handler(request, ...rest);
    if (values.length === 0) return response;
    const out = new Response(response.body, response);
    for (const value of values) out.headers.append('set-cookie', value);
    return out;
  };
}

/**
 * `Set-Cookie` values appended to `headers`, for responses built by the handler.
 *
 * @example setCookies(headers, auth.cookieHeaderValues("access", token))
 * @throws Never.
 */
export function appendCookies(headers: Headers, values: readonly string[]): void {
  for (const value of values) headers.append('set-cookie', value);
}

/** The fetch adapter of one AuthX instance, in the shape of the other adapters; see {@link fetchAuth}. */
export interface FetchAuth<C extends object = Record<string, unknown>> {
  /** The per-request check of a route, its options checked once (as {@link fetchGuard}). */
  required(options?: GuardOptions): (request: Request) => Promise<TokenPayload<C>>;
  /** Finds the access token of a request (a JSON body is read from a clone, so the handler can still read it). */
  getAccessToken(request: Request, options?: TokenLookupOptions): Promise<RequestToken>;
  /** Finds the refresh token of a request. */
  getRefreshToken(request: Request, options?: TokenLookupOptions): Promise<RequestToken>;
  /** Finds the request's refresh token and rotates it: a new pair, the old refresh token retired (docs/rotation.md). */
  rotateRefreshToken(request: Request, options?: RefreshOptions): Promise<RotatedTokens>;
  /** Verifies the request's token (access by default), revokes its session, and appends the cookie deletions to `headers`. */
  logout(request: Request, headers: Headers, options?: LogoutOptions): Promise<LogoutResult>;
  /** Appends the access token cookie (and its CSRF cookie) to the response headers. */
  setAccessCookies(headers: Headers, token: string, options?: SetCookieOptions): void;
  /** Appends the refresh token cookie (and its CSRF cookie). */
  setRefreshCookies(headers: Headers, token: string, options?: SetCookieOptions): void;
  /** Appends the deletion of the access token cookie and its CSRF cookie. */
  unsetAccessCookies(headers: Headers): void;
  /** Appends the deletion of the refresh token cookie and its CSRF cookie. */
  unsetRefreshCookies(headers: Headers): void;
  /** Appends the deletion of every token and CSRF cookie. */
  unsetCookies(headers: Headers): void;
}

/**
 * The fetch adapter of an AuthX instance: the same operations as the Express, Fastify and Hono
 * adapters, on a `Request` and the `Headers` of the `Response` the handler builds.
 *
 * @example
 * const session = fetchAuth(auth);
 * const headers = new Headers();
 * const { access_token, refresh_token } = await session.rotateRefreshToken(request);
 * session.setAccessCookies(headers, access_token);
 * session.setRefreshCookies(headers, refresh_token);
 * return Response.json({ ok: true }, { headers });
 * @throws Never.
 */
export function fetchAuth<C extends object>(auth: AuthX<C>): FetchAuth<C> {
  const limit = auth.config.jsonBodyLimit;
  return {
    required: (options) => {
      const guard = fetchGuard(auth, options);
      return (request) => guard(request);
    },
    getAccessToken: (request, options) => findToken(auth, request, 'access', options, () => readClonedJson(request, limit), 'getAccessToken options'),
    getRefreshToken: (request, options) => findToken(auth, request, 'refresh', options, () => readClonedJson(request, limit), 'getRefreshToken options'),
    rotateRefreshToken: (request, options) => rotateFrom(auth, request, options, () => readClonedJson(request, limit), 'rotateRefreshToken options'),
    async logout(request, headers, options) {
      const result = await logoutFrom(auth, request, options, () => readClonedJson(request, limit), 'logout options');
      appendCookies(headers, logoutCookieValues(auth));
      return result;
    },
    setAccessCookies: (headers, token, options) => appendCookies(headers, auth.cookieHeaderValues('access', token, options)),
    setRefreshCookies: (headers, token, options) => appendCookies(headers, auth.cookieHeaderValues('refresh', token, options)),
    unsetAccessCookies: (headers) => appendCookies(headers, auth.cookieHeaderValues('access', null)),
    unsetRefreshCookies: (headers) => appendCookies(headers, auth.cookieHeaderValues('refresh', null)),
    unsetCookies: (headers) => appendCookies(headers, [...auth.cookieHeaderValues('access', null), ...auth.cookieHeaderValues('refresh', null)]),
  };
}

async function readClonedJson(request: Request, limit: number): Promise<unknown> {
  // A used body cannot be cloned; the handler consumed it without handing it over.
  if (request.body === null || request.bodyUsed || !isJsonContentType(request.headers.get('content-type') ?? undefined)) return undefined;
  return readJsonBody(request.clone(), { limit });
}
