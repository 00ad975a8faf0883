/**
 * The HTTP part of `npm run bench`: `GET /protected` on server.ts (one process, and WORKERS=2
 * when Redis is at hand) against its peers on the same Node binary (bare node:http, node:http +
 * fast-jwt), every side in its own process, loaded by `wrk` (or bench/load.ts) from another.
 * Each run also reads the CPU time of the side's process tree, so CPU per request stands next
 * to req/s: on a shared machine it moves far less than throughput does.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findWrk, runLoad, type LoadResult } from './http.ts';
import { BENCH_SECRET } from './micro.ts';
import { startTarget, type Target, type TargetSpec } from './processes.ts';
import { formatOps, markdownTable, median } from './stats.ts';

/** Concurrent keep-alive connections of the main comparison, as the targets state them. */
export const CONNECTIONS = 50;
/** The overload check: p99 with many more connections than the server can answer at once. */
export const MANY_CONNECTIONS = 1000;
const WARMUP_MS = 1000;

/** Which side is which, for the targets. */
export type SideKey = 'bare' | 'fastJwt' | 'fastJwtSameAnswer' | 'server' | 'serverMemory' | 'serverRedis' | 'workers';

/** Medians over the rounds of one side. */
export interface SideFigures {
  label: string;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Server CPU microseconds per answered request (NaN without /proc). */
  cpuUsPerRequest: number;
  failures: number;
}

/** What the HTTP phase reports. */
export interface HttpPhaseResult {
  text: string;
  /** The table alone, for docs/performance.md. */
  table: string;
  sides: Partial<Record<SideKey, SideFigures>>;
  /** Median per-round ratio of req/s, `a` over `b`, for sides measured in the same rounds. */
  ratio: (a: SideKey, b: SideKey) => number;
  /** Median per-round ratio of CPU per request, `a` over `b`. */
  cpuRatio: (a: SideKey, b: SideKey) => number;
  /**
   * p99 in ms at {@link MANY_CONNECTIONS} connections (medians): one process with the default
   * store, one process with REDIS_URL (the state WORKERS=2 needs), and WORKERS=2.
   */
  overload: { server: number; serverRedis: number; workers: number; failures: number } | undefined;
  /** RSS of the one-process server.ts after each round, bytes. */
  serverRss: number[];
  failures: number;
  /** Why a side was not measured, when one was not. */
  notes: string[];
}

/** Options of {@link httpPhase}. */
export interface HttpPhaseOptions {
  quick: boolean;
  /** A Redis server for WORKERS=2 (and the one-process REDIS_URL side); without it they are skipped. */
  redisUrl: string | undefined;
}

interface Side {
  key: SideKey;
  spec: TargetSpec;
  target?: Target;
  runs: LoadResult[];
  cpu: number[];
}

const nodeStripsTypes = Boolean((process.features as { typescript?: string | false }).typescript);

/**
 * The arguments that run a TypeScript script on this Node: natively on 22.18+/24, with tsx before.
 *
 * @example tsScript('server.ts') // ['server.ts'] on Node 24
 */
export function tsScript(path: string): string[] {
  return nodeStripsTypes ? [path] : ['--import', 'tsx', path];
}

const SERVER_ARGS = tsScript('server.ts');
const PEER_ARGS = tsScript('bench/peer-server.ts');

/**
 * Logs in through the real server, as a client would, and returns the access token.
 *
 * @example const token = await loginToken('http://127.0.0.1:8000')
 * @throws {Error} When the login is not answered 200 with a token.
 */
