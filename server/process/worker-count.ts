/**
 * `WORKERS`: how many processes the example server runs (server/process/workers.ts). Apart from the
 * supervisor so that reading it does not load `node:cluster` and the supervisor into a server
 * that runs as one process (the default; docs/performance.md, start-up). Example server only;
 * not part of the package.
 */
import { ServerConfigError } from './server-config.ts';

/** Most workers `WORKERS` accepts. */
export const MAX_WORKERS = 64;

/**
 * Reads `WORKERS` (default 1). More than one needs `REDIS_URL`, `REDIS_CLUSTER` or `REDIS_SENTINEL` (shared revocations and throttles)
 * and `JWT_SECRET_KEY` (or each worker would make up its own secret and refuse the others' tokens).
 *
 * @example readWorkerCount(process.env) // 1
 * @throws {ServerConfigError} When `WORKERS` is not 1..64, or its requirements are not met.
 */
export function readWorkerCount(env: Readonly<Record<string, string | undefined>>): number {
  const value = env.WORKERS;
  if (value === undefined || value === '') return 1;
  if (!/^\d{1,2}$/.test(value) || Number(value) < 1 || Number(value) > MAX_WORKERS) {
    throw new ServerConfigError(`WORKERS must be a whole number from 1 to ${MAX_WORKERS}`);
  }
  const count = Number(value);
  if (count === 1) return 1;
  if ((env.REDIS_URL ?? '') === '' && (env.REDIS_CLUSTER ?? '') === '' && (env.REDIS_SENTINEL ?? '') === '') {
    throw new ServerConfigError(
      `WORKERS=${count} needs REDIS_URL (or REDIS_CLUSTER, REDIS_SENTINEL): without a shared store each worker keeps its own revocations and login throttles, ` +
        'so a token logged out on one worker would still work on another. Set REDIS_URL, or run one process (WORKERS=1).',
    );
  }
  if (env.JWT_SECRET_KEY === undefined && env.JWT_PRIVATE_KEY_FILE === undefined) {
    throw new ServerConfigError(`WORKERS=${count} needs JWT_SECRET_KEY: each worker would otherwise make up its own secret and refuse the others' tokens`);
  }
  return count;
}
