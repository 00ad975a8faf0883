/**
 * The DATA_DIR journal (lib/authx/state/journal.ts) and what the store does with a journal it
 * finds: a damaged line mid-file stops the open with the file, the byte offset and the remedy;
 * a torn end is cut off; a newer format is refused; format 1 is read and rewritten; check and
 * repair keep every readable line. The commit path against a file handle that fails on cue
 * (EIO at the write, at the sync, short writes, a failed cut-off).
 */
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { AuthX, FileRevocationStore, JournalError } from '../../../lib/index.ts';
import { frameLine, JOURNAL_HEADER, JournalAppender, type JournalHandle } from '../../../lib/authx/state/journal.ts';
import { readJournal } from '../../../lib/authx/state/journal-reader.ts';
import { parseStateRecord } from '../../../lib/authx/state/memory-revocation-store.ts';
import { compactionHooks } from '../../../lib/authx/state/journal-compaction.ts';

const dirs: string[] = [];
const fresh = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'authx-journal-'));
  dirs.push(dir);
  return dir;
};
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});
const exp = (): number => Math.floor(Date.now() / 1000) + 3600;
const owner = (subject: string) => ({ subject, coversMs: Date.now(), cutoffExpiresAt: exp() });
const q = (jti: string) => ({ jti, sub: 'nobody', issuedAtMs: Date.now(), fid: undefined });
const JOURNAL = 'revocations.journal';

async function journalOf(jtis: string[]): Promise<string> {
  const directory = fresh();
  const store = await FileRevocationStore.open({ directory });
  for (const jti of jtis) await store.revoke(jti, exp(), owner(jti));
  await store.close();
  return directory;
}

test('a line damaged mid-file stops the open with the file, the byte offset and how to repair; nothing is dropped silently', async () => {
  const directory = await journalOf(['first', 'second', 'third']);
  const path = join(directory, JOURNAL);
  const text = readFileSync(path, 'utf8');
  const offset = text.indexOf('second') - 5;
  writeFileSync(path, text.replace('second', 'secXnd')); // one flipped byte, checksum unchanged
  await assert.rejects(FileRevocationStore.open({ directory }), (error: unknown) => {
    assert.ok(error instanceof JournalError);
    assert.equal(error.code, 'ERR_STATE_JOURNAL_DAMAGED');
    const lineStart = text.lastIndexOf('\n', offset) + 1;
    assert.equal(error.offset, lineStart);
    assert.match(error.message, new RegExp(`${path} is damaged at byte ${lineStart} \\(checksum mismatch\\)`));
    assert.match(error.message, /npm run state -- check <dir>.*npm run state -- repair <dir>/);
    return true;
  });
  assert.deepEqual(readdirSync(directory), [JOURNAL], 'the refused journal is left as it was, and unlocked');
  assert.equal(readFileSync(path, 'utf8'), text.replace('second', 'secXnd'));
});

test('check lists every damaged line; repair keeps every readable line, reports what it dropped and keeps the old file', async () => {
  const directory = await journalOf(['a1', 'a2', 'a3', 'a4']);
  const path = join(directory, JOURNAL);
  const damaged = readFileSync(path, 'utf8').replace('"a2"', '"b2"').replace('"a4"', '"a4');
  const torn = 'deadbeef [["j","x"'; // a commit cut short by a crash
  writeFileSync(path, `${damaged}${torn}`);
  const report = await FileRevocationStore.check(directory);
  assert.deepEqual(
    report.damage.map((d) => d.reason),
    ['checksum mismatch', 'checksum mismatch'],
  );
  assert.equal(report.records, 2);
  assert.equal(report.tornBytes, torn.length);
  const repair = await FileRevocationStore.repair(directory);
  assert.equal(repair.repaired, true);
  assert.equal(repair.damage.length, 2);
  assert.equal(readFileSync(repair.backup!, 'utf8'), `${damaged}${torn}`);
  const store = await FileRevocationStore.open({ directory });
  try {
    assert.deepEqual(['a1', 'a2', 'a3', 'a4'].map((jti) => store.isRevoked(q(jti))), [true, false, true, false]);
  } finally {
    await store.close();
  }
  assert.equal((await FileRevocationStore.repair(directory)).repaired, false, 'a sound journal is left alone');
});

