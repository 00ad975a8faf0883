/**
 * The Hono adapter, `authx-node/hono`: the guard as middleware with the payload in the context
 * (`c.get("authx")`), an error handler for `app.onError` that answers the library's errors and
 * gives every other error Hono's default treatment (logged, a plain 500), implicit refresh as app
 * middleware, and the session operations on Hono's context `c`: token getters, refresh token
 * rotation, logout with revocation, cookies set with `c.header`. Hono is imported for its types
 * only; the package does not depend on it.
 */
import type { Context, ErrorHandler, MiddlewareHandler } from 'hono';
import type { AuthX } from '../authx.ts';
import { readJsonBody } from '../http/body.ts';
import type { SetCookieOptions } from '../http/cookies.ts';
import { ImplicitRefresh, type ImplicitRefreshOptions } from '../http/implicit-refresh.ts';
import { isJsonContentType, type RequestToken } from '../http/request-token.ts';
import type { RotatedTokens } from '../tokens/rotation.ts';
import type { TokenPayload } from '../tokens/token-verifier.ts';
import {
  compileGuard, findToken, libraryErrorAnswer, logoutCookieValues, logoutFrom, rotateFrom,
  type GuardOptions, type LogoutOptions, type LogoutResult, type RefreshOptions, type TokenLookupOptions,
} from './guard.ts';

export type { GuardOptions, LogoutOptions, LogoutResult, RefreshOptions, TokenLookupOptions } from './guard.ts';

/** The context variables the guard sets: `c.get("authx")` is the verified payload. */
export interface AuthXVariables<C extends object = Record<string, unknown>> {
  authx: TokenPayload<C>;
}

/** The Hono adapter of one AuthX instance; see {@link honoAuth}. */
export interface HonoAuth<C extends object = Record<string, unknown>> {
  /** Middleware that lets a request through only with a token as `options` require; the payload is then `c.get("authx")`. */
  required(options?: GuardOptions): MiddlewareHandler<{ Variables: AuthXVariables<C> }>;
  /**
   * For `app.onError`: library errors get their answer; Hono's `HTTPException`s keep their own
   * response; any other error gets what Hono's default handler gives it: `console.error(error)`
   * and a plain `500 Internal Server Error`, so a bug is never a silent empty 500.
   */
  readonly errorHandler: ErrorHandler;
  /** App middleware renewing cookie access tokens close to expiry. */
  implicitRefresh(options?: ImplicitRefreshOptions): MiddlewareHandler;
  /** Sets the access token cookie (and its CSRF cookie). */
  setAccessCookies(c: Context, token: string, options?: SetCookieOptions): void;
  /** Sets the refresh token cookie (and its CSRF cookie). */
  setRefreshCookies(c: Context, token: string, options?: SetCookieOptions): void;
  /** Deletes the access token cookie and its CSRF cookie. */
  unsetAccessCookies(c: Context): void;
  /** Deletes the refresh token cookie and its CSRF cookie. */
  unsetRefreshCookies(c: Context): void;
  /** Deletes every token and CSRF cookie (logout). */
  unsetCookies(c: Context): void;
  /** Finds the access token of the request of `c` (the `json` location reads the body into Hono's cache). */
  getAccessToken(c: Context, options?: TokenLookupOptions): Promise<RequestToken>;
  /** Finds the refresh token of the request of `c`. */
  getRefreshToken(c: Context, options?: TokenLookupOptions): Promise<RequestToken>;
  /** Finds the request's refresh token and rotates it: a new pair, the old refresh token retired (docs/rotation.md). */
  rotateRefreshToken(c: Context, options?: RefreshOptions): Promise<RotatedTokens>;
  /** Verifies the request's token (access by default), revokes its session, and deletes the cookies. */
  logout(c: Context, options?: LogoutOptions): Promise<LogoutResult>;
}

