/**
 * What the metrics cost per request, for `npm run bench`: `GET /protected` on the example
 * server's handler with metrics on and with them off (bench/metrics-server.ts), each its own
 * process, loaded in turn for several rounds in the same run; CPU microseconds per request from
 * /proc, medians. Target (issue #15): at most 1 microsecond of CPU per request.
 */
import { findWrk, runLoad } from './http.ts';
import { loginToken, tsScript } from './http-phase.ts';
import { procAvailable, startTarget, type Target } from './processes.ts';
import { median } from './stats.ts';

/** The budget for metrics, in CPU microseconds per request. */
export const METRICS_COST_TARGET_US = 1;

/** What the metrics-cost case measured. */
export interface MetricsCostResult {
  /** Median CPU microseconds per request with metrics on, and off. */
  onUs: number;
  offUs: number;
  /** Median of the per-round differences (on - off); NaN without /proc. */
  costUs: number;
  /**
   * How far the per-round differences stray from their median (median absolute deviation, us):
   * when it is larger than the target, the run cannot tell whether the target is met.
   */
  spreadUs: number;
  /** Requests answered per second, medians, on and off. */
  onRps: number;
  offRps: number;
  failures: number;
  text: string;
}

const ARGS = tsScript('bench/metrics-server.ts');

/** One load run on `target`: CPU microseconds per request and req/s. */
async function measure(target: Target, headers: Record<string, string>, durationMs: number, wrk: string | undefined): Promise<{ us: number; rps: number; failures: number }> {
  const before = target.cpuSeconds();
  const load = await runLoad(`${target.url}/protected`, { connections: 50, durationMs, headers }, wrk);
  const cpu = target.cpuSeconds() - before;
  return { us: (cpu * 1e6) / Math.max(1, load.requests), rps: load.requestsPerSecond, failures: load.failures };
}

/**
 * Runs the case: both servers started, warmed up, then `rounds` rounds of on and off in turn
 * (the order alternating), so load from elsewhere hits both alike.
 */
export async function metricsCostPhase(quick: boolean): Promise<MetricsCostResult> {
  const rounds = quick ? 3 : 7;
  const runMs = quick ? 1000 : 2000;
  const wrk = findWrk();
  const on = await startTarget({ name: 'metrics on', args: [...ARGS, 'on'], readyPath: '/' });
  const off = await startTarget({ name: 'metrics off', args: [...ARGS, 'off'], readyPath: '/' }).catch(async (error: unknown) => {
    await on.stop();
    throw error;
  });
  try {
    const headers = { authorization: `Bearer ${await loginToken(on.url)}` };
    const headersOff = { authorization: `Bearer ${await loginToken(off.url)}` };
    await measure(on, headers, runMs, wrk);
    await measure(off, headersOff, runMs, wrk);
    const samples = { on: [] as number[], off: [] as number[], diff: [] as number[], onRps: [] as number[], offRps: [] as number[] };
    let failures = 0;
    for (let round = 0; round < rounds; round++) {
      const first = round % 2 === 0;
      const a = await measure(first ? on : off, first ? headers : headersOff, runMs, wrk);
      const b = await measure(first ? off : on, first ? headersOff : headers, runMs, wrk);
      const [withMetrics, without] = first ? [a, b] : [b, a];
      samples.on.push(withMetrics.us);
      samples.off.push(without.us);
      samples.diff.push(withMetrics.us - without.us);
      samples.onRps.push(withMetrics.rps);
      samples.offRps.push(without.rps);
      failures += a.failures + b.failures;
    }
    const result = {
      onUs: median(samples.on),
      offUs: median(samples.off),
      costUs: procAvailable() ? median(samples.diff) : Number.NaN,
      spreadUs: procAvailable() ? median(samples.diff.map((d) => Math.abs(d - median(samples.diff)))) : Number.NaN,
      onRps: median(samples.onRps),
      offRps: median(samples.offRps),
      failures,
    };
    const text = [
      `GET /protected, 50 connections, ${rounds} rounds of ${runMs / 1000} s per side in turn; CPU from /proc; medians`,
      `metrics on:  ${result.onUs.toFixed(1)} us CPU/request, ${result.onRps.toFixed(0)} req/s`,
      `metrics off: ${result.offUs.toFixed(1)} us CPU/request, ${result.offRps.toFixed(0)} req/s`,
      `cost of metrics: ${result.costUs.toFixed(2)} us CPU/request (median of per-round differences: ${samples.diff.map((d) => d.toFixed(2)).join(', ')}; median absolute deviation ${result.spreadUs.toFixed(2)} us)`,
      ...(failures > 0 ? [`WARNING  ${failures} requests failed or answered non-2xx: the figures are not valid`] : []),
    ].join('\n');
    return { ...result, text };
  } finally {
    await Promise.all([on.stop(), off.stop()]);
  }
}
