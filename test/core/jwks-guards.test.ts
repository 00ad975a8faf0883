/**
 * The local JWK Set of lib/core/jwks.ts on its own: the document guard, which members are
 * skipped and counted (use, key_ops, kid, alg, RSA under 2048 bits, a curve that does not match
 * its coordinates, members that are not objects), and the exact UnknownKeyError of candidates().
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { createLocalJWKSet, LocalJWKSet } from '../../lib/core/jwks.ts';
import { UnknownKeyError } from '../../lib/core/errors.ts';
import type { Jwk } from '../../lib/core/asymmetric-key.ts';
import { PAIRS } from './asymmetric-helpers.ts';

const jwkOf = (key: { export(o: { format: 'jwk' }): object }, extra: object = {}): Jwk => ({ ...key.export({ format: 'jwk' }), ...extra }) as Jwk;

test('a JWK Set document must be an object with a keys array; an empty set is refused with its own message', () => {
  for (const doc of [null, undefined, 5, 'keys', {}, { keys: {} }, { keys: 'x' }]) {
    assert.throws(() => createLocalJWKSet(doc as never), { name: 'TypeError', message: 'a JWK Set must be an object with a "keys" array' });
  }
  for (const keys of [[], [{ kty: 'oct', k: 'AAAA' }], [null, 5]]) {
    assert.throws(() => createLocalJWKSet({ keys } as never), {
      name: 'TypeError',
      message: 'the JWK Set has no usable signature key (EC P-256/384/521, OKP Ed25519, RSA >= 2048 bits)',
    });
  }
  // The class alone takes an empty set; only the factory refuses it.
  assert.equal(new LocalJWKSet({ keys: [] }).keys.length, 0);
});

test('members without use, key_ops, kid or alg are usable; a private JWK is kept as its public half', () => {
  const set = createLocalJWKSet({ keys: [jwkOf(PAIRS.ed25519.publicKey), jwkOf(PAIRS.p256.privateKey)] });
  assert.equal(set.skipped, 0);
  assert.equal(set.keys.length, 2);
  assert.deepEqual(set.keys.map((k) => k.algorithms), [['EdDSA'], ['ES256']]);
  assert.deepEqual(set.keys.map((k) => k.kid), [undefined, undefined]);
  assert.equal(set.keys[1]!.privateKey, undefined);
  assert.ok(Object.isFrozen(set.keys));
});

test('members are skipped and counted: not objects, other kty, use, key_ops, kid, alg, RSA under 2048 bits, curve mismatch', () => {
  const good = jwkOf(PAIRS.p256.publicKey, { kid: 'good' });
  const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey;
  const arrayLike = Object.assign([], good);
  const functionLike = Object.assign(() => {}, good);
  const skipped: unknown[] = [
    null,
    'EC',
    7,
    arrayLike,
    functionLike,
    { ...good, kty: 'oct', k: 'AAAA' },
    { ...good, kty: 'ec' },
    { ...good, use: 'enc' },
    { ...good, use: '' },
    { ...good, key_ops: ['sign'] },
    { ...good, key_ops: [] },
    { ...good, key_ops: 'verify' },
    { ...good, key_ops: { 0: 'verify', length: 1 } },
    { ...good, kid: '' },
    { ...good, kid: 5 },
    { ...good, alg: 'none' },
    { ...good, alg: 'HS256' },
    { ...good, alg: 'ES384' },
    jwkOf(small, { kid: 'small' }),
    { ...good, crv: 'P-384' },
    jwkOf(generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey),
    jwkOf(generateKeyPairSync('x25519').publicKey),
  ];
  const set = createLocalJWKSet({ keys: [...skipped, good] as Jwk[] });
  assert.equal(set.skipped, skipped.length);
  assert.equal(set.keys.length, 1);
  assert.equal(set.keys[0]!.kid, 'good');
  // Each one alone leaves nothing usable.
  for (const member of skipped) {
    assert.equal(new LocalJWKSet({ keys: [member] as Jwk[] }).skipped, 1);
  }
});

test('use "sig", key_ops with verify among others, and a matching alg are usable', () => {
  const base = jwkOf(PAIRS.rsa.publicKey);
  const members = [
    { ...base, kid: 'a', use: 'sig' },
    { ...base, kid: 'b', key_ops: ['sign', 'verify'] },
    { ...base, kid: 'c', alg: 'PS384' },
  ];
  const set = createLocalJWKSet({ keys: members });
  assert.equal(set.skipped, 0);
  assert.deepEqual(set.keys.map((k) => k.kid), ['a', 'b', 'c']);
  assert.deepEqual(set.keys[2]!.algorithms, ['PS384']);
  assert.equal(set.keys[0]!.algorithms.length, 6);
});

test('candidates: kid selects every key with that kid; without kid exactly one key must serve the algorithm', () => {
  const ed = jwkOf(PAIRS.ed25519.publicKey, { kid: 'a' });
  const ec = jwkOf(PAIRS.p256.publicKey, { kid: 'a' });
  const rsa = jwkOf(PAIRS.rsa.publicKey, { kid: 'r' });
  const set = createLocalJWKSet({ keys: [ed, ec, rsa] });
  assert.deepEqual(set.candidates('a', 'EdDSA').map((k) => k.algorithms[0]), ['EdDSA', 'ES256']);
  assert.deepEqual(set.candidates('r', 'EdDSA').map((k) => k.kid), ['r']);
  assert.deepEqual(set.candidates(undefined, 'PS512').map((k) => k.kid), ['r']);
  assert.deepEqual(set.candidates(undefined, 'ES256').map((k) => k.algorithms[0]), ['ES256']);
  const unknown = (kid: string | undefined, alg: 'ES384' | 'EdDSA', message: string) =>
    assert.throws(() => set.candidates(kid, alg), (e: unknown) => {
      assert.ok(e instanceof UnknownKeyError);
      assert.equal(e.code, 'ERR_JWT_KEY_UNKNOWN');
      assert.equal(e.message, message);
      return true;
    });
  unknown('b', 'EdDSA', 'Token key id (kid) is unknown');
  unknown('', 'EdDSA', 'Token key id (kid) is unknown');
  unknown(undefined, 'ES384', 'Token has no key id (kid) and the key set does not have exactly one key for its algorithm');
  const two = createLocalJWKSet({ keys: [ed, jwkOf(generateKeyPairSync('ed25519').publicKey)] });
  assert.throws(() => two.candidates(undefined, 'EdDSA'), { code: 'ERR_JWT_KEY_UNKNOWN', message: 'Token has no key id (kid) and the key set does not have exactly one key for its algorithm' });
  // A kidless key is not selected by a kid, and a kidless token does not pick among named keys of another algorithm.
  assert.deepEqual(two.candidates('a', 'EdDSA').map((k) => k.kid), ['a']);
});

test('has: whether any key carries the kid', () => {
  const set = createLocalJWKSet({ keys: [jwkOf(PAIRS.ed25519.publicKey, { kid: 'a' }), jwkOf(PAIRS.p256.publicKey, { kid: 'b' }), jwkOf(PAIRS.p384.publicKey)] });
  assert.equal(set.has('a'), true);
  assert.equal(set.has('b'), true);
  assert.equal(set.has('c'), false);
  assert.equal(set.has(''), false);
});
