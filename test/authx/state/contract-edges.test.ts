/**
 * Edges of the store contract found by an adversarial review, each a test that fails on the
 * code before its fix: a journal replayed in any order keeps the longest revocation; a full
 * store whose entries cannot be folded refuses instead of looping; a write that throws changes
 * nothing (no fold left behind); a login past its user's share returns tokens that work; a
 * refresh token without a family is theft once its successor was used, even within the grace;
 * a signed token with a giant jti is a 401, never a 500.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { AuthX, ClaimInvalidError, FileRevocationStore, MemoryRevocationStore, RefreshTokenReusedError, RevocationStoreFullError, signJwt } from '../../../lib/index.ts';
import { SECRET, START_MS, testClock } from '../authx-helpers.ts';

const SEC = START_MS / 1000;
const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

test('a journal replayed keeps the later expiry of a family revoked twice (the second time shorter)', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'authx-edges-'));
  dirs.push(directory);
  const clock = testClock();
  let store = await FileRevocationStore.open({ directory, clock });
  const owner = { subject: 'alice', coversMs: START_MS, cutoffExpiresAt: SEC + 60 * 86400 };
  await store.revokeFamily('fam', SEC + 60 * 86400, owner);
  await store.revokeFamily('fam', SEC + 20 * 86400, owner);
  await store.close();
  store = await FileRevocationStore.open({ directory, clock });
  clock.now += 25 * 86400_000;
  assert.equal(store.isRevoked({ jti: 'x', sub: 'alice', issuedAtMs: START_MS, fid: 'fam' }), true);
  await store.close();
});

test('a full store whose entries no fold can drop refuses the write instead of looping', () => {
  const clock = testClock();
  const store = new MemoryRevocationStore({ clock, maxEntries: 3 });
  // Entries covering instants after the store's clock (another instance's clock runs ahead).
  const ahead = (subject: string) => ({ subject, coversMs: START_MS + 60_000, cutoffExpiresAt: SEC + 600 });
  store.revoke('a', SEC + 60, ahead('u'));
  store.revoke('b', SEC + 60, ahead('u'));
  store.revoke('c', SEC + 60, ahead('u'));
  assert.throws(() => store.revoke('d', SEC + 60, ahead('v')), RevocationStoreFullError);
  assert.equal(store.fitCapacity(), 0);
});

test('a write that throws changes nothing: the fold it made on the way is undone', () => {
  const clock = testClock();
  const store = new MemoryRevocationStore({ clock, maxEntries: 3 });
  const own = (subject: string, coversMs: number) => ({ subject, coversMs, cutoffExpiresAt: SEC + 600 });
  store.revoke('a1', SEC + 60, own('alice', START_MS - 10));
  store.revoke('a2', SEC + 60, own('alice', START_MS + 60_000)); // cannot be folded now
  store.revoke('c1', SEC + 60, own('carol', START_MS + 60_000));
  assert.throws(() => store.revoke('d', SEC + 60, own('dave', START_MS)), RevocationStoreFullError);
  assert.equal(store.isRevoked({ jti: 'x', sub: 'alice', issuedAtMs: START_MS - 20, fid: undefined }), false, 'alice was not folded by a write that failed');
});

test('a login past its user\'s share folds the older sessions but answers tokens that work', async () => {
  const clock = testClock();
  const auth = new AuthX({ secretKey: SECRET, clock, revocationStore: new MemoryRevocationStore({ clock, maxEntriesPerSubject: 3 }) });
  for (let i = 0; i < 8; i++) {
    clock.now += 1;
    const pair = await auth.createSession('alice');
    assert.equal((await auth.verifyToken(pair.access_token)).sub, 'alice', `login ${i + 1}`);
    assert.equal((await auth.rotateRefreshToken(pair.refresh_token)).subject, 'alice', `refresh after login ${i + 1}`);
  }
});

test('a refresh token without a family: once its successor was used, presenting it again is theft, even within the grace', async () => {
  const clock = testClock();
  const auth = new AuthX({ secretKey: SECRET, clock, revocationStore: new MemoryRevocationStore({ clock }) });
  const lone = auth.createRefreshToken('alice');
  const first = await auth.rotateRefreshToken(lone);
  clock.now += 1000;
  await auth.rotateRefreshToken(first.refresh_token);
  clock.now += 1000;
  await assert.rejects(auth.rotateRefreshToken(lone), RefreshTokenReusedError);
});

test('a signed token with a jti of more than 1024 characters is refused as invalid (401), never a store TypeError', async () => {
  const auth = new AuthX({ secretKey: SECRET });
  const now = Math.floor(Date.now() / 1000);
  const token = signJwt({ sub: 'alice', jti: 'j'.repeat(1025), type: 'access', fresh: false, iat: now, exp: now + 60 }, SECRET);
  await assert.rejects(auth.verifyToken(token), ClaimInvalidError);
});
