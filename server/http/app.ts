/**
 * Room `server/http/`: the example server's HTTP face: the handler and `node:http` server, routes,
 * JSON answers, FastAPI-shaped validation errors, the server's options. May import: `lib/core/`,
 * `lib/authx/`, `lib/authx/config/`, `lib/authx/http/`, `lib/authx/state/`, `lib/authx/tokens/`,
 * `server/login/`, `server/ops/`, `server/process/`.
 *
 * The example server (shared/SEED.md) as a plain request handler, `createHandler`, and a
 * `node:http` server with deliberate limits around it, `createServer`. `listen()` happens only in
 * `server.ts`, so tests start this on port 0. Example server only; not part of the package.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createHttpServer } from './node-http.ts';
import { AuthX } from '../../lib/authx/authx.ts';
import { FileRevocationStore } from '../../lib/authx/state/file-revocation-store.ts';
import { MemoryRevocationStore } from '../../lib/authx/state/memory-revocation-store.ts';
import { DEFAULT_REUSE_GRACE_SECONDS } from '../../lib/authx/tokens/rotation.ts';
import { DEFAULT_MAX_SESSIONS } from '../../lib/authx/tokens/sessions.ts';
import { EmptyBodyError, InvalidJsonBodyError } from '../../lib/authx/http/body-errors.ts';
import { errorHeaders } from '../../lib/authx/http/http-errors.ts';
import { positiveInteger } from '../../lib/authx/config/option-checks.ts';
import { AuthError } from '../../lib/core/errors.ts';
import { invalidJson, missingBody } from './fastapi-validation.ts';
import { trackRequestsInFlight } from '../process/graceful-shutdown.ts';
import { sendJson } from './http-json.ts';
import { assertKnownOptions } from '../../lib/core/option-names.ts';
import { MemoryCounterStore, type CounterStore } from '../login/counter-store.ts';
import { FailureThrottle, isSharedFailures, KnownKeys, LoginThrottle } from '../login/login-throttle.ts';
import type { ServerOptions, ServerTimeouts, ThrottleLimit } from './options.ts';
import { LogWriter } from '../ops/log-writer.ts';
import { answerOpsRequest, OPS_PATHS } from '../ops/ops-endpoints.ts';
import { Readiness } from '../ops/readiness.ts';
import { createRequestObserver, eventSink, noteRefusal, pathOf } from '../ops/request-log.ts';
import { createRoutes, type Route, type Send } from './routes.ts';
import { DEMO_USERS, UserStore } from '../login/user-store.ts';
import { writeSafely } from '../process/stream-guard.ts';

export type { ServerOptions, ServerTimeouts, ThrottleLimit } from './options.ts';

const FIFTEEN_MINUTES = 15 * 60;
const HANDLER_OPTION_NAMES = [
  'auth', 'secretKey', 'algorithm', 'jwks', 'users', 'log', 'clock', 'usernameAddressLimit', 'usernameLimit', 'addressLimit', 'knownAddressDays',
  'refreshLimit', 'counterStore', 'reuseGraceSeconds', 'logoutRevokesFamily', 'trustProxy', 'maxSessions',
  'maxPendingPasswordChecks', 'closeConnections', 'revocationStore',
  'onUnexpectedError', 'logFormat', 'metrics', 'readiness', 'opsEndpoints',
];
const TIMEOUT_OPTION_NAMES = ['headersTimeoutMs', 'requestTimeoutMs', 'keepAliveTimeoutMs', 'checkIntervalMs'];

/** The label of `DELETE /sessions/{id}` in logs and metrics. */
const SESSION_PATH = '/sessions/{id}';

/** The paths of the routes (the metrics' `route` label values, with {@link OPS_PATHS}). */
export const ROUTE_PATHS: readonly string[] = ['/', '/login', '/protected', '/refresh', '/logout', '/sessions', '/sessions/{id}', '/.well-known/jwks.json'];

