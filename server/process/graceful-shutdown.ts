/**
 * Stopping a `node:http` server without cutting requests off: stop accepting connections, let
 * requests in flight finish, close keep-alive connections as soon as they are idle, and give up
 * after a deadline; and the whole shutdown of a serving process around it (readiness, delay,
 * drain, cleanup, exit), shared by one process and cluster workers (server/process/workers.ts).
 */
import type { Server } from 'node:http';
import { writeSafely } from './stream-guard.ts';

/** How long a drain waits for requests in flight by default, in milliseconds. */
export const DEFAULT_DRAIN_TIMEOUT_MS = 10_000;
/** How long the shutdown waits for its `cleanup` (the state store) by default, in milliseconds. */
export const DEFAULT_CLEANUP_TIMEOUT_MS = 1_000;

/** How a drain ended: every request finished, or the deadline cut the rest off. */
export type DrainOutcome = 'drained' | 'forced';

/** Options of {@link drainServer}. */
export interface DrainOptions {
  /** Longest wait for requests in flight, in milliseconds; default 10 000. */
  timeoutMs?: number;
}

/**
 * Stops accepting connections and waits for requests in flight. Idle keep-alive connections are
 * closed at once and again every 100 ms (a connection becomes idle when its last answer is sent;
 * answers sent while draining carry `Connection: close` if the handler checks `server.listening`).
 * After `timeoutMs` every connection is closed.
 *
 * @example const outcome = await drainServer(server, { timeoutMs: 5000 })
 * @throws {RangeError} When `timeoutMs` is not a positive finite number.
 */
export function drainServer(server: Server, options?: DrainOptions): Promise<DrainOutcome> {
  const timeoutMs = options?.timeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new RangeError('timeoutMs must be a positive finite number');
  const inFlight = inFlightCounters.get(server);
  return new Promise((resolve) => {
    let outcome: DrainOutcome = 'drained';
    const sweeper = setInterval(() => {
      server.closeIdleConnections();
      // Node does not count a connection that has sent no complete request as idle (a
      // preconnect, a probe, a slow head); with no request in flight, none of them is owed
      // an answer, so they are closed too instead of holding the drain until the deadline.
      if (inFlight?.() === 0) server.closeAllConnections();
    }, 100);
    const deadline = setTimeout(() => {
      outcome = 'forced';
      server.closeAllConnections();
    }, timeoutMs);
    server.close(() => {
      clearInterval(sweeper);
      clearTimeout(deadline);
      resolve(outcome);
    });
    server.closeIdleConnections();
  });
}

const inFlightCounters = new WeakMap<Server, () => number>();

/**
 * Counts the server's requests in flight (from `request` until the answer is finished or the
 * connection closes), so that {@link drainServer} can close connections that owe no answer.
 * Call it right after creating the server.
 *
 * @example trackRequestsInFlight(server)
 * @returns The current count, for tests and metrics.
 * @throws Never.
 */
export function trackRequestsInFlight(server: Server): () => number {
  let count = 0;
  // A response emits 'close' exactly once, whether it finished or its connection went away,
  // so one listener shared by every request counts it out: no closure per request.
  const finished = (): void => {
    count--;
  };
  server.on('request', (_req, res) => {
    count++;
    res.on('close', finished);
  });
  const read = (): number => count;
  inFlightCounters.set(server, read);
  return read;
}

/** Options of {@link shutdownSequence}: what happens between the first signal and the exit. */
export interface ShutdownOptions extends DrainOptions {
  /** Where the one-line notes go; default `process.stderr`. */
  log?: (line: string) => void;
  /** Ends the process; default `process.exit`. */
  exit?: (code: number) => void;
  /** Told first, so `/readyz` answers 503 before connections close (see server/ops/readiness.ts). */
  readiness?: { startDraining(): void };
  /**
   * After SIGTERM (what orchestrators send), keep serving this long with readiness at 503 before
   * closing, so load balancers stop sending first; default 0. Other signals (Ctrl-C) do not wait.
   */
  delayMs?: number;
  /**
   * Run once the server has closed and before the exit: releases what the process holds (the
   * server's state store). Awaited at most `cleanupTimeoutMs`; a failure does not change the code.
   */
  cleanup?: () => Promise<unknown>;
  /** Longest wait for `cleanup`, in milliseconds; default 1 000. */
  cleanupTimeoutMs?: number;
}

/** The two ways a shutdown starts; see {@link shutdownSequence}. */
export interface Shutdown {
  /** This process received `signal`. A second signal exits 1 at once. */
  signal(signal: NodeJS.Signals): void;
  /**
   * Someone else (a cluster primary) passes on the `signal` it received. Starts the drain if
   * none is running; never counts as a second signal, since after Ctrl-C, which reaches the
   * whole process group, a worker gets both the signal and the primary's request.
   */
  request(signal: NodeJS.Signals): void;
}

