/**
 * `WORKERS=N`: the example server on N processes with `node:cluster`, so it uses every core.
 * The primary only supervises: it forks the workers, replaces one that dies (at most
 * {@link DEFAULT_RESTART_LIMIT} times a minute, then it gives up and exits 1 so the outer
 * supervisor sees the crash loop), and on SIGTERM/SIGINT asks every worker to drain and exits
 * 0 once all of them have finished their requests. Workers serve; the primary holds no state.
 *
 * Allowed only when the state is shared between processes (`REDIS_URL`, `REDIS_CLUSTER` or `REDIS_SENTINEL`): revocations and login
 * throttles kept in one process's memory or claimed by one process would let a logged-out token
 * work on another worker, and multiply the login limit by N. Not part of the package.
 */
import cluster, { type Worker } from 'node:cluster';
import type { Server } from 'node:http';
import { DEFAULT_CLEANUP_TIMEOUT_MS, DEFAULT_DRAIN_TIMEOUT_MS, shutdownSequence, type ShutdownOptions } from './graceful-shutdown.ts';
import { MAX_WORKERS } from './worker-count.ts';
import { writeSafely } from './stream-guard.ts';

export { MAX_WORKERS, readWorkerCount } from './worker-count.ts';

/** Replacements allowed per {@link DEFAULT_RESTART_WINDOW_MS} before the primary gives up. */
export const DEFAULT_RESTART_LIMIT = 5;
/** The window of the restart limit. */
export const DEFAULT_RESTART_WINDOW_MS = 60_000;

/** The message a primary sends a worker to make it drain and exit, followed by the signal's name. */
const DRAIN = 'authx:drain:';
/** A worker's longest shutdown after its delay, with the defaults main.ts runs it with. */
const WORKER_SHUTDOWN_MS = DEFAULT_DRAIN_TIMEOUT_MS + DEFAULT_CLEANUP_TIMEOUT_MS;
/** What the primary adds before it kills a worker: the last idle sweep, the exit itself, a loaded machine. */
const KILL_MARGIN_MS = 2_000;

/** Options of {@link superviseWorkers}. */
export interface SupervisorOptions {
  /** How many workers to keep running. */
  workers: number;
  /** The worker's entry file; default the primary's own (`process.argv[1]`). */
  exec?: string;
  /** Replacements allowed per `restartWindowMs`; default {@link DEFAULT_RESTART_LIMIT}. */
  restartLimit?: number;
  /** Default {@link DEFAULT_RESTART_WINDOW_MS}. */
  restartWindowMs?: number;
  /**
   * How long workers may take to drain before they are killed; default `shutdownDelayMs` plus a
   * worker's longest shutdown (10 000 ms of drain, 1 000 ms of state cleanup) plus 2 000 ms.
   */
  drainTimeoutMs?: number;
  /** The workers' SHUTDOWN_DELAY_MS: after SIGTERM they stay up, not ready, this long; default 0. */
  shutdownDelayMs?: number;
  /** Where the one-line notes go; default `process.stderr`. */
  log?: (line: string) => void;
  /** Ends the primary; default `process.exit`. */
  exit?: (code: number) => void;
}

/**
 * Runs the primary: forks `workers` workers, replaces the ones that die, and drains all of them
 * on SIGTERM/SIGINT (a second signal kills them at once and exits 1).
 *
 * @example if (cluster.isPrimary && count > 1) superviseWorkers({ workers: count })
 * @throws {RangeError} When `workers`, `restartLimit`, `restartWindowMs` or `drainTimeoutMs` is out of range.
 */
