/**
 * DATA_DIR at scale for `npm run bench` (issue #22): a journal of a million live revocations
 * (100,000 with BENCH_QUICK=1) in two shapes, as a compaction leaves it (32 records a line) and at
 * its worst, just before the next compaction is due (one commit a line, 1.25 records per live
 * entry). For each: the server's start-up to its first answer on every Node binary (BENCH_NODES
 * adds some), and, in a child process (bench/data-dir-child.ts), the store's open, its heap after
 * a full GC, the longest event-loop stall during the open and during the background compaction,
 * and the commits (`fdatasync`s) a refresh costs.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { frameLine, JOURNAL_FILE, JOURNAL_HEADER } from '../lib/authx/state/journal.ts';
import { createTokenId } from '../lib/authx/tokens/token-id.ts';
import { BENCH_SECRET } from './micro.ts';
import { ROOT, startTarget } from './processes.ts';
import { markdownTable, median } from './stats.ts';

/** The targets. */
export const DATA_DIR_TARGETS: { heapBytes: number; startupMs: number; stallMs: number; commitsPerRefresh: number } = { heapBytes: 200 * 1000 * 1000, startupMs: 3_000, stallMs: 50, commitsPerRefresh: 1 };

/** One journal shape, measured. */
export interface DataDirRow {
  shape: string;
  entries: number;
  records: number;
  journalBytes: number;
  /** Per Node binary: median start-up to the first answer, ms. */
  startup: { node: string; medianMs: number; targeted: boolean }[];
  child: ChildFigures | undefined;
}

/** What bench/data-dir-child.ts prints. */
export interface ChildFigures {
  node: string;
  entries: number;
  openMs: number;
  heapBytes: number;
  rssBytes: number;
  openStallMs: number;
  compactionMs?: number;
  compactionStallMs?: number;
  commitsDuringCompaction: number;
  commitsPerRefresh: number;
}

/** What the phase reports. */
export interface DataDirResult {
  rows: DataDirRow[];
  table: string;
  targets: string[];
  notes: string[];
}

const USERS = 50_000;

/** Writes a journal of `entries` live revocations; `worst`: one commit a line plus a quarter more lines re-revoking. */
function writeJournal(directory: string, entries: number, worst: boolean): { records: number; bytes: number } {
  mkdirSync(directory, { recursive: true });
  const nowMs = Date.now();
  const exp = Math.floor(nowMs / 1000) + 86_400;
  const parts: Buffer[] = [Buffer.from(JOURNAL_HEADER, 'latin1')];
  let records = 0;
  let batch: unknown[] = [];
  const flush = (): void => {
    if (batch.length > 0) parts.push(frameLine(batch));
    batch = [];
  };
  for (let i = 0; i < entries; i++) {
    const record = ['j', createTokenId(nowMs - (i % 1000)), exp, `user${i % USERS}`, nowMs];
    batch.push(record);
    records++;
    if (worst) {
      flush();
      if (i % 4 === 0) {
        parts.push(frameLine([record])); // the same logout committed again: a record, no entry
        records++;
      }
    } else if (batch.length === 32) flush();
  }
  flush();
  const data = Buffer.concat(parts);
  writeFileSync(join(directory, JOURNAL_FILE), data);
  return { records, bytes: data.length };
}

function nodeVersion(node: string): string | undefined {
  const probe = spawnSync(node, ['-p', 'process.version'], { encoding: 'utf8' });
  return probe.status === 0 ? probe.stdout.trim() : undefined;
}

/**
 * Runs the phase: `runs` start-ups per journal shape and Node binary, one child measurement per shape.
 *
 * @throws Never: what fails is reported in `notes`.
 */
