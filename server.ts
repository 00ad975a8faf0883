/**
 * The AuthX basic example (see shared/SEED.md) on plain `node:http`, ready for real traffic:
 * `GET /`, `POST /login`, `GET /protected`, plus `POST /refresh` and `POST /logout`.
 *
 *     npm start                      # PORT=8000 HOST=0.0.0.0 JWT_SECRET_KEY=... USERS_FILE=...
 *     npm run hash-password          # reads a password from stdin, prints its scrypt hash
 *
 * `createHandler` is the plain request handler and `createServer` adds the timeouts; `listen()`
 * only happens when this file is run directly, so tests start it on port 0.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type OutgoingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import { pathToFileURL } from 'node:url';
import { addressThrottleKey } from './server/address-key.ts';
import { AccessTokenRequiredError } from './lib/authx/authx-errors.ts';
import { AuthX } from './lib/authx/authx.ts';
import { readJsonBody } from './lib/authx/body.ts';
import { EmptyBodyError, InvalidJsonBodyError } from './lib/authx/body-errors.ts';
import { AuthError, JWTDecodeError } from './lib/core/errors.ts';
import { invalidJson, missingBody, validateStringFields } from './server/fastapi-validation.ts';
import { exitOnSignals, trackRequestsInFlight } from './server/graceful-shutdown.ts';
import { sendJson } from './server/http-json.ts';
import { errorHeaders } from './lib/authx/http-errors.ts';
import { LoginThrottle } from './server/login-throttle.ts';
import { positiveInteger } from './lib/authx/option-checks.ts';
import { hashPassword, isBelowOwaspMinimum } from './server/password.ts';
import { readPassword } from './server/password-input.ts';
import { RevocationQuota } from './server/revocation-quota.ts';
import { logRequest, pathOf, type LogSink } from './server/request-log.ts';
import type { SecretInput } from './lib/core/secret.ts';
import { readServerConfig } from './server/server-config.ts';
import { DEMO_USERS, UserStore } from './server/user-store.ts';

/** Failures allowed per window before 429. */
export interface ThrottleLimit {
  maxFailures: number;
  windowSeconds: number;
}

/** Options of {@link createHandler} and {@link createServer}. */
export interface ServerOptions {
  /** A configured AuthX instance; or give `secretKey` and one is made with AuthX's defaults. */
  auth?: AuthX;
  /** HS256 secret (32+ bytes) when `auth` is not given. */
  secretKey?: SecretInput;
  /** The users; default the two demo users. */
  users?: UserStore;
  /** Access-log sink; default `process.stdout`. */
  log?: LogSink;
  /** Clock in ms since the epoch for tokens and throttling; default `Date.now`. */
  clock?: () => number;
  /** Per username; default 5 failures per 15 minutes. */
  usernameLimit?: ThrottleLimit;
  /** Per client address; default 20 failures per 15 minutes. */
  addressLimit?: ThrottleLimit;
  /**
   * Uses of `/refresh` and `/logout` per subject; default 60 per 15 minutes. Each logout adds a
   * revocation, so without it one account could mint and revoke tokens until the revocation
   * store is full and logout fails for everyone.
   */
  subjectLimit?: ThrottleLimit;
  /**
   * Individual revocations one subject may hold at once; default 20. Past it, a logout revokes
   * every token of that subject issued so far, so the revocation store holds at most this many
   * entries per user.
   */
  revocationsPerSubject?: number;
  /** Take the client address from the last `X-Forwarded-For` entry (one trusted proxy in front). */
  trustProxy?: boolean;
  /** Password checks allowed to wait for the thread pool before answering 503; default 32. */
  maxPendingPasswordChecks?: number;
  /**
   * While it returns `true`, answers carry `Connection: close` (set by {@link createServer} to
   * "the server is draining", so keep-alive clients move to another instance).
   */
  closeConnections?: () => boolean;
  /** Gets every error that is not an `AuthError` (answered as a bare 500); default: name to stderr. */
  onUnexpectedError?: (error: unknown) => void;
}

