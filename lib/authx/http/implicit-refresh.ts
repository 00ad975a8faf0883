/**
 * Implicit refresh of cookie access tokens, as Python AuthX does it: when a request carries a
 * valid access token cookie with less than `delta` left before it expires, the answer carries a
 * new access token cookie (same subject, scopes and extra claims, `fresh: false`), so a browser
 * session continues without an explicit call to a refresh route. Routes and methods can be
 * excluded or included. Exported by `authx-node`; the framework adapters take the same options.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthX, NodeHandler } from '../authx.ts';
import { appendSetCookie } from './cookies.ts';
import { isWhatwgRequest } from './body.ts';
import type { AnyRequest } from './request-token.ts';
import { RESERVED_CLAIMS, type CreateTokenArgs, type CreateTokenOptions } from '../tokens/tokens.ts';
import { AuthError } from '../../core/errors.ts';
import { durationToSeconds, type Duration } from '../../core/duration.ts';
import { assertKnownOptions } from '../../core/option-names.ts';

/** Options of implicit refresh (Python AuthX's `JWT_IMPLICIT_REFRESH_*` settings). */
export interface ImplicitRefreshOptions {
  /** Refresh when less than this is left before `exp`: seconds or `"10m"`. Default 10 minutes (`JWT_IMPLICIT_REFRESH_DELTATIME`). */
  delta?: Duration;
  /**
   * Paths never refreshed (`JWT_IMPLICIT_REFRESH_ROUTE_EXCLUDE`). Matched after both sides are
   * brought to one spelling (an absolute-form target reduced to its path, percent-decoded, lower
   * case, repeated and trailing slashes and dot segments removed), so `/LOGOUT`, `/logout/`,
   * `//logout`, `/%6Cogout` or `http://host/logout`, which a router may still send to the same
   * handler, are excluded too.
   */
  excludeRoutes?: readonly string[];
  /** Paths always considered, whatever the method (`JWT_IMPLICIT_REFRESH_ROUTE_INCLUDE`); matched as `excludeRoutes`. */
  includeRoutes?: readonly string[];
  /** Methods never refreshed (`JWT_IMPLICIT_REFRESH_METHOD_EXCLUDE`). */
  excludeMethods?: readonly string[];
  /** Methods refreshed; when empty, every method not excluded (`JWT_IMPLICIT_REFRESH_METHOD_INCLUDE`). */
  includeMethods?: readonly string[];
}

const KNOWN = ['delta', 'excludeRoutes', 'includeRoutes', 'excludeMethods', 'includeMethods'];
const ALIASES: Record<string, string> = {
  JWT_IMPLICIT_REFRESH_DELTATIME: 'delta',
  JWT_IMPLICIT_REFRESH_ROUTE_EXCLUDE: 'excludeRoutes',
  JWT_IMPLICIT_REFRESH_ROUTE_INCLUDE: 'includeRoutes',
  JWT_IMPLICIT_REFRESH_METHOD_EXCLUDE: 'excludeMethods',
  JWT_IMPLICIT_REFRESH_METHOD_INCLUDE: 'includeMethods',
};
/** AuthX's default delta: 10 minutes. */
const DEFAULT_DELTA_SECONDS = 600;

/**
 * Implicit refresh for one AuthX instance, configured once.
 *
 * @example
 * const refresh = new ImplicitRefresh(auth, { delta: "5m", excludeRoutes: ["/logout"] });
 * http.createServer(auth.handleErrors(refresh.wrap(handler)));
 */
export class ImplicitRefresh<C extends object = Record<string, unknown>> {
  readonly #auth: AuthX<C>;
  readonly #deltaMs: number;
  readonly #excludeRoutes: ReadonlySet<string>;
  readonly #includeRoutes: ReadonlySet<string>;
  readonly #excludeMethods: ReadonlySet<string>;
  readonly #includeMethods: ReadonlySet<string>;
  readonly #enabled: boolean;

  /**
   * @throws {TypeError} For an unknown option or a list that is not an array of strings.
   * @throws {RangeError} When `delta` is negative, NaN or infinite.
   */
  constructor(auth: AuthX<C>, options?: ImplicitRefreshOptions) {
    const o = options ?? {};
    if (typeof o !== 'object' || o === null) throw new TypeError('implicit refresh options must be an object');
    assertKnownOptions(o, KNOWN, 'implicit refresh options', ALIASES);
    this.#auth = auth;
    this.#deltaMs = (o.delta === undefined ? DEFAULT_DELTA_SECONDS : durationToSeconds(o.delta, 'delta')) * 1000;
    this.#excludeRoutes = new Set([...stringSet(o.excludeRoutes, 'excludeRoutes', false)].map(routeKey));
    this.#includeRoutes = new Set([...stringSet(o.includeRoutes, 'includeRoutes', false)].map(routeKey));
    this.#excludeMethods = stringSet(o.excludeMethods, 'excludeMethods', true);
    this.#includeMethods = stringSet(o.includeMethods, 'includeMethods', true);
    // Like AuthX: only an application that keeps tokens in cookies is refreshed implicitly.
    this.#enabled = auth.config.tokenLocation.includes('cookies');
  }