/**
 * The request handler: routing, the five routes, error answers and the access log.
 *
 * @example http.createServer(createHandler({ secretKey: process.env.JWT_SECRET_KEY! })).listen(0)
 * @throws {TypeError} When neither `auth` nor `secretKey` is given, or options are invalid.
 * @throws {RangeError} When `secretKey` is shorter than 32 bytes or a limit is out of range.
 */
export function createHandler(options: ServerOptions): (req: IncomingMessage, res: ServerResponse) => void {
  assertKnownOptions(options, [...HANDLER_OPTION_NAMES, ...TIMEOUT_OPTION_NAMES], 'server options');
  const auth = options.auth ?? makeAuth(options);
  const users = options.users ?? new UserStore(DEMO_USERS);
  const log = options.log === false ? undefined : options.log instanceof LogWriter ? options.log : new LogWriter({ sink: options.log ?? process.stdout });
  const readiness = options.readiness ?? new Readiness();
  const metrics = options.metrics === false ? undefined : options.metrics;
  const serveOps = options.opsEndpoints !== false;
  const clock = options.clock ?? Date.now;
  const shared = options.counterStore;
  // One bounded store per layer by default, so a flood of keys in one layer cannot push out another's counters.
  // The default stores' sizes are exported as authx_throttle_entries (a shared store's are not).
  const ownStores: Array<readonly [string, { readonly size: number }]> = [];
  const storeFor = (name: string): CounterStore => {
    if (shared !== undefined) return shared;
    const store = new MemoryCounterStore({ now: clock });
    ownStores.push([name, store]);
    return store;
  };
  const throttle = (limit: ThrottleLimit | undefined, fallback: number, name: string): LoginThrottle => {
    const { maxFailures, windowSeconds } = checkLimit(limit, fallback, name);
    return new LoginThrottle({ maxFailures, windowSeconds, store: storeFor(name), keyPrefix: `${name}:` });
  };
  const perUsernameAddress = throttle(options.usernameAddressLimit, 5, 'usernameAddressLimit');
  const perUsername = throttle(options.usernameLimit, 10, 'usernameLimit');
  // With a shared counter store that can (Redis), the address layer is shared too (docs/state.md).
  const perAddress = new FailureThrottle({
    ...checkLimit(options.addressLimit, 20, 'addressLimit'),
    now: clock,
    ...(isSharedFailures(shared) ? { shared } : {}),
  });
  const perRefresh = throttle(options.refreshLimit, 60, 'refreshLimit');
  const knownPairs = new KnownKeys({
    store: storeFor('knownAddresses'),
    windowSeconds: positiveInteger(options.knownAddressDays, 30, 'knownAddressDays') * 86400,
    keyPrefix: 'knownAddress:',
  });
  metrics?.setSources({
    throttleEntries: () => [...ownStores.map(([name, store]) => [name, store.size] as const), ['addressLimit', perAddress.size]],
    ...revocationEntries(auth),
  });
  const maxPendingPasswordChecks = positiveInteger(options.maxPendingPasswordChecks, 32, 'maxPendingPasswordChecks');
  const onUnexpectedError = options.onUnexpectedError ?? reportUnexpectedError;
  const closing = options.closeConnections ?? (() => false);
  const send: Send = (res, status, body, headers) => sendJson(res, status, body, closing() ? { ...headers, connection: 'close' } : headers);
  // The memory and file stores answer synchronously; Redis, or a caller's own AuthX, may not.
  const store = options.revocationStore;
  const syncStore = store === undefined || store instanceof MemoryRevocationStore || store instanceof FileRevocationStore;
  const syncTokens = options.auth === undefined && syncStore && !auth.config.tokenLocation.includes('json');
  // RedisRevocationStore with client tracking (told by its flag: importing it would load the Redis code for every server).
  const cachingStore = (store as { answersFromCache?: unknown } | undefined)?.answersFromCache === true;
  const cachedTokens = options.auth === undefined && cachingStore && !auth.config.tokenLocation.includes('json');
  const reuseGraceSeconds = options.reuseGraceSeconds ?? DEFAULT_REUSE_GRACE_SECONDS;
  if (!Number.isSafeInteger(reuseGraceSeconds) || reuseGraceSeconds < 0 || reuseGraceSeconds > 60) {
    throw new RangeError('reuseGraceSeconds must be an integer from 0 to 60');
  }
  const logoutRevokesFamily = options.logoutRevokesFamily ?? true;
  if (typeof logoutRevokesFamily !== 'boolean') throw new TypeError('logoutRevokesFamily must be a boolean');
  const maxSessions = positiveInteger(options.maxSessions, DEFAULT_MAX_SESSIONS, 'maxSessions');
  const { root, login, protectedRoute, refresh, logout, listSessions, endOtherSessions, endSession } = createRoutes({
    auth, users, perUsernameAddress, perUsername, perAddress, knownPairs, perRefresh, maxPendingPasswordChecks, maxSessions,
    trustProxy: options.trustProxy === true, send, syncTokens, cachedTokens, log: eventSink(log, options.logFormat ?? 'text'), reuseGraceSeconds, logoutRevokesFamily,
  });

  const routes = new Map<string, Readonly<Record<string, Route>>>([
    ['/', { GET: root }],
    ['/login', { POST: login }],
    ['/protected', { GET: protectedRoute }],
    ['/refresh', { POST: refresh }],
    ['/logout', { POST: logout }],
    ['/sessions', { GET: listSessions, DELETE: endOtherSessions }],
  ]);
  if (options.jwks !== undefined) {
    // Verifiers cache it; a new key should be published a few minutes before it signs.
    const body = JSON.stringify(options.jwks);
    routes.set('/.well-known/jwks.json', {
      GET: (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/jwk-set+json', 'cache-control': 'public, max-age=300', 'content-length': Buffer.byteLength(body) });
        res.end(body);
      },
    });
  }
  const knownPaths = new Set(serveOps ? [...routes.keys(), SESSION_PATH, ...OPS_PATHS] : [...routes.keys(), SESSION_PATH]);
  const observe = createRequestObserver({ log, format: options.logFormat ?? 'text', knownPaths, metrics });
  const ops = { readiness, metrics, closing };

  return (req, res) => {
    const path = pathOf(req.url);
    // One label for every session id: logs and metrics stay bounded and never hold an id.
    const sessionId = path.startsWith('/sessions/') ? path.slice('/sessions/'.length) : undefined;
    observe(req, res, sessionId === undefined ? path : SESSION_PATH);
    // A transfer coding other than chunked (gzip, ...) is one this server does not undo: 501
    // (RFC 9112 section 6.1), and the connection closed, since where the body ends is unclear.
    const coding = req.headers['transfer-encoding'];
    if (coding !== undefined && coding.toLowerCase() !== 'chunked') return send(res, 501, { detail: 'Not Implemented' }, { connection: 'close' });
    if (serveOps && answerOpsRequest(req, res, path, ops)) return;
    const methods = sessionId === undefined ? routes.get(path) : sessionMethods(sessionId, endSession);
    if (methods === undefined) return send(res, 404, { detail: 'Not Found' });
    const route = Object.hasOwn(methods, req.method ?? '') ? methods[req.method ?? ''] : undefined;
    if (route === undefined) return send(res, 405, { detail: 'Method Not Allowed' }, { allow: Object.keys(methods).join(', ') });
    // Only POST /login reads a body; any other route answers before a client's body matters.
    if (route === login && !hasBody(req)) return send(res, 422, missingBody());
    // Called directly: a route that answers synchronously (GET /protected with a synchronous
    // store) costs no Promise; only a route that returns one gets a rejection handler.
    let pending: Promise<void> | void;
    try {
      pending = route(req, res);
    } catch (error) {
      return answerError(res, error, send, onUnexpectedError);
    }
    if (pending !== undefined) pending.then(undefined, (error: unknown) => answerError(res, error, send, onUnexpectedError));
  };
}

