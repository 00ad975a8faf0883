/**
 * The memory store's entry table (lib/authx/state/memory-revocation-store.ts): entries in slots
 * of parallel arrays, each subject's entries linked through them, freed slots reused, a journal
 * replayed line by line with the clock read once. Each test pins what a slip in that bookkeeping
 * would break: a replayed entry lost, a fold that drops another subject's entry or misses one of
 * its own, an undo that does not restore a dropped entry, a reused slot that keeps old data.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { frameLine, JOURNAL_FILE, JOURNAL_HEADER } from '../../../lib/authx/state/journal.ts';
import { FileRevocationStore, MemoryRevocationStore, type Owner, type StateRecord } from '../../../lib/index.ts';
import { START_MS, testClock } from '../authx-helpers.ts';

const SEC = START_MS / 1000;
const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const owner = (subject: string, coversMs = START_MS - 1000): Owner => ({ subject, coversMs, cutoffExpiresAt: SEC + 86_400 });
const revoked = (store: { isRevoked: MemoryRevocationStore['isRevoked'] }, jti: string, sub: string): boolean => store.isRevoked({ jti, sub, issuedAtMs: START_MS + 1, fid: undefined });

/** A journal of `entries` token revocations over `subjects` subjects, one commit a line, every fourth committed twice. */
function writeJournal(directory: string, entries: number, subjects: number, coversMs: (i: number) => number): void {
  const lines: Buffer[] = [Buffer.from(JOURNAL_HEADER, 'latin1')];
  for (let i = 0; i < entries; i++) {
    const record = ['j', `jti-${i}`, SEC + 3600 + (i % 7), `user${i % subjects}`, coversMs(i)];
    lines.push(frameLine([record]));
    if (i % 4 === 0) lines.push(frameLine([record]));
  }
  writeFileSync(join(directory, JOURNAL_FILE), Buffer.concat(lines));
}

test('a replay of a large journal, one commit a line, keeps every entry with its subject', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'authx-table-'));
  dirs.push(directory);
  const entries = 30_000;
  writeJournal(directory, entries, 300, () => START_MS - 1000);
  const store = await FileRevocationStore.open({ directory, clock: testClock(), maxEntries: 50_000, compactAfter: 1e9 });
  try {
    assert.equal(store.size, entries);
    for (let i = 0; i < entries; i++) assert.equal(revoked(store, `jti-${i}`, `user${i % 300}`), true, `jti-${i}`);
    assert.equal(revoked(store, `jti-${entries}`, 'user0'), false);
  } finally {
    await store.close();
  }
});

test('a fold after a replay drops exactly the covered entries of its subject, and no other', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'authx-table-'));
  dirs.push(directory);
  // user0..user9 hold 100 entries each; every third covers an instant after the fold's (a clock ahead).
  writeJournal(directory, 1000, 10, (i) => (i % 3 === 0 ? START_MS + 60_000 : START_MS - 1000));
  const clock = testClock();
  const store = await FileRevocationStore.open({ directory, clock, maxEntriesPerSubject: 100, compactAfter: 1e9 });
  try {
    assert.equal(await store.revoke('one-more', SEC + 60, owner('user3')), 'subject');
    for (let i = 0; i < 1000; i++) {
      const subject = `user${i % 10}`;
      // A folded entry is refused by the cut-off now; the store must have dropped it, not kept it.
      assert.equal(revoked(store, `jti-${i}`, subject), subject === 'user3' ? i % 3 === 0 : true, `jti-${i} of ${subject}`);
    }
    assert.equal(store.isRevoked({ jti: 'fresh', sub: 'user3', issuedAtMs: START_MS, fid: undefined }), true, 'the cut-off refuses what the fold dropped');
    // 1000 entries, user3's 100 minus its 34 that cover instants ahead of the cut-off, the cut-off itself.
    assert.equal(store.size, 1000 - 66 + 1);
  } finally {
    await store.close();
  }
});

