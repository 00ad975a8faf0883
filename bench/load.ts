/**
 * Fallback HTTP load generator for `npm run bench` when `wrk` is not installed. Runs in its own
 * process (so it does not share an event loop with the server it measures): `connections`
 * keep-alive TCP connections, each sending the next GET as soon as the previous answer is
 * complete, for `durationMs`. Prints one JSON line: requests, failures, p50/p99 latency in ms.
 *
 *   node test/bench-load.ts <url> <connections> <durationMs> [<header>: <value>]...
 *
 * It speaks just enough HTTP/1.1 over `node:net` (one prebuilt request, answers framed by
 * Content-Length) because `http.request` costs several times more per request than the servers
 * it measures, which would make the client the bottleneck and squash every ratio toward 1.
 */
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

/** What the load child prints, as one JSON line on stdout. */
export interface LoadReport {
  requests: number;
  errors: number;
  non2xx: number;
  elapsedMs: number;
  latenciesMs: { p50: number; p99: number; max: number };
}

const HEAD_END = Buffer.from('\r\n\r\n');

/** Status code and Content-Length of a response head, or undefined when it cannot be framed. */
function parseHead(head: string): { status: number; length: number } | undefined {
  const status = Number(head.slice(9, 12));
  const match = /\r\ncontent-length:[ \t]*(\d+)/i.exec(head);
  if (!Number.isInteger(status) || !match) return undefined;
  return { status, length: Number(match[1]) };
}

/** One connection's request loop; resolves when the deadline has passed. */
function connectionLoop(url: URL, request: Buffer, deadline: number, record: (status: number, ms: number) => void): Promise<number> {
  return new Promise((resolve) => {
    let errors = 0;
    let socket: Socket;
    let pending: Buffer = Buffer.alloc(0);
    let sentAt = 0;

    const send = (): void => {
      if (performance.now() >= deadline) {
        socket.end();
        resolve(errors);
        return;
      }
      sentAt = performance.now();
      socket.write(request);
    };
    const open = (): void => {
      pending = Buffer.alloc(0);
      socket = connect({ host: url.hostname, port: Number(url.port), noDelay: true }, send);
      socket.on('data', (chunk: Buffer) => {
        pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
        const headEnd = pending.indexOf(HEAD_END);
        if (headEnd === -1) return;
        const framing = parseHead(pending.toString('latin1', 0, headEnd));
        if (framing === undefined) {
          errors++;
          socket.destroy();
          return;
        }
        const total = headEnd + HEAD_END.length + framing.length;
        if (pending.length < total) return;
        pending = pending.subarray(total);
        record(framing.status, performance.now() - sentAt);
        send();
      });
      socket.on('error', () => {
        errors++;
      });
      socket.on('close', () => {
        // A connection the server closed early is reopened; after the deadline the loop is done.
        if (performance.now() < deadline) open();
        else resolve(errors);
      });
    };
    open();
  });
}

async function main(): Promise<void> {
  const [urlText, connectionsText, durationText, ...headerLines] = process.argv.slice(2);
  if (urlText === undefined || connectionsText === undefined || durationText === undefined) {
    throw new Error('usage: bench-load.ts <url> <connections> <durationMs> [header: value]...');
  }
  const url = new URL(urlText);
  const extra = headerLines.map((line) => `${line}\r\n`).join('');
  const request = Buffer.from(`GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\n${extra}\r\n`, 'latin1');
  // Latencies in ms, preallocated for the largest plausible count so recording makes no garbage.
  const latencies = new Float64Array(4_000_000);
  let requests = 0;
  let non2xx = 0;
  const record = (status: number, ms: number): void => {
    if (status < 200 || status > 299) non2xx++;
    if (requests < latencies.length) latencies[requests] = ms;
    requests++;
  };
  const start = performance.now();
  const deadline = start + Number(durationText);
  const errorCounts = await Promise.all(
    Array.from({ length: Number(connectionsText) }, () => connectionLoop(url, request, deadline, record)),
  );
  const elapsedMs = performance.now() - start;
  const sorted = latencies.subarray(0, Math.min(requests, latencies.length)).sort();
  const at = (fraction: number): number => sorted[Math.max(0, Math.ceil(fraction * sorted.length) - 1)] ?? Number.NaN;
  const report: LoadReport = {
    requests,
    errors: errorCounts.reduce((sum, n) => sum + n, 0),
    non2xx,
    elapsedMs,
    latenciesMs: { p50: at(0.5), p99: at(0.99), max: sorted.at(-1) ?? Number.NaN },
  };
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

await main();
