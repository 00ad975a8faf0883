/**
 * The journal file of `FileRevocationStore` (internal; its error class is exported by
 * `authx-node`). A journal is committed the way a database commits (docs/state.md, "The journal
 * file"): a write loops until every byte is down and is followed by `fdatasync`; a failed or
 * short write is cut off again (`ftruncate`) before the error is reported, so the next commit
 * never lands behind a fragment; every line carries a CRC-32; and a damaged line is refused with
 * its byte offset rather than skipped. Format 2:
 *
 *     authx-journal 2\n
 *     <crc32 of the JSON, 8 lowercase hex digits> <JSON array of records>\n     (one commit)
 *
 * Format 1 (before checksums: one bare JSON record per line) is still read, and rewritten as
 * format 2 at the next open. A journal of a newer format is refused.
 */
import { closeSync, fsyncSync, openSync } from 'node:fs';
import { open, unlink, type FileHandle } from 'node:fs/promises';
import { crc32 } from 'node:zlib';

/** The journal's file name in its directory. */
export const JOURNAL_FILE = 'revocations.journal';
/** The format this code writes. */
export const JOURNAL_VERSION = 2;
/** The first line of a format-2 journal. */
export const JOURNAL_HEADER: string = `authx-journal ${JOURNAL_VERSION}\n`;
/** The first line of a journal of any format version. */
export const JOURNAL_HEADER_PATTERN: RegExp = /^authx-journal (\d{1,9})$/;

/**
 * A journal the store refuses to use: damaged (`ERR_STATE_JOURNAL_DAMAGED`) or written by a newer
 * version (`ERR_STATE_JOURNAL_VERSION`). The message names the file, the byte offset and what to do.
 */
export class JournalError extends Error {
  override readonly name: string = 'JournalError';
  /** `ERR_STATE_JOURNAL_DAMAGED` or `ERR_STATE_JOURNAL_VERSION`. */
  readonly code: string;
  /** The journal file. */
  readonly path: string;
  /** Byte offset of the first damaged line (0 for a version refusal). */
  readonly offset: number;

  constructor(code: 'ERR_STATE_JOURNAL_DAMAGED' | 'ERR_STATE_JOURNAL_VERSION', path: string, offset: number, message: string) {
    super(message);
    this.code = code;
    this.path = path;
    this.offset = offset;
  }
}

/**
 * One commit as a journal line: `<crc32> <JSON array of the records>\n`.
 *
 * @example appender.append(frameLine([['j', jti, exp, null]]))
 */
export function frameLine(records: readonly unknown[]): Buffer {
  const json = JSON.stringify(records);
  const line = Buffer.from(`00000000 ${json}\n`, 'utf8');
  line.write(crc32(line.subarray(9, line.length - 1)).toString(16).padStart(8, '0'), 0, 'latin1');
  return line;
}

/**
 * Writes all of `data` at `position`, looping over short writes (a nearly full disk writes part
 * of a buffer and reports success). A write of zero bytes is an error, never a silent stop.
 *
 * @throws {Error} The `fs` error (`ENOSPC`, `EIO`, `EROFS`, ...), or `EIO` for a zero-byte write.
 */
export async function writeAll(handle: Pick<FileHandle, 'write'>, data: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < data.length) {
    const { bytesWritten } = await handle.write(data, done, data.length - done, position + done);
    if (!(bytesWritten > 0)) throw Object.assign(new Error(`write stored 0 of ${data.length - done} bytes`), { code: 'EIO' });
    done += bytesWritten;
  }
}

/**
 * Writes a new file at `path` (mode 0600) with `fill`, then `fdatasync`s and closes it; on any
 * failure the file is closed and removed before the error is passed on, so no half-written file
 * is left for a rename to install. Answers what `fill` answered.
 *
 * @throws {Error} The `fs` error (`ENOSPC`, `EIO`, ...) or whatever `fill` throws.
 */
export async function writeNewFile<T>(path: string, fill: (handle: FileHandle) => Promise<T>): Promise<T> {
  const handle = await open(path, 'w', 0o600);
  let result: T;
  try {
    result = await fill(handle);
    await handle.datasync();
  } catch (error) {
    await handle.close().catch(() => {});
    await unlink(path).catch(() => {});
    throw error;
  }
  await handle.close();
  return result;
}

/** The file operations an appender needs: a `FileHandle` (tests pass one that fails on cue). */
export type JournalHandle = Pick<FileHandle, 'write' | 'datasync' | 'truncate' | 'close' | 'read'>;

/**
 * The open journal, appended to at the end of its last whole line (positional writes, so a
 * fragment left by a failed write is overwritten, and cut off first).
 */
export class JournalAppender {
  readonly #handle: JournalHandle;
  #end: number;
  /** The file may hold bytes past `#end` (a failed write whose cut-off failed too). */
  #dirty = false;

  /** @param end The end of the last whole line (after a read: `validEnd`). */
  constructor(handle: JournalHandle, end: number) {
    this.#handle = handle;
    this.#end = end;
  }

  /**
   * Opens `path` for appending after byte `end`, cutting off anything past it (a torn last commit).
   *
   * @throws {Error} With the `fs` error code; `EIO` when the file is shorter than `end`.
   */
  static async open(path: string, end: number): Promise<JournalAppender> {
    const handle = await open(path, 'r+');
    try {
      const { size } = await handle.stat();
      if (size < end) throw Object.assign(new Error(`journal ${path} is shorter (${size} bytes) than what was committed (${end})`), { code: 'EIO' });
      if (size > end) {
        await handle.truncate(end);
        await handle.datasync();
      }
    } catch (error) {
      await handle.close().catch(() => {});
      throw error;
    }
    return new JournalAppender(handle, end);
  }

  /** Bytes of whole lines in the file. */
  get end(): number {
    return this.#end;
  }

  /**
   * Writes `data` (whole lines) and `fdatasync`s it. On any error the file is cut back to the
   * last whole line before the error is rethrown; when even that fails, the next append cuts
   * it first and fails if it cannot.
   *
   * @throws {Error} The `fs` error of the write, the sync or the cut-off.
   */
  async append(data: Uint8Array): Promise<void> {
    if (this.#dirty) {
      await this.#handle.truncate(this.#end);
      this.#dirty = false;
    }
    try {
      await writeAll(this.#handle, data, this.#end);
      await this.#handle.datasync();
    } catch (error) {
      this.#dirty = true;
      try {
        await this.#handle.truncate(this.#end);
        this.#dirty = false;
      } catch {
        // stays dirty: the next append cuts first
      }
      throw error;
    }
    this.#end += data.length;
  }

  /**
   * Reads `length` bytes from `offset` (the part of the journal written during a compaction).
   *
   * @throws {Error} With the `fs` error code.
   */
  async readRange(offset: number, length: number): Promise<Buffer> {
    const buffer = Buffer.allocUnsafe(length);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await this.#handle.read(buffer, done, length - done, offset + done);
      if (bytesRead === 0) throw Object.assign(new Error('journal shorter than expected'), { code: 'EIO' });
      done += bytesRead;
    }
    return buffer;
  }

  /** Closes the file. @throws Never. */
  async close(): Promise<void> {
    await this.#handle.close().catch(() => {});
  }
}

/**
 * `fsync` of a directory, so a rename or a new file in it survives a power cut. Windows cannot
 * open a directory: skipped there (a rename is still atomic).
 *
 * @throws {Error} With the `fs` error code (`EIO`, ...).
 */
export function syncDirectory(directory: string): void {
  if (process.platform === 'win32') return;
  const fd = openSync(directory, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
