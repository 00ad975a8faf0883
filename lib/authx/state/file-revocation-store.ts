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
import { writeJournalFile, type CompactionResult } from './journal-compaction.ts';
import { COMPACT_SUFFIX, JournalCommits } from './journal-commits.ts';
import { checkJournal, repairJournal, type JournalReport, type JournalRepair } from './journal-repair.ts';
import { frameLine, JOURNAL_FILE, JOURNAL_VERSION, JournalAppender, syncDirectory, writeAll } from './journal.ts';
import { readJournal } from './journal-reader.ts';
import { MemoryRevocationStore, type StateRecord } from './memory-revocation-store.ts';
import type { Owner, Retirement, RetireResult, RevocationCheck, RevocationStore, RevokeResult, SessionRecord } from './revocation.ts';

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
  /** Journal records before a compaction (at least 1.25 per live entry); default 10000. */
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
const PROBE_FILE = 'probe.tmp';
/** Readiness probes are at most this often (ms); one in flight is shared. */
const PROBE_INTERVAL_MS = 1_000;

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
  readonly #release: () => void;
  readonly #commits: JournalCommits;
  readonly #tornBytesAtOpen: number;
  #closed = false;
  #writesOk = true;
  #lastProbe = Number.NEGATIVE_INFINITY;
  #probing: Promise<void> | undefined;
  #failedProbes = 0;

  private constructor(init: { memory: MemoryRevocationStore; directory: string; appender: JournalAppender; records: number; release: () => void; compactAfter: number; clock: () => number; tornBytes: number }) {
    this.#memory = init.memory;
    this.#directory = init.directory;
    this.#release = init.release;
    this.#tornBytesAtOpen = init.tornBytes;
    const memory = init.memory;
    this.#commits = new JournalCommits({
      directory: init.directory,
      path: join(init.directory, JOURNAL_FILE),
      appender: init.appender,
      records: init.records,
      compactAfter: init.compactAfter,
      size: () => memory.size,
      capacity: () => memory.capacity,
      clock: init.clock,
      onWrite: (ok) => (this.#writesOk = ok),
    });
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
      const replay = memory.replayer();
      const scan = await readJournal(path, {
        mode: 'replay',
        // applyRecords checks a line's records before it applies them (a TypeError marks the line unreadable).
        parse: (value) => (Array.isArray(value) ? (value as unknown[]) : null),
        onLine: replay,
      });
      // A store smaller than its journal (maxEntries lowered) folds the heaviest subjects.
      const fitted = memory.transact(() => memory.fitCapacity());
      let { validEnd: end, records } = scan;
      const fresh = scan.validEnd === 0 || scan.version !== JOURNAL_VERSION;
      if (fresh) {
        // No journal yet, a torn header, or format 1: write the state as a fresh format-2 file.
        memory.sweep();
        ({ bytes: end, records } = await replaceJournal(directory, memory.exportRecords()));
      }
      const appender = await JournalAppender.open(path, end);
      // A last line that only lost its newline goes back, terminated, where it was.
      if (!fresh && scan.recoveredLine !== undefined) {
        await appender.append(scan.recoveredLine);
      }
      if (!fresh && fitted.records.length > 0) {
        await appender.append(frameLine(fitted.records));
        records += fitted.records.length;
      }
      return new FileRevocationStore({ memory, directory, appender, records, release, compactAfter, clock, tornBytes: scan.tornBytes });
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

  /** Entries, capacity, commits and failed writes, for metrics. */
  get stats(): FileRevocationStoreStats {
    const counts = this.#commits.counts;
    return {
      entries: this.#memory.size,
      capacity: this.#memory.capacity,
      failedWrites: { commit: counts.failedCommits, compaction: counts.failedCompactions, probe: this.#failedProbes },
      tornBytesAtOpen: this.#tornBytesAtOpen,
      commits: counts.commits,
      compactions: counts.compactions,
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
   * Resolves once the session record is on disk.
   *
   * @example await store.recordSession(session)
   * @throws {TypeError | RevocationStoreFullError | StateUnavailableError} As {@link revoke}.
   */
  recordSession(session: SessionRecord): Promise<number> {
    return this.#durably(() => this.#memory.recordSession(session));
  }

  /**
   * Synchronous: the state is in memory.
   *
   * @example store.listSessions("user1")
   * @throws Never.
   */
  listSessions(subject: string): SessionRecord[] {
    return this.#memory.listSessions(subject);
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
    this.#closed = true;
    await this.#commits.close();
    this.#release();
  }

  /** Runs one memory transaction and resolves with its answer once its records are committed. */
  #durably<T>(fn: () => T): Promise<T> {
    if (this.#closed) return Promise.reject(new StateUnavailableError());
    const t = this.#memory.transact(fn);
    const data = t.records.length === 0 ? undefined : frameLine(t.records);
    return this.#commits.commit(data, t.records.length, t.undo).then(() => t.value);
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
      this.#failedProbes++;
      this.#writesOk = false;
    } finally {
      this.#lastProbe = performance.now();
    }
  }
}

const PROBE_BYTES = Buffer.alloc(4096, 0x2e);

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
