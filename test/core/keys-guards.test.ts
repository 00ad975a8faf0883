/**
 * The key view of lib/core/keys.ts on its own: which algorithms a prepared key serves, the HMAC
 * key that refuses another algorithm, the signature length check, how each input kind resolves,
 * and the exact messages of the signing-key guards.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSecretKey, generateKeyPairSync } from 'node:crypto';
import { importKey } from '../../lib/core/asymmetric-key.ts';
import { prepareHmacKey, HmacKey } from '../../lib/core/hmac.ts';
import {
  defaultAlgorithm,
  isSecretInput,
  keyAlgorithms,
  keySupports,
  resolveKey,
  resolveSigningKey,
  signWithKey,
  verifyWithKey,
} from '../../lib/core/keys.ts';
import { PAIRS } from './asymmetric-helpers.ts';

const SECRET32 = 'k'.repeat(32);
const SECRET64 = 'k'.repeat(64);
const INPUT = 'eyJhbGciOiJIUzI1NiJ9.e30';

test('keyAlgorithms and keySupports: an HMAC key serves its own hash only, an asymmetric key its list', () => {
  const hs512 = prepareHmacKey(SECRET64, 'sha512');
  assert.deepEqual(keyAlgorithms(hs512), ['HS512']);
  assert.equal(keySupports(hs512, 'HS512'), true);
  assert.equal(keySupports(hs512, 'HS256'), false);
  const rsa = importKey(PAIRS.rsa.publicKey);
  assert.deepEqual(keyAlgorithms(rsa), ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512']);
  assert.equal(keySupports(rsa, 'PS384'), true);
  assert.equal(keySupports(rsa, 'ES256'), false);
  assert.equal(defaultAlgorithm(hs512), 'HS512');
  assert.equal(defaultAlgorithm(rsa), 'RS256');
});

test('signWithKey refuses an HMAC key prepared for another algorithm, naming both', () => {
  const hs256 = prepareHmacKey(SECRET32);
  assert.throws(() => signWithKey(hs256, 'HS384', INPUT), { name: 'TypeError', message: 'this HMAC key is prepared for HS256, not HS384' });
  assert.equal(signWithKey(hs256, 'HS256', INPUT), Buffer.from(hs256.sign(INPUT)).toString('base64url'));
});

test('verifyWithKey (HMAC): the canonical signature passes; any other length or text fails', () => {
  for (const hash of ['sha256', 'sha384', 'sha512'] as const) {
    const key = prepareHmacKey(SECRET64, hash);
    const sig = Buffer.from(key.sign(INPUT)).toString('base64url');
    assert.equal(sig.length, Math.ceil((key.macLength * 4) / 3));
    assert.equal(verifyWithKey(key, 'HS256', INPUT, sig), true, hash);
    for (const bad of [sig.slice(1), `${sig}A`, '', `${sig.slice(0, -1)}${sig.endsWith('A') ? 'B' : 'A'}`]) {
      assert.equal(verifyWithKey(key, 'HS256', INPUT, bad), false, `${hash} ${bad.length}`);
    }
  }
});

test('resolveKey: each input kind becomes the right prepared key', () => {
  // A prepared HMAC key is checked and returned as it is; an imported key is returned as it is.
  const hs384 = prepareHmacKey(SECRET64, 'sha384');
  assert.equal(resolveKey(hs384, 'HS256', 'secret'), hs384);
  assert.throws(() => resolveKey(prepareHmacKey('short'), 'HS256', 'mine'), { name: 'RangeError', message: /^mine is 5 bytes; HS256 needs at least 32/ });
  const imported = importKey(PAIRS.p256.privateKey);
  assert.equal(resolveKey(imported, 'HS256', 'secret'), imported);
  // Strings and bytes are secrets for the requested algorithm.
  const fromString = resolveKey(SECRET64, 'HS512', 'secret');
  assert.ok(fromString instanceof HmacKey);
  assert.equal(fromString.hash, 'sha512');
  // String secrets come from the shared cache: the same secret resolves to the same prepared key.
  assert.equal(resolveKey(SECRET64, 'HS512', 'secret'), fromString);
  const fromBytes = resolveKey(Buffer.from(SECRET64), 'HS384', 'secret');
  assert.ok(fromBytes instanceof HmacKey);
  assert.equal(fromBytes.hash, 'sha384');
  assert.throws(() => resolveKey(Buffer.from('short'), 'HS256', 'mine'), { name: 'RangeError', message: /^mine is 5 bytes/ });
  // A secret KeyObject is an HMAC secret over its bytes.
  const secretKey = resolveKey(createSecretKey(Buffer.from(SECRET64)), 'HS512', 'secret');
  assert.ok(secretKey instanceof HmacKey);
  assert.equal(secretKey.hash, 'sha512');
  assert.deepEqual(secretKey.sign(INPUT), prepareHmacKey(SECRET64, 'sha512').sign(INPUT));
  // An asymmetric KeyObject is imported once: the same KeyObject resolves to the same key.
  const pair = generateKeyPairSync('ed25519');
  const first = resolveKey(pair.publicKey, 'HS256', 'secret');
  assert.ok(!(first instanceof HmacKey));
  assert.deepEqual(first.algorithms, ['EdDSA']);
  assert.equal(first.privateKey, undefined);
  assert.equal(resolveKey(pair.publicKey, 'HS256', 'secret'), first);
  // A JWK is imported.
  const jwk = resolveKey(PAIRS.p384.publicKey.export({ format: 'jwk' }) as never, 'HS256', 'secret');
  assert.ok(!(jwk instanceof HmacKey));
  assert.deepEqual(jwk.algorithms, ['ES384']);
});

test('resolveKey refuses an oct JWK with a message naming the option, and non-objects with the secret message', () => {
  assert.throws(() => resolveKey({ kty: 'oct', k: 'AAAA' }, 'HS256', 'verifyKey'), {
    name: 'TypeError',
    message: 'verifyKey: pass an HMAC secret as bytes or a string, not as an "oct" JWK',
  });
  for (const input of [undefined, null, 42]) {
    assert.throws(() => resolveKey(input as never, 'HS256', 'mine'), { name: 'TypeError', message: /^mine must be a string, a Uint8Array or an HmacKey; make one with/ });
  }
});

test('isSecretInput: strings, bytes, HmacKeys and secret KeyObjects only', () => {
  assert.equal(isSecretInput('x'), true);
  assert.equal(isSecretInput(new Uint8Array(1)), true);
  assert.equal(isSecretInput(prepareHmacKey(SECRET32)), true);
  assert.equal(isSecretInput(createSecretKey(Buffer.from(SECRET32))), true);
  assert.equal(isSecretInput(PAIRS.ed25519.publicKey), false);
  assert.equal(isSecretInput(PAIRS.ed25519.privateKey), false);
  assert.equal(isSecretInput({ kty: 'oct', k: 'AAAA' }), false);
  assert.equal(isSecretInput(undefined), false);
});

test('resolveSigningKey: a secret defaults to HS256, a prepared key to its own algorithm', () => {
  const plain = resolveSigningKey(SECRET64, undefined, 'secret');
  assert.equal(plain.alg, 'HS256');
  assert.equal((plain.key as HmacKey).hash, 'sha256');
  const hs512 = prepareHmacKey(SECRET64, 'sha512');
  assert.deepEqual(resolveSigningKey(hs512, undefined, 'secret'), { key: hs512, alg: 'HS512' });
  assert.deepEqual(resolveSigningKey(hs512, 'HS512', 'secret'), { key: hs512, alg: 'HS512' });
  assert.throws(() => resolveSigningKey(hs512, 'HS256', 'mine'), { name: 'TypeError', message: /^mine is prepared for HS512, not HS256; prepare it with prepareHmacKey\(secret, "sha256"\)/ });
  const bytes = resolveSigningKey(Buffer.from(SECRET64), 'HS384', 'secret');
  assert.equal(bytes.alg, 'HS384');
  assert.equal((bytes.key as HmacKey).hash, 'sha384');
  const fromKeyObject = resolveSigningKey(createSecretKey(Buffer.from(SECRET64)), undefined, 'secret');
  assert.equal(fromKeyObject.alg, 'HS256');
  assert.ok(fromKeyObject.key instanceof HmacKey);
});

test('resolveSigningKey guards: exact messages for a secret with an asymmetric algorithm, a key that does not serve it, a public key', () => {
  assert.throws(() => resolveSigningKey(SECRET64, 'ES256', 'signKey'), { name: 'TypeError', message: 'algorithm ES256 needs a private key, but signKey is an HMAC secret' });
  assert.throws(() => resolveSigningKey(createSecretKey(Buffer.from(SECRET64)), 'RS256', 'signKey'), { name: 'TypeError', message: 'algorithm RS256 needs a private key, but signKey is an HMAC secret' });
  assert.throws(() => resolveSigningKey(PAIRS.p256.privateKey, 'ES384', 'signKey'), { name: 'TypeError', message: 'algorithm ES384 does not suit signKey; it serves ES256' });
  assert.throws(() => resolveSigningKey(PAIRS.rsa.privateKey, 'EdDSA', 'signKey'), { name: 'TypeError', message: 'algorithm EdDSA does not suit signKey; it serves RS256, RS384, RS512, PS256, PS384, PS512' });
  assert.throws(() => resolveSigningKey(PAIRS.p256.publicKey, undefined, 'signKey'), { name: 'TypeError', message: 'signKey is a public key; signing needs the private key' });
  const ok = resolveSigningKey(PAIRS.rsa.privateKey, 'PS512', 'signKey');
  assert.equal(ok.alg, 'PS512');
  assert.equal(resolveSigningKey(PAIRS.rsa.privateKey, undefined, 'signKey').alg, 'RS256');
});
