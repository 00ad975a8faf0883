/**
 * Room `server/ops/`: operating the server: `/healthz`, `/readyz`, `/metrics`, the access log and
 * its writer, request ids. May import: `lib/core/`, `server/http/`, `server/process/`.
 *
 * The operations endpoints: `GET /healthz` (liveness), `GET /readyz` (readiness) and
 * `GET /metrics` (Prometheus text format 0.0.4), served on the main port or, with
 * `METRICS_PORT`, by a separate server bound to `METRICS_HOST`. Answers carry no address, no
 * error text and no client input. Example server only; not part of the package.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createHttpServer } from '../http/node-http.ts';
import { assertKnownOptions } from '../../lib/core/option-names.ts';
import { EXPOSITION_CONTENT_TYPE } from './metrics-registry.ts';
import { sendJson } from '../http/http-json.ts';
import { pathOf } from './request-log.ts';
import type { Readiness } from './readiness.ts';
import type { ServerMetrics } from './server-metrics.ts';

/** The paths the operations endpoints answer. */
export const OPS_PATHS: readonly string[] = ['/healthz', '/readyz', '/metrics'];

/** What the operations endpoints read. */
export interface OpsEndpointsOptions {
  /** Readiness state and checks. */
  readiness: Readiness;
  /** The metrics; without them `/metrics` is a 404. */
  metrics?: ServerMetrics | undefined;
  /** While it returns `true`, answers carry `Connection: close` (the server is draining). */
  closing?: () => boolean;
}

/**
 * Answers `req` when `path` is one of {@link OPS_PATHS} and returns `true`; otherwise returns
 * `false` and leaves the request alone. Only `GET` and `HEAD` are allowed (405 otherwise).
 *
 * @example if (answerOpsRequest(req, res, path, { readiness, metrics })) return
 * @throws Never.
 */
export function answerOpsRequest(req: IncomingMessage, res: ServerResponse, path: string, options: OpsEndpointsOptions): boolean {
  if (path !== '/healthz' && path !== '/readyz' && path !== '/metrics') return false;
  if (path === '/metrics' && options.metrics === undefined) return false;
  const close = options.closing?.() === true ? { connection: 'close' } : undefined;
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    sendJson(res, 405, { detail: 'Method Not Allowed' }, { allow: 'GET, HEAD', ...close });
    return true;
  }
  if (path === '/healthz') {
    sendJson(res, 200, { status: 'ok' }, close);
  } else if (path === '/readyz') {
    options.readiness.evaluate().then(
      (state) => (state.ready ? sendJson(res, 200, { status: 'ready' }, close) : sendJson(res, 503, { detail: state.detail }, { 'retry-after': '5', ...close })),
      () => sendJson(res, 503, { detail: 'not ready' }, close),
    );
  } else {
    let text: string;
    try {
      text = options.metrics?.registry.render() ?? '';
    } catch {
      // A collector that throws (a procfs read on an odd platform) must not become a 500 loop.
      sendJson(res, 503, { detail: 'metrics unavailable' }, close);
      return true;
    }
    if (res.headersSent || res.destroyed) return true;
    res.writeHead(200, { 'content-type': EXPOSITION_CONTENT_TYPE, 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text), ...close });
    res.end(req.method === 'HEAD' ? undefined : text);
  }
  return true;
}

/**
 * A server that answers only the operations endpoints (404 for anything else), for
 * `METRICS_PORT`; with the same head size limit and timeouts as the main server.
 *
 * @example createOpsServer({ readiness, metrics }).listen(9464, '127.0.0.1')
 * @throws {TypeError} On an unknown option.
 */
export function createOpsServer(options: OpsEndpointsOptions): Server {
  assertKnownOptions(options, ['readiness', 'metrics', 'closing'], 'createOpsServer options');
  const server = createHttpServer({ maxHeaderSize: 16 * 1024 }, (req, res) => {
    if (!answerOpsRequest(req, res, pathOf(req.url), options)) sendJson(res, 404, { detail: 'Not Found' });
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.keepAliveTimeout = 65_000;
  return server;
}
