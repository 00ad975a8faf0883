/**
 * Checking and repairing a `FileRevocationStore` journal offline (`FileRevocationStore.check` and
 * `.repair`, exported by `authx-node`; the example server's `npm run state -- check|repair <dir>`).
 * A repair keeps every line that reads back whole (checksum, JSON, records), drops the damaged
 * ones and the torn end, writes a fresh journal the way a compaction does (full write, sync,
 * rename, directory sync) and keeps the old file beside it as a backup. It takes the directory's
 * lock, so it never runs under a live server.
 */
import { link, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { lockDirectory } from './data-dir-lock.ts';
import { frameLine, JOURNAL_FILE, JOURNAL_HEADER, JOURNAL_VERSION, syncDirectory, writeAll, writeNewFile } from './journal.ts';
import { readJournal, type JournalDamage } from './journal-reader.ts';
import { parseStateRecord } from './memory-revocation-store.ts';

/** What a check or a repair found. */
export interface JournalReport {
  /** The journal file. */
  readonly path: string;
  /** Whether it exists (a missing journal is an empty one). */
  readonly exists: boolean;
  /** Its format (1: before checksums). */
  readonly version: number;
  /** Its size in bytes. */
  readonly size: number;
  /** Lines (commits) that read back whole, and the records in them. */
  readonly lines: number;
  readonly records: number;
  /** Bytes of a torn last write (harmless: the store cuts it off at open). */
  readonly tornBytes: number;
  /** Damaged lines: the store refuses to open until they are repaired. */
  readonly damage: readonly JournalDamage[];
}

/** What a repair did. */
export interface JournalRepair extends JournalReport {
  /** Whether a new journal was written (`false`: nothing to repair). */
  readonly repaired: boolean;
  /** The old journal, kept as it was (when repaired). */
  readonly backup: string | undefined;
}

/**
 * Reads the journal of `directory` and reports every damaged line. Read-only; safe while a
 * server runs (it may then see a commit being written as a torn end).
 *
 * @throws {JournalError} `ERR_STATE_JOURNAL_VERSION` for a journal of a newer format.
 * @throws {Error} With the `fs` error code when it cannot be read.
 */
export async function checkJournal(directory: string): Promise<JournalReport> {
  const path = join(directory, JOURNAL_FILE);
  const scan = await readJournal(path, { mode: 'check', parse: parseStateRecord });
  return { path, exists: scan.exists, version: scan.version, size: scan.size, lines: scan.lines, records: scan.records, tornBytes: scan.tornBytes, damage: scan.damage };
}

/**
 * Rewrites the journal of `directory` with every line that reads back whole; the old file is
 * kept as `revocations.journal.damaged-<time>`. Nothing is written when there is nothing to repair.
 *
 * @throws {DirectoryInUseError} When a live process (a server) owns the directory.
 * @throws {JournalError} `ERR_STATE_JOURNAL_VERSION` for a journal of a newer format.
 * @throws {Error} With the `fs` error code; the old journal is then untouched.
 */
export async function repairJournal(directory: string, now: Date = new Date()): Promise<JournalRepair> {
  const release = lockDirectory(directory);
  try {
    const path = join(directory, JOURNAL_FILE);
    const kept: Buffer[] = [];
    const scan = await readJournal(path, {
      mode: 'check',
      parse: parseStateRecord,
      // A format-1 line ('[' first) is one bare record: framed now; a format-2 line is kept as it is.
      lines: true,
      onLine: (records, _offset, line) => kept.push(line![0] === 0x5b ? frameLine(records) : Buffer.from(line!)),
    });
    const legacy = scan.version !== JOURNAL_VERSION;
    const report = { path, exists: scan.exists, version: scan.version, size: scan.size, lines: scan.lines, records: scan.records, tornBytes: scan.tornBytes, damage: scan.damage };
    if (!scan.exists || (scan.damage.length === 0 && scan.tornBytes === 0 && !legacy)) return { ...report, repaired: false, backup: undefined };
    const temp = `${path}.repair`;
    await writeNewFile(temp, (handle) => writeAll(handle, Buffer.concat([Buffer.from(JOURNAL_HEADER, 'latin1'), ...kept]), 0));
    const backup = `${path}.damaged-${now.toISOString().replace(/[:.]/g, '-')}`;
    try {
      await link(path, backup);
      await rename(temp, path);
    } catch (error) {
      await unlink(temp).catch(() => {});
      throw error;
    }
    syncDirectory(directory);
    return { ...report, repaired: true, backup };
  } finally {
    release();
  }
}
