/**
 * The example server's metrics: requests, durations, token verifications, logins, refreshes,
 * logouts, store sizes, state-store errors and round trips, dropped log lines, and the process
 * metrics. Every label value comes from a closed set the server defines (known routes, a fixed
 * list of methods, error codes of this library), never from the request as sent, so whatever
 * clients send the number of series stays bounded. Example server only; not in the package.
 */
import { assertKnownOptions } from '../../lib/core/option-names.ts';
import { MetricsRegistry, type Counter, type CounterChild, type Histogram, type HistogramChild } from './metrics-registry.ts';
import { registerProcessMetrics } from './process-metrics.ts';

/** Methods counted by name; any other method is counted as `other`. */
export const METRIC_METHODS: readonly string[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/** The label value for paths, methods and codes outside the closed sets. */
export const OTHER = 'other';

/** How a login ended. */
export type LoginOutcome = 'success' | 'invalid' | 'throttled' | 'busy';

/** How a refresh or a logout ended. */
export type TokenOperationOutcome = 'success' | 'rejected' | 'throttled';

/** Request durations in seconds: a verified request takes well under a millisecond, a login tens. */
const DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** State-store round trips in seconds: a local Redis answers in well under a millisecond. */
const ROUND_TRIP_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];
const ERROR_CODE = /^ERR_[A-Z0-9_]{1,40}$/;
const LOGIN_OUTCOMES: readonly LoginOutcome[] = ['success', 'invalid', 'throttled', 'busy'];
const OPERATION_OUTCOMES: readonly TokenOperationOutcome[] = ['success', 'rejected', 'throttled'];

/** Options of {@link ServerMetrics}. */
export interface ServerMetricsOptions {
  /** The paths the server serves; each is its own `route` label, every other path is `other`. */
  routes: readonly string[];
  /** Register the `process_*` and `nodejs_*` metrics; default `true`. */
  processMetrics?: boolean;
}

/** Sizes read at each scrape; each is optional, and a missing one is not exported. */
export interface MetricsSources {
  /** Entries in the revocation store (revoked tokens not yet expired). */
  revocationEntries?: () => number;
  /** Most entries the revocation store holds (DATA_DIR). */
  revocationCapacity?: () => number;
  /** Failed state writes so far, by a fixed kind (`commit`, `compaction`, `probe`; DATA_DIR). */
  stateWriteFailures?: () => Iterable<readonly [string, number]>;
  /** Entries per throttle, by a fixed throttle name (e.g. `usernameLimit`, `addressLimit`). */
  throttleEntries?: () => Iterable<readonly [string, number]>;
  /** Log lines dropped so far (slow or failed sink). */
  droppedLogLines?: () => number;
}

const KNOWN_OPTIONS: readonly string[] = ['routes', 'processMetrics'];

/** The server's metrics and the cheap calls that record them; render with `registry.render()`. */
export class ServerMetrics {
  /** The registry behind `/metrics`. */
  readonly registry: MetricsRegistry = new MetricsRegistry();
  readonly #routeIndex = new Map<string, number>();
  readonly #methodIndex = new Map<string, number>();
  /** Request counters by route index, then method index, then status: found without building a key. */
  readonly #requests: Array<Array<Map<number | string, CounterChild>>>;
  readonly #durations: HistogramChild[];
  readonly #routeLabels: string[];
  readonly #methodLabels: string[];
  readonly #requestCounter: Counter;
  readonly #verifications: Counter;
  /** `authx_token_verifications_total{outcome="valid",code="none"}`, counted on every 200 of a token route. */
  readonly #validVerifications: CounterChild;
  readonly #logins: Map<string, CounterChild>;
  readonly #refreshes: Map<string, CounterChild>;
  readonly #logouts: Map<string, CounterChild>;
  readonly #storeErrors: CounterChild;
  readonly #roundTrips: HistogramChild;
  readonly #stopProcessMetrics: () => void;
  #sources: MetricsSources = {};

