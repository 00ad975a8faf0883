/**
 * The example server's five routes (shared/SEED.md): `GET /`, `POST /login`, `GET /protected`,
 * `POST /refresh`, `POST /logout`. Routing, error answers and the access log are in
 * `server/http/app.ts`. Example server only; not part of the package.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { isIP, isIPv4, isIPv6 } from 'node:net';
import { AccessTokenRequiredError, RefreshTokenReusedError } from '../../lib/authx/authx-errors.ts';
import type { AuthX } from '../../lib/authx/authx.ts';
import { readJsonBody } from '../../lib/authx/http/body.ts';
import type { TokenPayload } from '../../lib/authx/tokens/token-verifier.ts';
import type { RotatedTokens } from '../../lib/authx/tokens/rotation.ts';
import { decodeJwt } from '../../lib/core/jwt.ts';
import { JWTDecodeError } from '../../lib/core/errors.ts';
import { addressThrottleKey, networkHint } from '../login/address-key.ts';
import { validateStringFields } from './fastapi-validation.ts';

import { hitInOrder, type FailureThrottle, type KnownKeys, type LoginThrottle, type ThrottleDecision } from '../login/login-throttle.ts';
import type { LogSink } from '../ops/request-log.ts';
import type { UserStore } from '../login/user-store.ts';

/** Sends one JSON answer (adds `Connection: close` while the server drains). */
export type Send = (res: ServerResponse, status: number, body: unknown, headers?: OutgoingHttpHeaders) => void;
/** One route's handler; a rejection is answered by the handler in `server/http/app.ts`. */
export type Route = (req: IncomingMessage, res: ServerResponse) => Promise<void> | void;

/** What the routes share, built once per handler by `createHandler`. */
export interface RouteContext {
  auth: AuthX;
  users: UserStore;
  /** Strict: attempts per username and address. */
  perUsernameAddress: LoginThrottle;
  /** Looser: attempts per username from anywhere; known pairs pass it. */
  perUsername: LoginThrottle;
  /** Failures per address, whatever the username. */
  perAddress: FailureThrottle;
  /** Username-and-address pairs that logged in successfully lately. */
  knownPairs: KnownKeys;
  /** Access tokens minted by `/refresh` per subject. */
  perRefresh: LoginThrottle;
  /** Individual revocations one subject may hold; past it a logout revokes all its tokens. */
  maxPendingPasswordChecks: number;
  /** Sessions one user keeps; past it a login ends the oldest. */
  maxSessions: number;
  trustProxy: boolean;
  send: Send;
  /**
   * The tokens' locations need no body and the revocation store answers synchronously, so
   * `GET /protected` verifies without a Promise.
   */
  syncTokens: boolean;
  /**
   * The tokens' locations need no body and the store answers synchronously when it holds the
   * answer in a local cache (Redis with client tracking): `GET /protected` tries without a
   * Promise and awaits only on a cache miss.
   */
  cachedTokens: boolean;
  /** Where security events go (a detected refresh token reuse); the access log's sink. */
  log: LogSink;
  /** Seconds a rotated refresh token may be presented again for the same successor (docs/rotation.md). */
  reuseGraceSeconds: number;
  /** Whether logging out with a refresh token revokes its whole family (the session). */
  logoutRevokesFamily: boolean;
}

/** The routes by name; `login` is the only one that reads a request body. */
export interface Routes {
  root: Route;
  login: Route;
  protectedRoute: Route;
  refresh: Route;
  logout: Route;
  /** `GET /sessions`, `DELETE /sessions` (every other session), `DELETE /sessions/{id}`. */
  listSessions: Route;
  endOtherSessions: Route;
  endSession: (id: string) => Route;
}

const ROOT_ANSWER = {
  message: 'Welcome to AuthX Basic Authentication Example',
  endpoints: {
    login: 'POST /login - Get an access token',
    protected: 'GET /protected - Access protected resource (requires token)',
    refresh: 'POST /refresh - Get a new access token and a new refresh token (requires refresh token)',
    logout: 'POST /logout - Revoke the presented token (access or refresh)',
  },
};
const INVALID_CREDENTIALS = { detail: 'Invalid username or password' };
const TOO_MANY_LOGINS = { detail: 'Too many failed login attempts; try again later' };
/** Answered for a verified token whose subject is no longer a user. */
const NOT_A_USER = 'Token subject is not a known user';