test('an undone transaction restores the entries it dropped, with their values, over reused slots', () => {
  const clock = testClock();
  const store = new MemoryRevocationStore({ clock });
  const session = { id: 'fam', subject: 'alice', createdAt: START_MS - 5000, lastUsedAt: START_MS - 4000, expiresAt: SEC + 600, userAgent: 'ua', network: '10.0.0.0/24' };
  store.recordSession(session);
  store.retire({ key: 'claim-1', value: 'successor', expiresAt: SEC + 12, family: { fid: 'fam', retiredMs: START_MS - 3000, expiresAt: SEC + 600 }, owner: owner('alice', START_MS - 3000) });
  const before = store.exportRecords();
  const t = store.transact(() => {
    store.revokeFamily('fam', SEC + 600, owner('alice')); // drops the mark and the session
    store.revoke('other-1', SEC + 60, owner('bob')); // new entries take the freed slots
    store.revoke('other-2', SEC + 60, owner('bob'));
  });
  assert.deepEqual(store.listSessions('alice'), []);
  t.undo();
  assert.deepEqual(store.exportRecords(), before);
  assert.deepEqual(store.listSessions('alice'), [session]);
  assert.equal(revoked(store, 'other-1', 'bob'), false);
  const retry = store.retire({ key: 'claim-1', value: 'x', expiresAt: SEC + 12, family: { fid: 'fam', retiredMs: START_MS - 3000, expiresAt: SEC + 600 }, owner: owner('alice') });
  assert.deepEqual(retry, { outcome: 'taken', value: 'successor', markMs: START_MS - 3000 });
});

test('a slot freed by an expiry and reused holds only its new entry', () => {
  const clock = testClock();
  const store = new MemoryRevocationStore({ clock, sweepInterval: 1 });
  store.recordSession({ id: 's1', subject: 'alice', createdAt: START_MS, lastUsedAt: START_MS, expiresAt: SEC + 5, userAgent: 'old', network: null });
  store.retire({ key: 'c1', value: 'v1', expiresAt: SEC + 5, owner: owner('alice') });
  clock.now += 10_000;
  store.sweep();
  assert.equal(store.size, 0);
  store.revoke('j1', SEC + 600, owner('bob'));
  store.recordSession({ id: 's2', subject: 'carol', createdAt: START_MS, lastUsedAt: START_MS + 10_000, expiresAt: SEC + 600, userAgent: null, network: null });
  assert.deepEqual(store.listSessions('alice'), []);
  assert.deepEqual(store.listSessions('bob'), []);
  assert.deepEqual(store.listSessions('carol').map((s) => [s.id, s.userAgent]), [['s2', null]]);
  assert.deepEqual(store.exportRecords().map((r) => r.slice(0, 2)), [['j', 'j1'], ['n', 's2']]);
});

/** The store's live entries in a fixed order (an undo may give a map another insertion order). */
const state = (store: MemoryRevocationStore): string[] => store.exportRecords().map((r) => JSON.stringify(r)).sort();

test('random writes: a replay of their records and of the export rebuilds the same answers; an undo restores the state', () => {
  let seed = 7;
  const random = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
  const clock = testClock();
  const options = { clock, maxEntries: 60, maxEntriesPerSubject: 12, sweepInterval: 1 };
  const store = new MemoryRevocationStore(options);
  const journal: StateRecord[] = [];
  const subjects = ['a', 'b', 'c', 'd'];
  const keys = Array.from({ length: 40 }, (_, i) => `k${i}`);
  for (let step = 0; step < 3000; step++) {
    const subject = subjects[random(subjects.length)]!;
    const key = keys[random(keys.length)]!;
    const coversMs = clock.now - random(5000);
    const expiresAt = SEC + Math.floor((clock.now - START_MS) / 1000) + 1 + random(30);
    const write = (): unknown => {
      switch (random(6)) {
        case 0:
          return store.revoke(key, expiresAt, owner(subject, coversMs));
        case 1:
          return store.revokeFamily(key, expiresAt, owner(subject, coversMs));
        case 2:
          return store.revokeSubject(subject, coversMs - 2000, expiresAt);
        case 3:
          return store.retire({ key: `c-${key}`, value: `v${step}`, expiresAt, family: { fid: key, retiredMs: coversMs, expiresAt }, owner: owner(subject, coversMs), session: { lastUsedAt: coversMs, expiresAt } });
        default:
          return store.recordSession({ id: key, subject, createdAt: coversMs - 10, lastUsedAt: coversMs, expiresAt, userAgent: `ua${step}`, network: null });
      }
    };
    const before = state(store);
    const t = store.transact(write);
    if (random(5) === 0) {
      t.undo();
      assert.deepEqual(state(store), before, `undo at step ${step}`);
    } else journal.push(...t.records);
    clock.now += random(400);
  }
  // The export rebuilds the state exactly; the journal rebuilds every answer of a verification
  // (a replayed session record keeps the later of two expiries, where the live store replaces it).
  const fromExport = new MemoryRevocationStore(options);
  fromExport.applyRecords(store.exportRecords());
  assert.deepEqual(state(fromExport), state(store));
  const fromJournal = new MemoryRevocationStore(options);
  fromJournal.applyRecords(journal);
  let refused = 0;
  for (const sub of subjects) {
    for (const key of keys) {
      for (const issuedAtMs of [clock.now - 6000, clock.now - 1000, clock.now]) {
        const check = { jti: key, sub, issuedAtMs, fid: key };
        const answer = store.isRevoked(check);
        assert.equal(fromJournal.isRevoked(check), answer, `${key} of ${sub} at ${issuedAtMs}`);
        if (answer) refused++;
      }
    }
  }
  assert.ok(refused > 0 && refused < subjects.length * keys.length * 3, 'the checks see both answers');
});

