/**
 * Reading a `FileRevocationStore` journal (internal; see journal.ts for the format): line by line,
 * 256 KiB at a time, yielding between reads, each line's CRC-32 checked before its JSON is
 * parsed. The unterminated end of the file is a torn last write, left out and counted; any other
 * line that does not read back is refused in `replay` mode (with the file, the byte offset and
 * the remedy) and listed in `check` mode (`npm run state -- check`).
 */
import { open, type FileHandle } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import { JOURNAL_HEADER_PATTERN, JOURNAL_VERSION, JournalError } from './journal.ts';

const LF = 0x0a;
/** Byte -> value of a lowercase hex digit, -1 for any other byte. */
const HEX_VALUE: Int8Array = Int8Array.from({ length: 256 }, (_, byte) => (byte >= 0x30 && byte <= 0x39 ? byte - 0x30 : byte >= 0x61 && byte <= 0x66 ? byte - 0x57 : -1));
/** Bytes read at a time: parsing one read takes a few milliseconds, well under the 50 ms stall budget. */
const READ_CHUNK = 256 * 1024;
/** Longest line accepted; a commit holds a handful of records of at most a few KiB. */
const MAX_LINE = 16 * 1024 * 1024;
/** How to recover, in every message about a damaged journal. */
const RECOVERY = 'run `npm run state -- check <dir>` to list the damage and `npm run state -- repair <dir>` to keep every readable record (FileRevocationStore.repair() in code); the damaged file is kept as a backup';

export interface JournalDamage {
  /** Byte offset of the line's first byte. */
  readonly offset: number;
  /** Bytes of the line, its newline included. */
  readonly length: number;
  /** Why: `checksum mismatch`, `not JSON`, `unreadable record`, ... */
  readonly reason: string;
}

/** What a read of a journal found. */
export interface JournalScan {
  /** Format found: 1 (no checksums), 2; a file that does not exist reads as an empty format 2. */
  readonly version: number;
  /** Whether the file exists. */
  readonly exists: boolean;
  /** Bytes read (the whole file, or up to `end`). */
  readonly size: number;
  /** End of the last whole, valid line: where the next commit goes. */
  readonly validEnd: number;
  /** Valid lines (commits) after the header. */
  readonly lines: number;
  /** Records in them. */
  readonly records: number;
  /** Bytes after the last newline: a commit torn by a crash mid-write (0 when none). */
  readonly tornBytes: number;
  /**
   * A last line that is whole and checks out but lost its newline (or had it damaged): its
   * records were applied, and the caller writes it back, terminated, at `validEnd`.
   */
  readonly recoveredLine?: Buffer | undefined;
  /** Damaged lines (only in `check` mode; `replay` throws at the first). */
  readonly damage: readonly JournalDamage[];
}

/** Options of {@link readJournal}. */
export interface ReadJournalOptions<T> {
  /** Checks one decoded record; `null` makes its line unreadable. */
  parse: (value: unknown) => T | null;
  /** Called with each valid line's records, in file order (a `TypeError` it throws marks the line unreadable), its offset and (with `lines`) its bytes, newline included, valid during the call only. */
  onLine?: (records: T[], offset: number, line: Buffer | undefined) => void;
  /** Pass each line's bytes to `onLine` (a repair copies them). */
  lines?: boolean;
  /** `replay`: throw a {@link JournalError} at the first damaged line; `check`: report every one. */
  mode: 'replay' | 'check';
  /** Read only up to this byte offset (a line boundary), e.g. the part a compaction rewrites. */
  end?: number;
}

/**
 * Reads a journal line by line without holding it whole: 256 KiB at a time, yielding to the
 * event loop between reads. A missing file is an empty journal. The unterminated end of the file
 * (a commit torn by a crash) is not an error: it is counted in `tornBytes` and left out.
 *
 * @throws {JournalError} `ERR_STATE_JOURNAL_VERSION` for a newer format; in `replay` mode,
 *   `ERR_STATE_JOURNAL_DAMAGED` at the first line that is not the torn end.
 * @throws {Error} With the `fs` error code when the file cannot be read.
 */