/** The five routes over one shared context. */
export function createRoutes(context: RouteContext): Routes {
  const { auth, users, perUsernameAddress, perUsername, perAddress, knownPairs, perRefresh, send } = context;
  let pendingPasswordChecks = 0;
  const refused = (res: ServerResponse, decision: ThrottleDecision & { allowed: false }): void =>
    send(res, 429, TOO_MANY_LOGINS, { 'retry-after': String(decision.retryAfterSeconds) });

  const login: Route = async (req, res) => {
    const fields = validateStringFields(await readJsonBody(req), ['username', 'password']);
    if (!fields.ok) return send(res, 422, fields.answer);
    const { username, password } = fields.values;
    // Every key of a username's layers carries its digest as a hash tag, so on a Redis Cluster
    // the pair and username layers (and the known pairs) are counted on one node, in one step.
    const userKey = `{${digest(username)}}`;
    const addressKey = clientAddress(req, context.trustProxy);
    const pairKey = `${userKey}${digest(`${addressKey}\n${username}`)}`;
    if (pendingPasswordChecks >= context.maxPendingPasswordChecks) {
      return send(res, 503, { detail: 'Server busy; try again later' }, { 'retry-after': '1' });
    }
    // The slot is taken before the first await: with a shared (Redis) address layer, begin() is
    // a round trip, and logins arriving meanwhile must see the slots already taken.
    pendingPasswordChecks++;
    let begun = false;
    let valid = false;
    try {
      // The layers of docs/throttling.md, each counting the attempt before the slow check so
      // parallel guesses cannot outrun them, and in this order so that an attempt one layer
      // refuses is not counted by the next: a stranger hammering one address at a username uses
      // up that pair's budget and the address's, never the username's for other addresses.
      // With Redis: the address, then the pair and username layers in one script (two round trips).
      const byAddress = await perAddress.begin(addressKey);
      if (!byAddress.allowed) return refused(res, byAddress);
      begun = true;
      const byUser = await hitInOrder([perUsernameAddress, pairKey], [perUsername, userKey], [knownPairs, pairKey]);
      if (!byUser.allowed) return refused(res, byUser);
      valid = await users.checkCredentials(username, password);
    } finally {
      pendingPasswordChecks--;
      // A success's take-back waits for the resets below: one round trip for all of them.
      if (begun && !valid) await perAddress.end(addressKey, true);
    }
    if (!valid) return send(res, 401, INVALID_CREDENTIALS);
    // Every login is a session the user can list and end (docs/server.md): recorded with the
    // client's User-Agent (cleaned, bounded) and the /24 or /48 it came from, never a token. The
    // throttle resets (and a success's address take-back) go out with it, in the same round trip.
    const userAgent = req.headers['user-agent'];
    const [{ access_token, refresh_token }] = await Promise.all([
      auth.createSession(username, { userAgent, network: networkHint(addressKey), maxSessions: context.maxSessions }),
      perAddress.end(addressKey, false), perUsernameAddress.reset(pairKey), perUsername.reset(userKey), knownPairs.remember(pairKey),
    ]);
    send(res, 200, { access_token, token_type: 'bearer', refresh_token });
  };

  // Revocation (token, subject cut-off, family) was checked by verifyToken, in one store call.
  const grantAccess = (res: ServerResponse, payload: TokenPayload): void => {
    if (!users.has(payload.sub)) throw new JWTDecodeError(NOT_A_USER);
    send(res, 200, {
      message: 'You have access to this protected resource',
      username: payload.sub,
      email: users.emailOf(payload.sub),
    });
  };
  const awaitedRoute: Route = async (req, res) => grantAccess(res, await auth.verifyToken(await auth.getAccessTokenFromRequest(req)));
  // A cache hit answers without a Promise; a miss waits for the one read (verified once either way).
  const cachedRoute: Route = (req, res) => {
    const verified = auth.verifyTokenEither(auth.getAccessTokenFromRequestSync(req));
    return verified instanceof Promise ? verified.then((payload) => grantAccess(res, payload)) : grantAccess(res, verified);
  };
  const protectedRoute: Route = context.syncTokens
    ? (req, res) => grantAccess(res, auth.verifyTokenSync(auth.getAccessTokenFromRequestSync(req)))
    : context.cachedTokens
      ? cachedRoute
      : awaitedRoute;

  const refresh: Route = async (req, res) => {
    const found = await auth.getRefreshTokenFromRequest(req);
    // Minting is limited per subject (a stolen refresh token cannot mint without end); logout
    // is not, so nobody holding a copy of a token can stop its owner from revoking it. Only a
    // token that verifies counts against its subject's budget.
    const rotate = (): Promise<RotatedTokens> =>
      // Rotation (docs/rotation.md): the presented token is retired, its one successor answered.
      auth.rotateRefreshToken(found, { reuseGraceSeconds: context.reuseGraceSeconds }).catch((error: unknown) => {
        if (error instanceof RefreshTokenReusedError) context.log.write(reuseEventLine(error));
        throw error;
      });
    const tooMany = (decision: ThrottleDecision & { allowed: false }): void =>
      send(res, 429, { detail: 'Too many token refreshes; try again later' }, { 'retry-after': String(decision.retryAfterSeconds) });
    const verified = auth.verifyTokenEither(found, { type: 'refresh' });
    if (!(verified instanceof Promise) || !perRefresh.canPeek) {
      // A local or cached answer (or a store that cannot be read): the check, the hit, the rotation.
      const payload = await verified;
      if (!users.has(payload.sub)) throw new JWTDecodeError(NOT_A_USER);
      const minted = await perRefresh.hit(digest(payload.sub));
      if (!minted.allowed) return tooMany(minted);
      const rotated = await rotate();
      return send(res, 200, { access_token: rotated.access_token, token_type: 'bearer', refresh_token: rotated.refresh_token });
    }
    // An answer from the store (Redis): two round trips. First the revocation check with a read of
    // the budget; then the rotation with the hit. verifyTokenEither threw on a bad signature or
    // claim before answering this Promise, so the subject read again here (decodeJwt: no second
    // signature check) is the token's own; a token the store refuses never counts, however many
    // of its requests are in flight. Concurrent
    // refreshes of one user can pass the limit by as many as are in flight at once (each read
    // the budget before the others counted).
    const key = digest(String(decodeJwt(found.token).payload.sub));
    const [checked, budget] = await Promise.allSettled([verified, perRefresh.peek(key)]);
    if (checked.status === 'rejected') throw checked.reason;
    if (!users.has(checked.value.sub)) throw new JWTDecodeError(NOT_A_USER);
    if (budget.status === 'rejected') throw budget.reason;
    if (!budget.value.allowed) return tooMany(budget.value);
    const [rotated] = await Promise.allSettled([rotate(), perRefresh.hit(key)]);
    // The successor is answered even when the hit failed: the token is already retired.
    if (rotated.status === 'rejected') throw rotated.reason;
    send(res, 200, { access_token: rotated.value.access_token, token_type: 'bearer', refresh_token: rotated.value.refresh_token });
  };

  const logout: Route = async (req, res) => {
    const found = await auth.getAccessTokenFromRequest(req);
    const payload = await auth.verifyToken(found, { type: 'access' }).catch((error: unknown) => {
      // Either kind may be revoked: a client logs out its refresh token the same way.
      if (error instanceof AccessTokenRequiredError) return auth.verifyToken(found, { type: 'refresh' });
      throw error;
    });
    if (!users.has(payload.sub)) throw new JWTDecodeError(NOT_A_USER);
    // Never rate-limited (see refresh). The store stays bounded per subject instead: logging out
    // with a refresh token ends its session (the whole family); every entry of a subject counts
    // in its share of the store and, past it, the store folds them into one cut-off (the subject
    // is logged out everywhere), so no account can fill the store (docs/state.md).
    const family = context.logoutRevokesFamily && payload.type === 'refresh';
    await auth.revokeToken(payload, { family });
    send(res, 200, { message: 'Token revoked' });
  };

  // The sessions of the access token's user; `current` is the one the token belongs to.
  const caller = async (req: IncomingMessage): Promise<TokenPayload> => {
    const payload = await auth.verifyToken(await auth.getAccessTokenFromRequest(req));
    if (!users.has(payload.sub)) throw new JWTDecodeError(NOT_A_USER);
    return payload;
  };
  const listSessions: Route = async (req, res) => {
    const payload = await caller(req);
    const sessions = (await auth.listSessions(payload.sub)).map((s) => ({
      id: s.id, created_at: s.createdAt, last_used_at: s.lastUsedAt, expires_at: s.expiresAt, user_agent: s.userAgent, current: s.id === payload.fid,
    }));
    send(res, 200, { sessions });
  };
  const endOtherSessions: Route = async (req, res) => {
    const payload = await caller(req);
    await auth.endOtherSessions(payload.sub, payload.fid);
    sendEmpty(res, 204);
  };
  // Another user's id gets the same 404 as an unknown one: ids of others cannot be probed.
  const endSession = (id: string): Route => async (req, res) => {
    const payload = await caller(req);
    if (!(await auth.endSession(payload.sub, id))) return send(res, 404, { detail: 'Session not found' });
    sendEmpty(res, 204);
  };

  return { root: (_req, res) => send(res, 200, ROOT_ANSWER), login, protectedRoute, refresh, logout, listSessions, endOtherSessions, endSession };
}