  /**
   * Whether a request's method and path are refreshed at all (AuthX's order: excluded routes,
   * included routes, excluded methods, included methods). An absolute-form target
   * (`http://host/logout`) counts as its path.
   *
   * @example refresh.appliesTo("GET", "/logout") // false when "/logout" is excluded
   * @throws Never.
   */
  appliesTo(method: string, path: string): boolean {
    if (!this.#enabled) return false;
    const route = routeKey(path);
    if (this.#excludeRoutes.has(route)) return false;
    if (this.#includeRoutes.has(route)) return true;
    const m = method.toUpperCase();
    if (this.#excludeMethods.has(m)) return false;
    return this.#includeMethods.size === 0 || this.#includeMethods.has(m);
  }

  /**
   * The `Set-Cookie` values that replace a request's access token cookie, or `[]` when it has
   * none, an invalid one (the route's own guard reports that), or one with `delta` or more left.
   *
   * @param path The request path; default: taken from the request's URL.
   * @example for (const v of await refresh.setCookieValues(request)) headers.append("Set-Cookie", v)
   * @throws Only what is not a library error (a failing revocation store, for example).
   */
  async setCookieValues(req: AnyRequest, path?: string): Promise<string[]> {
    if (!this.appliesTo(req.method ?? 'GET', path ?? requestPath(req))) return [];
    let payload;
    try {
      const found = await this.#auth.getAccessTokenFromRequest(req, { locations: ['cookies'] });
      payload = await this.#auth.verifyToken(found, { type: 'access', verifyCsrf: false });
    } catch (error) {
      if (error instanceof AuthError) return [];
      throw error;
    }
    if (payload.exp * 1000 - this.#auth.clock() >= this.#deltaMs) return [];
    const options: CreateTokenOptions<C> = { fresh: false };
    if (payload.scopes !== undefined) options.scopes = payload.scopes;
    if (payload.aud !== undefined) options.audience = payload.aud as string | string[];
    const data: Record<string, unknown> = {};
    for (const name of Object.keys(payload)) if (!RESERVED_CLAIMS.has(name) && name !== 'toJSON') data[name] = payload[name];
    // The application's own claims of the old token, carried over as they were.
    if (Object.keys(data).length > 0) options.data = data as C;
    // The old token's claims are the application's claims (this instance signed them), so the
    // new token carries every key the claim type requires.
    const args = [options] as CreateTokenArgs<C, CreateTokenOptions<C>>;
    return this.#auth.cookieHeaderValues('access', this.#auth.createAccessToken(payload.sub, ...args));
  }

  /**
   * Wraps a `node:http` handler: the refreshed cookies are set before the handler runs, so they
   * ride on whatever it answers (and `handleErrors` drops them from an error answer).
   *
   * @example http.createServer(auth.handleErrors(refresh.wrap(handler)))
   * @throws Never itself; the returned handler rejects as `setCookieValues` or the handler do.
   */
  wrap(handler: NodeHandler): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
    return async (req, res) => {
      const values = await this.setCookieValues(req);
      if (values.length > 0) appendSetCookie(res, values);
      await handler(req, res);
    };
  }
}

function stringSet(value: readonly string[] | undefined, name: string, upper: boolean): ReadonlySet<string> {
  if (value === undefined) return new Set();
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string' && v !== '')) throw new TypeError(`${name} must be an array of non-empty strings`);
  return new Set(upper ? value.map((v) => v.toUpperCase()) : value);
}

/** RFC 9112 section 3.2.2: the scheme and authority of an absolute-form target (`http://host`). */
const ABSOLUTE_FORM = /^[a-z][a-z\d+.-]*:\/\/[^/?#]*/i;

/**
 * One spelling for every way a path may name a route: an absolute-form target reduced to its
 * path (`GET http://localhost/logout`, which Node hands over as the request URL and Fastify and
 * Express still route to `/logout`), percent-decoded (left as sent when the escapes are broken),
 * lower case, without empty or `.` segments, `..` applied. Generous on purpose: a spelling no
 * router would route the same way only errs towards excluding.
 */
function routeKey(target: string): string {
  const path = target.replace(ABSOLUTE_FORM, '');
  let decoded = path;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    // broken escapes: match the path as sent
  }
  const segments: string[] = [];
  for (const segment of decoded.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment.toLowerCase());
  }
  return `/${segments.join('/')}`;
}

function requestPath(req: AnyRequest): string {
  if (isWhatwgRequest(req)) {
    try {
      return new URL(req.url).pathname;
    } catch {
      return '/';
    }
  }
  const url = req.url ?? '/';
  const end = url.search(/[?#]/);
  return end === -1 ? url : url.slice(0, end);
}