export async function readJournal<T>(path: string, options: ReadJournalOptions<T>): Promise<JournalScan> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { version: JOURNAL_VERSION, exists: false, size: 0, validEnd: 0, lines: 0, records: 0, tornBytes: 0, damage: [] };
    throw error;
  }
  try {
    const fileSize = (await handle.stat()).size;
    const limit = Math.min(fileSize, options.end ?? fileSize);
    const reader = new LineReader(path, options);
    let buffer = Buffer.allocUnsafe(READ_CHUNK);
    let filled = 0; // bytes in buffer
    let base = 0; // file offset of buffer[0]
    while (base + filled < limit) {
      if (filled === buffer.length) {
        if (buffer.length >= MAX_LINE) throw reader.damaged(base, 'a line longer than 16 MiB');
        const larger = Buffer.allocUnsafe(buffer.length * 2);
        buffer.copy(larger, 0, 0, filled);
        buffer = larger;
      }
      const want = Math.min(buffer.length - filled, limit - base - filled);
      const { bytesRead } = await handle.read(buffer, filled, want, base + filled);
      if (bytesRead === 0) break; // the file shrank under us: read what is there
      filled += bytesRead;
      let start = 0;
      for (let lf = buffer.indexOf(LF, start); lf !== -1 && lf < filled; lf = buffer.indexOf(LF, start)) {
        reader.line(buffer, start, lf, base + start);
        start = lf + 1;
      }
      if (start > 0) {
        buffer.copy(buffer, 0, start, filled);
        filled -= start;
        base += start;
      }
    }
    return reader.finish(base + filled, filled > 0 ? buffer.subarray(0, filled) : undefined);
  } finally {
    await handle.close();
  }
}

/** The per-line half of {@link readJournal}. */
class LineReader<T> {
  readonly #path: string;
  readonly #options: ReadJournalOptions<T>;
  #version = 0; // 0 until the first line tells
  #validEnd = 0;
  #lines = 0;
  #records = 0;
  readonly #damage: JournalDamage[] = [];

  constructor(path: string, options: ReadJournalOptions<T>) {
    this.#path = path;
    this.#options = options;
  }

  /** One line: bytes [start, lf) of `buffer`, at file offset `offset`. */
  line(buffer: Buffer, start: number, lf: number, offset: number): void {
    if (this.#version === 0) {
      const first = buffer.toString('latin1', start, Math.min(lf, start + 40));
      const header = JOURNAL_HEADER_PATTERN.exec(first);
      const version = header === null ? 0 : Number(header[1]);
      if (version > JOURNAL_VERSION) throw this.#versionError(version);
      if (version === JOURNAL_VERSION) {
        this.#version = version;
        this.#validEnd = offset + (lf - start) + 1;
        return;
      }
      this.#version = buffer[start] === 0x5b ? 1 : JOURNAL_VERSION; // '[': format 1, no header
    }
    const records = this.#version === 1 ? this.#legacyLine(buffer, start, lf) : this.#line(buffer, start, lf);
    if (typeof records === 'string') {
      this.damageOrThrow(offset, lf - start + 1, records);
      return;
    }
    this.#lines++;
    this.#records += records.length;
    this.#validEnd = offset + (lf - start) + 1;
    try {
      this.#options.onLine?.(records, offset, this.#options.lines === true ? buffer.subarray(start, lf + 1) : undefined);
    } catch (error) {
      // A record the consumer cannot apply (it validates as it applies) is as unreadable as a bad checksum.
      if (!(error instanceof TypeError)) throw error;
      this.damageOrThrow(offset, lf - start + 1, 'unreadable record');
    }
  }

