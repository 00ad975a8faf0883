/**
 * The operations settings of the example server, read once from the environment at start-up:
 * `LOG_FORMAT`, `METRICS_PORT`, `METRICS_HOST` and `SHUTDOWN_DELAY_MS`. Problems are
 * {@link ServerConfigError}s naming the variable. Example server only; not part of the package.
 */
import type { LogFormat } from './request-log.ts';
import { ServerConfigError } from '../process/server-config.ts';

/** The operations settings. */
export interface OpsConfig {
  /** `LOG_FORMAT`: `text` (default) or `json`. */
  logFormat: LogFormat;
  /** `METRICS_PORT`: serve `/metrics`, `/healthz`, `/readyz` there instead of on the main port. */
  metricsPort: number | undefined;
  /** `METRICS_HOST`, default `127.0.0.1`: where the metrics port listens. */
  metricsHost: string;
  /** `SHUTDOWN_DELAY_MS`, default 2 000: after SIGTERM, readiness is 503 this long before connections close. */
  shutdownDelayMs: number;
}

/**
 * Reads the four variables; empty counts as unset.
 *
 * @example readOpsConfig(process.env).metricsPort // undefined
 * @throws {ServerConfigError} When a variable is invalid; the message names it and what it accepts.
 */
export function readOpsConfig(env: Readonly<Record<string, string | undefined>>): OpsConfig {
  const format = env.LOG_FORMAT ?? '';
  if (format !== '' && format !== 'text' && format !== 'json') throw new ServerConfigError('LOG_FORMAT must be text or json');
  const port = env.METRICS_PORT ?? '';
  if (port !== '' && (!/^\d{1,5}$/.test(port) || Number(port) > 65535)) throw new ServerConfigError('METRICS_PORT must be a whole number from 0 to 65535');
  const host = env.METRICS_HOST ?? '';
  if (/\s/.test(host)) throw new ServerConfigError('METRICS_HOST must be an address or host name without spaces');
  const delay = env.SHUTDOWN_DELAY_MS ?? '';
  if (delay !== '' && (!/^\d{1,6}$/.test(delay) || Number(delay) > 120_000)) {
    throw new ServerConfigError('SHUTDOWN_DELAY_MS must be a whole number of milliseconds from 0 to 120000');
  }
  return {
    logFormat: format === 'json' ? 'json' : 'text',
    metricsPort: port === '' ? undefined : Number(port),
    metricsHost: host === '' ? '127.0.0.1' : host,
    shutdownDelayMs: delay === '' ? 2_000 : Number(delay),
  };
}
