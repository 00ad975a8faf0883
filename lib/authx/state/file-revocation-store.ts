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
import { MemoryRevocationStore, type StateRecord } from './memory-revocation-store.ts';
import type { RevocationCheck, RevocationStore, RevokeResult, SubjectBound } from './revocation.ts';

export { DirectoryInUseError } from './data-dir-lock.ts';

/** Options of {@link FileRevocationStore.open}. */
export interface FileRevocationStoreOptions {
  /** The directory (created if missing). One process owns it at a time (lock file with its pid). */
  directory: string;
  /** Most live entries; default 100000 (see `MemoryRevocationStore`). */
  maxEntries?: number;
  /** Clock in milliseconds; default `Date.now`. */
  clock?: () => number;
  /** Journal lines appended before a compaction (at least twice the live entries); default 10000. */
  compactAfter?: number;
}

const OPTION_NAMES = new Set(['directory', 'maxEntries', 'clock', 'compactAfter']);
const JOURNAL = 'revocations.journal';

interface Pending {
  line: string;
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
   * Resolves once the revocation is on disk.
   *
   * @example await store.revoke(payload.jti, payload.exp)
   * @throws {TypeError | RevocationStoreFullError} As `MemoryRevocationStore#revoke`.
   * @throws {StateUnavailableError} When the journal cannot be written (503).
   */
  async revoke(jti: string, expiresAt: number, bound?: SubjectBound): Promise<RevokeResult> {
    const result = this.#memory.revoke(jti, expiresAt, bound);
    if (result === 'token') await this.#append(['j', jti, expiresAt, bound?.subject ?? null]);
    else if (bound !== undefined) await this.#append(['s', bound.subject, bound.cutoffMs, bound.cutoffExpiresAt]);
    return result;
  }

  /**
   * @example await store.revokeSubject("user1", Date.now(), exp)
   * @throws {TypeError | RevocationStoreFullError | StateUnavailableError} As {@link revoke}.
   */
  async revokeSubject(subject: string, cutoffMs: number, expiresAt: number): Promise<void> {
    this.#memory.revokeSubject(subject, cutoffMs, expiresAt);
    await this.#append(['s', subject, cutoffMs, expiresAt]);
  }

  /**
   * @example await store.revokeFamily(fid, exp)
   * @throws {TypeError | RevocationStoreFullError | StateUnavailableError} As {@link revoke}.
   */
  async revokeFamily(fid: string, expiresAt: number, bound?: SubjectBound): Promise<RevokeResult> {
    const result = this.#memory.revokeFamily(fid, expiresAt, bound);
    if (result === 'token') await this.#append(['f', fid, expiresAt, bound?.subject ?? null]);
    else if (bound !== undefined) await this.#append(['s', bound.subject, bound.cutoffMs, bound.cutoffExpiresAt]);
    return result;
  }

  /**
   * Atomic within the process (the memory map decides synchronously); a winner's `null` and a
   * loser's answer both wait for the journal, so neither acts on a claim a crash could undo.
   *
   * @example const previous = await store.claim(key, value, exp)
   * @throws {TypeError | RevocationStoreFullError | StateUnavailableError} As {@link revoke}.
   */
  async claim(key: string, value: string, expiresAt: number): Promise<string | null> {
    const known = this.#memory.claim(key, value, expiresAt);
    if (known === null) await this.#append(['c', key, value, expiresAt]);
    else await this.#flushed();
    return known;
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

  #append(record: StateRecord): Promise<void> {
    if (this.#closed) return Promise.reject(new StateUnavailableError());
    const promise = new Promise<void>((resolve, reject) => this.#queue.push({ line: `${JSON.stringify(record)}\n`, resolve, reject }));
    this.#flushing ??= this.#flush();
    return promise;
  }

  #flushed(): Promise<void> {
    return this.#flushing ?? Promise.resolve();
  }

  /** Writes everything queued, one write and one fsync per batch, until the queue is empty. */
  async #flush(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue;
        this.#queue = [];
        try {
          await this.#journal.write(batch.map((p) => p.line).join(''));
          await this.#journal.datasync();
          this.#lines += batch.length;
          for (const p of batch) p.resolve();
        } catch {
          // The change is in memory (revocations only ever refuse more); the caller gets a 503.
          for (const p of batch) p.reject(new StateUnavailableError());
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
    if (isRecord(record)) memory.applyRecord(record);
  }
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

function isRecord(value: unknown): value is StateRecord {
  if (!Array.isArray(value)) return false;
  const [kind, a, b, c] = value as unknown[];
  const str = (v: unknown): boolean => typeof v === 'string' && v !== '';
  const num = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v);
  switch (kind) {
    case 'j':
      return value.length === 4 && str(a) && num(b) && (c === null || str(c));
    case 's':
      return value.length === 4 && str(a) && num(b) && num(c);
    case 'f':
      return (value.length === 3 || value.length === 4) && str(a) && num(b) && (c === undefined || c === null || str(c));
    case 'c':
      return value.length === 4 && str(a) && typeof b === 'string' && num(c);
    default:
      return false;
  }
}