test('a torn last write (no newline) is cut off at open and counted; the lines before it load', async () => {
  const directory = await journalOf(['kept']);
  const path = join(directory, JOURNAL);
  const sound = readFileSync(path);
  const torn = frameLine([['j', 'torn', exp(), null]]).subarray(0, 20);
  appendFileSync(path, torn);
  const store = await FileRevocationStore.open({ directory });
  try {
    assert.equal(store.isRevoked(q('kept')), true);
    assert.equal(store.stats.tornBytesAtOpen, 20);
    assert.deepEqual(readFileSync(path), sound, 'the torn end is cut off before anything is appended');
    await store.revoke('next', exp(), owner('next'));
  } finally {
    await store.close();
  }
  assert.deepEqual((await FileRevocationStore.check(directory)).damage, []);
});

test('a damaged last line that ends in a newline is not taken for a torn write', async () => {
  const directory = await journalOf(['one', 'two']);
  const path = join(directory, JOURNAL);
  writeFileSync(path, readFileSync(path, 'utf8').replace('"two"', '"twX"'));
  await assert.rejects(FileRevocationStore.open({ directory }), { code: 'ERR_STATE_JOURNAL_DAMAGED' });
});

test('a journal overwritten with zeros (no newline anywhere) is refused and kept, never replaced by an empty one', async () => {
  const directory = await journalOf(['j0', 'j1', 'j2']);
  const path = join(directory, JOURNAL);
  const length = readFileSync(path).length;
  writeFileSync(path, Buffer.alloc(length));
  await assert.rejects(FileRevocationStore.open({ directory }), { code: 'ERR_STATE_JOURNAL_DAMAGED', offset: 0 });
  assert.equal(readFileSync(path).length, length, 'the damaged file is left for check and repair');
  assert.equal((await FileRevocationStore.check(directory)).damage.length, 1);
});

test('an unterminated end that is no torn line (zeros after the last line) is refused', async () => {
  const directory = await journalOf(['kept']);
  appendFileSync(join(directory, JOURNAL), Buffer.alloc(64));
  await assert.rejects(FileRevocationStore.open({ directory }), { code: 'ERR_STATE_JOURNAL_DAMAGED' });
});

test('a last line whose newline was damaged is kept and terminated again, not dropped', async () => {
  const directory = await journalOf(['one', 'two', 'three']);
  const path = join(directory, JOURNAL);
  const bytes = readFileSync(path);
  bytes[bytes.length - 1] = 0x0b;
  writeFileSync(path, bytes);
  const store = await FileRevocationStore.open({ directory });
  try {
    assert.equal(store.isRevoked(q('three')), true);
    await store.revoke('four', exp(), owner('four'));
  } finally {
    await store.close();
  }
  const again = await FileRevocationStore.open({ directory });
  try {
    for (const jti of ['one', 'two', 'three', 'four']) assert.equal(again.isRevoked(q(jti)), true, jti);
  } finally {
    await again.close();
  }
});

test('a journal of a newer format is refused with a message naming the file and what to do; check refuses it too', async () => {
  const directory = fresh();
  const path = join(directory, JOURNAL);
  writeFileSync(path, 'authx-journal 3\nwhatever comes in format 3\n');
  const message = new RegExp(`${path} is format 3, newer than this version of authx-node reads \\(2\\): run the version that wrote it, or move the file away`);
  await assert.rejects(FileRevocationStore.open({ directory }), (error: unknown) => {
    assert.ok(error instanceof JournalError);
    assert.equal(error.code, 'ERR_STATE_JOURNAL_VERSION');
    assert.match(error.message, message);
    return true;
  });
  await assert.rejects(FileRevocationStore.check(directory), message);
  await assert.rejects(FileRevocationStore.repair(directory), message);
  assert.equal(readFileSync(path, 'utf8'), 'authx-journal 3\nwhatever comes in format 3\n');
});

