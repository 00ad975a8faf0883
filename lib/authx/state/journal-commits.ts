/**
 * The commit queue of `FileRevocationStore` (internal, not exported by the package): group commit
 * (every change queued while a commit runs shares the next write and `fdatasync`), undo of every
 * change that did not become durable, and the background compaction's switch to the new file
 * (journal-compaction.ts). Each change arrives with its journal line and how to undo it in memory.
 */
import { open, rename, unlink } from 'node:fs/promises';
import { StateUnavailableError } from '../authx-errors.ts';
import { compactionHooks, startCompaction, type CompactionJob, type CompactionResult } from './journal-compaction.ts';
import { JournalAppender, syncDirectory, writeAll } from './journal.ts';

/** Suffix of a compaction's new file beside the journal. */
export const COMPACT_SUFFIX = '.compact';
/** After a failed compaction, wait this long (ms) before the next try. */
const COMPACTION_BACKOFF_MS = 30_000;
/** A compaction starts once the journal holds this many records per live entry (and `compactAfter`). */
const COMPACT_RATIO = 1.25;

/** What {@link JournalCommits} needs to know about its store. */
export interface JournalCommitsInit {
  readonly directory: string;
  readonly path: string;
  readonly appender: JournalAppender;
  /** Records in the journal now. */
  readonly records: number;
  readonly compactAfter: number;
  /** The store's live entries, capacity and clock (for a compaction). */
  readonly size: () => number;
  readonly capacity: () => number;
  readonly clock: () => number;
  /** Told the outcome of every write (for readiness). */
  readonly onWrite: (ok: boolean) => void;
}

/** One change waiting for the disk: its line (none for an answer that changed nothing) and its records. */
interface Pending {
  data: Buffer | undefined;
  records: number;
  undo: () => void;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** A compaction under way: its job, the journal bytes and records it covers, its file, how it ended. */
interface Compaction {
  job: CompactionJob;
  end: number;
  records: number;
  temp: string;
  result?: CompactionResult;
  settled: boolean;
}

/** See the file comment. */
export class JournalCommits {
  readonly #init: JournalCommitsInit;
  /** `undefined` after a compaction's rename until the new file is open (reopened on demand). */
  #appender: JournalAppender | undefined;
  /** Bytes of whole lines in the journal. */
  #end: number;
  /** Records in the journal (what a compaction would shrink). */
  #records: number;
  /** `false` from a compaction's rename until its directory is synced. */
  #directorySynced = true;
  #queue: Pending[] = [];
  #flushing: Promise<void> | undefined;
  #compaction: Compaction | undefined;
  #compactNotBefore = 0;
  #closed = false;
  /** Commits, compactions, failed commits and compactions since open. */
  readonly counts = { commits: 0, compactions: 0, failedCommits: 0, failedCompactions: 0 };

  constructor(init: JournalCommitsInit) {
    this.#init = init;
    this.#appender = init.appender;
    this.#end = init.appender.end;
    this.#records = init.records;
    this.#maybeCompact();
  }

