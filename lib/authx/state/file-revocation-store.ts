/**
 * `FileRevocationStore` (exported by `authx-node`): the revocation model on one machine's disk,
 * with `node:fs` only. State is held in a `MemoryRevocationStore` (lookups stay synchronous) and
 * every change is committed to a journal (journal.ts: write loop, `fdatasync`, CRC per line,
 * cut back on failure) before the write resolves, so a change that was acknowledged survives a
 * SIGKILL or a power cut. Concurrent writes share one commit (group commit). Compaction
 * rewrites the journal with the live entries only, in the background (journal-compaction.ts).
 * Files hold `jti`s, subjects, family ids and claim values: never a token, password or secret.
 */
import { accessSync, constants as fsConstants, mkdirSync } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { StateUnavailableError } from '../authx-errors.ts';
import { lockDirectory } from './data-dir-lock.ts';
import { compactionHooks, startCompaction, writeJournalFile, type CompactionJob, type CompactionResult } from './journal-compaction.ts';
import { checkJournal, repairJournal, type JournalReport, type JournalRepair } from './journal-repair.ts';
import { frameLine, JOURNAL_FILE, JOURNAL_VERSION, JournalAppender, syncDirectory, writeAll } from './journal.ts';
import { readJournal } from './journal-reader.ts';
import { MemoryRevocationStore, parseStateRecord, type StateRecord } from './memory-revocation-store.ts';
import type { Owner, Retirement, RetireResult, RevocationCheck, RevocationStore, RevokeResult } from './revocation.ts';

export { DirectoryInUseError } from './data-dir-lock.ts';
export { JournalError } from './journal.ts';
export type { JournalDamage } from './journal-reader.ts';
export type { JournalReport, JournalRepair } from './journal-repair.ts';

/** Options of {@link FileRevocationStore.open}. */
export interface FileRevocationStoreOptions {
  /** The directory (created if missing). One process owns it at a time (lock file with its pid). */
  directory: string;
  /** Most live entries; default 100000 (see `MemoryRevocationStore`). */
  maxEntries?: number;
  /** Most live entries of one subject; default 1000 (see `MemoryRevocationStore`). */
  maxEntriesPerSubject?: number;
  /** Clock in milliseconds; default `Date.now`. */
  clock?: () => number;
  /** Journal lines before a compaction (at least twice the live entries); default 10000. */
  compactAfter?: number;
}

/** What {@link FileRevocationStore.stats} reports (for metrics). */
export interface FileRevocationStoreStats {
  /** Live entries held. */
  readonly entries: number;
  /** `maxEntries`. */
  readonly capacity: number;
  /** Failed writes since open, by kind: journal commits, compactions, readiness probes. */
  readonly failedWrites: { readonly commit: number; readonly compaction: number; readonly probe: number };
  /** Bytes of a torn last write cut off the journal at open (a crash mid-write); 0 when none. */
  readonly tornBytesAtOpen: number;
  /** Journal commits since open: each is one write and one `fdatasync` (a batch of concurrent changes shares one). */
  readonly commits: number;
  /** Compactions completed since open. */
  readonly compactions: number;
}

const OPTION_NAMES = new Set(['directory', 'maxEntries', 'maxEntriesPerSubject', 'clock', 'compactAfter']);
const COMPACT_SUFFIX = '.compact';
const PROBE_FILE = 'probe.tmp';
/** Readiness probes are at most this often (ms); one in flight is shared. */
const PROBE_INTERVAL_MS = 1_000;
/** After a failed compaction, wait this long (ms) before the next try. */
const COMPACTION_BACKOFF_MS = 30_000;

/** A compaction under way: its job, the journal offset it covers, its file, and how it ended. */
interface Compaction {
  job: CompactionJob;
  end: number;
  temp: string;
  result?: CompactionResult;
  settled: boolean;
}

/** One transaction waiting for the disk: its line (none for an answer that changed nothing), how to undo it. */
interface Pending {
  data: Buffer | undefined;
  undo: () => void;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * A durable revocation store in a directory. Open it with {@link FileRevocationStore.open};
 * close it on shutdown to release the directory.
 *
 * @example
 * const store = await FileRevocationStore.open({ directory: './data' })
 * const auth = new AuthX({ secretKey, revocationStore: store })
 */
export class FileRevocationStore implements RevocationStore {
  readonly #memory: MemoryRevocationStore;
  readonly #directory: string;
  readonly #path: string;
  readonly #compactAfter: number;
  readonly #clock: () => number;
  readonly #release: () => void;
  /** `undefined` after a compaction's rename until the new file is open (reopened on demand). */
  #appender: JournalAppender | undefined;
  /** Bytes of whole lines in the journal. */
  #end: number;
  /** Lines in the journal (what a compaction would shrink). */
  #lines: number;
  /** `false` from a compaction's rename until its directory is synced. */
  #directorySynced = true;
  #queue: Pending[] = [];
  #flushing: Promise<void> | undefined;
  #compaction: Compaction | undefined;
  #compactNotBefore = 0;
  #closed = false;
  #writesOk = true;
  #lastProbe = Number.NEGATIVE_INFINITY;
  #probing: Promise<void> | undefined;
  readonly #failed = { commit: 0, compaction: 0, probe: 0 };
  readonly #tornBytesAtOpen: number;
  #commits = 0;
  #compactions = 0;

