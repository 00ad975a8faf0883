/**
 * Fallback HTTP load generator for `npm run bench` when `wrk` is not installed. Runs in its own
 * process (so it does not share an event loop with the server it measures): `connections`
 * keep-alive connections, each sending the next request as soon as the previous answer ends,
 * for `durationMs`. Prints one JSON line: requests, req/s, p50 and p99 latency in ms.
 *
 *   node test/bench-load.ts <url> <connections> <durationMs> [<header>: <value>]...
 */
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';

/** What the load child prints, as one JSON line on stdout. */
export interface LoadReport {
  requests: number;
  errors: number;
  non2xx: number;
  elapsedMs: number;
  latenciesMs: { p50: number; p99: number; max: number };
}

function parseHeaders(lines: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return headers;
}

function sendOne(agent: Agent, url: URL, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, headers }, (res) => {
      res.on('data', () => {});
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

async function main(): Promise<void> {
  const [urlText, connectionsText, durationText, ...headerLines] = process.argv.slice(2);
  if (urlText === undefined || connectionsText === undefined || durationText === undefined) {
    throw new Error('usage: bench-load.ts <url> <connections> <durationMs> [header: value]...');
  }
  const url = new URL(urlText);
  const connections = Number(connectionsText);
  const durationMs = Number(durationText);
  const headers = parseHeaders(headerLines);
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  // Latencies in ms, preallocated for the largest plausible count so recording them makes no garbage.
  const latencies = new Float64Array(2_000_000);
  let requests = 0;
  let errors = 0;
  let non2xx = 0;
  const start = performance.now();
  const deadline = start + durationMs;

  async function connectionLoop(): Promise<void> {
    while (performance.now() < deadline) {
      const sent = performance.now();
      try {
        const status = await sendOne(agent, url, headers);
        if (status < 200 || status > 299) non2xx++;
        if (requests < latencies.length) latencies[requests] = performance.now() - sent;
        requests++;
      } catch {
        errors++;
      }
    }
  }

  await Promise.all(Array.from({ length: connections }, connectionLoop));
  const elapsedMs = performance.now() - start;
  agent.destroy();
  const sorted = latencies.subarray(0, Math.min(requests, latencies.length)).sort();
  const at = (fraction: number): number => sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)] ?? Number.NaN;
  const report: LoadReport = {
    requests,
    errors,
    non2xx,
    elapsedMs,
    latenciesMs: { p50: at(0.5), p99: at(0.99), max: sorted.at(-1) ?? Number.NaN },
  };
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

await main();
