/**
 * FileRevocationStore on real failing disks (issue #22): a 1 MiB tmpfs made full (ENOSPC and
 * short writes in a commit, a compaction, the lock), an ext4 image aborted read-only under the
 * open journal (EROFS). Nothing acknowledged is lost, a failed commit leaves no fragment behind,
 * a failed compaction leaves the journal as it was, and readiness follows the disk. Needs root
 * (mounts): fails, saying so, without it.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { FileRevocationStore, StateUnavailableError } from '../../../lib/index.ts';
import { mountExt4, mountTmpfs, type SmallDisk } from '../../helpers/small-disk.ts';

const disks: SmallDisk[] = [];
const disk = (): SmallDisk => {
  const d = mountTmpfs();
  disks.push(d);
  return d;
};
after(() => {
  for (const d of disks) d.unmount();
});

const exp = (): number => Math.floor(Date.now() / 1000) + 3600;
/** Each revocation its own subject, so no share fills and folds. */
const owner = (subject: string) => ({ subject, coversMs: Date.now(), cutoffExpiresAt: exp() });
const q = (jti: string) => ({ jti, sub: 'nobody', issuedAtMs: Date.now(), fid: undefined });
const journal = (directory: string): string => join(directory, 'revocations.journal');

async function until(condition: () => Promise<boolean> | boolean, ms: number, what: string): Promise<number> {
  const started = performance.now();
  while (!(await condition())) {
    if (performance.now() - started > ms) assert.fail(`${what} not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return performance.now() - started;
}

test('commits on a full disk (short writes, then ENOSPC): each fails whole, and every acknowledged one survives a reopen', async () => {
  const d = disk();
  const directory = join(d.dir, 'data');
  let store = await FileRevocationStore.open({ directory });
  const acked: string[] = [];
  for (let i = 0; i < 5; i++) {
    await store.revoke(`before-${i}`, exp(), owner(`before-${i}`));
    acked.push(`before-${i}`);
  }
  d.fill(0); // no page left: only the room in the journal's last page, then short writes
  let refused = 0;
  const pad = 'x'.repeat(200);
  for (let i = 0; i < 40; i++) {
    const sizeBefore = statSync(journal(directory)).size;
    try {
      await store.revoke(`full-${i}-${pad}`, exp(), owner(`full-${i}-${pad}`));
      acked.push(`full-${i}-${pad}`);
    } catch (error) {
      assert.ok(error instanceof StateUnavailableError, String(error));
      refused++;
      assert.equal(statSync(journal(directory)).size, sizeBefore, `refused commit ${i} left a fragment in the journal`);
    }
  }
  assert.ok(refused >= 20, `${refused} commits refused on a full disk`);
  assert.ok(acked.length > 5, 'the room left in the last page was used');
  d.unfill();
  for (let i = 0; i < 5; i++) {
    await store.revoke(`after-${i}`, exp(), owner(`after-${i}`));
    acked.push(`after-${i}`);
  }
  await store.close();
  store = await FileRevocationStore.open({ directory });
  try {
    const lost = acked.filter((jti) => !store.isRevoked(q(jti)));
    assert.deepEqual(lost, [], 'acknowledged revocations lost after a reopen');
  } finally {
    await store.close();
  }
  assert.deepEqual((await FileRevocationStore.check(directory)).damage, []);
});

test('a compaction that meets a full disk (short write, then ENOSPC) leaves the journal as it was', async () => {
  const d = disk();
  const directory = join(d.dir, 'data');
  let store = await FileRevocationStore.open({ directory, compactAfter: 1_000_000 });
  const pad = 'y'.repeat(60);
  for (let i = 0; i < 100; i++) await store.revoke(`keep-${i}-${pad}`, exp(), owner(`keep-${i}-${pad}`));
  for (let i = 0; i < 100; i++) await store.revoke(`keep-${i}-${pad}`, exp() + 1, owner(`keep-${i}-${pad}`)); // 200 lines for 100 entries
  await store.close();
  const before = readFileSync(journal(directory));
  d.fill(2 * 4096); // one page for the lock, one for the compacted file: too little, a short write
  store = await FileRevocationStore.open({ directory, compactAfter: 10 });
  try {
    await until(() => (store.stats?.failedWrites.compaction ?? 0) > 0 || !readFileSync(journal(directory)).equals(before), 5_000, 'a failed compaction');
    assert.deepEqual(readFileSync(journal(directory)), before, 'the journal changed');
    assert.deepEqual(readdirSync(directory).sort(), ['lock', 'revocations.journal'], 'a compaction file was left behind');
  } finally {
    await store.close();
  }
  d.unfill();
  store = await FileRevocationStore.open({ directory });
  try {
    for (let i = 0; i < 100; i++) assert.equal(store.isRevoked(q(`keep-${i}-${pad}`)), true, `keep-${i} lost`);
  } finally {
    await store.close();
  }
});

test('a full disk at open: ENOSPC writing the lock, and no lock file or half-written lock left behind', async () => {
  const d = disk();
  const directory = join(d.dir, 'data');
  mkdirSync(directory);
  d.fill(0);
  await assert.rejects(FileRevocationStore.open({ directory }), { code: 'ENOSPC' });
  assert.deepEqual(readdirSync(directory), []);
  d.unfill();
  await (await FileRevocationStore.open({ directory })).close();
});

test('readiness follows the disk: not ready within 5 s of a full disk, ready again within 5 s of space', async () => {
  const d = disk();
  const store = await FileRevocationStore.open({ directory: join(d.dir, 'data') });
  try {
    assert.equal(await store.isReady(), true);
    d.fill(0);
    await until(async () => !(await store.isReady()), 5_000, 'not ready on a full disk');
    assert.ok(store.stats.failedWrites.probe > 0);
    d.unfill();
    await until(() => store.isReady(), 5_000, 'ready once there is space');
  } finally {
    await store.close();
  }
});

test('an ext4 journal remounted read-only under the store (EROFS): commits fail whole, readiness says so, acknowledged ones stay', async () => {
  const d = mountExt4();
  disks.push(d);
  const directory = join(d.dir, 'data');
  const store = await FileRevocationStore.open({ directory });
  try {
    await store.revoke('before', exp(), owner('before'));
    assert.equal(await store.isReady(), true);
    d.abort();
    await assert.rejects(store.revoke('during', exp(), owner('during')), StateUnavailableError);
    assert.equal(store.isRevoked(q('during')), false, 'a revocation that never reached the disk is in effect');
    await until(async () => !(await store.isReady()), 5_000, 'not ready on a read-only disk');
  } finally {
    await store.close();
  }
  // Mounted again (a repaired disk): what was acknowledged is there.
  d.remount();
  const reopened = await FileRevocationStore.open({ directory });
  try {
    assert.equal(reopened.isRevoked(q('before')), true);
    assert.equal(reopened.isRevoked(q('during')), false);
  } finally {
    await reopened.close();
  }
  assert.equal(existsSync(join(directory, 'lock')), false);
});
