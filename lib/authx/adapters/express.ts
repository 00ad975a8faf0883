/**
 * The Express 5 adapter, `authx-node/express`: a guard middleware per route, an error handler
 * that answers only the library's errors, implicit refresh as app middleware, and the session
 * operations on Express's own `req`/`res`: token getters, refresh token rotation, logout with
 * revocation, cookies set with `res.append`. Express is imported for its types only; the
 * package does not depend on it.
 */
import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import type { AuthX } from '../authx.ts';
import type { SetCookieOptions } from '../http/cookies.ts';
import { ImplicitRefresh, type ImplicitRefreshOptions } from '../http/implicit-refresh.ts';
import type { RequestToken } from '../http/request-token.ts';
import type { RotatedTokens } from '../tokens/rotation.ts';
import type { TokenPayload } from '../tokens/token-verifier.ts';
import {
  compileGuard, findToken, libraryErrorAnswer, logoutCookieValues, logoutFrom, parsedBody, rotateFrom,
  type GuardOptions, type LogoutOptions, type LogoutResult, type RefreshOptions, type TokenLookupOptions,
} from './guard.ts';

export type { GuardOptions, LogoutOptions, LogoutResult, RefreshOptions, TokenLookupOptions } from './guard.ts';

const BODY_FIX = 'mount express.json() before the guard';

/** The Express adapter of one AuthX instance; see {@link expressAuth}. */
export interface ExpressAuth<C extends object = Record<string, unknown>> {
  /** Middleware that lets a request through only with a token as `options` require; its payload is then `payload(req)`. */
  required(options?: GuardOptions): RequestHandler;
  /** The payload the route's guard verified. Throws a `TypeError` when no guard ran on this request. */
  payload(req: Request): TokenPayload<C>;
  /** Error middleware: library errors get their answer (`{"detail"}`, status, `WWW-Authenticate`); others go to `next(error)`. */
  readonly errorHandler: ErrorRequestHandler;
  /** App middleware renewing cookie access tokens close to expiry. */
  implicitRefresh(options?: ImplicitRefreshOptions): RequestHandler;
  /** Sets the access token cookie (and its CSRF cookie). */
  setAccessCookies(res: Response, token: string, options?: SetCookieOptions): void;
  /** Sets the refresh token cookie (and its CSRF cookie). */
  setRefreshCookies(res: Response, token: string, options?: SetCookieOptions): void;
  /** Deletes the access token cookie and its CSRF cookie. */
  unsetAccessCookies(res: Response): void;
  /** Deletes the refresh token cookie and its CSRF cookie. */
  unsetRefreshCookies(res: Response): void;
  /** Deletes every token and CSRF cookie (logout). */
  unsetCookies(res: Response): void;
  /** Finds the access token of a request (the `json` location reads `req.body`, after `express.json()`). */
  getAccessToken(req: Request, options?: TokenLookupOptions): Promise<RequestToken>;
  /** Finds the refresh token of a request. */
  getRefreshToken(req: Request, options?: TokenLookupOptions): Promise<RequestToken>;
  /** Finds the request's refresh token and rotates it: a new pair, the old refresh token retired (docs/rotation.md). */
  rotateRefreshToken(req: Request, options?: RefreshOptions): Promise<RotatedTokens>;
  /** Verifies the request's token (access by default), revokes its session, and deletes the cookies. */
  logout(req: Request, res: Response, options?: LogoutOptions): Promise<LogoutResult>;
}

/**
 * The Express adapter of an AuthX instance.
 *
 * @example
 * const guard = expressAuth(auth);
 * app.get("/protected", guard.required(), (req, res) => res.json({ user: guard.payload(req).sub }));
 * app.use(guard.errorHandler);
 * @throws Never.
 */
export function expressAuth<C extends object>(auth: AuthX<C>): ExpressAuth<C> {
  const payloads = new WeakMap<Request, TokenPayload<C>>();
  return {
    required(options) {
      const guard = compileGuard(auth, options, 'required() options');
      // express.json() has parsed the body; the stream is never read a second time.
      return (req, _res, next) => {
        guard(req, () => bodyOf(req)).then((payload) => {
          payloads.set(req, payload);
          next();
        }, next);
      };
    },
    payload(req) {
      const payload = payloads.get(req);
      if (payload === undefined) throw new TypeError('no authx guard ran on this request; add required() before the handler');
      return payload;
    },
    errorHandler: (error, _req, res, next) => {
      const answer = libraryErrorAnswer(error);
      if (answer === undefined || res.headersSent) return next(error);
      // Cookies a handler set before failing must not ride on the error answer.
      res.removeHeader('set-cookie');
      res.status(answer.status).set(answer.headers).send(JSON.stringify(answer.body));
    },
    implicitRefresh(options) {
      const refresh = new ImplicitRefresh<C>(auth, options);
      return (req, res, next) => {
        refresh.setCookieValues(req, req.path).then((values) => {
          if (values.length > 0) res.append('Set-Cookie', values);
          next();
        }, next);
      };
    },
    setAccessCookies: (res, token, options) => res.append('Set-Cookie', auth.cookieHeaderValues('access', token, options)),
    setRefreshCookies: (res, token, options) => res.append('Set-Cookie', auth.cookieHeaderValues('refresh', token, options)),
    unsetAccessCookies: (res) => res.append('Set-Cookie', auth.cookieHeaderValues('access', null)),
    unsetRefreshCookies: (res) => res.append('Set-Cookie', auth.cookieHeaderValues('refresh', null)),
    unsetCookies: (res) => res.append('Set-Cookie', [...auth.cookieHeaderValues('access', null), ...auth.cookieHeaderValues('refresh', null)]),
    getAccessToken: (req, options) => findToken(auth, req, 'access', options, () => bodyOf(req), 'getAccessToken options'),
    getRefreshToken: (req, options) => findToken(auth, req, 'refresh', options, () => bodyOf(req), 'getRefreshToken options'),
    rotateRefreshToken: (req, options) => rotateFrom(auth, req, options, () => bodyOf(req), 'rotateRefreshToken options'),
    async logout(req, res, options) {
      const result = await logoutFrom(auth, req, options, () => bodyOf(req), 'logout options');
      const values = logoutCookieValues(auth);
      if (values.length > 0) res.append('Set-Cookie', values);
      return result;
    },
  };
}

/** The body express.json() parsed, for the `json` location. */
function bodyOf(req: Request): unknown {
  return parsedBody(req.body, req.headers, BODY_FIX);
}
