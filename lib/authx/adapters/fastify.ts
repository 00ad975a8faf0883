/**
 * The Fastify 5 adapter, `authx-node/fastify`: the guard as a route hook, an error handler that
 * answers only the library's errors and hands every other error to the parent handler, a plugin
 * (fastify-plugin semantics: not encapsulated) decorating `request.authx` and adding implicit
 * refresh, and the session operations on Fastify's own `request`/`reply`: token getters, refresh
 * token rotation, logout with revocation, cookies set with `reply.header`. Fastify is imported
 * for its types only.
 */
import type { FastifyError, FastifyPluginCallback, FastifyReply, FastifyRequest } from 'fastify';
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
import { assertKnownOptions } from '../../core/option-names.ts';

export type { GuardOptions, LogoutOptions, LogoutResult, RefreshOptions, TokenLookupOptions } from './guard.ts';

const ONREQUEST_FIX = 'use the guard as a preValidation or preHandler hook, not onRequest';
/** The methods whose body Fastify never parses (its default `bodyless` methods): such a body holds no token. */
const BODYLESS_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'TRACE']);

/** A route hook: use it as `onRequest`, `preValidation` or `preHandler` (the `json` location needs the latter two). */
export type FastifyGuardHook = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

/** Options of the adapter's plugin. */
export interface FastifyAuthPluginOptions {
  /** Renew cookie access tokens close to expiry on every route of the app. */
  implicitRefresh?: ImplicitRefreshOptions;
}

/** The Fastify adapter of one AuthX instance; see {@link fastifyAuth}. */
export interface FastifyAuth<C extends object = Record<string, unknown>> {
  /** A hook that lets a request through only with a token as `options` require. */
  required(options?: GuardOptions): FastifyGuardHook;
  /** The payload the route's guard verified. Throws a `TypeError` when no guard ran on this request. */
  payload(request: FastifyRequest): TokenPayload<C>;
  /** For `app.setErrorHandler`: library errors get their answer; any other error goes on to the parent handler. */
  readonly errorHandler: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  /** `app.register(plugin, options)`: decorates `request.authx` (the payload or `null`) and adds implicit refresh. */
  readonly plugin: FastifyPluginCallback<FastifyAuthPluginOptions>;
  /** Sets the access token cookie (and its CSRF cookie). */
  setAccessCookies(reply: FastifyReply, token: string, options?: SetCookieOptions): void;
  /** Sets the refresh token cookie (and its CSRF cookie). */
  setRefreshCookies(reply: FastifyReply, token: string, options?: SetCookieOptions): void;
  /** Deletes the access token cookie and its CSRF cookie. */
  unsetAccessCookies(reply: FastifyReply): void;
  /** Deletes the refresh token cookie and its CSRF cookie. */
  unsetRefreshCookies(reply: FastifyReply): void;
  /** Deletes every token and CSRF cookie (logout). */
  unsetCookies(reply: FastifyReply): void;
  /** Finds the access token of a request (the `json` location reads `request.body`: call it from preValidation on). */
  getAccessToken(request: FastifyRequest, options?: TokenLookupOptions): Promise<RequestToken>;
  /** Finds the refresh token of a request. */
  getRefreshToken(request: FastifyRequest, options?: TokenLookupOptions): Promise<RequestToken>;
  /** Finds the request's refresh token and rotates it: a new pair, the old refresh token retired (docs/rotation.md). */
  rotateRefreshToken(request: FastifyRequest, options?: RefreshOptions): Promise<RotatedTokens>;
  /** Verifies the request's token (access by default), revokes its session, and deletes the cookies. */
  logout(request: FastifyRequest, reply: FastifyReply, options?: LogoutOptions): Promise<LogoutResult>;
}

/**
 * The Fastify adapter of an AuthX instance.
 *
 * @example
 * const guard = fastifyAuth(auth);
 * app.setErrorHandler(guard.errorHandler);
 * app.get("/protected", { preHandler: guard.required() }, async (request) => ({ user: guard.payload(request).sub }));
 * @throws Never.
 */