  /**
   * @example const metrics = new ServerMetrics({ routes: ['/', '/login'] })
   * @throws {TypeError} On an unknown option or a route that is not a path.
   */
  constructor(options: ServerMetricsOptions) {
    assertKnownOptions(options, KNOWN_OPTIONS, 'ServerMetrics options');
    this.#routeLabels = [...options.routes, OTHER];
    for (const route of options.routes) if (!route.startsWith('/')) throw new TypeError(`ServerMetrics: route ${JSON.stringify(route)} is not a path`);
    this.#routeLabels.forEach((route, i) => this.#routeIndex.set(route, i));
    this.#methodLabels = [...METRIC_METHODS, OTHER];
    this.#methodLabels.forEach((method, i) => this.#methodIndex.set(method, i));
    const r = this.registry;
    this.#requestCounter = r.counter({ name: 'http_requests_total', help: 'HTTP requests answered (or aborted), by route, method and status.', labelNames: ['route', 'method', 'status'] });
    this.#requests = this.#routeLabels.map(() => this.#methodLabels.map(() => new Map()));
    const durations: Histogram = r.histogram({ name: 'http_request_duration_seconds', help: 'Time from request to answer, in seconds, by route.', labelNames: ['route'], buckets: DURATION_BUCKETS });
    this.#durations = this.#routeLabels.map((route) => durations.labels(route));
    this.#verifications = r.counter({ name: 'authx_token_verifications_total', help: 'Token verifications by outcome (valid, invalid) and error code (none when valid).', labelNames: ['outcome', 'code'] });
    this.#validVerifications = this.#verifications.labels('valid', 'none');
    const byOutcome = (name: string, help: string, outcomes: readonly string[]): Map<string, CounterChild> => {
      const counter = r.counter({ name, help, labelNames: ['outcome'] });
      return new Map(outcomes.map((outcome) => [outcome, counter.labels(outcome)]));
    };
    this.#logins = byOutcome('authx_logins_total', 'Logins by outcome: success, invalid (wrong credentials), throttled (429), busy (503).', LOGIN_OUTCOMES);
    this.#refreshes = byOutcome('authx_refreshes_total', 'Token refreshes by outcome: success, rejected (token refused), throttled (429).', OPERATION_OUTCOMES);
    this.#logouts = byOutcome('authx_logouts_total', 'Logouts by outcome: success, rejected (token refused), throttled (429).', OPERATION_OUTCOMES);
    this.#storeErrors = r.counter({ name: 'authx_state_store_errors_total', help: 'Failed operations on the shared state store.' }).labels();
    this.#roundTrips = r.histogram({ name: 'authx_state_store_round_trip_seconds', help: 'Round-trip time of state-store operations, in seconds.', buckets: ROUND_TRIP_BUCKETS }).labels();
    const single = (read: (() => number) | undefined): Array<readonly [readonly string[], number]> => (read === undefined ? [] : [[[], read()]]);
    r.gauge({ name: 'authx_revocation_store_entries', help: 'Entries in the revocation store.', collect: () => single(this.#sources.revocationEntries) });
    r.gauge({ name: 'authx_revocation_store_capacity', help: 'Most entries the revocation store holds (DATA_DIR store).', collect: () => single(this.#sources.revocationCapacity) });
    r.collectedCounter({
      name: 'authx_state_write_failures_total',
      help: 'Failed DATA_DIR writes by kind: commit (journal commit, answered 503), compaction, probe (readiness write probe).',
      labelNames: ['kind'],
      collect: () => [...(this.#sources.stateWriteFailures?.() ?? [])].map(([kind, value]) => [[kind], value] as const),
    });
    r.gauge({
      name: 'authx_throttle_entries',
      help: 'Keys held by each in-memory throttle store, by throttle name.',
      labelNames: ['throttle'],
      collect: () => [...(this.#sources.throttleEntries?.() ?? [])].map(([name, value]) => [[name], value] as const),
    });
    r.collectedCounter({ name: 'authx_log_lines_dropped_total', help: 'Access-log lines dropped because the log sink was slow or failed.', collect: () => single(this.#sources.droppedLogLines) });
    this.#stopProcessMetrics = options.processMetrics === false ? () => {} : registerProcessMetrics(r);
  }

  /** Sets where the store sizes and the dropped-line count are read from at each scrape. */
  setSources(sources: MetricsSources): void {
    this.#sources = { ...this.#sources, ...sources };
  }

  /**
   * Counts one request and its duration. `path` must already be without its query string;
   * unknown paths and methods are counted as `other`, a status outside 100-599 as `other`.
   *
   * @throws Never.
   */
  recordRequest(path: string, method: string | undefined, status: number | 'aborted', seconds: number): void {
    const route = this.#routeIndex.get(path) ?? this.#routeLabels.length - 1;
    const methodIndex = this.#methodIndex.get(method ?? '') ?? this.#methodLabels.length - 1;
    const byStatus = this.#requests[route]?.[methodIndex];
    if (byStatus === undefined) return;
    const key = typeof status === 'number' && !(status >= 100 && status <= 599 && Number.isInteger(status)) ? OTHER : status;
    let counter = byStatus.get(key);
    if (counter === undefined) {
      counter = this.#requestCounter.labels(this.#routeLabels[route] ?? OTHER, this.#methodLabels[methodIndex] ?? OTHER, String(key));
      byStatus.set(key, counter);
    }
    counter.inc();
    this.#durations[route]?.observe(seconds);
  }

  /**
   * Counts what an answer says about the example server's routes, read from its status (and the
   * library error code it was refused with, if any), so the routes need no metrics code:
   * `/login` 200, 401, 429, 503 (not a store outage) are a success, invalid credentials,
   * throttled, busy; on
   * `/protected`, `/refresh` and `/logout` a 200 is a valid token and a 401 or 403 with an error
   * code an invalid one; `/refresh` and `/logout` count 200 as success, 429 as throttled, 401 and
   * 403 as rejected. Other answers (422, 413, aborted) are counted only as requests. A refusal
   * with `ERR_STATE_UNAVAILABLE` (503), on any route, counts as a state-store error.
   *
   * @throws Never.
   */
  recordAnswer(path: string, status: number | 'aborted', refusalCode?: string): void {
    // Any route refused because the shared state could not be reached is a state-store error.
    if (refusalCode === 'ERR_STATE_UNAVAILABLE') this.stateStoreError();
    if (path === '/login') {
      const outcome = status === 200 ? 'success' : status === 401 ? 'invalid' : status === 429 ? 'throttled' : status === 503 && refusalCode === undefined ? 'busy' : undefined;
      if (outcome !== undefined) this.login(outcome);
      return;
    }
    if (path !== '/protected' && path !== '/refresh' && path !== '/logout') return;
    const refused = status === 401 || status === 403;
    if (status === 200) this.tokenVerified();
    else if (refused && refusalCode !== undefined) this.tokenVerified({ code: refusalCode });
    if (path === '/protected') return;
    const outcome = status === 200 ? 'success' : status === 429 ? 'throttled' : refused ? 'rejected' : undefined;
    if (outcome === undefined) return;
    if (path === '/refresh') this.refresh(outcome);
    else this.logout(outcome);
  }

  /** Counts one token verification: valid, or refused with the error's stable `code`. */
  tokenVerified(error?: unknown): void {
    if (error === undefined) {
      this.#validVerifications.inc();
      return;
    }
    const code = (error as { code?: unknown } | null)?.code;
    this.#verifications.inc(['invalid', typeof code === 'string' && ERROR_CODE.test(code) ? code : OTHER]);
  }

  /** Counts one login by outcome. */
  login(outcome: LoginOutcome): void {
    this.#logins.get(outcome)?.inc();
  }

  /** Counts one refresh by outcome. */
  refresh(outcome: TokenOperationOutcome): void {
    this.#refreshes.get(outcome)?.inc();
  }

  /** Counts one logout by outcome. */
  logout(outcome: TokenOperationOutcome): void {
    this.#logouts.get(outcome)?.inc();
  }

  /** Hook for the state store: one failed operation. */
  stateStoreError(): void {
    this.#storeErrors.inc();
  }

  /** Hook for the state store: one operation's round trip, in seconds. */
  stateStoreRoundTrip(seconds: number): void {
    if (Number.isFinite(seconds) && seconds >= 0) this.#roundTrips.observe(seconds);
  }

  /**
   * Wraps a state-store health check (such as a Redis PING) so each run is timed in
   * `authx_state_store_round_trip_seconds` and each failure (false, a rejection) counted in
   * `authx_state_store_errors_total`; for {@link Readiness} checks.
   *
   * @example readiness.addCheck({ name: 'state store', check: metrics.timeStateCheck(() => state.stateReady()) })
   */
  timeStateCheck(check: () => boolean | Promise<boolean>): () => Promise<boolean> {
    return async () => {
      const started = performance.now();
      let ok = false;
      try {
        ok = (await check()) === true;
      } finally {
        this.stateStoreRoundTrip((performance.now() - started) / 1000);
        if (!ok) this.stateStoreError();
      }
      return ok;
    };
  }

  /** Stops the event-loop delay sampling. */
  stop(): void {
    this.#stopProcessMetrics();
  }
}
