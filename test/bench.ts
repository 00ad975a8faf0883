/**
 * `npm run bench`: one process, one run. Micro-benchmarks with their platform baselines, then
 * memory over a million verifications, then HTTP through server.ts against a bare handler.
 * Every figure is also printed as a ratio to a baseline measured in the same run, so numbers
 * from different machines can be compared by their ratios. Not a test: it never fails a build.
 *
 * Environment: BENCH_QUICK=1 shortens every phase (for trying changes, not for the README).
 */
import { cpus } from 'node:os';
import { authxCases, coreCases, verificationFixture } from './bench-micro.ts';
import { levelsOff, memoryTable, snapshot, type MemorySnapshot } from './bench-memory.ts';
import { bareHandler, findWrk, runLoad, serve, type LoadResult, type LoadSettings } from './bench-http.ts';
import { formatOps, markdownTable, median, resultsTable, runCases, type BenchResult } from './bench-stats.ts';
import { createServerHandler } from './bench-server.ts';
import type { RequestListener } from 'node:http';

const quick = process.env.BENCH_QUICK === '1';
const settings = quick ? { warmupMs: 100, rounds: 3, roundMs: 50 } : { warmupMs: 300, rounds: 9, roundMs: 120 };
const VERIFICATIONS = 1_000_000;
const CONNECTIONS = 50;
const HTTP_RUN_MS = quick ? 1000 : 3000;
const HTTP_ROUNDS = 2;

/** One HTTP side: a name, its listener, and what the load runs measured. */
interface HttpSide {
  name: string;
  handler: RequestListener;
  runs: LoadResult[];
}

