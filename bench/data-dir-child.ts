/**
 * A child process of bench/data-dir.ts (`npm run bench`, DATA_DIR at scale): opens a
 * FileRevocationStore on DIRECTORY with CAPACITY entries, and prints one JSON line: the open's
 * time, the heap after a full GC (its ArrayBuffers included), the longest event-loop stall during the open and, when the
 * journal is due for a compaction (COMPACTION=1), during that background compaction while a
 * commit runs every 5 ms; then the commits (each one `fdatasync`) that 20 refreshes cost. Run with --expose-gc.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuthX, FileRevocationStore } from '../lib/index.ts';

const directory = process.env.DIRECTORY!;
const capacity = Number(process.env.CAPACITY);
let phase: 'open' | 'compaction' | 'idle' = 'open';
const stalls = { open: 0, compaction: 0, idle: 0 };
let last = performance.now();
const ticker = setInterval(() => {
  const now = performance.now();
  stalls[phase] = Math.max(stalls[phase], now - last - 1);
  last = now;
}, 1);

const started = performance.now();
const store = await FileRevocationStore.open({ directory, maxEntries: capacity });
const openMs = performance.now() - started;
phase = 'idle';
(globalThis as { gc?: () => void }).gc?.();
// The store's typed arrays live outside the JavaScript heap (ArrayBuffers): counted with it.
const heapBytes = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
const rssBytes = process.memoryUsage().rss;

let compactionMs: number | undefined;
let commitsDuringCompaction = 0;
if (process.env.COMPACTION === '1') {
  // Due at open when the journal holds 1.25 records per entry: it runs now, in the background.
  const begun = performance.now();
  phase = 'compaction';
  last = performance.now();
  const exp = Math.floor(Date.now() / 1000) + 600;
  while (store.stats.compactions === 0 && store.stats.failedWrites.compaction === 0 && performance.now() - begun < 120_000) {
    await store.revoke(`bench-${commitsDuringCompaction++}`, exp, { subject: 'bench', coversMs: Date.now(), cutoffExpiresAt: exp });
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  phase = 'idle';
  if (store.stats.compactions > 0) compactionMs = performance.now() - begun;
}
clearInterval(ticker);
await store.close();

// Refreshes on a small store of their own: commits per refresh.
const small = mkdtempSync(join(tmpdir(), 'authx-bench-refresh-'));
const refreshStore = await FileRevocationStore.open({ directory: small });
const auth = new AuthX({ secretKey: 'bench-data-dir-secret-0123456789-abcdefghij', revocationStore: refreshStore });
let refresh = auth.createTokenPair('alice').refresh_token;
const before = refreshStore.stats.commits;
const REFRESHES = 20;
for (let i = 0; i < REFRESHES; i++) refresh = (await auth.rotateRefreshToken(refresh)).refresh_token;
const commitsPerRefresh = (refreshStore.stats.commits - before) / REFRESHES;
await refreshStore.close();
rmSync(small, { recursive: true, force: true });

process.stdout.write(
  `${JSON.stringify({
    node: process.version,
    entries: store.stats.entries,
    openMs,
    heapBytes,
    rssBytes,
    openStallMs: stalls.open,
    compactionMs,
    compactionStallMs: compactionMs === undefined ? undefined : stalls.compaction,
    commitsDuringCompaction,
    commitsPerRefresh,
  })}\n`,
);