export async function loginToken(url: string): Promise<string> {
  const response = await fetch(`${url}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'user1', password: 'password1' }),
  });
  const body = (await response.json()) as { access_token?: string };
  if (response.status !== 200 || typeof body.access_token !== 'string') throw new Error(`login failed with ${response.status}`);
  return body.access_token;
}

function serverSpec(name: string, env: Record<string, string>): TargetSpec {
  // No shutdown delay: nothing balances load in front of the bench, and stopping should not wait.
  return { name, args: SERVER_ARGS, env: { JWT_SECRET_KEY: BENCH_SECRET, SHUTDOWN_DELAY_MS: '0', ...env }, readyPath: '/' };
}

/**
 * Starts every side, warms each up, then runs `rounds` rounds in which every side is loaded once,
 * in turn, so all of them share whatever else the machine is doing; ratios are medians of the
 * per-round ratios. Then the overload check: one process (default store, and REDIS_URL) and
 * WORKERS=2 at 1,000 connections.
 */
export async function httpPhase(options: HttpPhaseOptions): Promise<HttpPhaseResult> {
  const runMs = options.quick ? 1000 : 2000;
  const rounds = options.quick ? 3 : 5;
  const wrk = findWrk();
  const dataDir = mkdtempSync(join(tmpdir(), 'authx-bench-'));
  const notes: string[] = [];
  const sides: Side[] = [
    { key: 'bare', spec: { name: 'bare node:http (floor)', args: [...PEER_ARGS, 'bare'], readyPath: '/protected' }, runs: [], cpu: [] },
    { key: 'fastJwt', spec: { name: 'node:http + fast-jwt', args: [...PEER_ARGS, 'fast-jwt'], readyPath: '/protected' }, runs: [], cpu: [] },
    {
      key: 'fastJwtSameAnswer',
      spec: { name: 'node:http + fast-jwt, same answer', args: [...PEER_ARGS, 'fast-jwt-same-answer'], readyPath: '/protected' },
      runs: [],
      cpu: [],
    },
    { key: 'server', spec: serverSpec('server.ts, one process', { DATA_DIR: join(dataDir, 'one') }), runs: [], cpu: [] },
  ];
  if (options.redisUrl === undefined) {
    notes.push('WORKERS=2 not measured: it needs REDIS_URL and no redis-server was found (apt-get install redis-server).');
  } else {
    sides.push(
      // Issue #23: Redis (client tracking, local answers) against memory mode, in the same rounds.
      { key: 'serverMemory', spec: serverSpec('server.ts, one process, DATA_DIR=:memory:', { DATA_DIR: ':memory:' }), runs: [], cpu: [] },
      { key: 'serverRedis', spec: serverSpec('server.ts, one process, REDIS_URL', { REDIS_URL: options.redisUrl }), runs: [], cpu: [] },
      { key: 'workers', spec: serverSpec('server.ts, WORKERS=2, REDIS_URL', { WORKERS: '2', REDIS_URL: options.redisUrl }), runs: [], cpu: [] },
    );
  }
  const lines: string[] = [];
  const serverRss: number[] = [];
  let overload: HttpPhaseResult['overload'];
  try {
    for (const side of sides) {
      try {
        side.target = await startTarget(side.spec);
      } catch (error) {
        notes.push(`${side.spec.name} not measured: ${(error as Error).message.split('\n')[0]}`);
      }
    }
    const server = sides.find((s) => s.key === 'server')?.target;
    if (server === undefined) throw new Error('server.ts did not start');
    const token = await loginToken(server.url);
    const headers = { Authorization: `Bearer ${token}` };
    const live = sides.filter((s) => s.target !== undefined);
    for (const side of live) await runLoad(`${side.target!.url}/protected`, { connections: CONNECTIONS, durationMs: WARMUP_MS, headers }, wrk);
    for (let round = 1; round <= rounds; round++) {
      for (const side of live) {
        const before = side.target!.cpuSeconds();
        const result = await runLoad(`${side.target!.url}/protected`, { connections: CONNECTIONS, durationMs: runMs, headers }, wrk);
        const cpuUs = ((side.target!.cpuSeconds() - before) * 1e6) / Math.max(1, result.requests);
        side.runs.push(result);
        side.cpu.push(cpuUs);
        lines.push(`round ${round}, ${side.spec.name}: ${formatOps(result.requestsPerSecond)} req/s, p99 ${result.p99Ms.toFixed(2)} ms, ${cpuUs.toFixed(1)} us CPU/request`);
        if (side.key === 'server') serverRss.push(side.target!.rssBytes());
      }
    }
    overload = await overloadCheck(sides, headers, wrk, options.quick, lines);
  } finally {
    await Promise.all(sides.map((s) => s.target?.stop()));
    rmSync(dataDir, { recursive: true, force: true });
  }
  return summarise(sides, lines, notes, overload, serverRss, wrk, runMs, rounds);
}

/**
 * One process (default store, and REDIS_URL) against WORKERS=2 at {@link MANY_CONNECTIONS}
 * connections, in turn, short runs.
 */
async function overloadCheck(sides: Side[], headers: Record<string, string>, wrk: string | undefined, quick: boolean, lines: string[]): Promise<HttpPhaseResult['overload']> {
  const keys = ['server', 'serverRedis', 'workers'] as const;
  const targets = keys.map((key) => sides.find((s) => s.key === key)?.target);
  if (targets.some((target) => target === undefined)) return undefined;
  const p99: number[][] = keys.map(() => []);
  let failures = 0;
  for (let round = 1; round <= (quick ? 1 : 3); round++) {
    for (let i = 0; i < keys.length; i++) {
      const target = targets[i]!;
      const result = await runLoad(`${target.url}/protected`, { connections: MANY_CONNECTIONS, durationMs: 2000, headers }, wrk);
      p99[i]!.push(result.p99Ms);
      failures += result.failures;
      lines.push(`overload round ${round}, ${target.name}, ${MANY_CONNECTIONS} connections: ${formatOps(result.requestsPerSecond)} req/s, p99 ${result.p99Ms.toFixed(1)} ms, ${result.failures} failures`);
    }
  }
  return { server: median(p99[0]!), serverRedis: median(p99[1]!), workers: median(p99[2]!), failures };
}

function summarise(
  sides: Side[],
  lines: string[],
  notes: string[],
  overload: HttpPhaseResult['overload'],
  serverRss: number[],
  wrk: string | undefined,
  runMs: number,
  rounds: number,
): HttpPhaseResult {
  const measured = sides.filter((s) => s.runs.length > 0);
  const byKey = new Map(measured.map((s) => [s.key, s]));
  const perRound = (a: SideKey, b: SideKey, pick: (side: Side, i: number) => number): number => {
    const x = byKey.get(a);
    const y = byKey.get(b);
    if (x === undefined || y === undefined) return Number.NaN;
    return median(x.runs.map((_, i) => pick(x, i) / pick(y, i)));
  };
  const ratio = (a: SideKey, b: SideKey): number => perRound(a, b, (s, i) => s.runs[i]!.requestsPerSecond);
  const cpuRatio = (a: SideKey, b: SideKey): number => perRound(a, b, (s, i) => s.cpu[i]!);
  const figures: Partial<Record<SideKey, SideFigures>> = {};
  for (const side of measured) {
    figures[side.key] = {
      label: side.spec.name,
      requestsPerSecond: median(side.runs.map((r) => r.requestsPerSecond)),
      p50Ms: median(side.runs.map((r) => r.p50Ms)),
      p99Ms: median(side.runs.map((r) => r.p99Ms)),
      cpuUsPerRequest: median(side.cpu),
      failures: side.runs.reduce((sum, r) => sum + r.failures, 0),
    };
  }
  const table = markdownTable(
    ['server', 'req/s', 'p50 ms', 'p99 ms', 'CPU us/request', 'req/s vs fast-jwt', 'CPU vs bare', 'failures'],
    measured.map((side) => {
      const f = figures[side.key]!;
      return [
        f.label,
        formatOps(f.requestsPerSecond),
        f.p50Ms.toFixed(2),
        f.p99Ms.toFixed(2),
        Number.isNaN(f.cpuUsPerRequest) ? 'n/a' : f.cpuUsPerRequest.toFixed(1),
        side.key === 'fastJwt' ? '1.00 x' : `${ratio(side.key, 'fastJwt').toFixed(2)} x`,
        side.key === 'bare' ? '1.00 x' : `${cpuRatio(side.key, 'bare').toFixed(2)} x`,
        String(f.failures),
      ];
    }),
  );
  const tool = measured[0]?.runs[0]?.tool ?? (wrk ?? 'bench/load.ts');
  const header = `load: ${tool}; ${rounds} rounds of ${runMs / 1000} s per side, sides in turn, after ${WARMUP_MS / 1000} s of warm-up each; medians; CPU = utime + stime of the server's process tree from /proc`;
  const text = [header, '', table, '', ...notes, ...lines].join('\n');
  const failures = measured.reduce((sum, s) => sum + figures[s.key]!.failures, 0);
  return { text, table, sides: figures, ratio, cpuRatio, overload, serverRss, failures, notes };
}
