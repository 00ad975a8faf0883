/**
 * Verification with rotated keys (previous secrets, named keys with `kid`), the clock tolerance,
 * issuer and audience.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, test } from 'node:test';
import { AuthX, ClaimInvalidError, SignatureInvalidError, TokenExpiredError, UnknownKeyError } from '../../lib/index.ts';
import { inspect, makeAuth, OLD_SECRET, SECRET, testClock } from './authx-helpers.ts';

describe('key rotation', () => {
  test('previousSecretKeys: old tokens still verify, new tokens use the current key', () => {
    const old = makeAuth({ secretKey: OLD_SECRET }).createAccessToken('user1');
    const rotated = makeAuth({ secretKey: SECRET, previousSecretKeys: [OLD_SECRET] });
    assert.equal(rotated.verifyTokenSync(old).sub, 'user1');
    inspect(rotated.createAccessToken('user1'), SECRET); // throws unless signed with the current key
    assert.throws(() => makeAuth({ secretKey: SECRET }).verifyTokenSync(old), SignatureInvalidError);
  });

  test('named keys: the current kid signs, an old kid still verifies, an unknown kid is refused', () => {
    const before = new AuthX({ keys: new Map([['2026-10', OLD_SECRET]]), currentKeyId: '2026-10' });
    const after = new AuthX({ keys: new Map([['2026-11', SECRET], ['2026-10', OLD_SECRET]]), currentKeyId: '2026-11' });
    const oldToken = before.createAccessToken('user1');
    assert.equal(inspect(oldToken, OLD_SECRET).header.kid, '2026-10');
    const newToken = after.createAccessToken('user1');
    assert.deepEqual(inspect(newToken, SECRET).header, { alg: 'HS256', typ: 'JWT', kid: '2026-11' });
    assert.equal(after.verifyTokenSync(oldToken).sub, 'user1');
    const stranger = new AuthX({ keys: new Map([['2026-12', SECRET]]), currentKeyId: '2026-12' }).createAccessToken('user1');
    assert.throws(() => after.verifyTokenSync(stranger), UnknownKeyError);
    assert.throws(() => after.verifyTokenSync(makeAuth().createAccessToken('user1')), UnknownKeyError); // no kid at all
  });

  test('a kid of __proto__ or constructor names no key', () => {
    const named = new AuthX({ keys: new Map([['k1', SECRET]]), currentKeyId: 'k1' });
    for (const kid of ['__proto__', 'constructor', 'toString']) {
      const token = named.createAccessToken('user1');
      const [, payload, ] = token.split('.');
      const header = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid })).toString('base64url');
      const forged = `${header}.${payload}.${createHmac('sha256', SECRET).update(`${header}.${payload}`).digest('base64url')}`;
      assert.throws(() => named.verifyTokenSync(forged), UnknownKeyError, kid);
    }
  });
});

describe('clock tolerance, issuer and audience', () => {
  test('clock tolerance is applied to exp', () => {
    const clock = testClock();
    const strict = makeAuth({ clock });
    const lenient = makeAuth({ clock, clockTolerance: 30 });
    const token = strict.createAccessToken('user1', { expiresIn: 60 });
    clock.now += 60_000; // exactly exp: expired without tolerance (RFC 7519 needs now < exp)
    assert.throws(() => strict.verifyTokenSync(token), TokenExpiredError);
    assert.equal(lenient.verifyTokenSync(token).sub, 'user1');
    clock.now += 29_000;
    assert.equal(lenient.verifyTokenSync(token).sub, 'user1');
    clock.now += 1_000;
    assert.throws(() => lenient.verifyTokenSync(token), TokenExpiredError);
  });

  test('clock tolerance is applied to iat in the future', () => {
    const clock = testClock();
    const token = makeAuth({ clock }).createAccessToken('user1');
    clock.now -= 10_000;
    assert.throws(() => makeAuth({ clock }).verifyTokenSync(token), { name: 'TokenNotYetValidError' });
    assert.equal(makeAuth({ clock, clockTolerance: 10 }).verifyTokenSync(token).sub, 'user1');
  });

  test('issuer and audience are written and required', () => {
    const auth = makeAuth({ issuer: 'https://auth.example', audience: ['api', 'web'] });
    const token = auth.createAccessToken('user1');
    assert.equal(inspect(token).payload.iss, 'https://auth.example');
    assert.deepEqual(inspect(token).payload.aud, ['api', 'web']);
    assert.equal(auth.verifyTokenSync(token).sub, 'user1');
    assert.throws(() => makeAuth({ issuer: 'other' }).verifyTokenSync(token), { claim: 'iss', reason: 'mismatch' });
    assert.throws(() => makeAuth({ audience: 'mobile' }).verifyTokenSync(token), { claim: 'aud', reason: 'mismatch' });
    assert.throws(() => auth.verifyTokenSync(makeAuth().createAccessToken('user1')), ClaimInvalidError);
    assert.equal(makeAuth({ audience: 'web' }).verifyTokenSync(auth.createAccessToken('u', { audience: 'web' })).sub, 'u');
  });
});

test('a clock that answers NaN is a programming error, never "no expiry"', () => {
  const good = makeAuth();
  const expired = good.createAccessToken('u', { expiresIn: 1 });
  const auth = makeAuth({ clock: () => Number.NaN });
  assert.throws(() => auth.verifyTokenSync(expired), /finite/);
  assert.throws(() => auth.createAccessToken('u'), /finite/);
});

test('a per-token lifetime under one second is refused, like the configured ones', () => {
  const auth = makeAuth();
  assert.throws(() => auth.createAccessToken('u', { expiresIn: 0 }), RangeError);
  assert.throws(() => auth.createRefreshToken('u', { expiresIn: 0.5 }), RangeError);
});

test('data or headers with a toJSON member are refused: it would replace what was checked', () => {
  const auth = makeAuth();
  const toJSON = (): unknown => ({ sub: 'admin', type: 'refresh' });
  assert.throws(() => auth.createAccessToken('u', { data: { toJSON } }), TypeError);
  assert.throws(() => auth.createAccessToken('u', { headers: { toJSON } }), TypeError);
});
