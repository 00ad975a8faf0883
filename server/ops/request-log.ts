/**
 * What the server records about each request once it is answered: one access-log line (readable
 * text by default, one JSON object with `LOG_FORMAT=json`) and the request metrics, both keyed by
 * a request id that is echoed in the `X-Request-Id` answer header. Nothing else of the request is
 * logged: no query string (tokens may travel there), no headers (`Authorization`, `Cookie`), no
 * body. Only paths the server knows are written as sent; any other path is logged as `(unknown)`,
 * so a client that puts a token into a path cannot get it into the log either.
 * Example server only; not part of the package.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { assertKnownOptions } from '../../lib/core/option-names.ts';
import type { LogSink, LogWriter } from './log-writer.ts';
import { RequestIds } from './request-id.ts';
import type { ServerMetrics } from './server-metrics.ts';

export type { LogSink } from './log-writer.ts';

/** `text`: `GET /protected 200 1.3ms id=...`; `json`: one JSON object per line. */
export type LogFormat = 'text' | 'json';

/** What stands in the log for a path the server does not serve. */
export const UNKNOWN_PATH = '(unknown)';

/** Options of {@link createRequestObserver}. */
export interface RequestObserverOptions {
  /** Where lines go; `undefined` writes no access log. */
  log: LogWriter | undefined;
  /** Line format; default `text`. */
  format?: LogFormat;
  /** Paths logged as they are; every other path is logged as `(unknown)`. */
  knownPaths: ReadonlySet<string>;
  /** Request metrics to record; optional. */
  metrics?: ServerMetrics | undefined;
  /** Where ids come from; default a new {@link RequestIds}. */
  ids?: RequestIds;
  /** Monotonic clock in milliseconds for durations; default `performance.now`. */
  now?: () => number;
  /** Wall clock in ms since the epoch for the JSON `time` field; default `Date.now`. */
  wallClock?: () => number;
}

/** Records each request; returns its id. `path` is {@link pathOf} the request target. */
export type RequestObserver = (req: IncomingMessage, res: ServerResponse, path: string) => string;

const refusalCodes = new WeakMap<ServerResponse, string>();

const SLASH = 0x2f;
/** The scheme and authority of an absolute-form request target (RFC 9112 section 3.2.2). */
const ABSOLUTE_FORM = /^https?:\/\/[^/?#]*/i;

/**
 * Notes the stable `code` of the library error a request was refused with, so its metrics can
 * count token verifications by error code.
 *
 * @throws Never.
 */
export function noteRefusal(res: ServerResponse, code: string): void {
  refusalCodes.set(res, code);
}

/**
 * The path of a request target without its query string or fragment. An absolute-form target
 * (`GET http://host/protected`, which RFC 9112 section 3.2.2 requires servers to accept) yields
 * its path too.
 *
 * @example pathOf('/protected?token=abc') // '/protected'
 * @example pathOf('http://example.com/protected') // '/protected'
 */
export function pathOf(url: string | undefined): string {
  let target = url ?? '/';
  // Origin form (`/path?query`), what clients send nearly always, cannot be absolute: no regex.
  if (target.charCodeAt(0) !== SLASH) {
    const absolute = ABSOLUTE_FORM.exec(target);
    if (absolute !== null) target = target.slice(absolute[0].length) || '/';
  }
  let end = target.indexOf('?');
  const fragment = target.indexOf('#');
  if (fragment !== -1 && (end === -1 || fragment < end)) end = fragment;
  const path = end === -1 ? target : target.slice(0, end);
  return path === '' ? '/' : path;
}

/**
 * Makes the per-request recorder: it sets `X-Request-Id` on the answer at once, and when the
 * answer is finished, or the client goes away first (status `aborted`), writes the log line and
 * records the metrics.
 *
 * @example const observe = createRequestObserver({ log: new LogWriter({ sink: process.stdout }), knownPaths: new Set(['/']) })
 * @throws {TypeError} On an unknown option.
 */
export function createRequestObserver(options: RequestObserverOptions): RequestObserver {
  assertKnownOptions(options, ['log', 'format', 'knownPaths', 'metrics', 'ids', 'now', 'wallClock'], 'request observer options');
  const { log, knownPaths, metrics } = options;
  const json = options.format === 'json';
  const ids = options.ids ?? new RequestIds();
  const now = options.now ?? (() => performance.now());
  const wallClock = options.wallClock ?? Date.now;
  return (req, res, path) => {
    const started = now();
    const id = ids.forRequest(req.headers);
    res.setHeader('x-request-id', id);
    // A response emits 'close' exactly once (finished or aborted): `on`, without once's wrapper.
    res.on('close', () => {
      const status = res.writableFinished ? res.statusCode : 'aborted';
      const ms = now() - started;
      if (metrics !== undefined) {
        metrics.recordRequest(path, req.method, status, ms / 1000);
        metrics.recordAnswer(path, status, refusalCodes.get(res));
      }
      if (log === undefined) return;
      const route = knownPaths.has(path) ? path : UNKNOWN_PATH;
      // req.method comes from Node's parser, which accepts only a fixed list of method names.
      const method = req.method ?? '-';
      if (json) {
        const level = status === 'aborted' ? 'warn' : status >= 500 ? 'error' : 'info';
        const time = new Date(wallClock()).toISOString();
        const shown = status === 'aborted' ? 'null,"aborted":true' : String(status);
        log.write(
          `{"time":"${time}","level":"${level}","request_id":"${id}","method":${JSON.stringify(method)},"route":${JSON.stringify(route)},"status":${shown},"duration_ms":${Math.round(ms * 1000) / 1000}}\n`,
        );
      } else {
        log.write(`${method} ${route} ${status} ${ms.toFixed(1)}ms id=${id}\n`);
      }
    });
    return id;
  };
}

/**
 * The sink for the server's other log lines (security events such as a refresh token reuse) in
 * the access log's format: as they are in `text`, and wrapped as
 * `{"time":...,"level":"warn","message":...}` in `json` (level `info` for start-up notes), so every line of a JSON log parses.
 *
 * @example const events = eventSink(writer, 'json')
 * @throws Never.
 */
export function eventSink(log: LogWriter | undefined, format: LogFormat, level: 'info' | 'warn' = 'warn', wallClock: () => number = Date.now): LogSink {
  if (log === undefined) return { write: () => true };
  if (format !== 'json') return log;
  return {
    write: (text: string) => {
      for (const line of text.split('\n')) {
        if (line !== '') log.write(`{"time":"${new Date(wallClock()).toISOString()}","level":"${level}","message":${JSON.stringify(line)}}\n`);
      }
      return true;
    },
  };
}