export function fastifyAuth<C extends object>(auth: AuthX<C>): FastifyAuth<C> {
  const payloads = new WeakMap<FastifyRequest, TokenPayload<C>>();
  const setCookies = (reply: FastifyReply, values: string[]): void => {
    // Fastify appends to an existing set-cookie header instead of replacing it.
    for (const value of values) reply.header('set-cookie', value);
  };
  const plugin: FastifyPluginCallback<FastifyAuthPluginOptions> = (app, options, done) => {
    try {
      assertKnownOptions(options, ['implicitRefresh'], 'authx plugin options');
      app.decorateRequest<TokenPayload | null>('authx', {
        getter(this: FastifyRequest): TokenPayload | null {
          return payloads.get(this) ?? null;
        },
      });
      if (options.implicitRefresh !== undefined) {
        const refresh = new ImplicitRefresh<C>(auth, options.implicitRefresh);
        app.addHook('onRequest', async (request, reply) => {
          setCookies(reply, await refresh.setCookieValues(request.raw, request.url.split('?', 1)[0]));
        });
      }
      done();
    } catch (error) {
      done(error as Error);
    }
  };
  // fastify-plugin semantics without the dependency: the decorator and hook reach the whole app.
  Object.assign(plugin, {
    [Symbol.for('skip-override')]: true,
    [Symbol.for('fastify.display-name')]: 'authx-node',
    [Symbol.for('plugin-meta')]: { name: 'authx-node', fastify: '5.x' },
  });
  return {
    required(options) {
      const guard = compileGuard(auth, options, 'required() options');
      return async (request) => {
        const payload = await guard(request.raw, () => bodyOf(request));
        payloads.set(request, payload);
      };
    },
    payload(request) {
      const payload = payloads.get(request);
      if (payload === undefined) throw new TypeError('no authx guard ran on this request; add required() as a route hook');
      return payload;
    },
    async errorHandler(error, _request, reply) {
      const answer = libraryErrorAnswer(error);
      // Rethrown, an error reaches the parent error handler (Fastify's own by default) untouched.
      if (answer === undefined) throw error;
      reply.removeHeader('set-cookie');
      await reply.code(answer.status).headers(answer.headers).send(answer.body);
    },
    plugin,
    setAccessCookies: (reply, token, options) => setCookies(reply, auth.cookieHeaderValues('access', token, options)),
    setRefreshCookies: (reply, token, options) => setCookies(reply, auth.cookieHeaderValues('refresh', token, options)),
    unsetAccessCookies: (reply) => setCookies(reply, auth.cookieHeaderValues('access', null)),
    unsetRefreshCookies: (reply) => setCookies(reply, auth.cookieHeaderValues('refresh', null)),
    unsetCookies: (reply) => setCookies(reply, [...auth.cookieHeaderValues('access', null), ...auth.cookieHeaderValues('refresh', null)]),
    getAccessToken: (request, options) => findToken(auth, request.raw, 'access', options, () => bodyOf(request), 'getAccessToken options'),
    getRefreshToken: (request, options) => findToken(auth, request.raw, 'refresh', options, () => bodyOf(request), 'getRefreshToken options'),
    rotateRefreshToken: (request, options) => rotateFrom(auth, request.raw, options, () => bodyOf(request), 'rotateRefreshToken options'),
    async logout(request, reply, options) {
      const result = await logoutFrom(auth, request.raw, options, () => bodyOf(request), 'logout options');
      setCookies(reply, logoutCookieValues(auth));
      return result;
    },
  };
}

/**
 * The body Fastify parsed, for the `json` location. A GET (HEAD, TRACE) body is never parsed, so
 * it holds no token (401 as a missing token, never a 500 a client can cause). Another method's
 * declared JSON body without a parsed value means the guard runs in onRequest, before parsing:
 * `parsedBody` says so rather than hang.
 */
function bodyOf(request: FastifyRequest): unknown {
  if (request.body === undefined && BODYLESS_METHODS.has(request.method)) return undefined;
  return parsedBody(request.body, request.headers, ONREQUEST_FIX);
}