  damageOrThrow(offset: number, length: number, reason: string): void {
    if (this.#options.mode === 'replay') throw this.damaged(offset, reason);
    this.#damage.push({ offset, length, reason });
  }

  damaged(offset: number, reason: string): JournalError {
    return new JournalError(
      'ERR_STATE_JOURNAL_DAMAGED',
      this.#path,
      offset,
      `revocation journal ${this.#path} is damaged at byte ${offset} (${reason}) and this is not a torn last write, so nothing was guessed: ${RECOVERY}`,
    );
  }

  /**
   * The unterminated `tail`. A torn last write is left out, but only what a torn write can look
   * like: a prefix of the header, or the start of a line (hex checksum, a space, JSON) no longer
   * than a line may be. A whole valid line whose newline was lost or damaged is kept. Anything
   * else (zeros over the file, a flipped newline in the middle) is damage, never a reason to
   * start afresh.
   */
  finish(size: number, tail: Buffer | undefined): JournalScan {
    let recoveredLine: Buffer | undefined;
    if (tail !== undefined) {
      const offset = size - tail.length;
      if (this.#version === 0) {
        const header = `authx-journal ${JOURNAL_VERSION}\n`;
        if (!header.startsWith(tail.toString('latin1'))) this.damageOrThrow(offset, tail.length, 'not a journal: no header and no line');
      } else {
        recoveredLine = this.#wholeLine(tail, offset);
        if (recoveredLine === undefined && !/^[0-9a-f]{0,8}(?: [^\n]*)?$/s.test(tail.toString('latin1'))) {
          this.damageOrThrow(offset, tail.length, 'an unterminated end that is no torn line');
        }
      }
    }
    return {
      version: this.#version === 0 ? JOURNAL_VERSION : this.#version,
      exists: true,
      size,
      validEnd: this.#validEnd,
      lines: this.#lines,
      records: this.#records,
      tornBytes: recoveredLine === undefined ? (tail?.length ?? 0) : 0,
      recoveredLine,
      damage: this.#damage,
    };
  }

  /** The tail (or the tail without its last byte, a damaged newline) as a whole valid line, applied; else `undefined`. */
  #wholeLine(tail: Buffer, offset: number): Buffer | undefined {
    if (this.#version !== JOURNAL_VERSION) return undefined;
    for (const length of [tail.length, tail.length - 1]) {
      if (length < 11) continue;
      const line = Buffer.concat([tail.subarray(0, length), Buffer.from([LF])]);
      const records = this.#line(line, 0, length);
      if (typeof records === 'string') continue;
      this.#lines++;
      this.#records += records.length;
      try {
        this.#options.onLine?.(records, offset, this.#options.lines === true ? line : undefined);
      } catch (error) {
        if (!(error instanceof TypeError)) throw error;
        this.damageOrThrow(offset, tail.length, 'unreadable record');
      }
      return line;
    }
    return undefined;
  }

  /** A format-2 line: records, or why it cannot be read. */
  #line(buffer: Buffer, start: number, lf: number): T[] | string {
    if (lf - start < 11 || buffer[start + 8] !== 0x20) return 'not a journal line';
    let stored = 0;
    for (let i = start; i < start + 8; i++) {
      const digit = HEX_VALUE[buffer[i]!] ?? -1;
      if (digit < 0) return 'not a journal line';
      stored = stored * 16 + digit;
    }
    if (stored !== crc32(buffer.subarray(start + 9, lf))) return 'checksum mismatch';
    return this.#decode(buffer.toString('utf8', start + 9, lf), true);
  }

  #legacyLine(buffer: Buffer, start: number, lf: number): T[] | string {
    return this.#decode(buffer.toString('utf8', start, lf), false);
  }

  #decode(json: string, many: boolean): T[] | string {
    let value: unknown;
    try {
      value = JSON.parse(json);
    } catch {
      return 'not JSON';
    }
    const list = many ? value : [value];
    if (!Array.isArray(list) || list.length === 0) return 'unreadable record';
    const records: T[] = [];
    for (const item of list) {
      const record = this.#options.parse(item);
      if (record === null) return 'unreadable record';
      records.push(record);
    }
    return records;
  }

  #versionError(version: number): JournalError {
    return new JournalError(
      'ERR_STATE_JOURNAL_VERSION',
      this.#path,
      0,
      `revocation journal ${this.#path} is format ${version}, newer than this version of authx-node reads (${JOURNAL_VERSION}): run the version that wrote it, or move the file away to start with no revocations (every logout in it is then forgotten)`,
    );
  }
}

