/**
 * HS384 and HS512 in signJwt/verifyJwt (lib/core/jwt.ts, lib/core/secret.ts): the algorithm is
 * chosen by the caller, never by the token; minimum secret lengths follow RFC 7518 section 3.2;
 * string secrets come from a bounded cache (lib/core/secret-cache.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { signJwt, verifyJwt, verifyJwtComplete } from '../../lib/core/jwt.ts';
import { prepareHmacKey } from '../../lib/core/hmac.ts';
import { Keyring } from '../../lib/core/keyring.ts';
import { SECRET_CACHE_SIZE, cachedSecretKey } from '../../lib/core/secret-cache.ts';
import { NOW, NOW_DATE, b64 } from './jwt-helpers.ts';

const at = { currentDate: NOW_DATE };
const SECRET64 = 'x'.repeat(64);
const payload = { sub: 'user1', iat: NOW - 10, exp: NOW + 900 };

function hsToken(alg: string, hashName: string, secret: string, body: unknown = payload): string {
  const input = `${b64(JSON.stringify({ alg, typ: 'JWT' }))}.${b64(JSON.stringify(body))}`;
  return `${input}.${createHmac(hashName, secret).update(input).digest('base64url')}`;
}

test('HS384 and HS512 tokens sign with the requested algorithm and match createHmac', () => {
  for (const [alg, hashName, length] of [['HS384', 'sha384', 64], ['HS512', 'sha512', 86]] as const) {
    const token = signJwt(payload, SECRET64, { algorithm: alg });
    assert.equal(token, hsToken(alg, hashName, SECRET64));
    assert.equal(token.split('.')[2]!.length, length);
    assert.deepEqual(verifyJwtComplete(token, SECRET64, { ...at, algorithms: [alg] }).header, { alg, typ: 'JWT' });
  }
});

test('a secret verifies only HS256 unless algorithms lists HS384/HS512', () => {
  const hs512 = hsToken('HS512', 'sha512', SECRET64);
  assert.throws(() => verifyJwt(hs512, SECRET64, at), { code: 'ERR_JWT_ALG_NOT_ALLOWED' });
  assert.throws(() => verifyJwt(hs512, SECRET64, { ...at, algorithms: ['HS256', 'HS384'] }), { code: 'ERR_JWT_ALG_NOT_ALLOWED' });
  assert.deepEqual(verifyJwt(hs512, SECRET64, { ...at, algorithms: ['HS256', 'HS512'] }), payload);
  assert.deepEqual(verifyJwt(hsToken('HS256', 'sha256', SECRET64), SECRET64, { ...at, algorithms: ['HS256', 'HS512'] }), payload);
});

test('an HS512 token whose header is rewritten to HS256 or HS384 fails', () => {
  const [, body, sig] = hsToken('HS512', 'sha512', SECRET64).split('.');
  for (const alg of ['HS256', 'HS384']) {
    const forged = `${b64(JSON.stringify({ alg, typ: 'JWT' }))}.${body}.${sig}`;
    assert.throws(() => verifyJwt(forged, SECRET64, { ...at, algorithms: ['HS256', 'HS384', 'HS512'] }), { code: 'ERR_JWT_SIGNATURE_INVALID' });
  }
});

test('minimum secret length is the hash output size: 32, 48, 64 bytes (RFC 7518 section 3.2)', () => {
  for (const [alg, min] of [['HS256', 32], ['HS384', 48], ['HS512', 64]] as const) {
    assert.throws(() => signJwt({}, 'k'.repeat(min - 1), { algorithm: alg, expiresIn: 60 }), (e: Error) => e instanceof RangeError && e.message.includes(`${alg} needs at least ${min}`));
    assert.ok(signJwt({}, 'k'.repeat(min), { algorithm: alg, expiresIn: 60 }));
    assert.throws(() => verifyJwt(hsToken(alg, 'sha256', 'k'.repeat(min - 1)), 'k'.repeat(min - 1), { algorithms: [alg] }), RangeError);
    assert.throws(() => signJwt({}, randomBytes(min - 1), { algorithm: alg }), RangeError);
  }
});

test('a prepared key serves its own hash only; a mismatching algorithm is a TypeError', () => {
  const key = prepareHmacKey(SECRET64, 'sha384');
  const token = signJwt(payload, key);
  assert.equal(JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()).alg, 'HS384');
  assert.deepEqual(verifyJwt(token, key, at), payload);
  assert.throws(() => signJwt(payload, key, { algorithm: 'HS512' }), TypeError);
  assert.throws(() => verifyJwt(token, key, { ...at, algorithms: ['HS256'] }), TypeError);
});

test('unsupported algorithms are refused, never replaced', () => {
  for (const algorithm of ['none', 'HS1', 'hs256', '', 'RS256', 'EdDSA', '__proto__']) {
    assert.throws(() => signJwt({}, SECRET64, { algorithm: algorithm as 'HS256' }), TypeError, algorithm);
  }
  for (const algorithms of [['none'], ['HS1'], [], 'HS256', [1]]) {
    assert.throws(() => verifyJwt(hsToken('HS256', 'sha256', SECRET64), SECRET64, { algorithms: algorithms as ['HS256'] }), TypeError);
  }
  assert.throws(() => verifyJwt(hsToken('HS256', 'sha256', SECRET64), SECRET64, { algorithms: ['RS256'] }), /no HMAC algorithm/);
});

test('a keyring with algorithm HS512 signs HS512 and verifies previous secrets with it', () => {
  const old = 'o'.repeat(64);
  const ring = new Keyring({ current: SECRET64, previous: [old], algorithm: 'HS512' });
  assert.equal(ring.signingAlgorithm, 'HS512');
  assert.deepEqual(verifyJwt(hsToken('HS512', 'sha512', old), ring, at), payload);
  assert.throws(() => verifyJwt(hsToken('HS256', 'sha256', old), ring, at), { code: 'ERR_JWT_ALG_NOT_ALLOWED' });
  assert.throws(() => new Keyring({ current: 'k'.repeat(40), algorithm: 'HS512' }), RangeError);
});

test('the string-secret cache returns one prepared key per secret and algorithm', () => {
  const secret = `cache-${'s'.repeat(60)}`;
  assert.equal(cachedSecretKey(secret, 'HS256', 'secret'), cachedSecretKey(secret, 'HS256', 'secret'));
  assert.notEqual(cachedSecretKey(secret, 'HS256', 'secret'), cachedSecretKey(secret, 'HS512', 'secret'));
});

test('the string-secret cache stores no secret that failed validation', () => {
  const weak = 'short-secret';
  for (let i = 0; i < 2; i++) assert.throws(() => cachedSecretKey(weak, 'HS256', 'secret'), RangeError);
  const pem = `-----BEGIN PUBLIC KEY-----${'A'.repeat(64)}`;
  for (let i = 0; i < 2; i++) assert.throws(() => signJwt({}, pem), /looks like a PEM/);
});

test('the string-secret cache is bounded and zeroes evicted keys', () => {
  const first = cachedSecretKey(`evict-0-${'e'.repeat(40)}`, 'HS384', 'secret');
  const mac = first.sign('m');
  for (let i = 1; i <= SECRET_CACHE_SIZE; i++) cachedSecretKey(`evict-${i}-${'e'.repeat(40)}`, 'HS384', 'secret');
  assert.notDeepEqual(first.sign('m'), mac, 'evicted key was zeroed');
  const again = cachedSecretKey(`evict-0-${'e'.repeat(40)}`, 'HS384', 'secret');
  assert.notEqual(again, first);
  assert.deepEqual(again.sign('m'), mac);
});

test('string secrets sign and verify the same after many distinct secrets churn the cache', () => {
  for (let i = 0; i < 3 * SECRET_CACHE_SIZE; i++) {
    const secret = `churn-${i}-${'c'.repeat(40)}`;
    assert.deepEqual(verifyJwt(signJwt(payload, secret), secret, at), payload);
    assert.equal(signJwt(payload, secret), hsToken('HS256', 'sha256', secret));
  }
});

test('a plain {"alg","typ":"JWT"} header of any algorithm is returned as a fresh, writable object', () => {
  for (const [alg, hashName] of [['HS256', 'sha256'], ['HS384', 'sha384'], ['HS512', 'sha512']] as const) {
    const token = hsToken(alg, hashName, SECRET64);
    const first = verifyJwtComplete(token, SECRET64, { ...at, algorithms: [alg] }).header;
    assert.deepEqual(first, { alg, typ: 'JWT' });
    assert.ok(!Object.isFrozen(first), `${alg}: the header is writable`);
    (first as Record<string, unknown>).kid = 'changed by the caller';
    assert.deepEqual(verifyJwtComplete(token, SECRET64, { ...at, algorithms: [alg] }).header, { alg, typ: 'JWT' }, `${alg}: the next verify is unaffected`);
  }
  // The same header spelled differently (key order) is parsed, not looked up, with the same result.
  const reordered = `${b64(JSON.stringify({ typ: 'JWT', alg: 'HS384' }))}.${b64(JSON.stringify(payload))}`;
  const token = `${reordered}.${createHmac('sha384', SECRET64).update(reordered).digest('base64url')}`;
  assert.deepEqual(verifyJwtComplete(token, SECRET64, { ...at, algorithms: ['HS384'] }).header, { typ: 'JWT', alg: 'HS384' });
});
