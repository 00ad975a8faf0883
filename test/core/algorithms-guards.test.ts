/**
 * The algorithm table (lib/core/algorithms.ts) on its own: the supported `alg` values spelled
 * exactly, each one's hash, minimum key size, curve and signature length (RFC 7518 sections 3.2
 * and 3.4, RFC 8032 section 5.1.6), and the guards that tell an algorithm from anything else.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ALGORITHMS,
  ECDSA_CURVES,
  ED25519_SIGNATURE_BYTES,
  HMAC_HASHES,
  HMAC_MIN_KEY_BYTES,
  MIN_RSA_MODULUS_BITS,
  assertAlgorithm,
  digestOf,
  isAlgorithm,
  isHmacAlgorithm,
} from '../../lib/core/algorithms.ts';

const ALL = ['HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];
const NOT_ALGORITHMS: unknown[] = ['none', 'None', 'NONE', '', 'hs256', 'HS256 ', ' HS256', 'EDDSA', 'Ed25519', 'HS1', 'RS1', 'ES256K',
  'toString', '__proto__', 'constructor', 'length', '0', 0, null, undefined, ['HS256'], { alg: 'HS256' }, new String('HS256')];

test('the supported algorithms are the thirteen of RFC 7518 and RFC 8037, in a fixed order, frozen', () => {
  assert.deepEqual([...ALGORITHMS], ALL);
  assert.ok(Object.isFrozen(ALGORITHMS));
});

test('HMAC hashes and minimum key sizes follow RFC 7518 section 3.2', () => {
  assert.deepEqual({ ...HMAC_HASHES }, { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' });
  assert.deepEqual({ ...HMAC_MIN_KEY_BYTES }, { HS256: 32, HS384: 48, HS512: 64 });
  assert.ok(Object.isFrozen(HMAC_HASHES));
  assert.ok(Object.isFrozen(HMAC_MIN_KEY_BYTES));
  assert.equal(MIN_RSA_MODULUS_BITS, 2048);
});

test('ECDSA curves and signature lengths follow RFC 7518 section 3.4; Ed25519 signs 64 bytes', () => {
  assert.deepEqual(JSON.parse(JSON.stringify(ECDSA_CURVES)), {
    ES256: { curve: 'prime256v1', crv: 'P-256', signatureBytes: 64 },
    ES384: { curve: 'secp384r1', crv: 'P-384', signatureBytes: 96 },
    ES512: { curve: 'secp521r1', crv: 'P-521', signatureBytes: 132 },
  });
  assert.ok(Object.isFrozen(ECDSA_CURVES));
  for (const entry of Object.values(ECDSA_CURVES)) assert.ok(Object.isFrozen(entry));
  assert.equal(ED25519_SIGNATURE_BYTES, 64);
});

test('isAlgorithm accepts exactly the supported names, never a near miss, an inherited key or a non-string', () => {
  for (const alg of ALL) assert.equal(isAlgorithm(alg), true, alg);
  for (const value of NOT_ALGORITHMS) assert.equal(isAlgorithm(value), false, String(value));
});

test('isHmacAlgorithm accepts HS256, HS384 and HS512 only', () => {
  for (const alg of ALL) assert.equal(isHmacAlgorithm(alg), alg.startsWith('HS'), alg);
  for (const value of NOT_ALGORITHMS) assert.equal(isHmacAlgorithm(value), false, String(value));
});

test('digestOf reads the hash size from the name', () => {
  const expected: Record<string, string> = {
    HS256: 'sha256', RS256: 'sha256', PS256: 'sha256', ES256: 'sha256',
    HS384: 'sha384', RS384: 'sha384', PS384: 'sha384', ES384: 'sha384',
    HS512: 'sha512', RS512: 'sha512', PS512: 'sha512', ES512: 'sha512',
  };
  for (const [alg, digest] of Object.entries(expected)) assert.equal(digestOf(alg as never), digest, alg);
});

test('assertAlgorithm returns a supported algorithm and refuses anything else, naming the option and the list', () => {
  for (const alg of ALL) assert.equal(assertAlgorithm(alg, 'algorithm'), alg);
  for (const value of NOT_ALGORITHMS) {
    assert.throws(() => assertAlgorithm(value, 'signJwt options.algorithm'), {
      name: 'TypeError',
      message: 'signJwt options.algorithm must be one of HS256, HS384, HS512, RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA',
    });
  }
});