/**
 * A `node:http` server around {@link createHandler}, with deliberate limits: 16 KiB of head (the first 100 headers parsed),
 * the timeouts of {@link ServerTimeouts}, and `Connection: close` on answers sent while draining.
 *
 * @example createServer({ secretKey }).listen(8000)
 * @throws {TypeError | RangeError} As {@link createHandler}.
 */
export function createServer(options: ServerOptions & ServerTimeouts): Server {
  const readiness = options.readiness ?? new Readiness();
  // Draining (readiness at 503 after SIGTERM, then closed): keep-alive clients are told to go.
  const handler = createHandler({ closeConnections: () => readiness.draining || !server.listening, ...options, readiness });
  const server: Server = createHttpServer(
    { maxHeaderSize: 16 * 1024, connectionsCheckingInterval: options.checkIntervalMs ?? 1_000 },
    handler,
  );
  server.maxHeadersCount = 100;
  server.headersTimeout = options.headersTimeoutMs ?? 10_000;
  server.requestTimeout = options.requestTimeoutMs ?? 30_000;
  server.keepAliveTimeout = options.keepAliveTimeoutMs ?? 65_000;
  trackRequestsInFlight(server);
  return server;
}

/** The one place where errors become answers; bodies follow FastAPI's shapes. */
function answerError(res: ServerResponse, error: unknown, send: Send, onUnexpectedError: (error: unknown) => void): void {
  if (error instanceof EmptyBodyError) return send(res, 422, missingBody());
  if (error instanceof InvalidJsonBodyError) {
    // FastAPI answers undecodable bytes with this 400 and bad JSON with a json_invalid 422.
    if (error.reason === 'Invalid UTF-8') return send(res, 400, { detail: 'There was an error parsing the body' });
    return send(res, 422, invalidJson(error.position ?? 0, error.reason));
  }
  // Every other library error, body errors included: its status and message, and the headers
  // the shared mapping gives it (challenge, Retry-After, Connection: close).
  if (error instanceof AuthError) {
    noteRefusal(res, error.code);
    return send(res, error.status, { detail: error.message }, errorHeaders(error));
  }
  onUnexpectedError(error);
  send(res, 500, { detail: 'Internal Server Error' });
}

