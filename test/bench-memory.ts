/**
 * Memory figures for `npm run bench`: heap and RSS after a full garbage collection, taken at
 * checkpoints, so a leak shows as a line that keeps climbing instead of levelling off.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { markdownTable } from './bench-stats.ts';

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
  rss: number;
}

/** Collects garbage (twice: weak references and finalisers need a second pass) and reads memory. */
export function snapshot(label: string): MemorySnapshot {
  collect();
  collect();
  const { heapUsed, rss } = process.memoryUsage();
  return { label, heapUsed, rss };
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
    ['checkpoint', 'heap used MiB', 'heap vs first', 'RSS MiB', 'RSS vs first'],
    snapshots.map((s) => [s.label, mib(s.heapUsed), signedMib(s.heapUsed - first.heapUsed), mib(s.rss), signedMib(s.rss - first.rss)]),
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
 * Levelling off, RSS: it grew by less than `toleranceBytes` over the last stretch. RSS moves in
 * steps (the allocator maps and keeps whole arenas), so a step earlier on is not a leak; a leak
 * keeps climbing to the end.
 */
export function rssLevelsOff(previous: MemorySnapshot, last: MemorySnapshot, toleranceBytes: number = 4 * MiB): boolean {
  return last.rss - previous.rss < toleranceBytes;
}