  /**
   * Queues one change: resolves once its line is durable, or undoes it (with every change queued
   * after it, newest first) and rejects with `StateUnavailableError`. A change without a line
   * still waits for the ones before it.
   *
   * @throws Never (failures reject).
   */
  commit(data: Buffer | undefined, records: number, undo: () => void): Promise<void> {
    if (this.#closed) {
      undo();
      return Promise.reject(new StateUnavailableError());
    }
    const promise = new Promise<void>((resolve, reject) => this.#queue.push({ data, records, undo, resolve, reject }));
    this.#flushing ??= this.#flush();
    return promise;
  }

  /** Waits for every queued change. @throws Never. */
  flushed(): Promise<void> {
    return this.#flushing?.catch(() => {}) ?? Promise.resolve();
  }

  /** Waits for the queue, stops a compaction and closes the journal. @throws Never. */
  async close(): Promise<void> {
    await this.flushed();
    this.#closed = true;
    const compaction = this.#compaction;
    this.#compaction = undefined;
    await compaction?.job.cancel();
    await this.#appender?.close();
  }

  /** Commits everything queued, one write and one `fdatasync` per batch, until the queue is empty. */
  async #flush(): Promise<void> {
    // Yield first: a batch with nothing to write would otherwise finish before `#flushing` is set.
    await null;
    try {
      for (;;) {
        if (this.#compaction?.settled === true) await this.#finishCompaction();
        if (this.#queue.length === 0) break;
        const batch = this.#queue;
        this.#queue = [];
        const lines = batch.flatMap((p) => (p.data === undefined ? [] : [p.data]));
        try {
          if (lines.length > 0) {
            const appender = await this.#writable();
            await appender.append(lines.length === 1 ? lines[0]! : Buffer.concat(lines));
            this.#end = appender.end;
            this.counts.commits++;
            for (const p of batch) this.#records += p.records;
            this.#init.onWrite(true);
          }
          for (const p of batch) p.resolve();
        } catch {
          // Not durable (the journal is cut back to its last whole line): undo this batch and
          // every change applied after it, newest first, so nothing answered or visible rests
          // on it and a retry writes again; every one of them is answered 503.
          this.counts.failedCommits++;
          this.#init.onWrite(false);
          const failed = [...batch, ...this.#queue];
          this.#queue = [];
          for (let i = failed.length - 1; i >= 0; i--) failed[i]!.undo();
          for (const p of failed) p.reject(new StateUnavailableError());
        }
        this.#maybeCompact();
      }
    } finally {
      this.#flushing = undefined;
    }
  }

  /** The open journal, its directory synced after a compaction's rename. */
  async #writable(): Promise<JournalAppender> {
    if (!this.#directorySynced) {
      syncDirectory(this.#init.directory);
      this.#directorySynced = true;
    }
    this.#appender ??= await JournalAppender.open(this.#init.path, this.#end);
    return this.#appender;
  }

  /** Starts a background compaction once the journal holds 1.25 records per live entry (and `compactAfter`). */
  #maybeCompact(): void {
    if (this.#compaction !== undefined || this.#closed || performance.now() < this.#compactNotBefore) return;
    if (this.#records < Math.max(this.#init.compactAfter, COMPACT_RATIO * this.#init.size())) return;
    const temp = `${this.#init.path}${COMPACT_SUFFIX}`;
    const job = startCompaction({ path: this.#init.path, end: this.#end, temp, nowMs: this.#init.clock(), maxEntries: this.#init.capacity() });
    const state: Compaction = { job, end: this.#end, records: this.#records, temp, settled: false };
    this.#compaction = state;
    job.done
      .then(
        (result) => (state.result = result),
        () => {},
      )
      .finally(() => {
        state.settled = true;
        if (this.#compaction === state) this.#flushing ??= this.#flush();
      });
  }

  /**
   * Inside the flush (no commit runs meanwhile): appends to the compacted file what was committed
   * since its start, syncs it and renames it over the journal. Any failure before the rename
   * removes the new file, keeps the old journal and retries later.
   */
  async #finishCompaction(): Promise<void> {
    const state = this.#compaction!;
    this.#compaction = undefined;
    const result = state.result;
    const failed = (): void => {
      this.counts.failedCompactions++;
      this.#compactNotBefore = performance.now() + COMPACTION_BACKOFF_MS;
    };
    if (result === undefined) return failed();
    let suffixBytes: number;
    try {
      compactionHooks.afterStep?.('written');
      const appender = await this.#writable();
      suffixBytes = this.#end - state.end;
      const suffix = await appender.readRange(state.end, suffixBytes);
      const handle = await open(state.temp, 'r+');
      try {
        await writeAll(handle, suffix, result.bytes);
        await handle.datasync();
      } finally {
        await handle.close();
      }
      compactionHooks.afterStep?.('appended');
      await rename(state.temp, this.#init.path);
    } catch {
      await unlink(state.temp).catch(() => {});
      return failed();
    }
    compactionHooks.afterStep?.('renamed');
    // The new file is the journal now; the old handle points to an unlinked file.
    const old = this.#appender;
    this.#appender = undefined;
    await old?.close();
    this.#end = result.bytes + suffixBytes;
    this.#records = result.records + (this.#records - state.records);
    this.#directorySynced = false;
    this.counts.compactions++;
    try {
      await this.#writable();
      compactionHooks.afterStep?.('synced');
    } catch {
      // the next commit syncs the directory and opens the journal, or fails with a 503
    }
  }
}
