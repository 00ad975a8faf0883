/**
 * Compaction of a `FileRevocationStore` journal (internal, not exported by the package): the
 * journal up to a given byte is replayed into a fresh memory store and its live entries written
 * to a new file, which is written fully (a write loop), `fdatasync`ed and closed before anyone
 * renames it over the journal. A large journal is compacted in a worker thread, so the server's
 * event loop never waits for it (docs/performance.md). The store then appends what was committed
 * meanwhile and renames (file-revocation-store.ts); any failure leaves the old journal in place.
 */
import { unlink } from 'node:fs/promises';
import { constants, setPriority } from 'node:os';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { MemoryRevocationStore, type StateRecord } from './memory-revocation-store.ts';
import { frameLine, JOURNAL_HEADER, writeAll, writeNewFile } from './journal.ts';
import { readJournal } from './journal-reader.ts';

/** What to compact. */
export interface CompactionRequest {
  /** The journal. */
  readonly path: string;
  /** Its bytes up to here (a line boundary, already durable) are compacted. */
  readonly end: number;
  /** The new file, written beside the journal. */
  readonly temp: string;
  /** The store's clock at the start (entries expired by then are dropped). */
  readonly nowMs: number;
  /** The store's `maxEntries`. */
  readonly maxEntries: number;
}

/** The new file as written. */
export interface CompactionResult {
  /** Its size in bytes. */
  readonly bytes: number;
  /** Its lines after the header. */
  readonly lines: number;
  /** The records in them. */
  readonly records: number;
}

/** A compaction under way. */
export interface CompactionJob {
  readonly done: Promise<CompactionResult>;
  /** Stops it (the worker, if any) and removes its file. */
  cancel(): Promise<void>;
}

/** Records per line of a compacted journal: fewer, larger lines parse faster; a damaged line loses at most this many. */
export const RECORDS_PER_LINE = 32;
/** Journals longer than this are compacted in a worker thread. */
export const IN_THREAD_LIMIT: number = 4 * 1024 * 1024;
const WRITE_CHUNK = 256 * 1024;

/**
 * Test hooks: called after each step of a compaction's commit (journal-commits.ts); the in-thread
 * limit to use instead of {@link IN_THREAD_LIMIT}; the worker's `execArgv` instead of this process's.
 */
export const compactionHooks: { afterStep?: (step: CompactionStep) => void; inThreadLimit?: number; workerExecArgv?: string[] } = {};

/** The steps of a compaction's commit, in order. */
export type CompactionStep = 'written' | 'appended' | 'renamed' | 'synced';

/**
 * Replays `request.path` up to `request.end` and writes its live entries to `request.temp`
 * (fully, synced, closed). The file is removed again on any failure.
 *
 * @throws {Error} The `fs` error, or the journal's `JournalError`.
 */
export async function writeCompacted(request: CompactionRequest): Promise<CompactionResult> {
  const memory = new MemoryRevocationStore({ maxEntries: request.maxEntries, clock: () => request.nowMs });
  const replay = memory.replayer();
  await readJournal(request.path, {
    mode: 'replay',
    end: request.end,
    // applyRecords checks a line's records before it applies them (a TypeError marks the line unreadable).
    parse: (value) => (Array.isArray(value) ? (value as unknown[]) : null),
    onLine: replay,
  });
  return writeJournalFile(request.temp, memory.exportRecords());
}

/**
 * Writes a fresh journal file holding `records`: header, then lines of {@link RECORDS_PER_LINE}
 * records, in chunks, yielding between them; then `fdatasync` and close. Removed on failure.
 *
 * @throws {Error} The `fs` error (`ENOSPC`, `EIO`, ...).
 */
export async function writeJournalFile(path: string, records: readonly StateRecord[]): Promise<CompactionResult> {
  return writeNewFile(path, async (handle) => {
    let position = 0;
    let lines = 0;
    let chunk: Buffer[] = [Buffer.from(JOURNAL_HEADER, 'latin1')];
    let chunkBytes = chunk[0]!.length;
    for (let i = 0; i < records.length; i += RECORDS_PER_LINE) {
      const line = frameLine(records.slice(i, i + RECORDS_PER_LINE));
      chunk.push(line);
      chunkBytes += line.length;
      lines++;
      if (chunkBytes >= WRITE_CHUNK) {
        await writeAll(handle, Buffer.concat(chunk, chunkBytes), position);
        position += chunkBytes;
        chunk = [];
        chunkBytes = 0;
      }
    }
    await writeAll(handle, Buffer.concat(chunk, chunkBytes), position);
    position += chunkBytes;
    return { bytes: position, lines, records: records.length };
  });
}

/**
 * Starts a compaction: in this thread for a journal of up to {@link IN_THREAD_LIMIT} bytes, else
 * in a worker thread.
 *
 * @throws Never (failures reject `done`).
 */
export function startCompaction(request: CompactionRequest): CompactionJob {
  if (request.end <= (compactionHooks.inThreadLimit ?? IN_THREAD_LIMIT)) {
    const done = writeCompacted(request);
    return { done, cancel: () => done.then(() => unlink(request.temp), () => {}).catch(() => {}) };
  }
  let cancelled = false;
  let worker: Worker | undefined;
  const done = new Promise<CompactionResult>((resolve, reject) => {
    try {
      // The worker runs this very file (.ts under tsx or type stripping, .js when built).
      const execArgv = compactionHooks.workerExecArgv;
      worker = new Worker(new URL(import.meta.url), { workerData: { authxCompaction: request }, ...(execArgv === undefined ? {} : { execArgv }) });
    } catch (error) {
      reject(error);
      return;
    }
    let answered = false;
    let fallingBack = false;
    worker.once('message', (message: { result?: CompactionResult; error?: { message: string; code?: unknown } }) => {
      answered = true;
      if (message.result !== undefined) resolve(message.result);
      else reject(Object.assign(new Error(message.error?.message ?? 'compaction failed'), { code: message.error?.code }));
    });
    // A worker that cannot run this file (a loader the process has and its threads do not):
    // compact here rather than never; the event loop then waits for it, once.
    worker.once('error', () => {
      if (answered || cancelled) return;
      fallingBack = true;
      writeCompacted(request).then(resolve, reject);
    });
    worker.once('exit', (code) => {
      if (!answered && !fallingBack) reject(new Error(`compaction worker exited (${code}) without an answer`));
    });
  });
  done.catch(() => {});
  return {
    done,
    cancel: async () => {
      cancelled = true;
      await worker?.terminate();
      await done.catch(() => {});
      await unlink(request.temp).catch(() => {});
    },
  };
}

if (!isMainThread && parentPort !== null && (workerData as { authxCompaction?: unknown } | null)?.authxCompaction !== undefined) {
  const port = parentPort;
  try {
    // Background work: on Linux this lowers only this thread, so on a busy machine the event
    // loop's thread gets a core first (docs/performance.md).
    setPriority(constants.priority.PRIORITY_LOW);
  } catch {
    // not allowed here: compact at the normal priority
  }
  writeCompacted((workerData as { authxCompaction: CompactionRequest }).authxCompaction).then(
    (result) => port.postMessage({ result }),
    (error: unknown) => {
      const { message, code } = error as { message?: unknown; code?: unknown };
      port.postMessage({ error: { message: String(message), code: typeof code === 'string' ? code : undefined } });
    },
  );
}