test('a format-1 journal (bare JSON lines) is read, and rewritten as format 2 with checksums', async () => {
  const directory = fresh();
  const path = join(directory, JOURNAL);
  writeFileSync(path, `${JSON.stringify(['j', 'old-1', exp(), null])}\n${JSON.stringify(['s', 'alice', Date.now(), exp()])}\n`);
  const store = await FileRevocationStore.open({ directory });
  try {
    assert.equal(store.isRevoked(q('old-1')), true);
    assert.equal(store.isRevoked({ jti: 'x', sub: 'alice', issuedAtMs: Date.now() - 1000, fid: undefined }), true);
  } finally {
    await store.close();
  }
  const text = readFileSync(path, 'utf8');
  assert.ok(text.startsWith(JOURNAL_HEADER));
  assert.match(text.split('\n')[1]!, /^[0-9a-f]{8} \[\[.*\["j","old-1",/);
});

test('a line with a good checksum but a record this version cannot apply is refused, not skipped', async () => {
  const directory = await journalOf(['known']);
  const path = join(directory, JOURNAL);
  const offset = readFileSync(path).length;
  appendFileSync(path, frameLine([['q', 'a record kind from elsewhere']]));
  appendFileSync(path, frameLine([['j', 'after', exp(), 'after', Date.now()]]));
  await assert.rejects(FileRevocationStore.open({ directory }), { code: 'ERR_STATE_JOURNAL_DAMAGED', offset, message: /\(unreadable record\)/ });
  assert.deepEqual(
    (await FileRevocationStore.check(directory)).damage.map((d) => [d.offset, d.reason]),
    [[offset, 'unreadable record']],
  );
});

test('a file that is no journal at all is refused at byte 0', async () => {
  const directory = fresh();
  writeFileSync(join(directory, JOURNAL), 'hello\n');
  await assert.rejects(FileRevocationStore.open({ directory }), { code: 'ERR_STATE_JOURNAL_DAMAGED', offset: 0 });
});

test('replay reads a journal larger than its read buffer, lines across buffer edges included', async () => {
  const directory = fresh();
  const path = join(directory, JOURNAL);
  const lines = [JOURNAL_HEADER];
  for (let i = 0; i < 20_000; i++) lines.push(frameLine([['j', `jti-${i}-${'z'.repeat(i % 97)}`, exp(), null]]).toString());
  writeFileSync(path, lines.join(''));
  let count = 0;
  const scan = await readJournal(path, { mode: 'replay', parse: parseStateRecord, onLine: (records) => (count += records.length) });
  assert.equal(count, 20_000);
  assert.equal(scan.validEnd, scan.size);
});

test('a refresh costs one journal line and one fdatasync (claim and mark together); a reuse after a reopen is still refused', async () => {
  const directory = fresh();
  let store = await FileRevocationStore.open({ directory });
  const secretKey = 'journal-test-secret-0123456789-abcdefghij';
  let auth = new AuthX({ secretKey, revocationStore: store });
  let refresh = auth.createTokenPair('alice').refresh_token;
  const first = refresh;
  for (let i = 0; i < 3; i++) {
    const before = { commits: store.stats.commits, lines: readFileSync(join(directory, JOURNAL), 'utf8').split('\n').length };
    refresh = (await auth.rotateRefreshToken(refresh)).refresh_token;
    assert.equal(store.stats.commits - before.commits, 1, 'one commit (one fdatasync) per refresh');
    assert.equal(readFileSync(join(directory, JOURNAL), 'utf8').split('\n').length - before.lines, 1, 'one journal line per refresh');
  }
  await store.close();
  store = await FileRevocationStore.open({ directory });
  auth = new AuthX({ secretKey, revocationStore: store });
  try {
    await assert.rejects(auth.rotateRefreshToken(first), { code: 'ERR_REFRESH_TOKEN_REUSED' });
  } finally {
    await store.close();
  }
});

test('a compaction in a worker thread (and in this thread when the worker cannot load the code) keeps every entry', async () => {
  for (const workerExecArgv of [undefined, []]) {
    const directory = fresh();
    compactionHooks.inThreadLimit = 0; // every compaction goes to a worker
    if (workerExecArgv !== undefined) compactionHooks.workerExecArgv = workerExecArgv; // no tsx there on Node 20
    try {
      let store = await FileRevocationStore.open({ directory, compactAfter: 50 });
      for (let i = 0; i < 40; i++) await store.revoke(`kept-${i}`, exp(), owner(`kept-${i}`));
      for (let i = 0; i < 40 && store.stats.compactions === 0; i++) {
        await store.revoke('kept-0', exp(), owner('kept-0')); // lines, no entries: a compaction comes
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      for (let i = 0; store.stats.compactions === 0 && i < 200; i++) {
        await store.revoke(`late-${i}`, exp(), owner(`late-${i}`));
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert.equal(store.stats.compactions, 1, JSON.stringify(store.stats));
      await store.close();
      store = await FileRevocationStore.open({ directory });
      try {
        for (let i = 0; i < 40; i++) assert.equal(store.isRevoked(q(`kept-${i}`)), true, `kept-${i}`);
      } finally {
        await store.close();
      }
    } finally {
      delete compactionHooks.inThreadLimit;
      delete compactionHooks.workerExecArgv;
    }
  }
});

/** A file handle over a Buffer that fails as told. */
function fakeHandle(faults: { shortWrite?: number; writeError?: string; syncError?: string; truncateError?: string }) {
  let file = Buffer.alloc(0);
  const calls: string[] = [];
  const handle = {
    async write(data: Uint8Array, offset: number, length: number, position: number) {
      calls.push(`write ${length}@${position}`);
      if (faults.writeError !== undefined) throw Object.assign(new Error('write'), { code: faults.writeError });
      const n = faults.shortWrite !== undefined ? Math.min(length, faults.shortWrite) : length;
      const grown = Buffer.alloc(Math.max(file.length, position + n));
      file.copy(grown);
      Buffer.from(data.buffer, data.byteOffset + offset, n).copy(grown, position);
      file = grown;
      return { bytesWritten: n, buffer: data };
    },
    async datasync() {
      calls.push('datasync');
      if (faults.syncError !== undefined) throw Object.assign(new Error('sync'), { code: faults.syncError });
    },
    async truncate(length: number) {
      calls.push(`truncate ${length}`);
      if (faults.truncateError !== undefined) throw Object.assign(new Error('truncate'), { code: faults.truncateError });
      file = file.subarray(0, length);
    },
    async close() {},
    async read() {
      return { bytesRead: 0, buffer: Buffer.alloc(0) };
    },
  };
  return { handle: handle as unknown as JournalHandle, calls, file: () => file };
}

test('a commit loops over short writes until every byte is down, then syncs', async () => {
  const fake = fakeHandle({ shortWrite: 7 });
  const appender = new JournalAppender(fake.handle, 0);
  const line = frameLine([['j', 'abc', 1, null]]);
  await appender.append(line);
  assert.deepEqual(fake.file(), line);
  assert.equal(appender.end, line.length);
  assert.equal(fake.calls.at(-1), 'datasync');
  assert.equal(fake.calls.filter((c) => c.startsWith('write')).length, Math.ceil(line.length / 7));
});

test('EIO at the write or at the sync: the commit fails and the file is cut back to its last whole line', async () => {
  for (const faults of [{ writeError: 'EIO' }, { syncError: 'EIO' }, { syncError: 'ENOSPC' }]) {
    const fake = fakeHandle(faults);
    const appender = new JournalAppender(fake.handle, 0);
    await assert.rejects(appender.append(frameLine([['j', 'x', 1, null]])), { code: Object.values(faults)[0] });
    assert.equal(fake.file().length, 0, JSON.stringify(faults));
    assert.equal(fake.calls.at(-1), 'truncate 0');
    assert.equal(appender.end, 0);
  }
});

test('a write that stores nothing is an error, not a silent stop', async () => {
  const fake = fakeHandle({ shortWrite: 0 });
  await assert.rejects(new JournalAppender(fake.handle, 0).append(Buffer.from('abc\n')), { code: 'EIO' });
});

test('when the cut-off fails too, the next commit cuts first, and fails while it cannot', async () => {
  const faults: { syncError?: string; truncateError?: string } = { syncError: 'EIO', truncateError: 'EIO' };
  const fake = fakeHandle(faults);
  const appender = new JournalAppender(fake.handle, 0);
  await assert.rejects(appender.append(Buffer.from('one\n')));
  assert.equal(fake.file().toString(), 'one\n', 'the fragment is still there');
  delete faults.syncError;
  await assert.rejects(appender.append(Buffer.from('two\n')), { code: 'EIO' });
  assert.equal(fake.calls.at(-1), 'truncate 0', 'nothing written behind the fragment');
  delete faults.truncateError;
  await appender.append(Buffer.from('two\n'));
  assert.equal(fake.file().toString(), 'two\n');
});
