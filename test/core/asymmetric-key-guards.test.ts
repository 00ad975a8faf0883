/**
 * lib/core/asymmetric-key.ts on its own: the exact messages of every import guard (options, key
 * kinds, PEM, JWK members, curves, RSA size), how options rebind an imported key, the RSASSA-PSS
 * parameters of RFC 7518 section 3.5 checked by an independent verifier, and the signature
 * length check that OpenSSL alone does not make for PSS.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { constants, createPublicKey, createSecretKey, generateKeyPairSync, verify as cryptoVerify } from 'node:crypto';
import { AsymmetricKey, algorithmsForKeyObject, importKey, type Jwk } from '../../lib/core/asymmetric-key.ts';
import { PAIRS } from './asymmetric-helpers.ts';
import { loadFixture } from './fixtures.ts';

const ALL = 'HS256, HS384, HS512, RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA';
const INPUT = 'eyJhbGciOiJQUzI1NiJ9.e30';

test('importKey options: must be an object of known names', () => {
  for (const options of [null, 5, 'kid']) {
    assert.throws(() => importKey(PAIRS.p256.publicKey, options as never), { name: 'TypeError', message: 'importKey options must be an object' });
  }
  assert.throws(() => importKey(PAIRS.p256.publicKey, { kdi: 'x' } as never), { name: 'TypeError', message: 'importKey options: unknown option "kdi"; did you mean "kid"?' });
  assert.throws(() => importKey(PAIRS.p256.publicKey, { zzzzzz: 1 } as never), { name: 'TypeError', message: 'importKey options: unknown option "zzzzzz"; known options: kid, algorithm' });
});

test('importKey of an AsymmetricKey: no options returns it; kid and algorithm rebind it within what it serves', () => {
  const rsa = importKey(PAIRS.rsa.privateKey, { kid: 'r1' });
  assert.equal(importKey(rsa), rsa);
  assert.equal(importKey(rsa, {}), rsa);
  const renamed = importKey(rsa, { kid: 'r2' });
  assert.equal(renamed.kid, 'r2');
  assert.deepEqual(renamed.algorithms, rsa.algorithms);
  assert.equal(renamed.privateKey, rsa.privateKey);
  const narrowed = importKey(rsa, { algorithm: 'PS256' });
  assert.equal(narrowed.kid, 'r1');
  assert.deepEqual(narrowed.algorithms, ['PS256']);
  assert.equal(narrowed.publicKey, rsa.publicKey);
  // A key already narrowed to PS256 cannot be widened back to RS256.
  assert.throws(() => importKey(narrowed, { algorithm: 'RS256' }), { name: 'TypeError', message: 'algorithm RS256 does not suit this key; it serves PS256' });
});

test('importKey refuses what is not a key, with exact messages', () => {
  for (const input of [null, 42, { kty: 5 }, { n: 'AA' }, undefined]) {
    assert.throws(() => importKey(input as never), { name: 'TypeError', message: 'key must be a KeyObject, a PEM string or a JWK object' });
  }
  assert.throws(() => importKey(createSecretKey(Buffer.alloc(32, 1))), {
    name: 'TypeError',
    message: 'a secret key is not an asymmetric key; pass HMAC secrets as bytes or a string',
  });
  assert.throws(() => importKey({ kty: 'oct', k: 'AAAA' }), { name: 'TypeError', message: 'a JWK of kty "oct" is an HMAC secret, not an asymmetric key' });
});

test('JWK members: kid must be a string, alg a supported algorithm unless the option overrides it', () => {
  const jwk = PAIRS.p256.publicKey.export({ format: 'jwk' });
  for (const kid of [5, null, {}]) {
    assert.throws(() => importKey({ ...jwk, kid } as never), { name: 'TypeError', message: 'JWK "kid" must be a string' });
  }
  assert.throws(() => importKey({ ...jwk, kid: '' } as never), { name: 'TypeError', message: 'kid must be a non-empty string' });
  assert.equal(importKey({ ...jwk, kid: 'j' } as never).kid, 'j');
  assert.equal(importKey({ ...jwk, kid: 'j' } as never, { kid: 'o' }).kid, 'o');
  for (const alg of ['none', 'es256', 5]) {
    assert.throws(() => importKey({ ...jwk, alg } as never), { name: 'TypeError', message: `JWK "alg" must be one of ${ALL}` });
  }
  assert.throws(() => importKey({ ...jwk, alg: 'ES384' } as never), { name: 'TypeError', message: 'algorithm ES384 does not suit this key; it serves ES256' });
  // The option wins over the JWK's own alg, even an unusable one.
  assert.deepEqual(importKey({ ...jwk, alg: 'none' } as never, { algorithm: 'ES256' }).algorithms, ['ES256']);
  assert.deepEqual(importKey({ ...jwk, alg: 'ES256' } as never).algorithms, ['ES256']);
});

test('kid and algorithm options are checked with exact messages', () => {
  for (const kid of ['', 5]) {
    assert.throws(() => importKey(PAIRS.ed25519.publicKey, { kid } as never), { name: 'TypeError', message: 'kid must be a non-empty string' });
  }
  assert.throws(() => importKey(PAIRS.ed25519.publicKey, { algorithm: 'none' } as never), { name: 'TypeError', message: `algorithm must be one of ${ALL}` });
  assert.throws(() => importKey(PAIRS.ed25519.publicKey, { algorithm: 'HS256' }), { name: 'TypeError', message: 'algorithm HS256 does not suit this key; it serves EdDSA' });
  assert.throws(() => importKey(PAIRS.rsa.publicKey, { algorithm: 'ES256' }), {
    name: 'TypeError',
    message: 'algorithm ES256 does not suit this key; it serves RS256, RS384, RS512, PS256, PS384, PS512',
  });
});

test('PEM text: trimmed, a leading byte-order mark ignored, private headers of PKCS#8, PKCS#1 and SEC1 read as private', () => {
  const spki = PAIRS.p256.publicKey.export({ format: 'pem', type: 'spki' }) as string;
  for (const text of [`\n  ${spki}\n\n`, `\ufeff${spki}`]) {
    const key = importKey(text);
    assert.equal(key.privateKey, undefined);
    assert.deepEqual(key.algorithms, ['ES256']);
  }
  // A byte-order mark anywhere but first is not ignored.
  assert.throws(() => importKey(`${spki.slice(0, 40)}\ufeff${spki.slice(40)}`), { name: 'TypeError', message: 'key is not a valid PEM public key' });
  const privates: [string, string][] = [
    ['-----BEGIN PRIVATE KEY-----', PAIRS.p256.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string],
    ['-----BEGIN EC PRIVATE KEY-----', PAIRS.p256.privateKey.export({ format: 'pem', type: 'sec1' }) as string],
    ['-----BEGIN RSA PRIVATE KEY-----', PAIRS.rsa.privateKey.export({ format: 'pem', type: 'pkcs1' }) as string],
  ];
  for (const [header, pem] of privates) {
    assert.ok(pem.startsWith(header));
    const key = importKey(pem);
    assert.ok(key.privateKey !== undefined, header);
    assert.equal(key.privateKey.type, 'private');
  }
  const encrypted = PAIRS.p256.privateKey.export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: 'pw' }) as string;
  assert.ok(encrypted.startsWith('-----BEGIN ENCRYPTED PRIVATE KEY-----'));
  assert.throws(() => importKey(encrypted), { name: 'TypeError', message: 'key is not a valid PEM private key' });
  assert.throws(() => importKey('-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----'), { name: 'TypeError', message: 'key is not a valid PEM private key' });
  assert.throws(() => importKey('-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----'), { name: 'TypeError', message: 'key is not a valid PEM public key' });
  // The first block decides: a public key followed by a private key is read as the public key.
  const pkcs8 = PAIRS.p256.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
  assert.equal(importKey(`${spki}${pkcs8}`).privateKey, undefined);
  assert.equal(importKey(`${pkcs8}${spki}`).privateKey?.type, 'private');
  for (const text of ['just a secret string', '', '-----BEGIN', `x${spki}`]) {
    assert.throws(() => importKey(text), { name: 'TypeError', message: 'key string must be PEM (-----BEGIN ...); HMAC secrets are not keys here' });
  }
});

test('a JWK that is not a valid key: the message says public or private and quotes at most 20 characters of kty', () => {
  assert.throws(() => importKey({ kty: 'EC', crv: 'P-256', x: 'AA', y: 'AA' }), { name: 'TypeError', message: 'JWK is not a valid public key of a supported type (kty "EC")' });
  assert.throws(() => importKey({ kty: 'EC', crv: 'P-256', x: 'AA', y: 'AA', d: 'AA' }), { name: 'TypeError', message: 'JWK is not a valid private key of a supported type (kty "EC")' });
  assert.throws(() => importKey({ kty: 'A'.repeat(40) }), { name: 'TypeError', message: `JWK is not a valid public key of a supported type (kty "${'A'.repeat(19)})` });
  // A JWK with "d" is a private key; without, a public one.
  const privateJwk = PAIRS.ed25519.privateKey.export({ format: 'jwk' });
  assert.equal(importKey(privateJwk as never).privateKey?.type, 'private');
  const { d: _d, ...publicJwk } = privateJwk;
  assert.equal(importKey(publicJwk as never).privateKey, undefined);
});

test('algorithmsForKeyObject: exact messages for other curves, other types, RSA-PSS keys and RSA under 2048 bits', () => {
  assert.deepEqual(algorithmsForKeyObject(PAIRS.ed25519.publicKey), ['EdDSA']);
  assert.deepEqual(algorithmsForKeyObject(PAIRS.p256.publicKey), ['ES256']);
  assert.deepEqual(algorithmsForKeyObject(PAIRS.p384.publicKey), ['ES384']);
  assert.deepEqual(algorithmsForKeyObject(PAIRS.p521.publicKey), ['ES512']);
  assert.deepEqual(algorithmsForKeyObject(PAIRS.rsa.publicKey), ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512']);
  assert.throws(() => algorithmsForKeyObject(generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey), {
    name: 'TypeError',
    message: 'EC key curve is not supported; use P-256 (ES256), P-384 (ES384) or P-521 (ES512)',
  });
  for (const type of ['x25519', 'ed448'] as const) {
    assert.throws(() => importKey(generateKeyPairSync(type as 'x25519').publicKey), {
      name: 'TypeError',
      message: `key type ${type} is not supported; use Ed25519, EC P-256/384/521 or RSA`,
    });
  }
  const pss = generateKeyPairSync('rsa-pss', { modulusLength: 2048 });
  assert.throws(() => importKey(pss.publicKey), { name: 'TypeError', message: 'RSA-PSS-only keys are not supported; a plain RSA key serves PS256/384/512' });
  const small = generateKeyPairSync('rsa', { modulusLength: 1024 });
  assert.throws(() => importKey(small.publicKey), { name: 'RangeError', message: 'RSA key is 1024 bits; RS*/PS* need at least 2048 (RFC 7518 section 3.3)' });
  assert.throws(() => importKey(small.privateKey.export({ format: 'jwk' }) as never), { name: 'RangeError', message: /^RSA key is 1024 bits/ });
});