  private constructor(init: { memory: MemoryRevocationStore; directory: string; appender: JournalAppender; release: () => void; compactAfter: number; clock: () => number; lines: number; tornBytes: number }) {
    this.#memory = init.memory;
    this.#directory = init.directory;
    this.#path = join(init.directory, JOURNAL_FILE);
    this.#appender = init.appender;
    this.#end = init.appender.end;
    this.#release = init.release;
    this.#compactAfter = init.compactAfter;
    this.#clock = init.clock;
    this.#lines = init.lines;
    this.#tornBytesAtOpen = init.tornBytes;
  }

  /**
   * Creates the directory if needed, locks it, replays the journal (cutting off a torn last
   * write) and opens it for appending. A journal without a header (none yet, or format 1) is
   * written afresh first.
   *
   * @throws {TypeError | RangeError} When an option is invalid or unknown.
   * @throws {DirectoryInUseError} `ERR_STATE_DIR_IN_USE` when a live process owns the directory.
   * @throws {JournalError} `ERR_STATE_JOURNAL_DAMAGED` (with the file, the byte offset and how to
   *   repair) or `ERR_STATE_JOURNAL_VERSION` (a newer format).
   * @throws {Error} With the `fs` error `code` (`EACCES`, `ENOTDIR`, `EROFS`, `ENOSPC`, ...) when
   *   the directory cannot be created, written or read. Messages name the directory only.
   */
  static async open(options: FileRevocationStoreOptions): Promise<FileRevocationStore> {
    if (typeof options !== 'object' || options === null) throw new TypeError('FileRevocationStore options must be an object');
    for (const name of Object.keys(options)) if (!OPTION_NAMES.has(name)) throw new TypeError(`unknown FileRevocationStore option "${name}"`);
    const { directory, compactAfter = 10_000, clock = Date.now } = options;
    if (typeof directory !== 'string' || directory === '') throw new TypeError('directory must be a non-empty string');
    if (!Number.isSafeInteger(compactAfter) || compactAfter < 1) throw new RangeError('compactAfter must be a positive integer');
    const memory = new MemoryRevocationStore({
      ...(options.maxEntries === undefined ? {} : { maxEntries: options.maxEntries }),
      ...(options.maxEntriesPerSubject === undefined ? {} : { maxEntriesPerSubject: options.maxEntriesPerSubject }),
      ...(options.clock === undefined ? {} : { clock: options.clock }),
    });
    mkdirSync(directory, { recursive: true, mode: 0o700 });
    accessSync(directory, fsConstants.W_OK | fsConstants.R_OK);
    const release = lockDirectory(directory);
    try {
      const path = join(directory, JOURNAL_FILE);
      // A compaction killed before its rename left its file: the journal is still the truth.
      for (const stale of [`${path}${COMPACT_SUFFIX}`, `${path}.tmp`, join(directory, PROBE_FILE)]) await unlink(stale).catch(() => {});
      const scan = await readJournal(path, {
        mode: 'replay',
        parse: parseStateRecord,
        onLine: (records) => {
          for (const record of records) memory.applyRecord(record);
        },
      });
      // A store smaller than its journal (maxEntries lowered) folds the heaviest subjects.
      const fitted = memory.transact(() => memory.fitCapacity());
      let { validEnd: end, lines } = scan;
      if (scan.validEnd === 0 || scan.version !== JOURNAL_VERSION) {
        // No journal yet, a torn header, or format 1: write the state as a fresh format-2 file.
        memory.sweep();
        ({ bytes: end, lines } = await replaceJournal(directory, memory.exportRecords()));
      }
      const appender = await JournalAppender.open(path, end);
      if (scan.validEnd !== 0 && scan.version === JOURNAL_VERSION && fitted.records.length > 0) {
        await appender.append(frameLine(fitted.records));
        lines++;
      }
      const store = new FileRevocationStore({ memory, directory, appender, release, compactAfter, clock, lines, tornBytes: scan.tornBytes });
      store.#maybeCompact();
      return store;
    } catch (error) {
      release();
      throw error;
    }
  }

