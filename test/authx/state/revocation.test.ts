/**
 * Revocation: a revoked token is refused over HTTP, the in-memory store forgets entries when
 * their token would have expired, and it never grows past its cap.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { errorToHttp, MemoryRevocationStore, RevocationStoreFullError, RevokedTokenError, TokenExpiredError } from '../../../lib/index.ts';
import { makeAuth, sendJson, startServer, testClock, type TestServer } from '../authx-helpers.ts';

describe('revoked tokens over node:http', () => {
  const auth = makeAuth();
  let server: TestServer;
  before(async () => {
    server = await startServer(
      auth.handleErrors(async (req, res) => {
        const payload = await auth.verifyToken(await auth.getAccessTokenFromRequest(req));
        if (req.url === '/logout') await auth.revokeToken(payload);
        sendJson(res, 200, { sub: payload.sub });
      }),
    );
  });
  after(() => server.close());

  test('a revoked token is refused with 401 RevokedTokenError; other tokens still work', async () => {
    const token = auth.createAccessToken('user1');
    const other = auth.createAccessToken('user1');
    const headers = { authorization: `Bearer ${token}` };
    assert.equal((await fetch(`${server.url}/logout`, { headers })).status, 200);
    const response = await fetch(`${server.url}/me`, { headers });
    assert.equal(response.status, 401);
    assert.deepEqual(await response.json(), { detail: 'Token has been revoked' });
    assert.match(response.headers.get('www-authenticate')!, /error="invalid_token"/);
    assert.equal((await fetch(`${server.url}/me`, { headers: { authorization: `Bearer ${other}` } })).status, 200);
  });
});

/** A revocation check for a jti alone, and an owner of its own (no share is ever full). */
const byJti = (jti: string) => ({ jti, sub: 'nobody', issuedAtMs: 0, fid: undefined });
const own = (jti: string) => ({ subject: `owner-${jti}`, coversMs: 0, cutoffExpiresAt: 0 });

