/**
 * `npm run bench`: one process, one run. Micro-benchmarks with their platform baselines, then
 * memory over a million verifications, then HTTP through server.ts against a bare handler.
 * Every figure is also printed as a ratio to a baseline measured in the same run, so numbers
 * from different machines can be compared by their ratios. Not a test: it never fails a build.
 *
 * Environment: BENCH_QUICK=1 shortens every phase (for trying changes, not for the README).
 */
import { cpus } from 'node:os';
import { authxCases, base64urlCases, jwtCases, verificationFixture } from './micro.ts';
import { levelsOff, memoryTable, nativeLevelsOff, snapshot, type MemorySnapshot } from './memory.ts';
import { CONNECTIONS, httpPhase } from './http-phase.ts';
import { resultsTable, runCases, type BenchResult } from './stats.ts';
import { createServerHandler } from './server.ts';

const quick = process.env.BENCH_QUICK === '1';
// Many short rounds: a case and its baseline run moments apart, so load from other processes
// hits both alike, and the median of per-round ratios shrugs off the rounds it hit unevenly.
const settings = quick ? { warmupMs: 100, rounds: 7, roundMs: 25 } : { warmupMs: 300, rounds: 21, roundMs: 50 };
const VERIFICATIONS = 1_000_000;

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
  const results: BenchResult[] = await runCases([...jwtCases(), ...authxCases(), ...base64urlCases()], settings);
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
  const verifyLevels = levelsOff(checkpoints[2]!, checkpoints[4]!) && nativeLevelsOff(checkpoints[2]!, checkpoints[4]!);
  console.log(`\nover the second half, heap used grows < 1 MiB and RSS outside the V8 heap < 4 MiB: ${verifyLevels ? 'yes' : 'NO'}`);

  heading(`HTTP: GET /protected, ${CONNECTIONS} keep-alive connections from a separate process`);
  const httpMemory: MemorySnapshot[] = [snapshot('before HTTP')];
  const server = createServerHandler();
  const http = await httpPhase(server.handler, httpMemory, quick);
  server.close();
  console.log(http.text);
  console.log('');
  console.log(memoryTable(httpMemory));
  const httpLevels = levelsOff(httpMemory[1]!, httpMemory.at(-1)!) && nativeLevelsOff(httpMemory[1]!, httpMemory.at(-1)!);
  console.log(`\nfrom the first to the last server.ts run, heap used grows < 1 MiB and RSS outside the V8 heap < 4 MiB: ${httpLevels ? 'yes' : 'NO'}`);

  heading('Targets');
  const targeted = results.filter((r) => r.met !== undefined);
  for (const r of targeted) console.log(`${r.met ? 'met ' : 'MISS'}  ${r.name}: ${r.ratio!.toFixed(2)} x ${r.baseline} (target ${r.target!.label})`);
  console.log(`${verifyLevels ? 'met ' : 'MISS'}  memory levels off over ${VERIFICATIONS.toLocaleString('en-US')} verifications`);
  const httpOk = http.ratio >= 0.5;
  console.log(`${httpOk ? 'met ' : 'MISS'}  server.ts GET /protected: ${http.ratio.toFixed(2)} x the bare handler's req/s (target >= 0.50 x)`);
  console.log(`${http.p99Ms < 5 ? 'met ' : 'MISS'}  server.ts GET /protected p99 ${http.p99Ms.toFixed(2)} ms at ${CONNECTIONS} connections (target < 5 ms)`);
  console.log(`${httpLevels ? 'met ' : 'MISS'}  memory levels off under sustained HTTP load`);
  if (http.failures > 0) console.log(`WARNING  ${http.failures} HTTP requests failed or answered non-2xx: the HTTP figures are not valid`);
  console.log(`\ntotal time ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

await main();
