import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSecretKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { AsymmetricKey } from '../../lib/core/asymmetric-key.ts';
import { HmacKey, prepareHmacKey } from '../../lib/core/hmac.ts';
import { signJwt, verifyJwt } from '../../lib/core/jwt.ts';
import { Keyring } from '../../lib/core/keyring.ts';
import { PAIRS } from './asymmetric-helpers.ts';
import { SECRET } from './jwt-helpers.ts';

const OLD = 'old-secret-0123456789-abcdefghijklmnop';
const OTHER = 'other-secret-0123456789-abcdefghijklmn';

test('previous keys still verify; the current key signs', () => {
  const keyring = new Keyring({ current: SECRET, previous: [OLD] });
  assert.ok(verifyJwt(signJwt({ a: 1 }, OLD, { expiresIn: 60 }), keyring));
  assert.ok(verifyJwt(signJwt({ a: 1 }, keyring.signingKey, { expiresIn: 60 }), SECRET));
  assert.throws(() => verifyJwt(signJwt({ a: 1 }, OTHER, { expiresIn: 60 }), keyring), { code: 'ERR_JWT_SIGNATURE_INVALID' });
});

test('named keys: kid selects exactly one key', () => {
  const keyring = new Keyring({ current: 'new', keys: new Map([['new', SECRET], ['old', OLD]]) });
  assert.equal(keyring.signingKid, 'new');
  assert.ok(verifyJwt(signJwt({ a: 1 }, OLD, { expiresIn: 60, kid: 'old' }), keyring));
  // The right key under the wrong kid does not verify: no fallback to trying every key.
  assert.throws(() => verifyJwt(signJwt({ a: 1 }, OLD, { expiresIn: 60, kid: 'new' }), keyring), { code: 'ERR_JWT_SIGNATURE_INVALID' });
  assert.throws(() => verifyJwt(signJwt({ a: 1 }, OLD, { expiresIn: 60, kid: 'gone' }), keyring), { code: 'ERR_JWT_KEY_UNKNOWN' });
});

test('refuses bad keyring configurations', () => {
  assert.throws(() => new Keyring({ current: 'missing', keys: new Map([['k', SECRET]]) }), TypeError);
  assert.throws(() => new Keyring({ current: 'k', keys: new Map() }), TypeError);
  assert.throws(() => new Keyring({ current: 'k', keys: new Map([['k', 'short']]) }), RangeError);
  assert.throws(() => new Keyring({ current: SECRET, previous: ['short'] }), RangeError);
  assert.throws(() => new Keyring({ current: 'k', keys: new Map([['k', SECRET]]), previous: [OLD] }), /either keys/);
});

test('a keyring with only a current key signs and verifies with it, and with nothing else', () => {
  const keyring = new Keyring({ current: SECRET });
  assert.equal(keyring.signingKid, undefined);
  assert.deepEqual(verifyJwt(signJwt({ a: 1 }, keyring.signingKey, { expiresIn: 60 }), keyring), verifyJwt(signJwt({ a: 1 }, keyring.signingKey, { expiresIn: 60 }), SECRET));
  assert.ok(verifyJwt(signJwt({ a: 1 }, SECRET, { expiresIn: 60, kid: 'ignored-without-named-keys' }), keyring));
  assert.throws(() => verifyJwt(signJwt({ a: 1 }, OLD, { expiresIn: 60 }), keyring), { code: 'ERR_JWT_SIGNATURE_INVALID' });
  assert.equal(keyring.candidates(undefined).length, 1);
  assert.equal(keyring.candidates('any').length, 1);
});

test('kids in keys must be non-empty strings; a token kid that is empty or absent names no key', () => {
  for (const kid of ['', 5, null, undefined]) {
    assert.throws(() => new Keyring({ current: 'k', keys: new Map<unknown, string>([['k', SECRET], [kid, OLD]]) as Map<string, string> }), {
      name: 'TypeError',
      message: 'every kid in keys must be a non-empty string',
    });
  }
  const keyring = new Keyring({ current: 'k', keys: new Map([['k', SECRET]]) });
  assert.throws(() => keyring.candidates(undefined), { name: 'UnknownKeyError', message: 'Token key id (kid) is missing or unknown' });
  assert.throws(() => keyring.candidates(''), { code: 'ERR_JWT_KEY_UNKNOWN' });
  assert.throws(() => keyring.candidates('__proto__'), { code: 'ERR_JWT_KEY_UNKNOWN' });
  assert.throws(() => verifyJwt(signJwt({ a: 1 }, SECRET, { expiresIn: 60 }), keyring), { code: 'ERR_JWT_KEY_UNKNOWN' });
  assert.throws(() => new Keyring({ current: 'k', keys: new Map() }), { message: 'keys must be a non-empty Map of kid to key' });
  assert.throws(() => new Keyring({ current: 'k', keys: { k: SECRET } as never }), { message: 'keys must be a non-empty Map of kid to key' });
  assert.throws(() => new Keyring({ current: 'x', keys: new Map([['k', SECRET]]) }), { message: 'with keys, current must be the kid of one of them' });
  assert.throws(() => new Keyring({ current: 5 as never, keys: new Map([['k', SECRET]]) }), { message: 'with keys, current must be the kid of one of them' });
  assert.throws(() => new Keyring({ current: 'k', keys: new Map([['k', SECRET]]), previous: [] }), { message: 'give either keys (named) or previous (unnamed), not both' });
});

const HOW = `make one with: node -e "console.log(require('node:crypto').randomBytes(32).toString('base64url'))"`;

test('an unknown Keyring option is refused, naming the options object', () => {
  assert.throws(() => new Keyring({ current: SECRET, curent: SECRET } as never), {
    name: 'TypeError',
    message: 'Keyring options: unknown option "curent"; did you mean "current"?',
  });
});