/** The server's timeouts, in milliseconds. */
export interface ServerTimeouts {
  /** Whole request head must arrive within this; default 10 000 (slowloris). */
  headersTimeoutMs?: number;
  /** Whole request, body included, within this; default 30 000. */
  requestTimeoutMs?: number;
  /**
   * Idle keep-alive connections close after this; default 65 000: longer than the 60 s idle
   * timeout of common load balancers, so the balancer closes idle connections and never sends a
   * request on one this server is closing at that instant (which the client would see as a 502).
   */
  keepAliveTimeoutMs?: number;
  /** How often the two request timeouts are checked; default 1 000. */
  checkIntervalMs?: number;
}

const ROOT_ANSWER = {
  message: 'Welcome to AuthX Basic Authentication Example',
  endpoints: {
    login: 'POST /login - Get an access token',
    protected: 'GET /protected - Access protected resource (requires token)',
    refresh: 'POST /refresh - Get a new access token (requires refresh token)',
    logout: 'POST /logout - Revoke the presented token (access or refresh)',
  },
};
const INVALID_CREDENTIALS = { detail: 'Invalid username or password' };
const FIFTEEN_MINUTES = 15 * 60;

type Send = (res: ServerResponse, status: number, body: unknown, headers?: OutgoingHttpHeaders) => void;
type Route = (req: IncomingMessage, res: ServerResponse) => Promise<void> | void;

/**
 * The request handler: routing, the five routes, error answers and the access log.
 *
 * @example http.createServer(createHandler({ secretKey: process.env.JWT_SECRET_KEY! })).listen(0)
 * @throws {TypeError} When neither `auth` nor `secretKey` is given, or options are invalid.
 * @throws {RangeError} When `secretKey` is shorter than 32 bytes or a limit is out of range.
 */