function reportUnexpectedError(error: unknown): void {
  // The name and code only: a message from elsewhere is not known to be free of secrets.
  const { name, code } = (error ?? {}) as { name?: unknown; code?: unknown };
  writeSafely(process.stderr, `unexpected error while answering a request: ${String(name)}${code === undefined ? '' : ` ${String(code)}`}\n`);
}

/** The revocation store's size, when its store tells it (the in-memory one does). */
function revocationEntries(auth: AuthX): { revocationEntries?: () => number } {
  const store = auth.revocationStore as { size?: unknown };
  return typeof store.size === 'number' ? { revocationEntries: () => store.size as number } : {};
}

/** A throttle limit option, checked by name, or its default (per 15 minutes). */
function checkLimit(limit: ThrottleLimit | undefined, fallback: number, name: string): ThrottleLimit {
  if (limit === undefined) return { maxFailures: fallback, windowSeconds: FIFTEEN_MINUTES };
  assertKnownOptions(limit, ['maxFailures', 'windowSeconds'], name);
  return { maxFailures: limit.maxFailures, windowSeconds: limit.windowSeconds };
}

function makeAuth(options: ServerOptions): AuthX {
  if (options.secretKey === undefined) throw new TypeError('createHandler needs options.auth or options.secretKey');
  return new AuthX({
    secretKey: options.secretKey,
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    ...(options.revocationStore === undefined ? {} : { revocationStore: options.revocationStore }),
    ...(options.algorithm === undefined ? {} : { algorithm: options.algorithm }),
  });
}

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** `DELETE /sessions/{id}`: an id of this library's shape (a UUID), or none (404). */
function sessionMethods(id: string, endSession: (id: string) => Route): Readonly<Record<string, Route>> | undefined {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(id)) return undefined;
  return { DELETE: endSession(id) };
}
