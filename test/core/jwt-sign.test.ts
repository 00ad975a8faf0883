import { test } from 'node:test';
import assert from 'node:assert/strict';
import { signJwt, verifyJwt } from '../../lib/core/jwt.ts';
import { prepareSecret } from '../../lib/core/secret.ts';
import { NOW, NOW_DATE, SECRET, referenceVerify } from './jwt-helpers.ts';

const at = { currentDate: NOW_DATE };

test('sets iat and exp as integer seconds from the injected clock', () => {
  const token = signJwt({ sub: 'user1' }, SECRET, { currentDate: new Date(NOW * 1000 + 999), expiresIn: 900 });
  assert.deepEqual(referenceVerify(token, SECRET).payload, { sub: 'user1', iat: NOW, exp: NOW + 900 });
});

test('expiresIn accepts seconds and unit strings; a bare number is seconds, a unitless string is refused', () => {
  const cases: [number | string, number][] = [[60, 60], [90.9, 90], ['30s', 30], ['15m', 900], ['2h', 7200], ['30d', 2592000], ['1w', 604800]];
  for (const [expiresIn, seconds] of cases) {
    assert.equal(verifyJwt(signJwt({}, SECRET, { ...at, expiresIn }), SECRET, at).exp, NOW + seconds);
  }
  for (const expiresIn of ['120', '15 minutes', '1y', '-5m', '', '1.5h']) {
    assert.throws(() => signJwt({}, SECRET, { expiresIn }), TypeError, expiresIn);
  }
  for (const expiresIn of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
    assert.throws(() => signJwt({}, SECRET, { expiresIn }), RangeError);
  }
});

test('options set sub, iss, aud, jti, nbf and kid', () => {
  const token = signJwt({ role: 'admin' }, SECRET, {
    ...at,
    subject: 'user1',
    issuer: 'https://issuer.example',
    audience: ['api', 'web'],
    jwtId: 'id-1',
    notBefore: '1m',
    expiresIn: '5m',
    kid: '2026-11',
  });
  const { header, payload } = referenceVerify(token, SECRET);
  assert.deepEqual(header, { alg: 'HS256', typ: 'JWT', kid: '2026-11' });
  assert.deepEqual(payload, { role: 'admin', iat: NOW, sub: 'user1', iss: 'https://issuer.example', jti: 'id-1', aud: ['api', 'web'], exp: NOW + 300, nbf: NOW + 60 });
});

test('refuses a payload that already has a claim an option sets', () => {
  assert.throws(() => signJwt({ exp: NOW + 5 }, SECRET, { expiresIn: 60 }), /already has "exp"/);
  assert.throws(() => signJwt({ sub: 'a' }, SECRET, { subject: 'b' }), /already has "sub"/);
  assert.throws(() => signJwt({ aud: 'a' }, SECRET, { audience: 'b' }), /already has "aud"/);
});

test('noTimestamp leaves iat out; a payload iat is kept and anchors exp', () => {
  assert.deepEqual(referenceVerify(signJwt({ a: 1 }, SECRET, { ...at, noTimestamp: true, expiresIn: null }), SECRET).payload, { a: 1 });
  const payload = referenceVerify(signJwt({ iat: NOW - 100 }, SECRET, { ...at, expiresIn: 60 }), SECRET).payload;
  assert.deepEqual(payload, { iat: NOW - 100, exp: NOW - 40 });
});

test('refuses payloads that are not plain objects and registered claims of the wrong type', () => {
  for (const payload of [null, [], 'x', 42]) assert.throws(() => signJwt(payload as never, SECRET), TypeError);
  assert.throws(() => signJwt({ exp: 'tomorrow' as unknown as number }, SECRET), TypeError);
  assert.throws(() => signJwt({ exp: Number.POSITIVE_INFINITY }, SECRET), TypeError);
  assert.throws(() => signJwt({ sub: 42 as unknown as string }, SECRET), TypeError);
  assert.throws(() => signJwt({ aud: [1] as unknown as string[] }, SECRET), TypeError);
  assert.throws(() => signJwt({}, SECRET, { kid: '' }), TypeError);
  assert.throws(() => signJwt({}, SECRET, { currentDate: new Date(Number.NaN) }), TypeError);
});

test('does not modify the payload object it was given', () => {
  const payload = { sub: 'user1' };
  signJwt(payload, SECRET, { expiresIn: 60 });
  assert.deepEqual(payload, { sub: 'user1' });
});

test('a prepared secret signs the same token as the raw secret', () => {
  const options = { ...at, expiresIn: 60 };
  assert.equal(signJwt({ sub: 'a' }, prepareSecret(SECRET), options), signJwt({ sub: 'a' }, SECRET, options));
});

test('refuses a payload with a toJSON method, which would bypass the claim checks', () => {
  const payload = { sub: 'user1', toJSON: () => ({ sub: 'admin', exp: 4_000_000_000 }) };
  assert.throws(() => signJwt(payload, SECRET, { expiresIn: 60 }), /toJSON/);
});

test('refuses to sign a token that would never expire unless asked to: no expiresIn and no exp', () => {
  const message = 'signJwt: the token would never expire; give expiresIn (seconds or "15m"), an exp claim in the payload, or expiresIn: null to sign a token without expiry on purpose';
  for (const payload of [{}, { sub: 'user1' }, { sub: 'user1', nbf: NOW }]) {
    assert.throws(() => signJwt(payload, SECRET, at), (error: unknown) => error instanceof TypeError && error.message === message);
  }
  // Every other option still leaves the token without exp.
  assert.throws(() => signJwt({}, SECRET, { ...at, subject: 'u', notBefore: 5, audience: 'api', noTimestamp: true }), { name: 'TypeError', message });
});

test('an exp claim in the payload is an expiry: signed as given, without expiresIn', () => {
  const token = signJwt({ sub: 'user1', exp: NOW + 60 }, SECRET, at);
  assert.deepEqual(referenceVerify(token, SECRET).payload, { sub: 'user1', exp: NOW + 60, iat: NOW });
});

test('expiresIn: null signs a token without exp on purpose, and never reads a duration', () => {
  const token = signJwt({ sub: 'user1' }, SECRET, { ...at, expiresIn: null });
  assert.deepEqual(referenceVerify(token, SECRET).payload, { sub: 'user1', iat: NOW });
  // null with an exp of the payload's own keeps that exp (null only waives the requirement).
  assert.deepEqual(referenceVerify(signJwt({ exp: NOW + 5 }, SECRET, { ...at, expiresIn: null }), SECRET).payload, { exp: NOW + 5, iat: NOW });
});
