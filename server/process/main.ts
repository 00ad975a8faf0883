/**
 * Room `server/process/`: the process: start-up and configuration from the environment, the
 * signing key, the state store chosen, workers, graceful shutdown, stream guards. May import:
 * `lib/core/`, `lib/authx/state/`, `server/http/`, `server/login/`, `server/ops/`.
 *
 * The example server's start-up, run by `server.ts`: read the configuration, build the server
 * (server/http/app.ts), listen, handle signals; with WORKERS=N, supervise the workers instead
 * (server/process/workers.ts). Example server only; not part of the package.
 */
import { readFileSync } from 'node:fs';
import { createServer, ROUTE_PATHS } from '../http/app.ts';
import { openServerState } from './state.ts';
import { exitOnSignals } from './graceful-shutdown.ts';
import { LogWriter } from '../ops/log-writer.ts';
import { createOpsServer, OPS_PATHS } from '../ops/ops-endpoints.ts';
import { readOpsConfig } from '../ops/ops-config.ts';
import { isBelowOwaspMinimum } from '../login/password.ts';
import { Readiness } from '../ops/readiness.ts';
import { eventSink } from '../ops/request-log.ts';
import { ServerMetrics } from '../ops/server-metrics.ts';
import { guardStream, writeSafely } from './stream-guard.ts';
import { readServerConfig } from './server-config.ts';
import { DEMO_USERS, UserStore } from '../login/user-store.ts';
import { readWorkerCount } from './worker-count.ts';

/**
 * `npm start`: read the environment, then listen until SIGTERM/SIGINT. Start-up errors are
 * written to stderr with exit code 1.
 *
 * @example await main()
 * @throws Never: errors end the process.
 */
