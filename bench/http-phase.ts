/**
 * The HTTP part of `npm run bench`: `GET /protected` through server.ts against a bare handler,
 * under the same load from a separate process.
 */
import type { RequestListener } from 'node:http';
import { bareHandler, findWrk, runLoad, serve, type LoadResult, type LoadSettings } from './http.ts';
import { snapshot, type MemorySnapshot } from './memory.ts';
import { formatOps, markdownTable, median } from './stats.ts';

/** Concurrent keep-alive connections, as the latency target states them. */
export const CONNECTIONS = 50;
const WARMUP_MS = 1000;
const ROUNDS = 5;

/** What the HTTP phase reports. */
export interface HttpPhaseResult {
  /** The printable tables. */
  text: string;
  /** Median over rounds of server.ts req/s divided by the bare handler's req/s in the same round. */
  ratio: number;
  /** Median p99 latency of server.ts in ms. */
  p99Ms: number;
  /** Failed requests or non-2xx answers on either side: must be 0. */
  failures: number;
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

function describeRun(r: LoadResult): string {
  return `${formatOps(r.requestsPerSecond)} req/s, p50 ${r.p50Ms.toFixed(2)} ms, p99 ${r.p99Ms.toFixed(2)} ms`;
}

/**
 * Warms both sides up, then alternates them (bare, server.ts, bare, server.ts, ...) so each pair
 * of runs shares whatever else the machine was doing; the ratio is the median of the per-round
 * ratios. A memory checkpoint follows every server.ts run, to show a sustained load levels off.
 */
export async function httpPhase(serverHandler: RequestListener, memory: MemorySnapshot[], quick: boolean): Promise<HttpPhaseResult> {
  const runMs = quick ? 1000 : 2000;
  const wrk = findWrk();
  const names = ['bare node:http handler (baseline)', 'server.ts GET /protected'] as const;
  const served = [await serve(bareHandler), await serve(serverHandler)] as const;
  const runs: [LoadResult[], LoadResult[]] = [[], []];
  const lines: string[] = [];
  try {
    const token = await loginToken(served[1].url);
    const load = (durationMs: number): LoadSettings => ({ connections: CONNECTIONS, durationMs, headers: { Authorization: `Bearer ${token}` } });
    for (const { url } of served) await runLoad(`${url}/protected`, load(WARMUP_MS), wrk);
    for (let round = 1; round <= ROUNDS; round++) {
      for (const side of [0, 1] as const) {
        const result = await runLoad(`${served[side].url}/protected`, load(runMs), wrk);
        runs[side].push(result);
        lines.push(`round ${round}, ${names[side]}: ${describeRun(result)}`);
        if (side === 1) memory.push(snapshot(`after server.ts HTTP run ${round}`));
      }
    }
  } finally {
    await Promise.all(served.map((s) => s.close()));
  }
  const ratio = median(runs[1].map((r, i) => r.requestsPerSecond / runs[0][i]!.requestsPerSecond));
  const rows = runs.map((sideRuns, side) => [
    names[side]!,
    formatOps(median(sideRuns.map((r) => r.requestsPerSecond))),
    median(sideRuns.map((r) => r.p50Ms)).toFixed(2),
    median(sideRuns.map((r) => r.p99Ms)).toFixed(2),
    side === 0 ? '' : `${ratio.toFixed(2)} x`,
    String(sideRuns.reduce((sum, r) => sum + r.failures, 0)),
  ]);
  const failures = [...runs[0], ...runs[1]].reduce((sum, r) => sum + r.failures, 0);
  const header = `load: ${runs[0][0]!.tool}, ${ROUNDS} alternating rounds of ${runMs / 1000} s per side after ${WARMUP_MS / 1000} s of warm-up, medians`;
  const table = markdownTable(['handler', 'req/s', 'p50 ms', 'p99 ms', 'ratio', 'non-2xx + errors'], rows);
  // Closed loop: every connection waits for its answer, so mean latency = connections / throughput
  // (Little's law). A p99 under that mean would need a strangely shaped distribution, so this is
  // in practice the lowest p99 the server can show at this connection count and speed.
  const floorMs = (CONNECTIONS / median(runs[1].map((r) => r.requestsPerSecond))) * 1000;
  lines.push(`queueing floor for server.ts at this throughput: ${CONNECTIONS} connections / req/s = ${floorMs.toFixed(2)} ms mean latency`);
  return { text: `${header}\n\n${table}\n\n${lines.join('\n')}`, ratio, p99Ms: median(runs[1].map((r) => r.p99Ms)), failures };
}
