/**
 * The real server.ts request handler for the HTTP part of `npm run bench`, with the demo users.
 * Its access log goes to the null device: still formatted and written, as in production, but
 * not printed over the benchmark's output.
 */
import { createWriteStream } from 'node:fs';
import type { RequestListener } from 'node:http';
import { devNull } from 'node:os';
import { createHandler } from '../server/app.ts';
import { BENCH_SECRET } from './micro.ts';

/** A handler exactly as `createServer` in server/app.ts wraps it, and how to close its log. */
export function createServerHandler(): { handler: RequestListener; close: () => void } {
  const log = createWriteStream(devNull);
  return { handler: createHandler({ secretKey: BENCH_SECRET, log }), close: () => log.end() };
}
