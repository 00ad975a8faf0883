/**
 * The standard `process_*` metrics every Prometheus client exports (CPU seconds, resident memory,
 * open and maximum file descriptors, start time) plus Node's heap and event-loop delay, read when
 * `/metrics` is scraped, so they cost nothing per request. Example server only; not in the package.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { MetricsRegistry } from './metrics-registry.ts';

const NO_LABELS: readonly string[] = [];

/**
 * Registers the process metrics on `registry` and starts sampling the event-loop delay.
 *
 * @returns A function that stops the event-loop sampling.
 * @example const stop = registerProcessMetrics(registry)
 * @throws {TypeError} When the registry already has these names.
 */
export function registerProcessMetrics(registry: MetricsRegistry): () => void {
  const one = (value: number): Array<readonly [readonly string[], number]> => [[NO_LABELS, value]];
  registry.collectedCounter({ name: 'process_cpu_user_seconds_total', help: 'User CPU time spent, in seconds.', collect: () => one(process.cpuUsage().user / 1e6) });
  registry.collectedCounter({ name: 'process_cpu_system_seconds_total', help: 'System CPU time spent, in seconds.', collect: () => one(process.cpuUsage().system / 1e6) });
  registry.collectedCounter({
    name: 'process_cpu_seconds_total',
    help: 'User and system CPU time spent, in seconds.',
    collect: () => {
      const { user, system } = process.cpuUsage();
      return one((user + system) / 1e6);
    },
  });
  registry.gauge({ name: 'process_resident_memory_bytes', help: 'Resident memory size, in bytes.', collect: () => one(process.memoryUsage.rss()) });
  // Linux only: elsewhere the two fd metrics are declared with no sample, as client libraries do.
  registry.gauge({ name: 'process_open_fds', help: 'Open file descriptors.', collect: () => optional(openFds()) });
  const maxFds = readMaxFds();
  registry.gauge({ name: 'process_max_fds', help: 'Maximum number of open file descriptors.', collect: () => optional(maxFds) });
  const startTime = Math.round(performance.timeOrigin) / 1000;
  registry.gauge({ name: 'process_start_time_seconds', help: 'Start time of the process since the Unix epoch, in seconds.', collect: () => one(startTime) });
  registry.gauge({ name: 'nodejs_heap_used_bytes', help: 'V8 heap in use, in bytes.', collect: () => one(process.memoryUsage().heapUsed) });

  // Sampled every 10 ms by a native timer that does not keep the process alive; read and reset
  // at each scrape, so each value covers the time since the previous scrape.
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  let snapshot = { p50: 0, p99: 0, max: 0, mean: 0 };
  const read = (): void => {
    snapshot =
      delay.count === 0
        ? { p50: 0, p99: 0, max: 0, mean: 0 }
        : { p50: delay.percentile(50) / 1e9, p99: delay.percentile(99) / 1e9, max: delay.max / 1e9, mean: delay.mean / 1e9 };
    delay.reset();
  };
  const since = 'since the previous scrape';
  registry.gauge({
    name: 'nodejs_eventloop_delay_p50_seconds',
    help: `Median event-loop delay ${since}, in seconds.`,
    collect: () => {
      read();
      return one(snapshot.p50);
    },
  });
  registry.gauge({ name: 'nodejs_eventloop_delay_p99_seconds', help: `99th percentile event-loop delay ${since}, in seconds.`, collect: () => one(snapshot.p99) });
  registry.gauge({ name: 'nodejs_eventloop_delay_max_seconds', help: `Longest event-loop delay ${since}, in seconds.`, collect: () => one(snapshot.max) });
  registry.gauge({ name: 'nodejs_eventloop_delay_mean_seconds', help: `Mean event-loop delay ${since}, in seconds.`, collect: () => one(snapshot.mean) });
  return () => delay.disable();
}

function optional(value: number | undefined): Array<readonly [readonly string[], number]> {
  return value === undefined ? [] : [[NO_LABELS, value]];
}

function openFds(): number | undefined {
  try {
    // The listing itself holds one descriptor open on the directory while it reads.
    return readdirSync('/proc/self/fd').length - 1;
  } catch {
    return undefined;
  }
}

function readMaxFds(): number | undefined {
  try {
    const match = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return match === null ? undefined : Number(match[1]);
  } catch {
    return undefined;
  }
}