/**
 * The shutdown of one serving process, shared by {@link exitOnSignals} (one process) and
 * `serveAsWorker` (server/process/workers.ts): readiness to 503, after SIGTERM wait `delayMs`, drain the
 * server, run `cleanup`, exit 0 (1 if the deadline cut requests off). It drains once, however
 * many times it is started.
 *
 * @example const shutdown = shutdownSequence(server, { readiness }); process.on('SIGTERM', shutdown.signal)
 * @throws {RangeError} When `timeoutMs`, `delayMs` or `cleanupTimeoutMs` is out of range.
 */
export function shutdownSequence(server: Server, options?: ShutdownOptions): Shutdown {
  const log = options?.log ?? ((line: string) => writeSafely(process.stderr, `${line}\n`));
  const exit = options?.exit ?? ((code: number) => process.exit(code));
  const timeoutMs = options?.timeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new RangeError('timeoutMs must be a positive finite number');
  const delayMs = options?.delayMs ?? 0;
  if (!Number.isSafeInteger(delayMs) || delayMs < 0) throw new RangeError('delayMs must be a whole number of milliseconds, 0 or more');
  const cleanupTimeoutMs = options?.cleanupTimeoutMs ?? DEFAULT_CLEANUP_TIMEOUT_MS;
  if (!Number.isSafeInteger(cleanupTimeoutMs) || cleanupTimeoutMs <= 0) throw new RangeError('cleanupTimeoutMs must be a whole number of milliseconds, 1 or more');
  const cleanup = options?.cleanup;
  let draining = false;
  let signalled = false;

  const start = (signal: NodeJS.Signals): void => {
    draining = true;
    options?.readiness?.startDraining();
    const drain = async (): Promise<void> => {
      log(`${signal}: no longer accepting connections; finishing requests in flight`);
      const outcome = await drainServer(server, { timeoutMs });
      log(outcome === 'drained' ? 'all requests finished; exiting' : `requests still running after ${timeoutMs} ms were cut off`);
      if (cleanup !== undefined) await cleanupWithin(cleanup, cleanupTimeoutMs, log);
      exit(outcome === 'drained' ? 0 : 1);
    };
    if (signal !== 'SIGTERM' || delayMs === 0) return void drain();
    log(`${signal}: not ready (readiness answers 503); closing in ${delayMs} ms`);
    setTimeout(drain, delayMs);
  };

  return {
    signal(signal) {
      if (signalled) {
        log(`${signal} again: exiting without waiting`);
        exit(1);
        return;
      }
      signalled = true;
      if (!draining) start(signal);
    },
    request(signal) {
      if (!draining) start(signal);
    },
  };
}

/** Awaits `cleanup` for at most `timeoutMs`: an unreachable Redis must not hold the exit. */
async function cleanupWithin(cleanup: () => Promise<unknown>, timeoutMs: number, log: (line: string) => void): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(resolve, timeoutMs, 'late')));
  const done = Promise.resolve()
    .then(cleanup)
    .then(
      () => 'done' as const,
      () => 'failed' as const,
    );
  const result = await Promise.race([done, late]);
  clearTimeout(timer);
  // Fixed texts: a state store's error may name its address.
  if (result === 'late') log(`cleanup not finished after ${timeoutMs} ms; exiting without it`);
  else if (result === 'failed') log('cleanup failed; exiting');
}

/** Options of {@link exitOnSignals}. */
export interface ExitOnSignalsOptions extends ShutdownOptions {
  /** Signals that start a drain; default `SIGTERM` and `SIGINT`. */
  signals?: readonly NodeJS.Signals[];
}

/**
 * On the first signal: drain the server, then exit 0 (or 1 if the deadline cut requests off);
 * see {@link shutdownSequence}. A second signal exits 1 at once, for an operator who does not
 * want to wait.
 *
 * @returns A function that removes the signal handlers again.
 * @example exitOnSignals(server)
 * @throws {RangeError} When `timeoutMs`, `delayMs` or `cleanupTimeoutMs` is invalid.
 */
export function exitOnSignals(server: Server, options?: ExitOnSignalsOptions): () => void {
  const signals = options?.signals ?? ['SIGTERM', 'SIGINT'];
  const shutdown = shutdownSequence(server, options);
  const onSignal = (signal: NodeJS.Signals): void => shutdown.signal(signal);
  for (const signal of signals) process.on(signal, onSignal);
  return () => {
    for (const signal of signals) process.off(signal, onSignal);
  };
}
