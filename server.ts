/**
 * Entry point of the AuthX basic example server (see shared/SEED.md and docs/server.md):
 * `GET /`, `POST /login`, `GET /protected`, `POST /refresh`, `POST /logout` on plain `node:http`.
 *
 *     npm start                      # PORT=8000 HOST=0.0.0.0 JWT_SECRET_KEY=... USERS_FILE=...
 *     npm run hash-password          # reads a password from stdin, prints its scrypt hash
 *     WORKERS=2 REDIS_URL=... npm start   # one worker per core (server/workers.ts)
 *
 * Start-up only: read the configuration, build the server (server/app.ts), listen, handle
 * signals. Not part of the package.
 */
import cluster from 'node:cluster';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { createServer } from './server/app.ts';
import { exitOnSignals } from './server/graceful-shutdown.ts';
import { runHashPassword } from './server/hash-password.ts';
import { isBelowOwaspMinimum } from './server/password.ts';
import { readServerConfig } from './server/server-config.ts';
import { DEMO_USERS, UserStore } from './server/user-store.ts';
import { readWorkerCount, serveAsWorker, superviseWorkers } from './server/workers.ts';

/** `npm start`: read the environment, then listen until SIGTERM/SIGINT. */
async function main(): Promise<void> {
  if (process.argv[2] === 'hash-password') return runHashPassword(process.stdin, process.stderr, process.stdout);
  const config = readServerConfig(process.env);
  const workers = readWorkerCount(process.env);
  // WORKERS=N: this process only supervises; each worker runs this file again and serves.
  if (workers > 1 && cluster.isPrimary) return superviseWorkers({ workers });
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
  if (cluster.isWorker) serveAsWorker(server);
  else exitOnSignals(server);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    // Start-up errors carry fixed messages (config, users file, password input); never a secret.
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
