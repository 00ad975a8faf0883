/**
 * The lock file of a state directory (internal to `FileRevocationStore`, not exported): one
 * process at a time may own a directory. The lock holds the owner's pid; a lock whose process is
 * gone (a crash, a SIGKILL) is stale and taken over, so a killed server restarts on its own.
 */
import { closeSync, fsyncSync, linkSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** Directories locked by this process, so a recycled pid (containers start at low pids) reads as stale. */
const heldHere = new Set<string>();

/** The directory is owned by a live process. */
export class DirectoryInUseError extends Error {
  override readonly name: string = 'DirectoryInUseError';
  /** `ERR_STATE_DIR_IN_USE`. */
  readonly code: string = 'ERR_STATE_DIR_IN_USE';
  /** The owner's pid. */
  readonly pid: number;

  constructor(directory: string, pid: number) {
    super(`state directory ${directory} is in use by process ${pid} (lock file ${join(directory, 'lock')}); stop that process or use another directory`);
    this.pid = pid;
  }
}

/**
 * Takes the lock of `directory` (which must exist) for this process.
 *
 * @returns A function releasing the lock (idempotent).
 * @throws {DirectoryInUseError} When a live process holds it.
 * @throws {Error} With a `code` (`EACCES`, `EROFS`, ...) when the lock cannot be written.
 */
export function lockDirectory(directory: string): () => void {
  const path = join(directory, 'lock');
  if (heldHere.has(path)) throw new DirectoryInUseError(directory, process.pid);
  // Written aside then hard-linked into place: link fails atomically if a lock exists, so the
  // lock never appears half-written to another process reading it.
  const temp = join(directory, `lock.${process.pid}.tmp`);
  const fd = openSync(temp, 'w', 0o644);
  try {
    writeAllSync(fd, Buffer.from(`${process.pid}\n`, 'latin1'));
    fsyncSync(fd);
  } catch (error) {
    // A full disk (ENOSPC) or a short write: no half-written lock, no file left behind.
    closeSync(fd);
    unlinkQuietly(temp);
    throw error;
  }
  closeSync(fd);
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        linkSync(temp, path);
        if (!exitHookInstalled) {
          // One listener for the life of the process: open/close cycles must not pile them up.
          process.on('exit', releaseAllHere);
          exitHookInstalled = true;
        }
        heldHere.add(path);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 3) throw error;
      }
      const owner = readOwner(path);
      if (owner !== undefined && owner !== process.pid && isAlive(owner)) throw new DirectoryInUseError(directory, owner);
      try {
        unlinkSync(path); // stale: its process is gone (or it is unreadable); take it over
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
  } finally {
    unlinkQuietly(temp);
  }
  let released = false;
  return () => {
    if (released) return;
    released = true;
    heldHere.delete(path);
    try {
      if (readOwner(path) === process.pid) unlinkSync(path);
    } catch {
      // already gone: nothing to release
    }
  };
}

let exitHookInstalled = false;

/** Writes all of `data` from the start of `fd`, looping over short writes; a zero-byte write is `EIO`. */
function writeAllSync(fd: number, data: Buffer): void {
  for (let done = 0; done < data.length; ) {
    const written = writeSync(fd, data, done, data.length - done, done);
    if (!(written > 0)) throw Object.assign(new Error(`write stored 0 of ${data.length - done} bytes`), { code: 'EIO' });
    done += written;
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

/** On exit, even through `process.exit`, this process's locks are removed (a SIGKILL leaves them: stale, taken over). */
function releaseAllHere(): void {
  for (const path of heldHere) {
    try {
      if (readOwner(path) === process.pid) unlinkSync(path);
    } catch {
      // nothing to release
    }
  }
  heldHere.clear();
}

function readOwner(path: string): number | undefined {
  try {
    const pid = Number(readFileSync(path, 'utf8').trim());
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to another user; still alive.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
