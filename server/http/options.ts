/**
 * The example server's options: what {@link createHandler} and {@link createServer} in
 * `server/http/app.ts` accept. Example server only; not part of the package.
 */
import type { AuthX } from '../../lib/authx/authx.ts';
import type { RevocationStore } from '../../lib/authx/state/revocation.ts';
import type { Algorithm } from '../../lib/core/algorithms.ts';
import type { JwkSetDocument } from '../../lib/core/jwks.ts';
import type { KeyInput } from '../../lib/core/keys.ts';
import type { CounterStore } from '../login/counter-store.ts';
import type { LogWriter } from '../ops/log-writer.ts';
import type { Readiness } from '../ops/readiness.ts';
import type { LogFormat, LogSink } from '../ops/request-log.ts';
import type { ServerMetrics } from '../ops/server-metrics.ts';
import type { UserStore } from '../login/user-store.ts';

/** Attempts allowed per window before 429 (see docs/throttling.md). */
export interface ThrottleLimit {
  maxFailures: number;
  windowSeconds: number;
}

/** Options of `createHandler` and `createServer`. */
export interface ServerOptions {
  /** A configured AuthX instance; or give `secretKey` and one is made with AuthX's defaults. */
  auth?: AuthX;
  /** The signing key when `auth` is not given: an HMAC secret (32+ bytes for HS256) or a private key. */
  secretKey?: KeyInput;
  /** The algorithm when `auth` is not given; default HS256 for a secret, the key's own otherwise. */
  algorithm?: Algorithm;
  /** Public keys served at `GET /.well-known/jwks.json` (with `Cache-Control`); unset, that path is 404. */
  jwks?: JwkSetDocument;
  /**
   * Where revocations, cut-offs, families and claims live when `auth` is not given (see
   * docs/state.md and `server/process/state.ts`); default a memory store of this process.
   */
  revocationStore?: RevocationStore;
  /** The users; default the two demo users. */
  users?: UserStore;
  /**
   * Access log: a sink (wrapped in a {@link LogWriter}: batched per event-loop turn, bounded,
   * failures never fatal), a `LogWriter` you own (to flush it on exit), or `false` for none;
   * default `process.stdout`.
   */
  log?: LogSink | LogWriter | false;
  /** `text` (default): `GET /protected 200 1.3ms id=...`; `json`: one JSON object per line. */
  logFormat?: LogFormat;
  /** Metrics recorded per request and served at `/metrics`; default none (`/metrics` is a 404). */
  metrics?: ServerMetrics | false;
  /** Readiness behind `/readyz`; default one with no checks, ready until it drains. */
  readiness?: Readiness;
  /** Serve `/healthz`, `/readyz` and `/metrics` on this handler; default `true` (`false` when they have their own port). */
  opsEndpoints?: boolean;
  /** Clock in ms since the epoch for tokens and throttling; default `Date.now`. */
  clock?: () => number;
  /** Login attempts per username and client address (strict); default 5 per 15 minutes. */
  usernameAddressLimit?: ThrottleLimit;
  /**
   * Login attempts per username from anywhere (looser); default 10 per 15 minutes. Addresses the
   * user logged in from successfully within `knownAddressDays` are not held by it.
   */
  usernameLimit?: ThrottleLimit;
  /** Failed logins per client address, whatever the username; default 20 per 15 minutes. */
  addressLimit?: ThrottleLimit;
  /** Days an address stays known for a user after a successful login; default 30. */
  knownAddressDays?: number;
  /**
   * Access tokens minted by `/refresh` per subject; default 60 per 15 minutes. `/logout` is
   * never rate-limited: the revocation store is bounded per subject instead (its
   * `maxEntriesPerSubject`, docs/state.md).
   */
  refreshLimit?: ThrottleLimit;
  /**
   * Where the login and refresh counters live; default one bounded in-memory store per layer.
   * Give a shared store (Redis) when several processes serve the same users.
   */
  counterStore?: CounterStore;
  /** Sessions one user keeps (`GET /sessions`); past it a login ends the oldest first. Default 100. */
  maxSessions?: number;
  /**
   * Seconds after a `/refresh` during which the same refresh token gets the same new refresh
   * token again (a retry after a lost answer), unless that new one was used; 0 to 60, default 10.
   * Any other reuse of a rotated refresh token revokes its family (docs/rotation.md).
   */
  reuseGraceSeconds?: number;
  /** `POST /logout` with a refresh token revokes its whole family (every token since that login); default `true`. */
  logoutRevokesFamily?: boolean;
  /** Take the client address from the last `X-Forwarded-For` entry (one trusted proxy in front). */
  trustProxy?: boolean;
  /** Password checks allowed to wait for the thread pool before answering 503; default 32. */
  maxPendingPasswordChecks?: number;
  /**
   * While it returns `true`, answers carry `Connection: close` (set by `createServer` to
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
