/**
 * Real small file systems for fault tests (issue #22): a 1 MiB tmpfs that a filler file makes
 * full (`ENOSPC`, short writes), and an ext4 image on a loop device that `mount -o
 * remount,abort` turns read-only under open files (`EROFS`, as `errors=remount-ro` does after a
 * disk error). Mounting needs root: without it these tests FAIL, saying so (they never skip).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statfsSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A mounted test file system. */
export interface SmallDisk {
  /** The mount point (empty at first). */
  readonly dir: string;
  /** Free bytes as the file system reports them. */
  free(): number;
  /** Fills the disk with a filler file until at most `leaveBytes` stay free (0: full). */
  fill(leaveBytes?: number): void;
  /** Removes the filler. */
  unfill(): void;
  /** Unmounts and removes the mount point (and the image). */
  unmount(): void;
}

const PAGE = 4096;

function requireRoot(what: string): void {
  assert.equal(process.getuid?.(), 0, `this test needs root to ${what}; run the tests as root (it fails rather than skips, so a fault test is never silently left out)`);
}

/**
 * Mounts a tmpfs of `bytes` (default 1 MiB) on a fresh directory.
 *
 * @throws {AssertionError} When not root, or the mount fails.
 */
export function mountTmpfs(bytes: number = 1024 * 1024): SmallDisk {
  requireRoot('mount a tmpfs (mount -t tmpfs)');
  const dir = mkdtempSync(join(tmpdir(), 'authx-disk-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes},mode=0700`, 'tmpfs', dir]);
  return diskAt(dir, () => {
    execFileSync('umount', [dir]);
    rmSync(dir, { recursive: true, force: true });
  });
}

/** An ext4 file system on a loop device that can be made read-only under open files. */
export interface Ext4Disk extends SmallDisk {
  /** `mount -o remount,abort`: every write from now on fails with `EROFS`, open files included. */
  abort(): void;
  /** Unmounts and mounts the image again (a repaired disk), as it was last written. */
  remount(): void;
}

/**
 * Mounts an 8 MiB ext4 image (on a loop device) on a fresh directory.
 *
 * @throws {AssertionError} When not root, or mkfs.ext4 (e2fsprogs) or the loop mount fails.
 */
export function mountExt4(): Ext4Disk {
  requireRoot('mount an ext4 image on a loop device');
  const home = mkdtempSync(join(tmpdir(), 'authx-ext4-'));
  const image = join(home, 'image');
  const dir = join(home, 'mnt');
  execFileSync('truncate', ['-s', '8M', image]);
  try {
    execFileSync('mkfs.ext4', ['-q', image]);
  } catch (error) {
    rmSync(home, { recursive: true, force: true });
    throw new Error(`mkfs.ext4 failed or is missing (apt-get install e2fsprogs): ${String(error)}`);
  }
  execFileSync('mkdir', [dir]);
  execFileSync('mount', ['-o', 'loop', image, dir]);
  const disk = diskAt(dir, () => {
    execFileSync('umount', [dir]);
    rmSync(home, { recursive: true, force: true });
  });
  return {
    ...disk,
    abort: () => void execFileSync('mount', ['-o', 'remount,abort', dir]),
    remount: () => {
      execFileSync('umount', [dir]);
      execFileSync('mount', ['-o', 'loop', image, dir]);
    },
  };
}

function diskAt(dir: string, unmount: () => void): SmallDisk {
  const filler = join(dir, '.filler');
  let mounted = true;
  const free = (): number => {
    const s = statfsSync(dir);
    return s.bavail * s.bsize;
  };
  return {
    dir,
    free,
    fill(leaveBytes = 0) {
      const size = Math.max(0, free() - leaveBytes);
      try {
        writeFileSync(filler, Buffer.alloc(size), { flag: 'a' });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
      }
      // A full page may remain for metadata; top it up byte-wise until the disk says full.
      while (free() > leaveBytes) {
        try {
          writeFileSync(filler, Buffer.alloc(Math.min(PAGE, free() - leaveBytes)), { flag: 'a' });
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
          break;
        }
      }
    },
    unfill() {
      try {
        unlinkSync(filler);
      } catch {
        // no filler
      }
    },
    unmount() {
      if (!mounted) return;
      mounted = false;
      unmount();
    },
  };
}
