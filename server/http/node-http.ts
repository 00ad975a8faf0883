/**
 * `node:http`'s `createServer`, read with `process.getBuiltinModule` rather than imported.
 * Importing a built-in module makes Node build its ES module view, which reads every export;
 * on Node 22+ `node:http` exports `WebSocket`, `CloseEvent` and `MessageEvent` as lazy getters,
 * so that read loads all of undici, the fetch implementation the server never uses (about a
 * fifth of `node server.ts`'s start-up on Node 24; docs/performance.md). Types are still
 * imported (`import type`), which costs nothing at run time. Example server only; not part of
 * the package.
 */
import type { createServer } from 'node:http';

/** `http.createServer`, without loading undici. */
export const createHttpServer: typeof createServer = process.getBuiltinModule('node:http').createServer;
