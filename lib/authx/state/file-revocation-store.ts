/**
 * `FileRevocationStore` (exported by `authx-node`): the revocation model on one machine's disk,
 * with `node:fs` only. State is held in a `MemoryRevocationStore` (lookups stay synchronous) and
 * every change is appended to a journal and fsync'd before the write resolves, so a change that
 * was acknowledged survives a SIGKILL or a power cut. Concurrent writes share one fsync (group
 * commit). Compaction rewrites the journal with the live entries only, so the file stays bounded.
 * Files hold `jti`s, subjects, family ids and claim values: never a token, password or secret.
 */
import { mkdirSync, accessSync, constants as fsConstants, openSync, fsyncSync, closeSync } from 'node:fs';
import { open, readFile, rename, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { StateUnavailableError } from '../authx-errors.ts';
import { lockDirectory } from './data-dir-lock.ts';
import { MemoryRevocationStore, parseStateRecord } from './memory-revocation-store.ts';
import type { Owner, Retirement, RetireResult, RevocationCheck, RevocationStore, RevokeResult, SessionRecord } from './revocation.ts';

export { DirectoryInUseError } from './data-dir-lock.ts';

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
  /** Journal lines appended before a compaction (at least twice the live entries); default 10000. */
  compactAfter?: number;
}

const OPTION_NAMES = new Set(['directory', 'maxEntries', 'maxEntriesPerSubject', 'clock', 'compactAfter']);
const JOURNAL = 'revocations.journal';

/** One transaction waiting for the disk: its lines (none for a read that waits), how to undo it. */
interface Pending {
  lines: string;
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
  readonly #compactAfter: number;
  readonly #release: () => void;
  #journal: FileHandle;
  #lines: number;
  #queue: Pending[] = [];
  #flushing: Promise<void> | undefined;
  #closed = false;

  private constructor(memory: MemoryRevocationStore, directory: string, journal: FileHandle, release: () => void, compactAfter: number) {
    this.#memory = memory;
    this.#directory = directory;
    this.#journal = journal;
    this.#release = release;
    this.#compactAfter = compactAfter;
    this.#lines = 0;
  }

  /**
   * Creates the directory if needed, locks it, replays the journal, drops expired entries
   * (compaction) and opens the journal for appending.
   *
   * @throws {TypeError | RangeError} When an option is invalid or unknown.
   * @throws {DirectoryInUseError} `ERR_STATE_DIR_IN_USE` when a live process owns the directory.
   * @throws {Error} With the `fs` error `code` (`EACCES`, `ENOTDIR`, `EROFS`, ...) when the
   *   directory cannot be created, written or read. Messages name the directory only.
   */
  static async open(options: FileRevocationStoreOptions): Promise<FileRevocationStore> {
    if (typeof options !== 'object' || options === null) throw new TypeError('FileRevocationStore options must be an object');
    for (const name of Object.keys(options)) if (!OPTION_NAMES.has(name)) throw new TypeError(`unknown FileRevocationStore option "${name}"`);
    const { directory, compactAfter = 10_000 } = options;
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
      await replay(join(directory, JOURNAL), memory);
      const journal = await compact(directory, memory);
      return new FileRevocationStore(memory, directory, journal, release, compactAfter);
    } catch (error) {
      release();
      throw error;
    }
  }

  /** The directory this store owns. */
  get directory(): string {
    return this.#directory;
  }

  /** Live entries held (see `MemoryRevocationStore#size`). */
  get size(): number {
    return this.#memory.size;
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
   * Resolves once the revocation is on disk; a write that fails is undone in memory first, so
   * a retry writes again.
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
   * Claim and mark in one journal record (one fsync). Atomic within the process (the memory
   * decides synchronously); every answer, a lost race's included, waits for the journal, so no
   * caller acts on a state a crash could undo.
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
  async recordSession(session: SessionRecord): Promise<void> {
    await this.#durably(() => this.#memory.recordSession(session));
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
   * Whether the store can take writes: open, and its directory still writable.
   *
   * @example if (!(await store.isReady())) answer503()
   * @throws Never.
   */
  async isReady(): Promise<boolean> {
    if (this.#closed) return false;
    try {
      accessSync(this.#directory, fsConstants.W_OK);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Waits for pending writes, closes the journal and releases the directory's lock.
   *
   * @example await store.close()
   * @throws Never.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    await this.#flushed().catch(() => {});
    this.#closed = true;
    await this.#journal.close().catch(() => {});
    this.#release();
  }

  /**
   * Runs one memory transaction and resolves once its records are durable. An answer that changed
   * nothing still waits for what is queued before it: it may have read a change not yet on disk.
   */
  #durably<T>(fn: () => T): Promise<T> {
    if (this.#closed) return Promise.reject(new StateUnavailableError());
    const t = this.#memory.transact(fn);
    const lines = t.records.map((r) => `${JSON.stringify(r)}\n`).join('');
    const promise = new Promise<void>((resolve, reject) => this.#queue.push({ lines, undo: t.undo, resolve, reject }));
    this.#flushing ??= this.#flush();
    return promise.then(() => t.value);
  }

  #flushed(): Promise<void> {
    return this.#flushing?.catch(() => {}) ?? Promise.resolve();
  }

  /** Writes everything queued, one write and one fsync per batch, until the queue is empty. */
  async #flush(): Promise<void> {
    // Yield first: a batch with nothing to write would otherwise finish before `#flushing` is set.
    await null;
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue;
        this.#queue = [];
        const text = batch.map((p) => p.lines).join('');
        try {
          if (text !== '') {
            await this.#journal.write(text);
            await this.#journal.datasync();
            this.#lines += batch.length;
          }
          for (const p of batch) p.resolve();
        } catch {
          // Not durable: undo this batch and every transaction applied after it (newest first),
          // so nothing answered or visible rests on it and a retry writes again.
          const failed = [...batch, ...this.#queue];
          this.#queue = [];
          for (let i = failed.length - 1; i >= 0; i--) failed[i]!.undo();
          for (const p of failed) p.reject(new StateUnavailableError());
        }
        if (this.#lines >= Math.max(this.#compactAfter, 2 * this.#memory.size)) {
          try {
            const fresh = await compact(this.#directory, this.#memory);
            await this.#journal.close().catch(() => {});
            this.#journal = fresh;
            this.#lines = 0;
          } catch {
            // Compaction is an optimisation: keep appending to the old journal and retry later.
            this.#lines = 0;
          }
        }
      }
    } finally {
      this.#flushing = undefined;
    }
  }
}

/** Loads every valid journal line; a torn last line (crash mid-write) is skipped. */
async function replay(path: string, memory: MemoryRevocationStore): Promise<void> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  for (const line of text.split('\n')) {
    if (line === '') continue;
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch {
      continue;
    }
    const valid = parseStateRecord(record);
    if (valid !== null) memory.applyRecord(valid);
  }
  memory.fitCapacity();
}

/** Writes the live entries to a new journal, fsyncs it and renames it over the old one. */
async function compact(directory: string, memory: MemoryRevocationStore): Promise<FileHandle> {
  memory.sweep();
  const path = join(directory, JOURNAL);
  const temp = `${path}.tmp`;
  const handle = await open(temp, 'w', 0o600);
  try {
    await handle.write(memory.exportRecords().map((r) => `${JSON.stringify(r)}\n`).join(''));
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, path);
  syncDirectory(directory); // the rename itself must survive a power cut
  return open(path, 'a', 0o600);
}

function syncDirectory(directory: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(directory, 'r');
    fsyncSync(fd);
  } catch {
    // Some platforms cannot fsync a directory; the rename is still atomic there.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
