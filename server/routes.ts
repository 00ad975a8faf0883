/**
 * The example server's five routes (shared/SEED.md): `GET /`, `POST /login`, `GET /protected`,
 * `POST /refresh`, `POST /logout`. Routing, error answers and the access log are in
 * `server/app.ts`. Example server only; not part of the package.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { AccessTokenRequiredError, RefreshTokenReusedError } from '../lib/authx/authx-errors.ts';
import type { AuthX } from '../lib/authx/authx.ts';
import { readJsonBody } from '../lib/authx/body.ts';
import type { TokenPayload } from '../lib/authx/token-verifier.ts';
import { JWTDecodeError } from '../lib/core/errors.ts';
import { addressThrottleKey } from './address-key.ts';
import { validateStringFields } from './fastapi-validation.ts';
import type { LoginThrottle } from './login-throttle.ts';
import type { LogSink } from './request-log.ts';
import type { RevocationQuota } from './revocation-quota.ts';
import type { UserStore } from './user-store.ts';

/** Sends one JSON answer (adds `Connection: close` while the server drains). */
export type Send = (res: ServerResponse, status: number, body: unknown, headers?: OutgoingHttpHeaders) => void;
/** One route's handler; a rejection is answered by the handler in `server/app.ts`. */
export type Route = (req: IncomingMessage, res: ServerResponse) => Promise<void> | void;

/** What the routes share, built once per handler by `createHandler`. */
export interface RouteContext {
  auth: AuthX;
  users: UserStore;
  perUsername: LoginThrottle;
  perAddress: LoginThrottle;
  perSubject: LoginThrottle;
  quota: RevocationQuota;
  maxPendingPasswordChecks: number;
  trustProxy: boolean;
  send: Send;
  /**
   * The tokens' locations need no body and the revocation store answers synchronously, so
   * `GET /protected` verifies without a Promise.
   */
  syncTokens: boolean;
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

/** The five routes over one shared context. */
export function createRoutes(context: RouteContext): Routes {
  const { auth, users, perUsername, perAddress, perSubject, quota, send } = context;
  let pendingPasswordChecks = 0;

  const login: Route = async (req, res) => {
    const fields = validateStringFields(await readJsonBody(req), ['username', 'password']);
    if (!fields.ok) return send(res, 422, fields.answer);
    const { username, password } = fields.values;
    const userKey = digest(username);
    const addressKey = clientAddress(req, context.trustProxy);
    const decisions = [perUsername.check(userKey), perAddress.check(addressKey)];
    const retryAfter = Math.max(0, ...decisions.map((d) => (d.allowed ? 0 : d.retryAfterSeconds)));
    if (retryAfter > 0) {
      return send(res, 429, { detail: 'Too many failed login attempts; try again later' }, { 'retry-after': String(retryAfter) });
    }
    if (pendingPasswordChecks >= context.maxPendingPasswordChecks) {
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

  const grantAccess = (res: ServerResponse, payload: TokenPayload): void => {
    quota.assertNotRevoked(payload);
    send(res, 200, {
      message: 'You have access to this protected resource',
      username: payload.sub,
      email: users.emailOf(payload.sub),
    });
  };
  const protectedRoute: Route = context.syncTokens
    ? (req, res) => grantAccess(res, auth.verifyTokenSync(auth.getAccessTokenFromRequestSync(req)))
    : async (req, res) => grantAccess(res, await auth.verifyToken(await auth.getAccessTokenFromRequest(req)));

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
    const found = await auth.getRefreshTokenFromRequest(req);
    const payload = await auth.verifyToken(found, { type: 'refresh' });
    quota.assertNotRevoked(payload);
    if (!users.has(payload.sub)) throw new JWTDecodeError('Token subject is not a known user');
    if (subjectThrottled(res, payload.sub)) return;
    // Rotation (docs/rotation.md): the presented token is retired, its one successor answered.
    const rotated = await auth.rotateRefreshToken(found, { reuseGraceSeconds: context.reuseGraceSeconds }).catch((error: unknown) => {
      if (error instanceof RefreshTokenReusedError) context.log.write(reuseEventLine(error));
      throw error;
    });
    send(res, 200, { access_token: rotated.access_token, token_type: 'bearer', refresh_token: rotated.refresh_token });
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
    // Logging out with a refresh token ends its session: the whole family, remembered as long as
    // the family's newest token can live, and counted against the same share.
    const family = context.logoutRevokesFamily && payload.type === 'refresh' ? payload.fid : undefined;
    const until = family === undefined ? payload.exp : familyEnd(auth, payload);
    if (!quota.admit(payload.sub, until)) quota.revokeAllThroughNow(payload.sub);
    else if (family === undefined) await auth.revokeToken(payload);
    else await auth.revokeFamily(family);
    send(res, 200, { message: 'Token revoked' });
  };

  return { root: (_req, res) => send(res, 200, ROOT_ANSWER), login, protectedRoute, refresh, logout };
}

/** Until when a family revocation must be remembered: its newest token is issued now at the latest. */
function familyEnd(auth: AuthX, payload: { iat: number; exp: number }): number {
  const lifetime = Math.max(auth.config.refreshTokenExpires, auth.config.accessTokenExpires, payload.exp - payload.iat);
  return Math.floor(auth.clock() / 1000) + lifetime + Math.ceil(auth.config.clockTolerance);
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
    // An address is at most 45 characters; anything longer is digested to keep the key small.
    if (last) return last.length > 64 ? digest(last) : addressThrottleKey(last);
  }
  // IPv6 clients are counted per /64, which one client usually controls whole.
  return addressThrottleKey(req.socket.remoteAddress ?? 'unknown');
}