test('entries that come and go by the thousand leave every live one found and every gone one forgotten', () => {
  const clock = testClock();
  const store = new MemoryRevocationStore({ clock, maxEntries: 1000, sweepInterval: 1 });
  // Waves of 500 tokens living 2 s each, 1 s apart: the table fills with deleted cells and is rebuilt.
  for (let wave = 0; wave < 40; wave++) {
    const now = SEC + wave;
    for (let i = 0; i < 500; i++) store.revoke(`w${wave}-${i}`, now + 2, owner(`user${i % 50}`, clock.now - 1));
    for (const [w, live] of [[wave, true], [wave - 1, true], [wave - 2, false]] as const) {
      for (let i = 0; i < 500; i += 7) assert.equal(revoked(store, `w${w}-${i}`, `user${i % 50}`), w >= 0 && live, `w${w}-${i} at wave ${wave}`);
    }
    clock.now += 1000;
  }
  assert.ok(store.size <= 1000);
});

test('an undo after a lookup outside the transaction dropped its entry as expired (a journal write pending, then failed): nothing hangs, and a later fold drops no other subject\'s entry', () => {
  let now = START_MS;
  const store = new MemoryRevocationStore({ clock: () => now, maxEntriesPerSubject: 3 });
  const alice = (coversMs: number): Owner => ({ subject: 'alice', coversMs, cutoffExpiresAt: SEC + 3600 });
  // The undo of an insert whose entry is gone.
  const inserted = store.transact(() => store.revoke('short', now / 1000 + 1, alice(START_MS - 10)));
  now += 2000;
  assert.equal(revoked(store, 'short', 'alice'), false, 'expired: the lookup drops it');
  inserted.undo();
  // The undo of a rewrite whose entry is gone: bob's revoked token must survive alice's next fold.
  store.revoke('victim', SEC + 3600, { subject: 'bob', coversMs: START_MS - 5, cutoffExpiresAt: SEC + 3600 });
  store.revoke('j1', now / 1000 + 1, alice(START_MS - 10));
  now += 2000;
  const rewritten = store.transact(() => store.revoke('j1', now / 1000 + 1, alice(START_MS - 10)));
  now += 2000;
  assert.equal(revoked(store, 'j1', 'alice'), false);
  rewritten.undo();
  for (let i = 0; i < 5; i++) store.revoke(`a${i}`, now / 1000 + 3600, alice(now - 100));
  assert.equal(store.isRevoked({ jti: 'victim', sub: 'bob', issuedAtMs: START_MS - 5, fid: undefined }), true, 'bob\'s revoked token stays revoked');
  for (let i = 0; i < 5; i++) assert.equal(store.isRevoked({ jti: `a${i}`, sub: 'alice', issuedAtMs: now - 100, fid: undefined }), true);
});

test('applyRecords takes an array only: an array-like object is refused before anything is applied', () => {
  const store = new MemoryRevocationStore({ clock: testClock() });
  const record: StateRecord = ['j', 'jti-x', SEC + 3600, 'user1', START_MS - 1];
  assert.throws(() => store.applyRecords({ length: 1, 0: record } as never), { name: 'TypeError', message: 'a journal line must be an array of state records' });
  assert.equal(revoked(store, 'jti-x', 'user1'), false);
  store.applyRecords([record]);
  assert.equal(revoked(store, 'jti-x', 'user1'), true);
});