test('AsymmetricKey: exact messages for a bad algorithm list, an algorithm it does not serve, a public key asked to sign', () => {
  assert.throws(() => new AsymmetricKey(PAIRS.ed25519.publicKey, undefined, ['RS256'], undefined), { name: 'TypeError', message: 'algorithms must be some of EdDSA for this key' });
  assert.throws(() => new AsymmetricKey(PAIRS.ed25519.publicKey, undefined, [], undefined), { name: 'TypeError', message: 'algorithms must be some of EdDSA for this key' });
  assert.throws(() => new AsymmetricKey(PAIRS.rsa.publicKey, undefined, ['PS256', 'ES256'], undefined), {
    name: 'TypeError',
    message: 'algorithms must be some of RS256, RS384, RS512, PS256, PS384, PS512 for this key',
  });
  const both = new AsymmetricKey(PAIRS.rsa.publicKey, PAIRS.rsa.privateKey, ['PS256', 'RS512'], 'k');
  assert.deepEqual(both.algorithms, ['PS256', 'RS512']);
  assert.ok(Object.isFrozen(both.algorithms));
  assert.equal(both.kid, 'k');
  assert.equal(both.supports('RS512'), true);
  assert.equal(both.supports('RS256'), false);
  assert.throws(() => both.sign('RS256', INPUT), { name: 'TypeError', message: 'this key does not serve RS256; it serves PS256, RS512' });
  assert.throws(() => both.verify('RS256', INPUT, 'A'.repeat(342)), { name: 'TypeError', message: 'this key does not serve RS256; it serves PS256, RS512' });
  const pub = importKey(PAIRS.ed25519.publicKey);
  assert.throws(() => pub.sign('EdDSA', INPUT), { name: 'TypeError', message: 'a public key cannot sign; give the private key' });
  // The refusal is not remembered as a failure: the same key still verifies.
  const signed = importKey(PAIRS.ed25519.privateKey).sign('EdDSA', INPUT);
  assert.equal(pub.verify('EdDSA', INPUT, signed), true);
  assert.equal(pub.verify('EdDSA', INPUT, signed), true);
});