export async function dataDirPhase(options: { quick: boolean; runs: number }): Promise<DataDirResult> {
  const entries = options.quick ? 100_000 : 1_000_000;
  const capacity = entries + entries / 10; // room for the commits made during the measurement
  const nodes = [process.execPath, ...(process.env.BENCH_NODES ?? '').split(':').filter((p) => p !== '')];
  const notes: string[] = [];
  const rows: DataDirRow[] = [];
  const home = mkdtempSync(join(tmpdir(), 'authx-bench-datadir-'));
  try {
    for (const [shape, worst] of [
      ['as compacted (32 records a line)', false],
      ['before a compaction (1.25 records an entry, one a line)', true],
    ] as const) {
      const source = join(home, worst ? 'worst' : 'compacted');
      const { records, bytes } = writeJournal(source, entries, worst);
      const row: DataDirRow = { shape, entries, records, journalBytes: bytes, startup: [], child: undefined };
      for (const node of nodes) {
        const version = nodeVersion(node);
        if (version === undefined) continue;
        const strips = Number(/^v(\d+)/.exec(version)?.[1]) >= 23;
        const times: number[] = [];
        for (let i = 0; i < options.runs; i++) {
          const dataDir = join(home, `run-${i}`);
          rmSync(dataDir, { recursive: true, force: true });
          cpSync(source, dataDir, { recursive: true });
          try {
            const target = await startTarget({
              name: `server.ts, DATA_DIR ${shape}`,
              node,
              args: strips ? ['server.ts'] : ['--import', 'tsx', 'server.ts'],
              env: { JWT_SECRET_KEY: BENCH_SECRET, DATA_DIR: dataDir, DATA_DIR_MAX_ENTRIES: String(capacity), SHUTDOWN_DELAY_MS: '0' },
              readyPath: '/',
            });
            times.push(target.startMs);
            await target.stop();
          } catch (error) {
            notes.push(`${version} start-up with ${shape}: ${(error as Error).message.split('\n')[0]}`);
            break;
          }
        }
        if (times.length > 0) row.startup.push({ node: version, medianMs: median(times), targeted: Number(/^v(\d+)/.exec(version)?.[1]) >= 24 });
      }
      row.child = measureInChild(source, home, capacity, nodes, worst, notes);
      rows.push(row);
    }
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
  return { rows, table: tableOf(rows), targets: targetLines(rows), notes };
}

/** Child runs per journal shape; each figure is the median of the runs (a shared machine's load moves single runs). */
const CHILD_RUNS = 3;

/** The child measurement on the newest Node given (Node 24+ when BENCH_NODES has one), median of {@link CHILD_RUNS}. */
function measureInChild(source: string, home: string, capacity: number, nodes: string[], compaction: boolean, notes: string[]): ChildFigures | undefined {
  const node = nodes.at(-1)!;
  const strips = Number(/^v(\d+)/.exec(nodeVersion(node) ?? '')?.[1]) >= 23;
  const runs: ChildFigures[] = [];
  for (let i = 0; i < CHILD_RUNS; i++) {
    const directory = join(home, 'child');
    rmSync(directory, { recursive: true, force: true });
    cpSync(source, directory, { recursive: true });
    const result = spawnSync(node, ['--expose-gc', ...(strips ? [] : ['--import', 'tsx']), join(ROOT, 'bench', 'data-dir-child.ts')], {
      cwd: ROOT,
      env: { ...process.env, NODE_OPTIONS: '', DIRECTORY: directory, CAPACITY: String(capacity), COMPACTION: compaction ? '1' : '0' },
      encoding: 'utf8',
      maxBuffer: 1024 * 1024,
    });
    if (result.status !== 0) {
      notes.push(`child measurement failed: ${result.stderr.trim().split('\n').slice(-3).join(' ')}`);
      return undefined;
    }
    runs.push(JSON.parse(result.stdout.trim().split('\n').at(-1)!) as ChildFigures);
  }
  const mid = (pick: (f: ChildFigures) => number | undefined): number | undefined => {
    const values = runs.map(pick).filter((v): v is number => v !== undefined);
    return values.length === 0 ? undefined : median(values);
  };
  const first = runs[0]!;
  return {
    ...first,
    openMs: mid((f) => f.openMs)!,
    heapBytes: mid((f) => f.heapBytes)!,
    rssBytes: mid((f) => f.rssBytes)!,
    openStallMs: mid((f) => f.openStallMs)!,
    ...(compaction ? { compactionMs: mid((f) => f.compactionMs), compactionStallMs: mid((f) => f.compactionStallMs) } : {}),
    commitsPerRefresh: mid((f) => f.commitsPerRefresh)!,
  } as ChildFigures;
}

const mb = (bytes: number): string => (bytes / 1e6).toFixed(0);

function tableOf(rows: DataDirRow[]): string {
  const nodes = [...new Set(rows.flatMap((r) => r.startup.map((s) => s.node)))];
  return markdownTable(
    ['journal', 'entries', 'records', 'MB', ...nodes.map((n) => `start-up ${n} ms`), 'open ms', 'heap + ArrayBuffers MB', 'RSS MB', 'open stall ms', 'compaction ms', 'compaction stall ms', 'commits a refresh'],
    rows.map((r) => [
      r.shape,
      r.entries.toLocaleString('en-US'),
      r.records.toLocaleString('en-US'),
      mb(r.journalBytes),
      ...nodes.map((n) => r.startup.find((s) => s.node === n)?.medianMs.toFixed(0) ?? '-'),
      r.child === undefined ? '-' : `${r.child.openMs.toFixed(0)} (${r.child.node})`,
      r.child === undefined ? '-' : mb(r.child.heapBytes),
      r.child === undefined ? '-' : mb(r.child.rssBytes),
      r.child === undefined ? '-' : r.child.openStallMs.toFixed(0),
      r.child?.compactionMs === undefined ? '-' : r.child.compactionMs.toFixed(0),
      r.child?.compactionStallMs === undefined ? '-' : r.child.compactionStallMs.toFixed(0),
      r.child === undefined ? '-' : String(r.child.commitsPerRefresh),
    ]),
  );
}

function verdict(met: boolean | undefined, text: string): string {
  return `${met === undefined ? 'n/a ' : met ? 'met ' : 'MISS'}  ${text}`;
}

function targetLines(rows: DataDirRow[]): string[] {
  const lines: string[] = [];
  const t = DATA_DIR_TARGETS;
  for (const row of rows) {
    const c = row.child;
    const n = row.entries.toLocaleString('en-US');
    for (const s of row.startup.filter((x) => x.targeted)) lines.push(verdict(s.medianMs <= t.startupMs, `DATA_DIR start-up to the first answer, ${n} entries ${row.shape}, ${s.node}: ${s.medianMs.toFixed(0)} ms (target <= ${t.startupMs} ms)`));
    if (!row.startup.some((x) => x.targeted)) lines.push(verdict(undefined, `DATA_DIR start-up on Node 24+, ${row.shape}: not measured (BENCH_NODES)`));
    if (c === undefined) continue;
    lines.push(verdict(c.heapBytes <= t.heapBytes, `DATA_DIR heap with ${n} entries (${c.node}, after a full GC, ArrayBuffers included): ${mb(c.heapBytes)} MB (target <= 200 MB)`));
    if (c.compactionStallMs !== undefined) lines.push(verdict(c.compactionStallMs <= t.stallMs, `DATA_DIR longest event-loop stall during a compaction of ${n} entries ${row.shape}: ${c.compactionStallMs.toFixed(0)} ms (target <= ${t.stallMs} ms)`));
    lines.push(verdict(undefined, `DATA_DIR longest event-loop stall during the open (before listening) ${row.shape}: ${c.openStallMs.toFixed(0)} ms`));
  }
  const refresh = rows.find((r) => r.child !== undefined)?.child;
  if (refresh !== undefined) lines.push(verdict(refresh.commitsPerRefresh <= t.commitsPerRefresh, `DATA_DIR commits (fdatasyncs) per refresh: ${refresh.commitsPerRefresh} (target 1)`));
  return lines;
}