describe('MemoryRevocationStore', () => {
  test('the store forgets a revocation once the token has expired', () => {
    const clock = testClock();
    const store = new MemoryRevocationStore({ clock });
    const auth = makeAuth({ clock, revocationStore: store });
    const payload = auth.verifyTokenSync(auth.createAccessToken('user1', { expiresIn: 60 }));
    store.revoke(payload.jti, payload.exp, own(payload.jti));
    assert.equal(store.isRevoked(byJti(payload.jti)), true);
    clock.now += 59_000;
    assert.equal(store.isRevoked(byJti(payload.jti)), true);
    clock.now += 1_000;
    assert.equal(store.isRevoked(byJti(payload.jti)), false);
    assert.equal(store.size, 0);
  });

  test('revokeToken keeps the entry through the clock tolerance, while the token still verifies', async () => {
    const clock = testClock();
    const store = new MemoryRevocationStore({ clock });
    const auth = makeAuth({ clock, clockTolerance: 30, revocationStore: store });
    const token = auth.createAccessToken('user1', { expiresIn: 60 });
    const { jti } = auth.verifyTokenSync(token);
    await auth.revokeToken(auth.verifyTokenSync(token));
    clock.now += 80_000; // past exp, within tolerance: the token itself would still verify
    assert.throws(() => auth.verifyTokenSync(token), RevokedTokenError);
    clock.now += 10_000; // past exp + tolerance: expired, and the store may forget it
    assert.throws(() => auth.verifyTokenSync(token), TokenExpiredError);
    assert.equal(store.isRevoked(byJti(jti)), false);
    assert.equal(store.size, 0);
  });

  test('a revoke call sweeps expired entries at most once per sweepInterval', () => {
    const clock = testClock();
    const store = new MemoryRevocationStore({ clock, sweepInterval: 60 });
    const now = clock.now / 1000;
    for (let i = 0; i < 100; i++) store.revoke(`short-${i}`, now + 10, own(`short-${i}`));
    assert.equal(store.size, 100);
    clock.now += 20_000;
    store.revoke('later', now + 1000, own('later')); // within the interval: no sweep yet
    assert.equal(store.size, 101);
    clock.now += 50_000;
    store.revoke('much-later', now + 1000, own('much-later'));
    assert.equal(store.size, 2);
  });

  test('the store never holds more than maxEntries; when full of live entries it refuses instead of forgetting', () => {
    const clock = testClock();
    const store = new MemoryRevocationStore({ clock, maxEntries: 3 });
    const now = clock.now / 1000;
    store.revoke('a', now + 10, own('a'));
    store.revoke('b', now + 100, own('b'));
    store.revoke('c', now + 100, own('c'));
    assert.throws(() => store.revoke('d', now + 100, own('d')), (error: unknown) => error instanceof RevocationStoreFullError && error.code === 'ERR_REVOCATION_STORE_FULL');
    assert.equal(store.isRevoked(byJti('a')), true);
    store.revoke('c', now + 200, own('c')); // an existing entry may be extended when full
    clock.now += 10_000; // 'a' expires: the next revoke makes room by sweeping
    store.revoke('d', now + 100, own('d'));
    assert.equal(store.size, 3);
    assert.deepEqual(['a', 'b', 'c', 'd'].map((j) => store.isRevoked(byJti(j))), [false, true, true, true]);
  });

  test('revoking an already expired token stores nothing', () => {
    const clock = testClock();
    const store = new MemoryRevocationStore({ clock });
    store.revoke('old', clock.now / 1000 - 1, own('old'));
    assert.equal(store.size, 0);
  });

  test('sweep() drops expired entries on demand', () => {
    const clock = testClock();
    const store = new MemoryRevocationStore({ clock });
    store.revoke('a', clock.now / 1000 + 1, own('a'));
    clock.now += 1_000;
    store.sweep();
    assert.equal(store.size, 0);
  });

  test('bad arguments are refused', () => {
    assert.throws(() => new MemoryRevocationStore({ maxEntries: 0 }), RangeError);
    assert.throws(() => new MemoryRevocationStore({ sweepInterval: Number.NaN }), RangeError);
    const store = new MemoryRevocationStore();
    assert.throws(() => store.revoke('', 1, own('')), TypeError);
    assert.throws(() => store.revoke('a', Number.POSITIVE_INFINITY, own('a')), TypeError);
  });

  test('revokeToken refuses a payload without jti or exp', async () => {
    const auth = makeAuth();
    await assert.rejects(auth.revokeToken({ jti: '', exp: 1, sub: 'u' }), TypeError);
    await assert.rejects(auth.revokeToken({ jti: 'a', exp: 1 } as never), TypeError);
    await assert.rejects(auth.revokeToken({ jti: 'a' } as never), TypeError);
  });

  test('a custom store answering with any truthy value revokes (never fails open)', async () => {
    const expiries = new Map<string, number>();
    const store = {
      isRevoked: (check: { jti: string }) => expiries.get(check.jti) as unknown as boolean,
      revoke: (jti: string, exp: number) => (expiries.set(jti, exp), 'token' as const),
      revokeSubject: () => {},
      revokeFamily: () => 'token' as const,
      retire: () => ({ outcome: 'claimed' as const }),
      recordSession: () => {},
      listSessions: () => [],
    };
    const auth = makeAuth({ revocationStore: store });
    const token = auth.createAccessToken('u');
    assert.equal(auth.verifyTokenSync(token).sub, 'u'); // undefined: not revoked
    await auth.revokeToken(auth.verifyTokenSync(token));
    assert.throws(() => auth.verifyTokenSync(token), RevokedTokenError);
    await assert.rejects(auth.verifyToken(token), RevokedTokenError);
  });

  test('each AuthX gets its own default store', async () => {
    const first = makeAuth();
    const second = makeAuth();
    const token = first.createAccessToken('u');
    await first.revokeToken(first.verifyTokenSync(token));
    assert.throws(() => first.verifyTokenSync(token), RevokedTokenError);
    assert.equal(second.verifyTokenSync(token).sub, 'u');
  });
});

test('a full revocation store is answered 503 with Retry-After, not a bare 500', async () => {
  const clock = testClock();
  const store = new MemoryRevocationStore({ clock, maxEntries: 1 });
  const auth = makeAuth({ clock, revocationStore: store });
  await auth.revokeToken(auth.verifyTokenSync(auth.createAccessToken('a')));
  const error = await auth.revokeToken(auth.verifyTokenSync(auth.createAccessToken('b'))).then(() => undefined, (e: unknown) => e);
  assert.ok(error instanceof RevocationStoreFullError);
  const answer = errorToHttp(error);
  assert.equal(answer.status, 503);
  assert.equal(answer.headers['retry-after'], '60');
  assert.equal(answer.headers['www-authenticate'], undefined);
  assert.deepEqual(answer.body, { detail: 'Too many revoked tokens are held right now; try again later' });
});