export function createHandler(options: ServerOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const auth = options.auth ?? makeAuth(options);
  const users = options.users ?? new UserStore(DEMO_USERS);
  const sink = options.log ?? process.stdout;
  const clock = options.clock ?? Date.now;
  const perUsername = new LoginThrottle({ ...(options.usernameLimit ?? { maxFailures: 5, windowSeconds: FIFTEEN_MINUTES }), now: clock });
  const perAddress = new LoginThrottle({ ...(options.addressLimit ?? { maxFailures: 20, windowSeconds: FIFTEEN_MINUTES }), now: clock });
  const perSubject = new LoginThrottle({ ...(options.subjectLimit ?? { maxFailures: 60, windowSeconds: FIFTEEN_MINUTES }), now: clock });
  const quota = new RevocationQuota({
    perSubject: options.revocationsPerSubject ?? 20,
    maxTokenLifetime: Math.max(auth.config.accessTokenExpires, auth.config.refreshTokenExpires) + Math.ceil(auth.config.clockTolerance),
    clock,
  });
  const maxPending = positiveInteger(options.maxPendingPasswordChecks, 32, 'maxPendingPasswordChecks');
  const onUnexpectedError = options.onUnexpectedError ?? reportUnexpectedError;
  let pendingPasswordChecks = 0;
  const closing = options.closeConnections ?? (() => false);
  const send: Send = (res, status, body, headers) => sendJson(res, status, body, closing() ? { ...headers, connection: 'close' } : headers);

  const login: Route = async (req, res) => {
    const fields = validateStringFields(await readJsonBody(req), ['username', 'password']);
    if (!fields.ok) return send(res, 422, fields.answer);
    const { username, password } = fields.values;
    const userKey = digest(username);
    const addressKey = clientAddress(req, options.trustProxy === true);
    const decisions = [perUsername.check(userKey), perAddress.check(addressKey)];
    const retryAfter = Math.max(0, ...decisions.map((d) => (d.allowed ? 0 : d.retryAfterSeconds)));
    if (retryAfter > 0) {
      return send(res, 429, { detail: 'Too many failed login attempts; try again later' }, { 'retry-after': String(retryAfter) });
    }
    if (pendingPasswordChecks >= maxPending) {
      return send(res, 503, { detail: 'Server busy; try again later' }, { 'retry-after': '1' });
    }
    // Counted as failures before the slow check, so parallel guesses cannot outrun the counters.
    perUsername.recordFailure(userKey);
    perAddress.recordFailure(addressKey);
    pendingPasswordChecks++;
    let valid: boolean;
    try {
      valid = await users.checkCredentials(username, password);
    } finally {
      pendingPasswordChecks--;
    }
    if (!valid) return send(res, 401, INVALID_CREDENTIALS);
    perUsername.reset(userKey);
    perAddress.release(addressKey);
    const { access_token, refresh_token } = auth.createTokenPair(username);
    send(res, 200, { access_token, token_type: 'bearer', refresh_token });
  };

  const protectedRoute: Route = async (req, res) => {
    const payload = await auth.verifyToken(await auth.getAccessTokenFromRequest(req));
    quota.assertNotRevoked(payload);
    send(res, 200, {
      message: 'You have access to this protected resource',
      username: payload.sub,
      email: users.emailOf(payload.sub),
    });
  };

  /** Counts one token operation for `subject`; answers 429 and returns `true` past the limit. */
  const subjectThrottled = (res: ServerResponse, subject: string): boolean => {
    const key = digest(subject);
    const decision = perSubject.check(key);
    if (!decision.allowed) {
      send(res, 429, { detail: 'Too many token operations; try again later' }, { 'retry-after': String(decision.retryAfterSeconds) });
      return true;
    }
    perSubject.recordFailure(key);
    return false;
  };

  const refresh: Route = async (req, res) => {
    const payload = await auth.verifyToken(await auth.getRefreshTokenFromRequest(req), { type: 'refresh' });
    quota.assertNotRevoked(payload);
    if (!users.has(payload.sub)) throw new JWTDecodeError('Token subject is not a known user');
    if (subjectThrottled(res, payload.sub)) return;
    send(res, 200, { access_token: auth.createAccessToken(payload.sub), token_type: 'bearer' });
  };

  const logout: Route = async (req, res) => {
    const found = await auth.getAccessTokenFromRequest(req);
    const payload = await auth.verifyToken(found, { type: 'access' }).catch((error: unknown) => {
      // Either kind may be revoked: a client logs out its refresh token the same way.
      if (error instanceof AccessTokenRequiredError) return auth.verifyToken(found, { type: 'refresh' });
      throw error;
    });
    quota.assertNotRevoked(payload);
    if (subjectThrottled(res, payload.sub)) return;
    // A subject holding its share of individual revocations is logged out everywhere instead,
    // so no account can fill the revocation store (see server/revocation-quota.ts).
    if (quota.admit(payload.sub, payload.exp)) await auth.revokeToken(payload);
    else quota.revokeAllThroughNow(payload.sub);
    send(res, 200, { message: 'Token revoked' });
  };

  const routes = new Map<string, Readonly<Record<string, Route>>>([
    ['/', { GET: (_req, res) => send(res, 200, ROOT_ANSWER) }],
    ['/login', { POST: login }],
    ['/protected', { GET: protectedRoute }],
    ['/refresh', { POST: refresh }],
    ['/logout', { POST: logout }],
  ]);
  const knownPaths = new Set(routes.keys());

  return (req, res) => {
    logRequest(req, res, { sink, knownPaths });
    const path = pathOf(req.url);
    const methods = routes.get(path);
    if (methods === undefined) return send(res, 404, { detail: 'Not Found' });
    const route = Object.hasOwn(methods, req.method ?? '') ? methods[req.method ?? ''] : undefined;
    if (route === undefined) return send(res, 405, { detail: 'Method Not Allowed' }, { allow: Object.keys(methods).join(', ') });
    // Only POST /login reads a body; any other route answers before a client's body matters.
    if (route === login && !hasBody(req)) return send(res, 422, missingBody());
    Promise.resolve()
      .then(() => route(req, res))
      .catch((error: unknown) => answerError(res, error, send, onUnexpectedError));
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
  const handler = createHandler({ closeConnections: () => !server.listening, ...options });
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
  if (error instanceof AuthError) return send(res, error.status, { detail: error.message }, errorHeaders(error));
  onUnexpectedError(error);
  send(res, 500, { detail: 'Internal Server Error' });
}

/** Throttle keys are short digests, so a 16 KiB username cannot bloat a throttle's memory. */
function digest(text: string): string {
  return createHash('sha256').update(text).digest('base64url');
}

function reportUnexpectedError(error: unknown): void {
  // The name and code only: a message from elsewhere is not known to be free of secrets.
  const { name, code } = (error ?? {}) as { name?: unknown; code?: unknown };
  process.stderr.write(`unexpected error while answering a request: ${String(name)}${code === undefined ? '' : ` ${String(code)}`}\n`);
}

function makeAuth(options: ServerOptions): AuthX {
  if (options.secretKey === undefined) throw new TypeError('createHandler needs options.auth or options.secretKey');
  return new AuthX(options.clock === undefined ? { secretKey: options.secretKey } : { secretKey: options.secretKey, clock: options.clock });
}

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

function clientAddress(req: IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = req.headers['x-forwarded-for'];
    const last = (Array.isArray(forwarded) ? forwarded.join(',') : forwarded ?? '').split(',').pop()?.trim();
    // An address is at most 45 characters; anything longer is digested to keep the key small.
    if (last) return last.length > 64 ? digest(last) : addressThrottleKey(last);
  }
  // IPv6 clients are counted per /64, which one client usually controls whole.
  return addressThrottleKey(req.socket.remoteAddress ?? 'unknown');
}

