/**
 * The revocation model through AuthX with the memory store: one token, a subject cut-off at
 * millisecond precision (defect #5 of issue #10), a family, claims, the per-subject bound, and
 * one store call per verification.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MemoryRevocationStore, RevokedTokenError, type RevocationCheck, type RevocationStore } from '../../../lib/index.ts';
import { makeAuth, testClock, START_MS } from '../authx-helpers.ts';

describe('subject cut-off (log out everywhere)', () => {
  test('same second: a token issued 1 ms before the cut-off is refused, one issued 1 ms after works', async () => {
    const clock = testClock(START_MS + 500); // mid-second, so all three instants share one iat
    const auth = makeAuth({ clock });
    clock.now -= 1;
    const before = auth.createAccessToken('user1');
    clock.now += 1;
    const atCutoff = auth.createAccessToken('user1');
    await auth.revokeAllTokens('user1');
    clock.now += 1;
    const after = auth.createAccessToken('user1');
    assert.equal(Math.floor((START_MS + 499) / 1000), Math.floor((START_MS + 501) / 1000), 'precondition: one second');
    assert.throws(() => auth.verifyTokenSync(before), RevokedTokenError);
    assert.throws(() => auth.verifyTokenSync(atCutoff), RevokedTokenError, 'the cut-off instant itself is refused');
    assert.equal(auth.verifyTokenSync(after).sub, 'user1');
    assert.equal(auth.verifyTokenSync(auth.createAccessToken('user2')).sub, 'user2', 'other subjects are untouched');
  });

  test('a token without a UUIDv7 jti (another issuer) counts from the start of its iat second', () => {
    const store = new MemoryRevocationStore({ clock: () => START_MS });
    store.revokeSubject('u', START_MS + 999, START_MS / 1000 + 60);
    const check = (issuedAtMs: number): boolean => store.isRevoked({ jti: 'x', sub: 'u', issuedAtMs, fid: undefined });
    assert.equal(check(START_MS + 999), true);
    assert.equal(check(START_MS + 1000), false);
  });

  test('a cut-off never moves backwards and expires', () => {
    const clock = testClock();
    const store = new MemoryRevocationStore({ clock });
    const at = (issuedAtMs: number): RevocationCheck => ({ jti: 'x', sub: 'u', issuedAtMs, fid: undefined });
    store.revokeSubject('u', START_MS + 5000, START_MS / 1000 + 60);
    store.revokeSubject('u', START_MS + 1000, START_MS / 1000 + 30);
    assert.equal(store.isRevoked(at(START_MS + 4000)), true);
    clock.now += 60_000;
    assert.equal(store.isRevoked(at(START_MS + 4000)), false);
    assert.equal(store.size, 0);
  });
});

describe('families and claims', () => {
  test('revokeFamily refuses every token carrying the fid, and only those', async () => {
    const auth = makeAuth();
    const a = auth.createRefreshToken('user1', { data: { fid: 'fam-1' } });
    const b = auth.createAccessToken('user1', { data: { fid: 'fam-1' } });
    const c = auth.createAccessToken('user1', { data: { fid: 'fam-2' } });
    await auth.revokeFamily('fam-1', 'user1', auth.verifyTokenSync(a, { type: 'refresh' }).exp);
    assert.throws(() => auth.verifyTokenSync(a, { type: 'refresh' }), RevokedTokenError);
    assert.throws(() => auth.verifyTokenSync(b), RevokedTokenError);
    assert.equal(auth.verifyTokenSync(c).fid, 'fam-2');
  });

  test('a malformed fid claim is refused, not ignored', () => {
    const auth = makeAuth();
    for (const fid of [7, '', ['x']]) {
      assert.throws(() => auth.verifyTokenSync(auth.createAccessToken('u', { data: { fid } })), { code: 'ERR_JWT_CLAIM_INVALID' }, String(fid));
    }
  });

  test('retire: the first caller claims, later callers read the stored value, expiry frees the key', () => {
    const clock = testClock();
    const store = new MemoryRevocationStore({ clock });
    const exp = START_MS / 1000 + 10;
    const owner = { subject: 'u', coversMs: START_MS, cutoffExpiresAt: exp + 60 };
    assert.deepEqual(store.retire({ key: 'rt:a', value: 'b', expiresAt: exp, owner }), { outcome: 'claimed' });
    assert.deepEqual(store.retire({ key: 'rt:a', value: 'c', expiresAt: exp, owner }), { outcome: 'taken', value: 'b', markMs: 0 });
    clock.now += 10_000;
    assert.deepEqual(store.retire({ key: 'rt:a', value: 'c', expiresAt: exp + 10, owner }), { outcome: 'claimed' });
    assert.throws(() => store.retire({ key: '', value: 'x', expiresAt: exp, owner }), TypeError);
  });
});

describe('per-subject share', () => {
  test('past its share a logout folds the subject into a cut-off; a token issued after it works', async () => {
    const clock = testClock();
    const store = new MemoryRevocationStore({ clock, maxEntriesPerSubject: 2 });
    const auth = makeAuth({ clock, revocationStore: store });
    const results = [];
    for (let i = 0; i < 3; i++) {
      clock.now += 1;
      results.push(await auth.revokeToken(auth.verifyTokenSync(auth.createAccessToken('u'))));
    }
    assert.deepEqual(results, ['token', 'token', 'subject']);
    clock.now += 1;
    assert.equal(auth.verifyTokenSync(auth.createAccessToken('u')).sub, 'u', 'a token after the cut-off works');
    assert.equal(store.size, 1, 'the fold left one cut-off and dropped the entries it covers');
    await assert.rejects(auth.revokeToken({ jti: 'j', exp: 1, sub: 'u' }, { perSubjectLimit: 2 } as never), /unknown revokeToken option "perSubjectLimit"/);
  });

  test('a full store folds the heaviest subject, never a light one', async () => {
    const clock = testClock();
    const store = new MemoryRevocationStore({ clock, maxEntries: 6 });
    const owner = (subject: string) => ({ subject, coversMs: START_MS, cutoffExpiresAt: START_MS / 1000 + 600 });
    const exp = START_MS / 1000 + 60;
    for (let i = 0; i < 4; i++) store.revoke(`heavy-${i}`, exp, owner('heavy'));
    store.revoke('light-1', exp, owner('light'));
    store.revoke('other-1', exp, owner('other'));
    clock.now += 1;
    assert.equal(store.revoke('light-2', exp, owner('light')), 'token');
    const at = (sub: string, jti = 'x') => ({ jti, sub, issuedAtMs: START_MS, fid: undefined });
    assert.equal(store.isRevoked(at('heavy')), true, 'the heaviest subject pays');
    assert.equal(store.isRevoked(at('light')), false);
    assert.equal(store.isRevoked(at('light', 'light-1')), true);
    assert.equal(store.isRevoked(at('other', 'other-1')), true);
  });
});

test('verification asks the store one question per token, synchronously for a sync store', () => {
  const calls: RevocationCheck[] = [];
  const inner = new MemoryRevocationStore();
  const store: RevocationStore = {
    isRevoked: (check) => (calls.push(check), inner.isRevoked(check)),
    revoke: (...a) => inner.revoke(...a),
    revokeSubject: (...a) => inner.revokeSubject(...a),
    revokeFamily: (...a) => inner.revokeFamily(...a),
    retire: (r) => inner.retire(r),
    recordSession: (s) => inner.recordSession(s),
    listSessions: (sub) => inner.listSessions(sub),
  };
  const clock = testClock(START_MS + 123);
  const auth = makeAuth({ clock, revocationStore: store });
  const payload = auth.verifyTokenSync(auth.createAccessToken('u', { data: { fid: 'f' } }));
  assert.deepEqual(calls, [{ jti: payload.jti, sub: 'u', issuedAtMs: START_MS + 123, fid: 'f' }]);
  assert.throws(() => makeAuth({ revocationStore: { isRevoked: () => false } as never }), /lacks the method\(s\) revoke, revokeFamily, revokeSubject, retire, recordSession, listSessions/);
});
