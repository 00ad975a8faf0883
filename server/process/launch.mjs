/**
 * `npm start` and `npm run hash-password`: runs server.ts the fastest way this Node can. Where
 * Node strips types itself (`process.features.typescript`, Node 22.18+, 23.6+), server.ts is
 * imported as it is; elsewhere (Node 20) tsx is registered in this process first. Either way the
 * server runs in this very process, so SIGTERM and SIGINT reach it directly, and its pid is the
 * one npm started. Plain JavaScript, because it must run before anything can load TypeScript.
 * Example server only; not part of the package.
 */
import module from 'node:module';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const entry = new URL('../../server.ts', import.meta.url);
// The compile cache server.ts turns on (same directory), on before server.ts itself loads: Node
// 24+ then reads even server.ts type-stripped from the cache and never loads its type stripper
// (Node 22.23 still does), a sixth or so of the start-up (docs/performance.md). `node server.ts`
// cannot do this for its own entry file. Node 20 has no compile cache;
// NODE_DISABLE_COMPILE_CACHE=1 turns it off.
try {
  module.enableCompileCache?.(fileURLToPath(new URL('../node_modules/.cache/node-compile-cache', import.meta.url)));
} catch {
  // a cache that cannot be set up only costs start-up time
}
if (!process.features.typescript) {
  const { register } = await import('tsx/esm/api');
  register();
  // cluster.fork() (WORKERS=N) starts workers with this process's execArgv: give them tsx too.
  process.execArgv.push('--import', 'tsx');
}
// server.ts runs its main() only when it is the script Node was started with.
process.argv[1] = fileURLToPath(entry);
await import(entry.href);