export async function main(): Promise<void> {
  try {
    await start();
  } catch (error) {
    // Start-up errors carry fixed messages (config, users file, password input); never a secret.
    writeSafely(process.stderr, `${linePrefix}error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}

/** `worker <pid>: ` in a cluster worker once known (see start()), else nothing. */
let linePrefix = '';

async function start(): Promise<void> {
  // stdout and stderr belong to whoever started the process: a reader that goes away (EPIPE)
  // must cost the output, never the server.
  guardStream(process.stdout);
  guardStream(process.stderr);
  // What only some starts need (hash-password, WORKERS, REDIS_URL in server/process/state.ts) is imported
  // when they need it, so a plain `npm start` does not load it (docs/performance.md, start-up).
  if (process.argv[2] === 'hash-password') {
    const { runHashPassword } = await import('../login/hash-password.ts');
    return runHashPassword(process.stdin, process.stderr, process.stdout);
  }
  if (process.argv[2] === 'state') {
    const { runStateCli } = await import('./state-cli.ts');
    process.exitCode = await runStateCli(process.argv.slice(3), process.stdout, process.stderr);
    return;
  }
  const config = readServerConfig(process.env);
  const ops = readOpsConfig(process.env);
  const workers = readWorkerCount(process.env);
  // A worker inherits WORKERS from its primary. (Node deletes NODE_UNIQUE_ID, its own mark of a
  // worker, before any user code runs: only node:cluster itself can tell.)
  const supervision = workers > 1 ? await import('./workers.ts') : undefined;
  // WORKERS=N: this process only supervises; each worker runs this file again and serves.
  if (supervision !== undefined && !supervision.isClusterWorker()) return supervision.superviseWorkers({ workers, shutdownDelayMs: ops.shutdownDelayMs });
  // Workers share one stderr: each of their lines names its worker.
  linePrefix = supervision?.stderrPrefix() ?? '';
  if (config.secretGenerated) {
    writeSafely(
      process.stderr,
      'warning: JWT_SECRET_KEY is not set, so this process made up a random secret: every token it issues dies with it.\n' +
        '         Set JWT_SECRET_KEY to 32 or more random bytes, e.g. node -e "console.log(require(\'node:crypto\').randomBytes(32).toString(\'base64url\'))"\n',
    );
  }
  const users = config.usersFile === undefined ? new UserStore(DEMO_USERS) : UserStore.fromJson(readFileSync(config.usersFile, 'utf8'));
  const weak = users.weakHashUsers(isBelowOwaspMinimum);
  if (weak.length > 0) writeSafely(process.stderr, `${linePrefix}warning: ${weak.length} user(s) have password hashes below OWASP's scrypt minimum; rehash with npm run hash-password\n`);
  // One writer for the whole process, flushed when it exits (a pipe or file stdout is written
  // synchronously there), so the last requests before a shutdown are in the log.
  const log = new LogWriter({ sink: process.stdout });
  process.on('exit', () => log.flush());
  const ownPort = ops.metricsPort !== undefined;
  const metrics = new ServerMetrics({ routes: ownPort ? ROUTE_PATHS : [...ROUTE_PATHS, ...OPS_PATHS] });
  metrics.setSources({ droppedLogLines: () => log.dropped });
  // DATA_DIR / REDIS_URL (docs/state.md): an unusable DATA_DIR stops the start here, naming it.
  // Closed by the shutdown, after the drain (pending journal writes, the Redis connection): an
  // 'exit' listener could not await it. A process that ends otherwise still loses its DATA_DIR
  // lock through the lock's own synchronous exit hook (lib/authx/state/data-dir-lock.ts).
  const state = await openServerState(process.env, { log: (line) => writeSafely(process.stderr, `${linePrefix}${line}\n`) });
  if (state.metricsSources !== undefined) metrics.setSources(state.metricsSources);
  const readiness = new Readiness({ checks: [{ name: 'state store', check: metrics.timeStateCheck(state.stateReady) }] });
  const server = createServer({
    secretKey: config.secretKey,
    algorithm: config.algorithm,
    ...(config.jwks === undefined ? {} : { jwks: config.jwks }),
    users,
    trustProxy: config.trustProxy,
    revocationStore: state.revocationStore,
    ...(state.counterStore === undefined ? {} : { counterStore: state.counterStore }),
    log,
    logFormat: ops.logFormat,
    metrics,
    readiness,
    opsEndpoints: !ownPort,
  });
  const notes = eventSink(log, ops.logFormat, 'info');
  server.on('error', (error: NodeJS.ErrnoException) => {
    writeSafely(process.stderr, `${linePrefix}error: cannot listen on ${config.host}:${config.port}: ${error.code ?? error.message}\n`);
    process.exit(1);
  });
  server.listen(config.port, config.host, () => {
    const address = server.address();
    if (address !== null && typeof address === 'object') {
      const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      notes.write(`listening on http://${host}:${address.port} (pid ${process.pid})\n`);
    }
    if (ops.metricsPort !== undefined) listenForOps(createOpsServer({ readiness, metrics, closing: () => readiness.draining }), ops.metricsPort, ops.metricsHost, notes);
  });
  const shutdown = { readiness, delayMs: ops.shutdownDelayMs, cleanup: () => state.close() };
  if (supervision?.isClusterWorker() === true) supervision.serveAsWorker(server, shutdown);
  else exitOnSignals(server, shutdown);
}

/** `METRICS_PORT`: metrics and probes on their own port, after the main port is listening. */
function listenForOps(opsServer: ReturnType<typeof createOpsServer>, port: number, host: string, notes: { write(line: string): unknown }): void {
  opsServer.on('error', (error: NodeJS.ErrnoException) => {
    writeSafely(process.stderr, `${linePrefix}error: cannot listen on ${host}:${port} (METRICS_PORT): ${error.code ?? 'unknown error'}\n`);
    process.exit(1);
  });
  opsServer.listen(port, host, () => {
    const address = opsServer.address();
    if (address !== null && typeof address === 'object') {
      const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      notes.write(`metrics and probes on http://${shown}:${address.port}/metrics (pid ${process.pid})\n`);
    }
  });
}