test('RSASSA-PSS signatures use MGF1 with the same hash and a salt as long as the hash (RFC 7518 section 3.5)', () => {
  const key = importKey(PAIRS.rsa.privateKey);
  for (const [alg, bytes] of [['PS256', 32], ['PS384', 48], ['PS512', 64]] as const) {
    const sig = Buffer.from(key.sign(alg, INPUT), 'base64url');
    assert.equal(sig.length, 256);
    const options = { key: PAIRS.rsa.publicKey, padding: constants.RSA_PKCS1_PSS_PADDING };
    assert.equal(cryptoVerify(`sha${alg.slice(2)}`, Buffer.from(INPUT), { ...options, saltLength: bytes }, sig), true, alg);
    assert.equal(cryptoVerify(`sha${alg.slice(2)}`, Buffer.from(INPUT), { ...options, saltLength: bytes + 1 }, sig), false, alg);
  }
  // RS* is PKCS#1 v1.5, which an independent verifier accepts as it is.
  const rs = Buffer.from(key.sign('RS384', INPUT), 'base64url');
  assert.equal(cryptoVerify('sha384', Buffer.from(INPUT), PAIRS.rsa.publicKey, rs), true);
});

test('a PSS signature with its leading zero byte dropped is refused, though OpenSSL alone would accept it', () => {
  const v = loadFixture<{ publicJwk: Jwk; signingInput: string; signature: string }>('pss-leading-zero.json');
  const sig = Buffer.from(v.signature, 'base64url');
  assert.equal(sig.length, 256);
  assert.equal(sig[0], 0);
  const short = sig.subarray(1);
  const publicKey = createPublicKey({ key: v.publicJwk as never, format: 'jwk' });
  const options = { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 };
  assert.equal(cryptoVerify('sha256', Buffer.from(v.signingInput), options, short), true, 'OpenSSL accepts the short form');
  const key = importKey(v.publicJwk);
  assert.equal(key.verify('PS256', v.signingInput, v.signature), true);
  assert.equal(key.verify('PS256', v.signingInput, short.toString('base64url')), false);
});

test('verify: a signature that is not base64url, or of another length, is false, never an exception', () => {
  const key = importKey(PAIRS.p256.privateKey);
  const sig = key.sign('ES256', INPUT);
  assert.equal(sig.length, 86);
  assert.equal(key.verify('ES256', INPUT, sig), true);
  for (const bad of [`${sig.slice(0, 85)}*`, `${sig.slice(0, 84)}==`, sig.slice(1), `${sig}A`, '']) {
    assert.equal(key.verify('ES256', INPUT, bad), false, bad);
  }
});
