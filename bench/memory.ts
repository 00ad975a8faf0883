/**
 * Memory figures for `npm run bench`: heap and RSS after a full garbage collection, taken at
 * checkpoints, so a leak shows as a line that keeps climbing instead of levelling off.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { markdownTable } from './stats.ts';

/**
 * `global.gc` without asking the user for `--expose-gc`: the flag set at run time applies to
 * new contexts, and a fresh context's `gc` collects the whole isolate.
 */
function exposeGc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

const collect = exposeGc();

/** One checkpoint. */
export interface MemorySnapshot {
  label: string;
  heapUsed: number;
  /** Space V8 has reserved for its heap, used or not; the young generation grows it in steps. */
  heapTotal: number;
  rss: number;
}

/** Collects garbage (twice: weak references and finalisers need a second pass) and reads memory. */
export function snapshot(label: string): MemorySnapshot {
  collect();
  collect();
  const { heapUsed, heapTotal, rss } = process.memoryUsage();
  return { label, heapUsed, heapTotal, rss };
}

const MiB = 1024 * 1024;

function mib(bytes: number): string {
  return (bytes / MiB).toFixed(1);
}

function signedMib(bytes: number): string {
  return `${bytes >= 0 ? '+' : ''}${mib(bytes)}`;
}

/** Table of checkpoints with the change from the first one. */
export function memoryTable(snapshots: readonly MemorySnapshot[]): string {
  const first = snapshots[0]!;
  return markdownTable(
    ['checkpoint', 'heap used MiB', 'heap vs first', 'heap total MiB', 'RSS MiB', 'RSS vs first'],
    snapshots.map((s) => [s.label, mib(s.heapUsed), signedMib(s.heapUsed - first.heapUsed), mib(s.heapTotal), mib(s.rss), signedMib(s.rss - first.rss)]),
  );
}

/**
 * Levelling off, heap: it grew by less than `toleranceBytes` between two later checkpoints (the
 * first stretch may still grow while code is optimised and caches fill).
 */
export function levelsOff(middle: MemorySnapshot, last: MemorySnapshot, toleranceBytes: number = MiB): boolean {
  return last.heapUsed - middle.heapUsed < toleranceBytes;
}

/**
 * Levelling off, native memory: RSS outside V8's reserved heap (`rss - heapTotal`: buffers,
 * sockets, the allocator) grew by less than `toleranceBytes`. RSS itself also moves when V8
 * grows its young generation under a high allocation rate (a one-off step of 10-16 MiB of
 * `heapTotal`, not a leak), which is why that part is taken out.
 */
export function nativeLevelsOff(from: MemorySnapshot, to: MemorySnapshot, toleranceBytes: number = 4 * MiB): boolean {
  return to.rss - to.heapTotal - (from.rss - from.heapTotal) < toleranceBytes;
}
