/**
 * The measuring part of `npm run bench`: a timed loop per case, warm-up, interleaved rounds,
 * medians, and the table. No dependencies; nothing here knows what is being measured.
 *
 * Each case brings its own loop (`run(iterations)`), so every measured call site sees one
 * function only and V8 optimises it as it would in real code; a shared `fn()` call inside a
 * generic loop would go megamorphic and add the same overhead to fast and slow cases alike.
 */
import { performance } from 'node:perf_hooks';

/** One micro-benchmark. */
export interface BenchCase {
  /** Row label. */
  name: string;
  /** Runs the operation `iterations` times and returns something derived from the results. */
  run: (iterations: number) => unknown;
  /** Name of the case this one is compared with (its ratio is ops/s divided by the baseline's). */
  baseline?: string;
  /** Lowest acceptable ratio to the baseline, and how the target reads in the issue. */
  target?: { minRatio: number; label: string };
}

/** Timing settings; the defaults keep the whole micro part around 30 s. */
export interface BenchSettings {
  warmupMs: number;
  rounds: number;
  roundMs: number;
}

/** What one case measured. */
export interface BenchResult {
  name: string;
  opsPerSecond: number;
  nsPerOp: number;
  baseline: string | undefined;
  /** Median over rounds of (this round's ops/s / the baseline's ops/s in the same round). */
  ratio: number | undefined;
  target: BenchCase['target'];
  met: boolean | undefined;
}

/** Written to by every case so that no result is dead code the optimiser may drop. */
export let sink: unknown;

/** Keeps `value` observable; call it with something each loop produced. */
export function keep(value: unknown): void {
  sink = value;
}

/** Median of a non-empty list. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

async function timeBatch(benchCase: BenchCase, iterations: number): Promise<number> {
  const start = performance.now();
  const result = benchCase.run(iterations);
  if (result instanceof Promise) keep(await result);
  else keep(result);
  return performance.now() - start;
}

/** Runs a case for about `ms` milliseconds in batches of `batch`; returns ops/s. */
async function runFor(benchCase: BenchCase, batch: number, ms: number): Promise<number> {
  let operations = 0;
  let elapsed = 0;
  while (elapsed < ms) {
    elapsed += await timeBatch(benchCase, batch);
    operations += batch;
  }
  return (operations / elapsed) * 1000;
}

/** Finds a batch size that takes about 5 ms, then keeps running it until the warm-up time is over. */
async function calibrate(benchCase: BenchCase, warmupMs: number): Promise<number> {
  const deadline = performance.now() + warmupMs;
  let batch = 1;
  let ms = await timeBatch(benchCase, batch);
  while (ms < 5) {
    batch *= 2;
    ms = await timeBatch(benchCase, batch);
  }
  while (performance.now() < deadline) ms = await timeBatch(benchCase, batch);
  return Math.max(1, Math.round((batch * 5) / ms));
}

/**
 * Warms every case up, then runs `rounds` rounds in which every case runs once, in order, so a
 * case and its baseline are measured seconds apart and share whatever the machine was doing.
 */
export async function runCases(cases: readonly BenchCase[], settings: BenchSettings): Promise<BenchResult[]> {
  const batches = new Map<string, number>();
  for (const benchCase of cases) batches.set(benchCase.name, await calibrate(benchCase, settings.warmupMs));
  const perRound = new Map<string, number[]>(cases.map((c) => [c.name, []]));
  for (let round = 0; round < settings.rounds; round++) {
    for (const benchCase of cases) {
      perRound.get(benchCase.name)!.push(await runFor(benchCase, batches.get(benchCase.name)!, settings.roundMs));
    }
  }
  return cases.map((benchCase) => {
    const ops = perRound.get(benchCase.name)!;
    const base = benchCase.baseline === undefined ? undefined : perRound.get(benchCase.baseline);
    if (benchCase.baseline !== undefined && base === undefined) throw new Error(`unknown baseline ${benchCase.baseline}`);
    const ratio = base === undefined ? undefined : median(ops.map((value, i) => value / base[i]!));
    const opsPerSecond = median(ops);
    return {
      name: benchCase.name,
      opsPerSecond,
      nsPerOp: 1e9 / opsPerSecond,
      baseline: benchCase.baseline,
      ratio,
      target: benchCase.target,
      met: benchCase.target === undefined || ratio === undefined ? undefined : ratio >= benchCase.target.minRatio,
    };
  });
}

/** Formats ops/s with thousands separators. */
export function formatOps(ops: number): string {
  return Math.round(ops).toLocaleString('en-US');
}

/** A markdown table; columns are padded so it also reads well in a terminal. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((cell, column) => cell.padEnd(widths[column]!)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

/** The micro-benchmark table: ops/s, ns/op, ratio to the baseline and the target. */
export function resultsTable(results: readonly BenchResult[]): string {
  return markdownTable(
    ['operation', 'ops/s', 'ns/op', 'ratio', 'vs', 'target', 'ok'],
    results.map((r) => [
      r.name,
      formatOps(r.opsPerSecond),
      r.nsPerOp.toFixed(0),
      r.ratio === undefined ? '' : `${r.ratio.toFixed(2)} x`,
      r.baseline ?? '(baseline)',
      r.target?.label ?? '',
      r.met === undefined ? '' : r.met ? 'yes' : 'MISS',
    ]),
  );
}
