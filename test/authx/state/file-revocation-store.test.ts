/**
 * FileRevocationStore: what it keeps across a reopen, its directory lock, a directory it cannot
 * use, compaction, and a torn journal line. (The SIGKILL of a real server is in test/server.)
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, appendFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { DirectoryInUseError, FileRevocationStore } from '../../../lib/index.ts';
import { testClock, START_MS } from '../authx-helpers.ts';

const dirs: string[] = [];
const fresh = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'authx-file-'));
  dirs.push(dir);
  return dir;
};
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});
const SEC = START_MS / 1000;
const q = (over: { jti?: string; sub?: string; issuedAtMs?: number; fid?: string }) => ({ jti: 'x', sub: 'nobody', issuedAtMs: START_MS, fid: undefined, ...over });

const own = (subject: string, coversMs = START_MS) => ({ subject, coversMs, cutoffExpiresAt: SEC + 60 });

test('every kind of entry survives a reopen, a fold and the share included; the journal holds no token', async () => {
  const directory = fresh();
  const clock = testClock();
  const first = await FileRevocationStore.open({ directory, clock, maxEntriesPerSubject: 2 });
  await first.revoke('jti-1', SEC + 60, own('bob'));
  await first.revoke('jti-2', SEC + 60, own('alice'));
  await first.revokeFamily('fam-1', SEC + 60, own('bob'));
  const retired = { key: 'rt:a', value: 'b', expiresAt: SEC + 60, family: { fid: 'fam-2', retiredMs: START_MS, expiresAt: SEC + 60 }, owner: own('carol') };
  assert.deepEqual(await first.retire(retired), { outcome: 'claimed' });
  await first.revoke('jti-3', SEC + 60, own('alice'));
  clock.now += 7;
  assert.equal(await first.revoke('jti-4', SEC + 60, own('alice')), 'subject', 'alice is past her share of 2: folded at the store\'s now');
  await first.close();
  const text = readFileSync(join(directory, 'revocations.journal'), 'utf8');
  assert.doesNotMatch(text, /eyJ/, 'no JWT in the journal');
  const second = await FileRevocationStore.open({ directory, clock, maxEntriesPerSubject: 2 });
  assert.equal(second.isRevoked(q({ jti: 'jti-1' })), true);
  assert.equal(second.isRevoked(q({ sub: 'alice', issuedAtMs: START_MS + 7 })), true);
  assert.equal(second.isRevoked(q({ sub: 'alice', issuedAtMs: START_MS + 8 })), false);
  assert.equal(second.isRevoked(q({ fid: 'fam-1' })), true);
  assert.deepEqual(await second.retire({ ...retired, value: 'c' }), { outcome: 'taken', value: 'b', markMs: START_MS });
  // The share survives too: bob holds two entries, so a third folds him.
  assert.equal(await second.revoke('jti-5', SEC + 60, own('bob')), 'subject');
  await second.close();
});

test('a second store on the same directory is refused while the first is open; after close it opens', async () => {
  const directory = fresh();
  const first = await FileRevocationStore.open({ directory });
  await assert.rejects(FileRevocationStore.open({ directory }), (error: unknown) => {
    assert.ok(error instanceof DirectoryInUseError);
    assert.match(error.message, new RegExp(`${directory}.*in use by process ${process.pid}`));
    return true;
  });
  await first.close();
  assert.equal(existsSync(join(directory, 'lock')), false);
  await (await FileRevocationStore.open({ directory })).close();
});

test('opening and closing stores again and again adds no exit listener each time', async () => {
  const directory = fresh();
  await (await FileRevocationStore.open({ directory })).close();
  const listeners = process.listenerCount('exit');
  for (let i = 0; i < 12; i++) await (await FileRevocationStore.open({ directory })).close();
  assert.equal(process.listenerCount('exit'), listeners);
});

test('a lock left by a dead process is taken over; one of a live process is not', async () => {
  const directory = fresh();
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  writeFileSync(join(directory, 'lock'), `${dead.stdout}\n`);
  const store = await FileRevocationStore.open({ directory });
  assert.equal(readFileSync(join(directory, 'lock'), 'utf8').trim(), String(process.pid));
  await store.close();
  writeFileSync(join(directory, 'lock'), `${process.ppid}\n`); // our parent is alive
  await assert.rejects(FileRevocationStore.open({ directory }), { code: 'ERR_STATE_DIR_IN_USE' });
});

test('a directory that cannot be created fails at open with an fs code', async () => {
  const file = join(fresh(), 'plain-file');
  writeFileSync(file, '');
  await assert.rejects(FileRevocationStore.open({ directory: join(file, 'data') }), { code: 'ENOTDIR' });
  await assert.rejects(FileRevocationStore.open({ directory: fresh(), compactAfer: 5 } as never), /unknown FileRevocationStore option "compactAfer"/);
});

test('compaction drops expired entries, so the journal stays bounded', async () => {
  const directory = fresh();
  const clock = testClock();
  const store = await FileRevocationStore.open({ directory, clock, compactAfter: 10 });
  for (let i = 0; i < 200; i++) {
    await store.revoke(`j${i}`, SEC + 2 + i / 100, own(`u${i}`)); // each lives two to four seconds
    if (i % 20 === 0) clock.now += 1000;
  }
  await store.revoke('last', SEC + 3600, own('last'));
  const lines = readFileSync(join(directory, 'revocations.journal'), 'utf8').split('\n').filter(Boolean).length;
  assert.ok(lines < 120, `${lines} journal lines for ${store.size} live entries`);
  await store.close();
  const reopened = await FileRevocationStore.open({ directory, clock });
  assert.equal(reopened.isRevoked(q({ jti: 'last' })), true);
  assert.equal(reopened.isRevoked(q({ jti: 'j0' })), false);
  await reopened.close();
});

test('a torn last line (a crash mid-write) is skipped; earlier lines load', async () => {
  const directory = fresh();
  const store = await FileRevocationStore.open({ directory });
  const exp = Math.floor(Date.now() / 1000) + 60;
  await store.revoke('kept', exp, own('kept'));
  await store.close();
  appendFileSync(join(directory, 'revocations.journal'), 'a1b2c3d4 [["j","torn",');
  const reopened = await FileRevocationStore.open({ directory });
  assert.equal(reopened.isRevoked(q({ jti: 'kept' })), true);
  await reopened.close();
});