/** `npm start`: read the environment, then listen until SIGTERM/SIGINT. */
async function main(): Promise<void> {
  if (process.argv[2] === 'hash-password') {
    const password = await readPassword(process.stdin, process.stderr);
    process.stdout.write(`${await hashPassword(password)}\n`);
    return;
  }
  const config = readServerConfig(process.env);
  if (config.secretGenerated) {
    process.stderr.write(
      'warning: JWT_SECRET_KEY is not set, so this process made up a random secret: every token it issues dies with it.\n' +
        '         Set JWT_SECRET_KEY to 32 or more random bytes, e.g. node -e "console.log(require(\'node:crypto\').randomBytes(32).toString(\'base64url\'))"\n',
    );
  }
  const users = config.usersFile === undefined ? new UserStore(DEMO_USERS) : UserStore.fromJson(readFileSync(config.usersFile, 'utf8'));
  const weak = users.weakHashUsers(isBelowOwaspMinimum);
  if (weak.length > 0) process.stderr.write(`warning: ${weak.length} user(s) have password hashes below OWASP's scrypt minimum; rehash with npm run hash-password\n`);
  const server = createServer({ secretKey: config.secretKey, users, trustProxy: config.trustProxy });
  server.on('error', (error: NodeJS.ErrnoException) => {
    process.stderr.write(`error: cannot listen on ${config.host}:${config.port}: ${error.code ?? error.message}\n`);
    process.exit(1);
  });
  server.listen(config.port, config.host, () => {
    const address = server.address();
    if (address !== null && typeof address === 'object') {
      const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      process.stdout.write(`listening on http://${host}:${address.port} (pid ${process.pid})\n`);
    }
  });
  exitOnSignals(server);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    // Start-up errors carry fixed messages (config, users file, password input); never a secret.
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