/**
 * The Hono adapter of an AuthX instance.
 *
 * @example
 * const guard = honoAuth(auth);
 * app.onError(guard.errorHandler);
 * app.get("/protected", guard.required(), (c) => c.json({ user: c.get("authx").sub }));
 * @throws Never.
 */
export function honoAuth<C extends object>(auth: AuthX<C>): HonoAuth<C> {
  const limit = auth.config.jsonBodyLimit;
  const setCookies = (c: Context, values: readonly string[]): void => {
    for (const value of values) c.header('Set-Cookie', value, { append: true });
  };
  return {
    required(options) {
      const guard = compileGuard(auth, options, 'required() options');
      return async (c, next) => {
        c.set('authx', await guard(c.req.raw, () => cachedJson(c, limit)));
        await next();
      };
    },
    errorHandler(error, c) {
      const answer = libraryErrorAnswer(error);
      if (answer !== undefined) {
        // Cookies set before the failure must not ride on the error answer.
        c.header('Set-Cookie', undefined);
        return c.json(answer.body, answer.status as 400, answer.headers);
      }
      const own = (error as { getResponse?: unknown }).getResponse;
      if (typeof own === 'function') return own.call(error) as Response;
      // Hono's default handler, which app.onError replaced: rethrowing from here would reach the
      // server as an empty 500 with no log line, hiding the bug.
      console.error(error);
      return c.text('Internal Server Error', 500);
    },
    implicitRefresh(options) {
      const refresh = new ImplicitRefresh<C>(auth, options);
      return async (c, next) => {
        const values = await refresh.setCookieValues(c.req.raw, c.req.path);
        await next();
        if (c.error === undefined) setCookies(c, values);
      };
    },
    setAccessCookies: (c, token, options) => setCookies(c, auth.cookieHeaderValues('access', token, options)),
    setRefreshCookies: (c, token, options) => setCookies(c, auth.cookieHeaderValues('refresh', token, options)),
    unsetAccessCookies: (c) => setCookies(c, auth.cookieHeaderValues('access', null)),
    unsetRefreshCookies: (c) => setCookies(c, auth.cookieHeaderValues('refresh', null)),
    unsetCookies: (c) => setCookies(c, [...auth.cookieHeaderValues('access', null), ...auth.cookieHeaderValues('refresh', null)]),
    getAccessToken: (c, options) => findToken(auth, c.req.raw, 'access', options, () => cachedJson(c, limit), 'getAccessToken options'),
    getRefreshToken: (c, options) => findToken(auth, c.req.raw, 'refresh', options, () => cachedJson(c, limit), 'getRefreshToken options'),
    rotateRefreshToken: (c, options) => rotateFrom(auth, c.req.raw, options, () => cachedJson(c, limit), 'rotateRefreshToken options'),
    async logout(c, options) {
      const result = await logoutFrom(auth, c.req.raw, options, () => cachedJson(c, limit), 'logout options');
      setCookies(c, logoutCookieValues(auth));
      return result;
    },
  };
}

function cachedJson(c: Context, limit: number): unknown {
  const req = c.req;
  if (!isJsonContentType(req.header('content-type')) || req.raw.body === null) return undefined;
  if (Object.keys(req.bodyCache).length > 0) {
    // An earlier guard's bounded read: the same value.
    if (req.bodyCache.json !== undefined) return req.bodyCache.json;
    // Read already by other middleware (as text, bytes, ...): Hono hands out its cached copy,
    // which goes through the same limit and parser as a first read, so bad JSON is a 400 and a
    // large body a 413 here too, never a SyntaxError (a 500) or a body past jsonBodyLimit.
    return req.arrayBuffer().then((bytes) => readJsonBody(new Request(req.raw.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: bytes }), { limit }));
  }
  // Read once, bounded, into Hono's own cache, so a later c.req.json() gets this same value
  // instead of failing with "Body has already been read".
  const parsed = readJsonBody(req.raw, { limit });
  req.bodyCache.json = parsed;
  return parsed;
}