export function superviseWorkers(options: SupervisorOptions): void {
  const count = checkCount(options.workers, 'workers', MAX_WORKERS);
  const restartLimit = checkCount(options.restartLimit ?? DEFAULT_RESTART_LIMIT, 'restartLimit', 1000);
  const windowMs = checkCount(options.restartWindowMs ?? DEFAULT_RESTART_WINDOW_MS, 'restartWindowMs', 86_400_000);
  const drainTimeoutMs = checkCount(options.drainTimeoutMs ?? WORKER_SHUTDOWN_MS + KILL_MARGIN_MS + (options.shutdownDelayMs ?? 0), 'drainTimeoutMs', 3_600_000);
  const log = options.log ?? ((line: string) => writeSafely(process.stderr, `${line}\n`));
  const exit = options.exit ?? ((code: number) => process.exit(code));
  if (options.exec !== undefined) cluster.setupPrimary({ exec: options.exec });

  const replacements: number[] = [];
  let stopping = false;
  let failed = false;

  const stopAll = (reason: string, signal: NodeJS.Signals = 'SIGINT'): void => {
    stopping = true;
    log(`${reason}: asking ${Object.keys(cluster.workers ?? {}).length} worker(s) to finish their requests`);
    // The workers get the primary's signal: after SIGTERM they first stay up, not ready, for
    // their shutdown delay, as one process would.
    for (const worker of liveWorkers()) sendDrain(worker, signal);
    // A worker that cannot drain in time (or never answers) must not keep the primary alive.
    setTimeout(() => {
      for (const worker of liveWorkers()) worker.process.kill('SIGKILL');
      failed = true;
    }, drainTimeoutMs).unref();
    exitWhenNoneLeft();
  };

  const exitWhenNoneLeft = (): void => {
    if (liveWorkers().length === 0) exit(failed ? 1 : 0);
  };

  cluster.on('exit', (worker: Worker, code: number | null, signal: string | null) => {
    const how = signal === null ? `code ${code}` : `signal ${signal}`;
    if (stopping) {
      if (code !== 0) failed = true;
      log(`worker ${worker.process.pid} exited (${how})`);
      exitWhenNoneLeft();
      return;
    }
    const now = Date.now();
    while (replacements.length > 0 && replacements[0]! <= now - windowMs) replacements.shift();
    if (replacements.length >= restartLimit) {
      // A crash loop: replacing faster would only spin. Exit so systemd/Kubernetes (with their
      // own back-off) see it, after letting the surviving workers finish their requests.
      failed = true;
      stopAll(`worker ${worker.process.pid} died (${how}), the ${restartLimit + 1}th within ${windowMs / 1000} s; giving up`);
      return;
    }
    replacements.push(now);
    log(`worker ${worker.process.pid} died (${how}); starting a replacement`);
    cluster.fork();
  });

  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals++;
    if (signals === 1) return stopAll(signal, signal);
    log(`${signal} again: killing the workers without waiting`);
    for (const worker of liveWorkers()) worker.process.kill('SIGKILL');
    exit(1);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  log(`primary ${process.pid}: starting ${count} workers`);
  for (let i = 0; i < count; i++) cluster.fork();
}

/** Whether this process is a `node:cluster` worker (`cluster.isWorker`). */
export function isClusterWorker(): boolean {
  return cluster.isWorker;
}

/**
 * What starts each of this process's lines on stderr: `worker <pid>: ` in a worker, which shares
 * its stderr with the primary and the other workers; nothing in the primary.
 *
 * @example writeSafely(process.stderr, `${stderrPrefix()}state: ...\n`)
 */
export function stderrPrefix(): string {
  return cluster.isWorker ? `worker ${process.pid}: ` : '';
}

/** Options of {@link serveAsWorker}: those of the one-process shutdown (`timeoutMs`, `readiness`, `delayMs`, ...). */
export type WorkerOptions = ShutdownOptions;

/**
 * The worker's side: the shutdown of one process (`shutdownSequence`, as `exitOnSignals` runs it,
 * its stderr lines prefixed with `worker <pid>: `),
 * started when the primary asks or on the worker's own SIGTERM/SIGINT. Both are one drain: a
 * terminal's Ctrl-C reaches the whole process group, so a worker gets the signal and then the
 * primary's request, and must not take the second for an operator's "now"; a second signal of
 * its own exits 1 at once, as in one process.
 *
 * @returns A function that removes the signal and message handlers again.
 * @example if (cluster.isWorker) serveAsWorker(server, { readiness })
 * @throws {RangeError} When an option is out of range, as `exitOnSignals`.
 */
export function serveAsWorker(server: Server, options?: WorkerOptions): () => void {
  // Every worker writes to the same stderr: each line names its worker.
  const log = (line: string): void => void writeSafely(process.stderr, `${stderrPrefix()}${line}\n`);
  const shutdown = shutdownSequence(server, { log, ...options });
  const onSignal = (signal: NodeJS.Signals): void => shutdown.signal(signal);
  const onMessage = (message: unknown): void => {
    if (typeof message !== 'string' || !message.startsWith(DRAIN)) return;
    const signal = message.slice(DRAIN.length);
    shutdown.request(signal === 'SIGTERM' ? 'SIGTERM' : 'SIGINT');
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  process.on('message', onMessage);
  return () => {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    process.off('message', onMessage);
  };
}

function liveWorkers(): Worker[] {
  return Object.values(cluster.workers ?? {}).filter((worker): worker is Worker => worker !== undefined && !worker.isDead());
}

function sendDrain(worker: Worker, signal: NodeJS.Signals): void {
  try {
    worker.send(DRAIN + signal);
  } catch {
    worker.process.kill('SIGTERM'); // its channel is gone; the signal is all that is left
  }
}

function checkCount(value: number, name: string, max: number): number {
  if (!Number.isSafeInteger(value) || value < 1 || value > max) throw new RangeError(`${name} must be a whole number from 1 to ${max}`);
  return value;
}