/** Logs in through the real handler, as a client would, and returns the access token. */
async function loginToken(url: string): Promise<string> {
  const response = await fetch(`${url}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'user1', password: 'password1' }),
  });
  const body = (await response.json()) as { access_token?: string };
  if (response.status !== 200 || typeof body.access_token !== 'string') throw new Error(`login failed with ${response.status}`);
  return body.access_token;
}

/**
 * Alternates the two sides (bare, server, bare, server) after a warm-up of each, so both see the
 * same machine; memory checkpoints after each server run show whether a sustained load levels off.
 */
async function httpPhase(serverHandler: RequestListener, memory: MemorySnapshot[]): Promise<{ table: string; ratio: number; p99: number; failures: number }> {
  const wrk = findWrk();
  const sides: HttpSide[] = [
    { name: 'bare node:http handler (baseline)', handler: bareHandler, runs: [] },
    { name: 'server.ts GET /protected', handler: serverHandler, runs: [] },
  ];
  const served = await Promise.all(sides.map((side) => serve(side.handler)));
  try {
    const token = await loginToken(served[1]!.url);
    const load = (durationMs: number): LoadSettings => ({ connections: CONNECTIONS, durationMs, headers: { Authorization: `Bearer ${token}` } });
    for (const { url } of served) await runLoad(`${url}/protected`, load(1000), wrk);
    for (let round = 1; round <= HTTP_ROUNDS; round++) {
      for (const [i, side] of sides.entries()) {
        side.runs.push(await runLoad(`${served[i]!.url}/protected`, load(HTTP_RUN_MS), wrk));
        if (i === 1) memory.push(snapshot(`after server.ts HTTP run ${round}`));
      }
    }
  } finally {
    await Promise.all(served.map((s) => s.close()));
  }
  const summary = sides.map((side) => ({
    side,
    rps: median(side.runs.map((r) => r.requestsPerSecond)),
    p50: median(side.runs.map((r) => r.p50Ms)),
    p99: median(side.runs.map((r) => r.p99Ms)),
    failures: side.runs.reduce((sum, r) => sum + r.failures, 0),
  }));
  const [bare, ours] = summary as [typeof summary[number], typeof summary[number]];
  const ratio = ours.rps / bare.rps;
  const table = markdownTable(
    ['handler', 'req/s', 'p50 ms', 'p99 ms', 'ratio', 'non-2xx + errors'],
    summary.map((row, i) => [row.side.name, formatOps(row.rps), row.p50.toFixed(2), row.p99.toFixed(2), i === 0 ? '' : `${ratio.toFixed(2)} x`, String(row.failures)]),
  );
  const tool = sides[0]!.runs[0]!.tool;
  return { table: `load: ${tool}, ${CONNECTIONS} connections, ${HTTP_ROUNDS} alternating runs of ${HTTP_RUN_MS / 1000} s per side, medians\n\n${table}`, ratio, p99: ours.p99, failures: ours.failures + bare.failures };
}

function heading(text: string): void {
  console.log(`\n## ${text}\n`);
}

function verifyMany(count: number, verify: (token: string) => unknown, token: string): void {
  for (let i = 0; i < count; i++) verify(token);
}

async function main(): Promise<void> {
  const started = performance.now();
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  console.log(`# npm run bench: Node ${process.version}, ${process.platform}/${process.arch}, ${cpus().length} x ${cpu}`);
  console.log(`settings: warm-up ${settings.warmupMs} ms per case, ${settings.rounds} interleaved rounds of ${settings.roundMs} ms, medians`);

  heading('Micro-benchmarks (ratio = our ops/s / baseline ops/s, median over rounds; higher is better)');
  const results: BenchResult[] = await runCases([...coreCases(), ...authxCases()], settings);
  console.log(resultsTable(results));

  heading(`Memory over ${VERIFICATIONS.toLocaleString('en-US')} verifications (after full GC)`);
  const { token, verify } = verificationFixture();
  const checkpoints: MemorySnapshot[] = [snapshot('before')];
  const quarter = VERIFICATIONS / 4;
  for (let done = quarter; done <= VERIFICATIONS; done += quarter) {
    verifyMany(quarter, verify, token);
    checkpoints.push(snapshot(`after ${done.toLocaleString('en-US')}`));
  }
  console.log(memoryTable(checkpoints));
  const verifyLevels = levelsOff(checkpoints[2]!, checkpoints[4]!);
  console.log(`\nheap levels off over the second half: ${verifyLevels ? 'yes' : 'NO'}`);

  heading(`HTTP: GET /protected, ${CONNECTIONS} keep-alive connections from a separate process`);
  const httpMemory: MemorySnapshot[] = [snapshot('before HTTP')];
  const server = createServerHandler();
  const http = await httpPhase(server.handler, httpMemory);
  server.close();
  console.log(http.table);
  console.log('');
  console.log(memoryTable(httpMemory));
  const httpLevels = levelsOff(httpMemory[1]!, httpMemory[2]!);
  console.log(`\nheap levels off between the two sustained server.ts runs: ${httpLevels ? 'yes' : 'NO'}`);

  heading('Targets');
  const targeted = results.filter((r) => r.met !== undefined);
  for (const r of targeted) console.log(`${r.met ? 'met ' : 'MISS'}  ${r.name}: ${r.ratio!.toFixed(2)} x ${r.baseline} (target ${r.target!.label})`);
  console.log(`${verifyLevels ? 'met ' : 'MISS'}  memory levels off over ${VERIFICATIONS.toLocaleString('en-US')} verifications`);
  const httpOk = http.ratio >= 0.5;
  console.log(`${httpOk ? 'met ' : 'MISS'}  server.ts GET /protected: ${http.ratio.toFixed(2)} x the bare handler's req/s (target >= 0.50 x)`);
  console.log(`${http.p99 < 5 ? 'met ' : 'MISS'}  server.ts GET /protected p99 ${http.p99.toFixed(2)} ms at ${CONNECTIONS} connections (target < 5 ms)`);
  console.log(`${httpLevels ? 'met ' : 'MISS'}  memory levels off under sustained HTTP load`);
  if (http.failures > 0) console.log(`WARNING  ${http.failures} HTTP requests failed or answered non-2xx: the HTTP figures are not valid`);
  console.log(`\ntotal time ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

await main();