test('a short secret is named by where it sits in the ring: secret, previous[i] or keys.get(kid)', () => {
  assert.throws(() => new Keyring({ current: 'short' }), { name: 'RangeError', message: `secret is 5 bytes; HS256 needs at least 32 (RFC 7518 section 3.2), ${HOW}` });
  assert.throws(() => new Keyring({ current: SECRET, previous: [OLD, 'short'] }), { name: 'RangeError', message: `previous[1] is 5 bytes; HS256 needs at least 32 (RFC 7518 section 3.2), ${HOW}` });
  assert.throws(() => new Keyring({ current: 'a', keys: new Map([['a', SECRET], ['b-1', 'short']]) }), {
    name: 'RangeError',
    message: `keys.get("b-1") is 5 bytes; HS256 needs at least 32 (RFC 7518 section 3.2), ${HOW}`,
  });
});

test('prepared HMAC keys and secret KeyObjects are HMAC secrets of the ring', () => {
  const bytes = randomBytes(48);
  const prepared = prepareHmacKey(bytes, 'sha384');
  const ring = new Keyring({ current: prepared });
  assert.equal(ring.signingKey, prepared);
  assert.equal(ring.signingAlgorithm, 'HS384');
  assert.deepEqual(ring.algorithms, ['HS384']);

  const fromKeyObject = new Keyring({ current: createSecretKey(bytes), algorithm: 'HS384' });
  assert.ok(fromKeyObject.signingKey instanceof HmacKey);
  assert.equal(fromKeyObject.signingAlgorithm, 'HS384');
  assert.equal(verifyJwt(signJwt({ a: 1 }, prepared, { expiresIn: 60, algorithm: 'HS384' }), fromKeyObject)['a'], 1);
  assert.throws(() => new Keyring({ current: createSecretKey(randomBytes(16)) }), { name: 'RangeError', message: /^secret is 16 bytes; HS256 needs at least 32/ });
  // A prepared key keeps its own hash; the ring's algorithm must match it.
  assert.throws(() => new Keyring({ current: prepared, algorithm: 'HS512' }), {
    name: 'TypeError',
    message: 'algorithm HS512 does not suit the current key; it serves HS384',
  });
});

test('an algorithm that does not suit the current key is refused, listing what the key serves', () => {
  assert.throws(() => new Keyring({ current: SECRET, algorithm: 'RS256' }), {
    name: 'TypeError',
    message: 'algorithm RS256 does not suit the current key; it serves HS256',
  });
  assert.throws(() => new Keyring({ current: PAIRS.rsa.privateKey, algorithm: 'ES256' }), {
    name: 'TypeError',
    message: 'algorithm ES256 does not suit the current key; it serves RS256, RS384, RS512, PS256, PS384, PS512',
  });
  assert.equal(new Keyring({ current: SECRET, algorithm: 'HS256' }).signingAlgorithm, 'HS256');
});

test('algorithms lists what every key serves, named or not, each once', () => {
  const named = new Keyring({ current: 'a', keys: new Map([['a', SECRET], ['b', OLD]]) });
  assert.deepEqual(named.algorithms, ['HS256']);
  assert.ok(Object.isFrozen(named.algorithms));
  const asymmetric = new Keyring({ current: 'ec', keys: new Map<string, import('node:crypto').KeyObject>([['ec', PAIRS.p256.privateKey], ['ed', PAIRS.ed25519.publicKey]]) });
  assert.deepEqual(asymmetric.algorithms, ['ES256', 'EdDSA']);
  assert.equal(asymmetric.signingAlgorithm, 'ES256');
  assert.deepEqual(new Keyring({ current: PAIRS.ed25519.privateKey, previous: [PAIRS.p384.publicKey] }).algorithms, ['EdDSA', 'ES384']);
});

test('secrets and asymmetric keys never share a ring, named or not', () => {
  const message = 'a keyring holds HMAC secrets or asymmetric keys, not both (algorithm confusion)';
  assert.throws(() => new Keyring({ current: 'a', keys: new Map<string, unknown>([['a', SECRET], ['b', PAIRS.ed25519.publicKey]]) as never }), { name: 'TypeError', message });
  assert.throws(() => new Keyring({ current: PAIRS.ed25519.privateKey, previous: [SECRET] }), { name: 'TypeError', message });
});

test('a bad asymmetric key is named in its TypeError or RangeError; any other error passes unchanged', () => {
  const weak = generateKeyPairSync('rsa', { modulusLength: 1024 });
  assert.throws(() => new Keyring({ current: PAIRS.rsa.privateKey, previous: [weak.publicKey] }), {
    name: 'RangeError',
    message: 'previous[0]: RSA key is 1024 bits; RS*/PS* need at least 2048 (RFC 7518 section 3.3)',
  });
  assert.throws(() => new Keyring({ current: 'k', keys: new Map([['k', { kty: 'EC', crv: 'P-256', x: 'AA', y: 'AA' }]]) as never }), {
    name: 'TypeError',
    message: 'keys.get("k"): JWK is not a valid public key of a supported type (kty "EC")',
  });
  assert.throws(() => new Keyring({ current: 42 as never }), { name: 'TypeError', message: 'secret: key must be a KeyObject, a PEM string or a JWK object' });
  const jwk = PAIRS.ed25519.publicKey.export({ format: 'jwk' });
  const failure = new Error('alg getter failed');
  const hostile = { ...jwk, get alg(): never { throw failure; } };
  assert.throws(() => new Keyring({ current: hostile as never }), (error: unknown) => error === failure);
  // And a good one is imported as is.
  assert.ok(new Keyring({ current: jwk as never }).signingKey instanceof AsymmetricKey);
});