  /**
   * Reads the journal in `directory` and reports its damaged lines (read-only; no lock taken).
   *
   * @example const report = await FileRevocationStore.check('./data') // report.damage.length === 0
   * @throws {JournalError} For a journal of a newer format. @throws {Error} With the `fs` error code.
   */
  static check(directory: string): Promise<JournalReport> {
    return checkJournal(directory);
  }

  /**
   * Rewrites the journal in `directory` with every line that reads back whole, keeping the old
   * file as `revocations.journal.damaged-<time>`; takes the directory's lock (no server may run).
   *
   * @example const { repaired, damage, backup } = await FileRevocationStore.repair('./data')
   * @throws {DirectoryInUseError} When a live process owns the directory.
   * @throws {JournalError} For a journal of a newer format. @throws {Error} With the `fs` error code.
   */
  static repair(directory: string): Promise<JournalRepair> {
    return repairJournal(directory);
  }

  /** The directory this store owns. */
  get directory(): string {
    return this.#directory;
  }

  /** Live entries held (see `MemoryRevocationStore#size`). */
  get size(): number {
    return this.#memory.size;
  }

  /** Entries, capacity and failed writes, for metrics. */
  get stats(): FileRevocationStoreStats {
    return {
      entries: this.#memory.size,
      capacity: this.#memory.capacity,
      failedWrites: { ...this.#failed },
      tornBytesAtOpen: this.#tornBytesAtOpen,
      commits: this.#commits,
      compactions: this.#compactions,
    };
  }

  /**
   * Synchronous: the state is in memory.
   *
   * @example store.isRevoked({ jti, sub, issuedAtMs, fid: undefined })
   * @throws Never.
   */
  isRevoked(check: RevocationCheck): boolean {
    return this.#memory.isRevoked(check);
  }

  /**
   * Resolves once the revocation is on disk; a write that fails is undone in memory first (with
   * every write applied after it), so nothing rests on it and a retry writes again.
   *
   * @example await store.revoke(payload.jti, payload.exp, owner)
   * @throws {TypeError | RevocationStoreFullError} As `MemoryRevocationStore#revoke`.
   * @throws {StateUnavailableError} When the journal cannot be written (503).
   */
  revoke(jti: string, expiresAt: number, owner: Owner): Promise<RevokeResult> {
    return this.#durably(() => this.#memory.revoke(jti, expiresAt, owner));
  }

  /**
   * @example await store.revokeSubject("user1", Date.now(), exp)
   * @throws {TypeError | RevocationStoreFullError | StateUnavailableError} As {@link revoke}.
   */
  async revokeSubject(subject: string, cutoffMs: number, expiresAt: number): Promise<void> {
    await this.#durably(() => this.#memory.revokeSubject(subject, cutoffMs, expiresAt));
  }

  /**
   * @example await store.revokeFamily(fid, exp, owner)
   * @throws {TypeError | RevocationStoreFullError | StateUnavailableError} As {@link revoke}.
   */
  revokeFamily(fid: string, expiresAt: number, owner: Owner): Promise<RevokeResult> {
    return this.#durably(() => this.#memory.revokeFamily(fid, expiresAt, owner));
  }

  /**
   * Claim and mark in one journal line (one commit, one `fdatasync`). Atomic within the process
   * (the memory decides synchronously); every answer, a lost race's included, waits for the
   * journal, so no caller acts on a state a crash could undo.
   *
   * @example const found = await store.retire(retirement)
   * @throws {TypeError | RevocationStoreFullError | StateUnavailableError} As {@link revoke}.
   */
  retire(retirement: Retirement): Promise<RetireResult> {
    return this.#durably(() => this.#memory.retire(retirement));
  }

  /**
   * Whether the store can take writes: open, below its capacity, and its last write (a journal
   * commit or a write probe: a small file written and `fdatasync`ed in the directory, at most
   * once a second) succeeded. A probe older than a second is redone before answering.
   *
   * @example if (!(await store.isReady())) answer503()
   * @throws Never.
   */
  async isReady(): Promise<boolean> {
    if (this.#closed) return false;
    if (performance.now() - this.#lastProbe >= PROBE_INTERVAL_MS) {
      this.#probing ??= this.#probe().finally(() => {
        this.#probing = undefined;
      });
      await this.#probing;
    }
    return !this.#closed && this.#writesOk && this.#memory.size < this.#memory.capacity;
  }

