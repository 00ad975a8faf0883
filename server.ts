/**
 * Entry point of the AuthX basic example server (see shared/SEED.md and docs/server.md):
 * `GET /`, `POST /login`, `GET /protected`, `POST /refresh`, `POST /logout` on plain `node:http`.
 *
 *     npm start                      # PORT=8000 HOST=0.0.0.0 JWT_SECRET_KEY=... USERS_FILE=...
 *     npm run hash-password          # reads a password from stdin, prints its scrypt hash
 *     WORKERS=2 REDIS_URL=... npm start   # one worker per core (server/process/workers.ts)
 *
 * Only the entry: it turns on Node's compile cache, then loads the server (server/process/main.ts). Not
 * part of the package.
 */
import module from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  // Node 22.1+ keeps every module it compiled (on Node 22.18+/24, type-stripped too) in this
  // cache between starts, which makes start-up several times faster (docs/performance.md). It
  // must be on before the server's modules load, hence the dynamic import below. The cache lives
  // in the project's own node_modules, not a shared temporary directory other users could write
  // to; NODE_DISABLE_COMPILE_CACHE=1 turns it off.
  const enable = (module as { enableCompileCache?: (directory: string) => unknown }).enableCompileCache;
  try {
    enable?.(fileURLToPath(new URL('./node_modules/.cache/node-compile-cache', import.meta.url)));
  } catch {
    // a cache that cannot be set up only costs start-up time
  }
  const { main } = await import('./server/process/main.ts');
  await main();
}
