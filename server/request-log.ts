/**
 * One access-log line per request: `METHOD PATH STATUS DURATIONms`. Nothing else of the request
 * is logged: no query string (tokens may travel there), no headers (`Authorization`), no body.
 * Only paths the server knows are written as sent; any other path is logged as `(unknown)`, so a
 * client that puts a token into a path cannot get it into the log either.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Where log lines go: anything with `write(string)`, such as `process.stdout`. */
export interface LogSink {
  write(line: string): unknown;
}

/** Options of {@link logRequest}. */
export interface RequestLogOptions {
  /** The sink. */
  sink: LogSink;
  /** Paths logged as they are; every other path is logged as `(unknown)`. */
  knownPaths: ReadonlySet<string>;
  /** Monotonic clock in milliseconds; default `performance.now`. */
  now?: () => number;
}

/** What stands in the log for a path the server does not serve. */
export const UNKNOWN_PATH = '(unknown)';

/**
 * The path of a request target without its query string or fragment. An absolute-form target
 * (`GET http://host/protected`, which RFC 9112 section 3.2.2 requires servers to accept) yields
 * its path too.
 *
 * @example pathOf('/protected?token=abc') // '/protected'
 * @example pathOf('http://example.com/protected') // '/protected'
 * @throws Never.
 */
export function pathOf(url: string | undefined): string {
  let target = url ?? '/';
  const absolute = /^https?:\/\/[^/?#]*/i.exec(target);
  if (absolute !== null) target = target.slice(absolute[0].length) || '/';
  const end = target.search(/[?#]/);
  const path = end === -1 ? target : target.slice(0, end);
  return path === '' ? '/' : path;
}

/**
 * Writes the request's log line once its answer is finished, or when the client goes away first
 * (then the status is written as `aborted`).
 *
 * @example logRequest(req, res, { sink: process.stdout, knownPaths: new Set(['/']) })
 * @throws Never.
 */
export function logRequest(req: IncomingMessage, res: ServerResponse, options: RequestLogOptions): void {
  const now = options.now ?? (() => performance.now());
  const started = now();
  res.once('close', () => {
    const path = pathOf(req.url);
    const shown = options.knownPaths.has(path) ? path : UNKNOWN_PATH;
    const status = res.writableFinished ? String(res.statusCode) : 'aborted';
    const duration = (now() - started).toFixed(1);
    options.sink.write(`${req.method ?? '-'} ${shown} ${status} ${duration}ms\n`);
  });
}
