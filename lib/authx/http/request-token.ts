/**
 * Room `lib/authx/http/`: requests and answers: token locations, the `Authorization` header, JSON
 * bodies, cookies, CSRF, errors as HTTP answers, implicit refresh. May import: `lib/core/`,
 * `lib/authx/`, `lib/authx/config/`, `lib/authx/tokens/`.
 *
 * Finding a token in a request: the `Authorization` header, cookies, the query string or a JSON
 * body, searched in the configured order. Works on a `node:http` `IncomingMessage` (plain Node,
 * Express, ...) and on a WHATWG `Request` (fetch-style frameworks).
 */
import type { IncomingMessage } from 'node:http';
import { InvalidAuthorizationHeaderError, MissingTokenError } from '../authx-errors.ts';
import { parseAuthorizationHeader } from './authorization-header.ts';
import { isWhatwgRequest, readJsonBody } from './body.ts';
import { EmptyBodyError } from './body-errors.ts';
import { getCookie } from './cookie-header.ts';
import type { ResolvedAuthXConfig, TokenLocation } from '../config/config.ts';
import { MalformedTokenError } from '../../core/errors.ts';

/** The kind of a token: `access` for routes, `refresh` to obtain new access tokens. */
export type TokenType = 'access' | 'refresh';

/** A token found in a request, with what verification needs to know about where it came from. */
export interface RequestToken {
  /** The compact JWS, not yet verified. */
  token: string;
  /** Where it was found. */
  location: TokenLocation;
  /** The kind the caller asked for (verification checks the token really is of this kind). */
  type: TokenType;
  /** For cookie tokens: the CSRF header value sent with the request, if any. */
  csrf?: string;
  /** The request method, upper-case (CSRF applies to `csrfMethods` only). */
  method?: string;
}

/** Options of `getAccessTokenFromRequest` / `getRefreshTokenFromRequest`. */
export interface GetTokenOptions {
  /** Search these locations in this order instead of the configured `tokenLocation`. */
  locations?: readonly TokenLocation[];
  /**
   * Supplies the body as a framework already parsed it (Express's `req.body`, Fastify's
   * `request.body`, ...). Called only when the `json` location is searched; when given, the
   * request stream is never read, so the framework's own parsing is neither raced nor starved.
   */
  body?: () => unknown;
}

/** A request this library can read. */
export type AnyRequest = IncomingMessage | Request;

/**
 * Searches requests for tokens as a configuration says; built once per AuthX instance.
 */
export class TokenExtractor {
  readonly #config: ResolvedAuthXConfig;
  readonly #headerName: string;
  readonly #accessCsrfHeader: string;
  readonly #refreshCsrfHeader: string;

  /**
   * @example new TokenExtractor(resolveConfig({ secretKey }).config)
   * @throws Never.
   */
  constructor(config: ResolvedAuthXConfig) {
    this.#config = config;
    this.#headerName = config.headerName.toLowerCase();
    this.#accessCsrfHeader = config.accessCsrfHeaderName.toLowerCase();
    this.#refreshCsrfHeader = config.refreshCsrfHeaderName.toLowerCase();
  }

  /**
   * Finds a token of the given kind. A header with another scheme does not stop the search (a
   * proxy's `Basic` credentials may coexist with a token cookie); it is reported only when no
   * other location has a token. A malformed header with the right scheme is reported at once.
   *
   * @example await extractor.find(req, "access", config.tokenLocation)
   * @throws {MissingTokenError} `ERR_TOKEN_MISSING` when no location holds a token.
   * @throws {InvalidAuthorizationHeaderError} For a malformed or other-scheme `Authorization` header.
   * @throws {MalformedTokenError} When the JSON body holds a non-string under the token key.
   * @throws {BodyError} (from `readJsonBody`) When a JSON body is too large or not valid JSON.
   * @throws {TypeError} When `req` is no request (Hono's `c.req` instead of `c.req.raw`).
   */
  async find(req: AnyRequest, type: TokenType, locations: readonly TokenLocation[], body?: () => unknown): Promise<RequestToken> {
    const headers = headerReader(req);
    const search: Search = { deferred: undefined };
    for (const location of locations) {
      if (location === 'json') {
        const key = type === 'access' ? this.#config.jsonKey : this.#config.refreshJsonKey;
        const token = await this.#fromJson(req, headers, key, body);
        if (token !== undefined) return { token, location, type, method: methodOf(req) };
      } else {
        const found = this.#fromHead(req, headers, location, type, search);
        if (found !== undefined) return found;
      }
    }
    return notFound(type, locations, search);
  }