/**
 * The security log line of a detected reuse: ids only (family and token id), never the token;
 * anything outside a plain id alphabet is replaced, so a foreign `jti` cannot forge log lines.
 */
function reuseEventLine(error: RefreshTokenReusedError): string {
  const clean = (id: string): string => id.slice(0, 64).replace(/[^\w.:-]/g, '?');
  return `security: refresh token reuse detected; family ${clean(error.familyId)} revoked (reused jti ${clean(error.tokenId)})\n`;
}

/** Throttle keys are short digests, so a 16 KiB username cannot bloat a throttle's memory. */
function digest(text: string): string {
  return createHash('sha256').update(text).digest('base64url');
}

function clientAddress(req: IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = req.headers['x-forwarded-for'];
    const last = (Array.isArray(forwarded) ? forwarded.join(',') : forwarded ?? '').split(',').pop()?.trim();
    const address = last === undefined ? undefined : forwardedAddress(last);
    if (address !== undefined) return addressThrottleKey(address);
  }
  // IPv6 clients are counted per /64, which one client usually controls whole.
  return addressThrottleKey(req.socket.remoteAddress ?? 'unknown');
}

/**
 * The address in one `X-Forwarded-For` entry: a bare IPv4 or IPv6 address, or one with the port
 * some proxies add (`192.0.2.7:51234`, `[2001:db8::1]:443`), whose port is dropped, so a new
 * source port is not a new client. Anything else (`unknown`, junk) is `undefined`: the request is
 * then counted under the address it came from, the proxy's, never under a key the client chose.
 */
function forwardedAddress(entry: string): string | undefined {
  if (isIP(entry) !== 0) return entry;
  const bracketed = /^\[([^\]]{1,45})\](?::\d{1,5})?$/.exec(entry);
  if (bracketed !== null) return isIPv6(bracketed[1]!) ? bracketed[1] : undefined;
  const colon = entry.lastIndexOf(':');
  if (colon > 0 && /^\d{1,5}$/.test(entry.slice(colon + 1)) && isIPv4(entry.slice(0, colon))) return entry.slice(0, colon);
  return undefined;
}

/** An answer without a body (204): no content type, no length beyond zero. */
function sendEmpty(res: ServerResponse, status: number): void {
  res.writeHead(status);
  res.end();
}