  /**
   * Waits for pending writes, stops a compaction, closes the journal and releases the lock.
   *
   * @example await store.close()
   * @throws Never.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    await this.#flushed().catch(() => {});
    this.#closed = true;
    const compaction = this.#compaction;
    this.#compaction = undefined;
    await compaction?.job.cancel();
    await this.#appender?.close();
    this.#release();
  }

  async #probe(): Promise<void> {
    try {
      // A new block each time (written, synced, removed): rewriting one kept in place would
      // succeed on a full disk.
      const path = join(this.#directory, PROBE_FILE);
      const handle = await open(path, 'w', 0o600);
      try {
        await writeAll(handle, PROBE_BYTES, 0);
        await handle.datasync();
      } finally {
        await handle.close();
        await unlink(path).catch(() => {});
      }
      this.#writesOk = true;
    } catch {
      this.#failed.probe++;
      this.#writesOk = false;
    } finally {
      this.#lastProbe = performance.now();
    }
  }

  /**
   * Runs one memory transaction and resolves once its records are committed. An answer that
   * changed nothing still waits for what is queued before it: it may have read a change not yet
   * on disk.
   */
  #durably<T>(fn: () => T): Promise<T> {
    if (this.#closed) return Promise.reject(new StateUnavailableError());
    const t = this.#memory.transact(fn);
    const data = t.records.length === 0 ? undefined : frameLine(t.records);
    const promise = new Promise<void>((resolve, reject) => this.#queue.push({ data, undo: t.undo, resolve, reject }));
    this.#flushing ??= this.#flush();
    return promise.then(() => t.value);
  }

  #flushed(): Promise<void> {
    return this.#flushing?.catch(() => {}) ?? Promise.resolve();
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
            this.#commits++;
            this.#lines += lines.length;
            this.#writesOk = true;
          }
          for (const p of batch) p.resolve();
        } catch {
          // Not durable (the journal is cut back to its last whole line): undo this batch and
          // every transaction applied after it, newest first, so nothing answered or visible
          // rests on it and a retry writes again; every one of them is answered 503.
          this.#failed.commit++;
          this.#writesOk = false;
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
      syncDirectory(this.#directory);
      this.#directorySynced = true;
    }
    this.#appender ??= await JournalAppender.open(this.#path, this.#end);
    return this.#appender;
  }

  /** Starts a background compaction when the journal holds twice the live entries (and `compactAfter` lines). */
  #maybeCompact(): void {
    if (this.#compaction !== undefined || this.#closed || performance.now() < this.#compactNotBefore) return;
    if (this.#lines < Math.max(this.#compactAfter, 2 * this.#memory.size)) return;
    const temp = `${this.#path}${COMPACT_SUFFIX}`;
    const end = this.#end;
    const job = startCompaction({ path: this.#path, end, temp, nowMs: this.#clock(), maxEntries: this.#memory.capacity });
    const state: Compaction = { job, end, temp, settled: false };
    this.#compaction = state;
    job.done.then(
      (result) => (state.result = result),
      () => {},
    ).finally(() => {
      state.settled = true;
      if (this.#compaction === state) this.#flushing ??= this.#flush();
    });
  }

  /**
   * Inside the flush (no commit runs meanwhile): appends to the compacted file what was committed
   * since its start, syncs it and renames it over the journal. Any failure before the rename
   * leaves the old journal in place and retries later.
   */
  async #finishCompaction(): Promise<void> {
    const state = this.#compaction!;
    this.#compaction = undefined;
    const result = state.result;
    const failed = (): void => {
      this.#failed.compaction++;
      this.#compactNotBefore = performance.now() + COMPACTION_BACKOFF_MS;
    };
    if (result === undefined) return failed();
    let suffixLines: number;
    let suffixBytes: number;
    try {
      compactionHooks.afterStep?.('written');
      const appender = await this.#writable();
      suffixBytes = this.#end - state.end;
      const suffix = await appender.readRange(state.end, suffixBytes);
      suffixLines = countLines(suffix);
      const handle = await open(state.temp, 'r+');
      try {
        await writeAll(handle, suffix, result.bytes);
        await handle.datasync();
      } finally {
        await handle.close();
      }
      compactionHooks.afterStep?.('appended');
      await rename(state.temp, this.#path);
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
    this.#lines = result.lines + suffixLines;
    this.#directorySynced = false;
    this.#compactions++;
    try {
      await this.#writable();
      compactionHooks.afterStep?.('synced');
    } catch {
      // the next commit syncs the directory and opens the journal, or fails with a 503
    }
  }
}

const PROBE_BYTES = Buffer.alloc(4096, 0x2e);

function countLines(data: Buffer): number {
  let lines = 0;
  for (let i = data.indexOf(0x0a); i !== -1; i = data.indexOf(0x0a, i + 1)) lines++;
  return lines;
}

/** Writes `records` as the directory's journal: a full, synced file renamed over it, then the directory synced. */
async function replaceJournal(directory: string, records: readonly StateRecord[]): Promise<CompactionResult> {
  const path = join(directory, JOURNAL_FILE);
  const temp = `${path}${COMPACT_SUFFIX}`;
  const result = await writeJournalFile(temp, records);
  try {
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => {});
    throw error;
  }
  syncDirectory(directory);
  return result;
}