  /**
   * {@link find} without a Promise, for locations that need no body: the same search, order and
   * errors. A request handler that knows its tokens travel in headers, cookies or the query
   * string then verifies without scheduling anything.
   *
   * @example extractor.findSync(req, "access", ["headers"])
   * @throws {TypeError} When `locations` includes `json` (reading a body cannot be synchronous).
   * @throws {MissingTokenError | InvalidAuthorizationHeaderError} As {@link find}.
   */
  findSync(req: AnyRequest, type: TokenType, locations: readonly TokenLocation[]): RequestToken {
    if (locations.includes('json')) throw new TypeError('the json token location needs the request body; use the asynchronous getter');
    const headers = headerReader(req);
    const search: Search = { deferred: undefined };
    for (const location of locations) {
      const found = this.#fromHead(req, headers, location, type, search);
      if (found !== undefined) return found;
    }
    return notFound(type, locations, search);
  }

  /** One location that lives in the request head (headers, cookies, query). */
  #fromHead(req: AnyRequest, headers: HeaderGetter, location: TokenLocation, type: TokenType, search: Search): RequestToken | undefined {
    let token: string | undefined;
    if (location === 'headers') {
      const value = headers(this.#headerName);
      if (value === undefined) return undefined;
      // node:http keeps only the first of repeated Authorization headers; two credentials
      // in one request are ambiguous (RFC 6750 section 3.1, invalid_request), so refuse them.
      if (!isWhatwgRequest(req) && countRawHeader(req, this.#headerName) > 1) throw new InvalidAuthorizationHeaderError('malformed');
      try {
        token = parseAuthorizationHeader(value, this.#config.headerType);
      } catch (error) {
        if (!(error instanceof InvalidAuthorizationHeaderError) || error.reason !== 'wrong_scheme') throw error;
        search.deferred = error;
      }
    } else if (location === 'cookies') {
      const name = type === 'access' ? this.#config.accessCookieName : this.#config.refreshCookieName;
      token = nonEmpty(getCookie(headers('cookie'), name));
      if (token !== undefined) {
        const csrf = headers(type === 'access' ? this.#accessCsrfHeader : this.#refreshCsrfHeader);
        const found: RequestToken = { token, location, type, method: methodOf(req) };
        if (csrf !== undefined) found.csrf = csrf;
        return found;
      }
    } else if (location === 'query') {
      token = nonEmpty(queryParameter(req.url ?? '', this.#config.queryStringName));
    }
    return token === undefined ? undefined : { token, location, type, method: methodOf(req) };
  }

  async #fromJson(req: AnyRequest, headers: HeaderGetter, key: string, supplied: (() => unknown) | undefined): Promise<string | undefined> {
    // Only a JSON body counts, whoever parsed it: a form (urlencoded, multipart, text/plain) is
    // what a page on another site can make a browser send without a CORS preflight, so a token
    // in one would log the victim in as the attacker (login CSRF), with no CSRF check to stop it.
    if (!isJsonContentType(headers('content-type'))) return undefined;
    let body: unknown;
    try {
      if (supplied !== undefined) body = await supplied();
      else if (!isWhatwgRequest(req) && (req as IncomingMessage & { body?: unknown }).body !== undefined) {
        // A framework's body parser (Express) consumed the stream: its result, whatever its
        // shape (an array, a Buffer), is the body; the stream is never read a second time.
        body = (req as IncomingMessage & { body?: unknown }).body;
      } else if (!hasBody(req, headers)) return undefined;
      else body = await readJsonBody(req, { limit: this.#config.jsonBodyLimit });
    } catch (error) {
      // An empty body holds no token, however it is framed (Content-Length: 0, no chunks, a
      // fetch Request with an empty body): 401 as for no body, not 400.
      if (error instanceof EmptyBodyError) return undefined;
      throw error;
    }
    return fieldOf(body, key);
  }
}

function fieldOf(body: unknown, key: string): string | undefined {
  if (!isPlainObject(body) || !Object.hasOwn(body, key)) return undefined;
  const value = body[key];
  if (typeof value !== 'string') throw new MalformedTokenError(`JSON body field "${key}" must be a string`);
  return nonEmpty(value);
}

type HeaderGetter = (lowerCaseName: string) => string | undefined;

/** What a search remembers between locations: a header of another scheme, reported last. */
interface Search {
  deferred: InvalidAuthorizationHeaderError | undefined;
}

function notFound(type: TokenType, locations: readonly TokenLocation[], search: Search): never {
  if (search.deferred !== undefined) throw search.deferred;
  throw new MissingTokenError(`No ${type} token found in the request`, { locations });
}

function headerReader(req: AnyRequest): HeaderGetter {
  if (isWhatwgRequest(req)) return (name) => req.headers.get(name) ?? undefined;
  const headers = (req as Partial<IncomingMessage> | null)?.headers;
  // Hono's c.req (a HonoRequest) has no headers object: it wraps the Request in c.req.raw.
  if (typeof headers !== 'object' || headers === null) throw new TypeError(NOT_A_REQUEST);
  return (name) => {
    const value = headers[name];
    return Array.isArray(value) ? value.join(', ') : value;
  };
}

const NOT_A_REQUEST = 'req must be a node:http IncomingMessage (Express\'s req, Fastify\'s request.raw) or a WHATWG Request (Hono\'s c.req.raw); the adapters\' getAccessToken, getRefreshToken, rotateRefreshToken and logout take the framework\'s own objects';

function countRawHeader(req: IncomingMessage, lowerCaseName: string): number {
  const raw = req.rawHeaders;
  if (!Array.isArray(raw)) return 1;
  let count = 0;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length === lowerCaseName.length && name.toLowerCase() === lowerCaseName) count++;
  }
  return count;
}

function methodOf(req: AnyRequest): string {
  return (req.method ?? 'GET').toUpperCase();
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function queryParameter(url: string, name: string): string | undefined {
  const question = url.indexOf('?');
  if (question === -1) return undefined;
  const hash = url.indexOf('#', question);
  const query = url.slice(question + 1, hash === -1 ? undefined : hash);
  // URLSearchParams never throws on bad % escapes; get() returns the first occurrence.
  return new URLSearchParams(query).get(name) ?? undefined;
}

function hasBody(req: AnyRequest, headers: HeaderGetter): boolean {
  if (isWhatwgRequest(req)) return req.body !== null;
  const length = headers('content-length');
  return headers('transfer-encoding') !== undefined || (length !== undefined && length.trim() !== '0');
}

/** The media type of a `Content-Type`, lower case, without parameters (`""` when absent). */
export function mediaTypeOf(value: string | undefined): string {
  return value === undefined ? '' : (value.split(';', 1)[0] ?? '').trim().toLowerCase();
}

/** Whether a `Content-Type` is JSON (`application/json` or `application/<x>+json`, parameters ignored). */
export function isJsonContentType(value: string | undefined): boolean {
  const media = mediaTypeOf(value);
  return media === 'application/json' || (media.startsWith('application/') && media.endsWith('+json'));
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}
