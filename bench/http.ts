/**
 * Load for the HTTP part of `npm run bench`, from a separate process: `wrk` when it is on the
 * PATH, else `bench/load.ts`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { LoadReport } from './load.ts';

/** What one load run measured. */
export interface LoadResult {
  tool: string;
  requests: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Socket errors plus answers outside 2xx: must be 0 for the figures to mean anything. */
  failures: number;
}

/** How hard and how long to push. */
export interface LoadSettings {
  connections: number;
  durationMs: number;
  headers: Record<string, string>;
}

/** `wrk` when it is on the PATH and runs; undefined otherwise (or when BENCH_LOAD=node). */
export function findWrk(): string | undefined {
  if (process.env.BENCH_LOAD === 'node') return undefined;
  const probe = spawnSync('wrk', ['--version'], { encoding: 'utf8' });
  return probe.error === undefined ? 'wrk' : undefined;
}

function collect(command: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`${command} exited with ${code}: ${stderr}`))));
  });
}

/** `wrk` prints durations such as `812.00us`, `1.25ms` or `1.01s`. */
function wrkDurationMs(value: string, unit: string): number {
  const number = Number(value);
  return unit === 'us' ? number / 1000 : unit === 's' ? number * 1000 : number;
}

/** Reads req/s, the 50th and 99th latency percentiles and the failures from `wrk --latency`. */
export function parseWrkOutput(output: string): Omit<LoadResult, 'tool'> {
  const percentile = (p: number): number => {
    const match = new RegExp(`^\\s*${p}%\\s+([\\d.]+)(us|ms|s)\\s*$`, 'm').exec(output);
    if (!match) throw new Error(`wrk output has no ${p}% latency line`);
    return wrkDurationMs(match[1]!, match[2]!);
  };
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(output);
  const total = /(\d+) requests in/.exec(output);
  if (!rps || !total) throw new Error('wrk output has no Requests/sec line');
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(output)?.[1] ?? 0);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  const socketErrors = socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0;
  return {
    requests: Number(total[1]),
    requestsPerSecond: Number(rps[1]),
    p50Ms: percentile(50),
    p99Ms: percentile(99),
    failures: non2xx + socketErrors,
  };
}

const loadScript = fileURLToPath(new URL('./load.ts', import.meta.url));

/** Loads `url` from a separate process and returns what it measured. */
export async function runLoad(url: string, settings: LoadSettings, wrk: string | undefined): Promise<LoadResult> {
  const headerArgs = Object.entries(settings.headers).map(([name, value]) => `${name}: ${value}`);
  if (wrk !== undefined) {
    // One wrk thread: on a small machine the other cores belong to the server being measured.
    const seconds = Math.max(1, Math.round(settings.durationMs / 1000));
    const args = ['-t1', `-c${settings.connections}`, `-d${seconds}s`, '--latency', ...headerArgs.flatMap((h) => ['-H', h]), url];
    return { tool: `wrk -t1, ${settings.connections} connections`, ...parseWrkOutput(await collect(wrk, args)) };
  }
  // The child runs the way this process runs (with tsx on Node 20, natively on Node 24).
  const args = [...process.execArgv, loadScript, url, String(settings.connections), String(settings.durationMs), ...headerArgs];
  const report = JSON.parse(await collect(process.execPath, args)) as LoadReport;
  return {
    tool: `bench/load.ts (node:net keep-alive loop; wrk not used, the client may be the bottleneck), ${settings.connections} connections`,
    requests: report.requests,
    requestsPerSecond: (report.requests / report.elapsedMs) * 1000,
    p50Ms: report.latenciesMs.p50,
    p99Ms: report.latenciesMs.p99,
    failures: report.errors + report.non2xx,
  };
}
