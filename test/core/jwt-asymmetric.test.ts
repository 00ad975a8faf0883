/**
 * Asymmetric JWS (lib/core/asymmetric-key.ts, lib/core/jwt.ts): every algorithm signs and
 * verifies; keys as KeyObject, PEM or JWK; the key decides the algorithm and every cross-type
 * confusion is refused (RFC 8725 sections 2.1 and 3.1).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, generateKeyPairSync, sign as cryptoSign } from 'node:crypto';
import { signJwt, verifyJwt, verifyJwtComplete } from '../../lib/core/jwt.ts';
import { AsymmetricKey, importKey } from '../../lib/core/asymmetric-key.ts';
import { Keyring } from '../../lib/core/keyring.ts';
import { ASYMMETRIC, PAIRS, signAsymmetric } from './asymmetric-helpers.ts';
import { NOW, NOW_DATE, b64 } from './jwt-helpers.ts';

const at = { currentDate: NOW_DATE };
const payload = { sub: 'user1', iat: NOW - 10, exp: NOW + 900 };
const SECRET = 's'.repeat(64);

function hmacToken(alg: string, secret: string | Buffer, body: object = payload): string {
  const input = `${b64(JSON.stringify({ alg, typ: 'JWT' }))}.${b64(JSON.stringify(body))}`;
  return `${input}.${createHmac(`sha${alg.slice(2)}`, secret).update(input).digest('base64url')}`;
}

test('every asymmetric algorithm signs with the private key and verifies with the public key', () => {
  for (const [alg, pair] of ASYMMETRIC) {
    const token = signJwt(payload, pair.privateKey, { algorithm: alg });
    const { header, payload: verified } = verifyJwtComplete(token, pair.publicKey, { ...at, algorithms: [alg] });
    assert.deepEqual(header, { alg, typ: 'JWT' }, alg);
    assert.deepEqual(verified, payload, alg);
    assert.deepEqual(verifyJwt(signAsymmetric(alg, { alg }, payload, pair.privateKey), pair.publicKey, at), payload, alg);
  }
});

test('the key decides the default algorithm: EdDSA, ES256/384/512 by curve, RS256 for RSA', () => {
  const expected = { ed25519: 'EdDSA', p256: 'ES256', p384: 'ES384', p521: 'ES512', rsa: 'RS256' } as const;
  for (const [name, pair] of Object.entries(PAIRS)) {
    const header = JSON.parse(Buffer.from(signJwt(payload, pair.privateKey).split('.')[0]!, 'base64url').toString());
    assert.equal(header.alg, expected[name as keyof typeof expected]);
  }
});

test('keys are accepted as KeyObject, PEM (SPKI, PKCS#8, PKCS#1) and JWK', () => {
  for (const [alg, pair] of ASYMMETRIC) {
    const pkcs8 = pair.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
    const spki = pair.publicKey.export({ format: 'pem', type: 'spki' }) as string;
    const privateJwk = pair.privateKey.export({ format: 'jwk' });
    const publicJwk = pair.publicKey.export({ format: 'jwk' });
    const token = signJwt(payload, importKey(pkcs8), { algorithm: alg });
    assert.deepEqual(verifyJwt(token, importKey(spki), at), payload, alg);
    assert.deepEqual(verifyJwt(signJwt(payload, privateJwk as never, { algorithm: alg }), publicJwk as never, at), payload, alg);
  }
  const pkcs1 = PAIRS.rsa.publicKey.export({ format: 'pem', type: 'pkcs1' }) as string;
  assert.deepEqual(verifyJwt(signJwt(payload, PAIRS.rsa.privateKey), importKey(pkcs1), at), payload);
});

test('an RSA key under 2048 bits is refused (RFC 7518 section 3.3)', () => {
  const small = generateKeyPairSync('rsa', { modulusLength: 1024 });
  assert.throws(() => importKey(small.publicKey), RangeError);
  assert.throws(() => signJwt(payload, small.privateKey, { algorithm: 'RS256' }), /1024 bits; RS\*\/PS\* need at least 2048/);
  const token = signAsymmetric('RS256', { alg: 'RS256' }, payload, small.privateKey);
  assert.throws(() => verifyJwt(token, small.publicKey, at), RangeError);
});

test('unsupported key types and curves are refused: secp256k1, Ed448, X25519, DSA-like', () => {
  for (const pair of [generateKeyPairSync('ec', { namedCurve: 'secp256k1' }), generateKeyPairSync('ed448'), generateKeyPairSync('x25519')]) {
    assert.throws(() => importKey(pair.publicKey), TypeError);
    assert.throws(() => signJwt(payload, pair.privateKey), TypeError);
  }
});

test('a public key never verifies an HMAC token, even one keyed with the public key bytes', () => {
  for (const [, pair] of ASYMMETRIC) {
    const pem = pair.publicKey.export({ format: 'pem', type: 'spki' }) as string;
    for (const alg of ['HS256', 'HS384', 'HS512'] as const) {
      // The classic confusion: the attacker uses the published key as an HMAC secret.
      for (const secret of [pem, Buffer.from(pem)]) {
        const forged = hmacToken(alg, secret);
        assert.throws(() => verifyJwt(forged, pair.publicKey, at), { code: 'ERR_JWT_ALG_NOT_ALLOWED' });
        assert.throws(() => verifyJwt(forged, importKey(pem), at), { code: 'ERR_JWT_ALG_NOT_ALLOWED' });
        assert.throws(() => verifyJwt(forged, pair.publicKey, { ...at, algorithms: ['HS256', 'HS384', 'HS512', 'RS256', 'ES256', 'EdDSA', 'ES384', 'ES512'] }), { code: 'ERR_JWT_ALG_NOT_ALLOWED' });
      }
      // And the PEM text given where a secret goes is refused as a secret.
      assert.throws(() => verifyJwt(hmacToken(alg, pem), pem, { algorithms: [alg] }), /looks like a PEM/);
    }
  }
});

test('an HMAC secret never verifies an asymmetric token, whatever algorithms allows', () => {
  for (const [alg, pair] of ASYMMETRIC) {
    const token = signAsymmetric(alg, { alg }, payload, pair.privateKey);
    assert.throws(() => verifyJwt(token, SECRET, at), { code: 'ERR_JWT_ALG_NOT_ALLOWED' }, alg);
    assert.throws(() => verifyJwt(token, SECRET, { ...at, algorithms: ['HS256', alg] }), { code: 'ERR_JWT_ALG_NOT_ALLOWED' }, alg);
    assert.throws(() => verifyJwt(token, new Keyring({ current: SECRET }), at), { code: 'ERR_JWT_ALG_NOT_ALLOWED' }, alg);
  }
});

test('a key of one type never verifies a token of another asymmetric algorithm', () => {
  for (const [alg, pair] of ASYMMETRIC) {
    for (const [otherAlg, otherPair] of ASYMMETRIC) {
      if (otherPair === pair) continue;
      const token = signAsymmetric(otherAlg, { alg: otherAlg }, payload, otherPair.privateKey);
      assert.throws(() => verifyJwt(token, pair.publicKey, at), { code: 'ERR_JWT_ALG_NOT_ALLOWED' }, `${alg} key, ${otherAlg} token`);
      // The same header with this key's own algorithm: the signature no longer matches.
      const relabelled = `${b64(JSON.stringify({ alg }))}.${token.split('.').slice(1).join('.')}`;
      assert.throws(() => verifyJwt(relabelled, pair.publicKey, at), { code: 'ERR_JWT_SIGNATURE_INVALID' }, `${alg} key, relabelled ${otherAlg}`);
    }
  }
});

test('none, unknown and misspelt algorithms are refused with ERR_JWT_ALG_NOT_ALLOWED before any claim', () => {
  const hostile = { sub: 7, exp: 'never' };
  for (const [, pair] of ASYMMETRIC) {
    for (const alg of ['none', 'None', '', 'ES256K', 'EdDSA ', 'eddsa', 'RS1', 'Ed25519', null, 1]) {
      const token = `${b64(JSON.stringify({ alg }))}.${b64(JSON.stringify(hostile))}.${'A'.repeat(86)}`;
      assert.throws(() => verifyJwt(token, pair.publicKey, at), { code: 'ERR_JWT_ALG_NOT_ALLOWED' });
    }
    assert.throws(() => verifyJwt(`${b64('{"alg":"none"}')}.${b64(JSON.stringify(payload))}.`, pair.publicKey, at), { code: 'ERR_JWT_ALG_NOT_ALLOWED' });
  }
});

test('algorithms narrows what an RSA key accepts: PS256 only refuses RS256', () => {
  const token = signAsymmetric('RS256', { alg: 'RS256' }, payload, PAIRS.rsa.privateKey);
  assert.throws(() => verifyJwt(token, PAIRS.rsa.publicKey, { ...at, algorithms: ['PS256'] }), { code: 'ERR_JWT_ALG_NOT_ALLOWED' });
  assert.throws(() => verifyJwt(token, PAIRS.rsa.publicKey, { ...at, algorithms: ['ES256'] }), TypeError);
  const jwk = { ...PAIRS.rsa.publicKey.export({ format: 'jwk' }), alg: 'PS256' };
  assert.throws(() => verifyJwt(token, jwk as never, at), { code: 'ERR_JWT_ALG_NOT_ALLOWED' });
  assert.throws(() => importKey(jwk as never, { algorithm: 'ES256' }), TypeError);
});

test('signing refuses a public key, an algorithm the key does not serve, and none', () => {
  assert.throws(() => signJwt(payload, PAIRS.ed25519.publicKey), /public key/);
  assert.throws(() => signJwt(payload, PAIRS.ed25519.privateKey, { algorithm: 'ES256' }), TypeError);
  assert.throws(() => signJwt(payload, PAIRS.p256.privateKey, { algorithm: 'ES384' }), TypeError);
  assert.throws(() => signJwt(payload, PAIRS.rsa.privateKey, { algorithm: 'HS256' }), TypeError);
  assert.throws(() => signJwt(payload, SECRET, { algorithm: 'RS256' }), /needs a private key/);
  assert.throws(() => signJwt(payload, PAIRS.rsa.privateKey, { algorithm: 'none' as 'RS256' }), TypeError);
});

test('ECDSA signatures must be r || s of the exact length: DER, short, long and flipped are refused', () => {
  for (const [alg, pair, size] of [['ES256', PAIRS.p256, 64], ['ES384', PAIRS.p384, 96], ['ES512', PAIRS.p521, 132]] as const) {
    const token = signJwt(payload, pair.privateKey);
    const input = token.slice(0, token.lastIndexOf('.'));
    const der = cryptoSign(`sha${alg.slice(2)}`, Buffer.from(input), pair.privateKey).toString('base64url');
    const raw = Buffer.from(token.split('.')[2]!, 'base64url');
    assert.equal(raw.length, size);
    const flipped = Buffer.from(raw);
    flipped[5]! ^= 1;
    for (const sig of [der, raw.subarray(1).toString('base64url'), Buffer.concat([raw, Buffer.from([0])]).toString('base64url'), flipped.toString('base64url'), '']) {
      assert.throws(() => verifyJwt(`${input}.${sig}`, pair.publicKey, at), { code: 'ERR_JWT_SIGNATURE_INVALID' }, alg);
    }
  }
});

test('non-canonical signature text (trailing bits, padding) is refused for asymmetric tokens', () => {
  const token = signJwt(payload, PAIRS.ed25519.privateKey);
  const sig = token.split('.')[2]!;
  const input = token.slice(0, token.lastIndexOf('.'));
  // 64 bytes = 86 characters whose last carries 4 unused bits.
  const last = sig.at(-1)!;
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const tweaked = sig.slice(0, -1) + alphabet[alphabet.indexOf(last) + 1]!;
  for (const bad of [tweaked, `${sig}==`, `${sig.slice(0, 10)}+${sig.slice(11)}`]) {
    assert.throws(() => verifyJwt(`${input}.${bad}`, PAIRS.ed25519.publicKey, at), { code: 'ERR_JWT_SIGNATURE_INVALID' });
  }
});

test('an expired token signed with the wrong key is a signature error, not an expiry', () => {
  const other = generateKeyPairSync('ed25519');
  const token = signJwt({ sub: 'a', exp: NOW - 100 }, other.privateKey);
  assert.throws(() => verifyJwt(token, PAIRS.ed25519.publicKey, at), { code: 'ERR_JWT_SIGNATURE_INVALID' });
});

test('a private key verifies with its public half', () => {
  const token = signJwt(payload, PAIRS.p256.privateKey);
  assert.deepEqual(verifyJwt(token, PAIRS.p256.privateKey, at), payload);
});

test('importKey refuses junk, secrets and bad PEM without quoting them', () => {
  const bad = '-----BEGIN PUBLIC KEY-----\nTOP-SECRET-GARBAGE\n-----END PUBLIC KEY-----';
  assert.throws(() => importKey(bad), (e: Error) => e instanceof TypeError && !e.message.includes('TOP-SECRET'));
  assert.throws(() => importKey('just a secret string'), TypeError);
  assert.throws(() => importKey({ kty: 'oct', k: 'AAAA' }), TypeError);
  assert.throws(() => importKey({ kty: 'EC', crv: 'P-256', x: 'AA', y: 'AA' }), TypeError);
  assert.throws(() => importKey(42 as never), TypeError);
  assert.throws(() => importKey(PAIRS.p256.publicKey, { kdi: 'x' } as never), /did you mean "kid"/);
});

test('signJwt writes the key kid; an explicit kid wins', () => {
  const key = importKey(PAIRS.ed25519.privateKey, { kid: 'k-1' });
  const header = (t: string) => JSON.parse(Buffer.from(t.split('.')[0]!, 'base64url').toString());
  assert.deepEqual(header(signJwt(payload, key)), { alg: 'EdDSA', typ: 'JWT', kid: 'k-1' });
  assert.equal(header(signJwt(payload, key, { kid: 'other' })).kid, 'other');
});

test('a keyring of asymmetric keys: current signs, previous public keys verify, secrets cannot join', () => {
  const old = generateKeyPairSync('ed25519');
  const ring = new Keyring({ current: PAIRS.ed25519.privateKey, previous: [old.publicKey] });
  assert.equal(ring.signingAlgorithm, 'EdDSA');
  assert.deepEqual(verifyJwt(signJwt(payload, old.privateKey), ring, at), payload);
  assert.deepEqual(verifyJwt(signJwt(payload, PAIRS.ed25519.privateKey), ring, at), payload);
  assert.throws(() => new Keyring({ current: PAIRS.ed25519.privateKey, previous: [SECRET] }), /not both/);
  assert.throws(() => new Keyring({ current: SECRET, previous: [old.publicKey] }), /not both/);
  assert.throws(() => verifyJwt(hmacToken('HS256', SECRET), ring, at), { code: 'ERR_JWT_ALG_NOT_ALLOWED' });
  const named = new Keyring({ current: 'new', keys: new Map<string, never>([['new', PAIRS.p256.privateKey as never], ['old', PAIRS.p384.publicKey as never]]) });
  assert.equal(named.signingAlgorithm, 'ES256');
  assert.deepEqual(verifyJwt(signJwt(payload, PAIRS.p384.privateKey, { kid: 'old' }), named, at), payload);
  assert.throws(() => verifyJwt(signJwt(payload, PAIRS.p384.privateKey, { kid: 'new' }), named, at), { code: 'ERR_JWT_ALG_NOT_ALLOWED' });
});

test('a missing or non-object key gets the secret message that says how to make one', () => {
  for (const key of [undefined, null, 42, true]) {
    assert.throws(() => signJwt(payload, key as never), /must be a string, a Uint8Array or an HmacKey; make one with/);
    assert.throws(() => verifyJwt('a.b.c', key as never), TypeError);
  }
  assert.throws(() => verifyJwt('a.b.c', {} as never), /KeyObject, a PEM string or a JWK/);
});

test('all-zero and all-one signatures of the right length are refused (ECDSA r = s = 0, CVE-2022-21449)', () => {
  for (const [alg, pair] of ASYMMETRIC) {
    const token = signJwt(payload, pair.privateKey, { algorithm: alg });
    const input = token.slice(0, token.lastIndexOf('.'));
    const length = Buffer.from(token.split('.')[2]!, 'base64url').length;
    for (const fill of [0x00, 0xff]) {
      assert.throws(() => verifyJwt(`${input}.${Buffer.alloc(length, fill).toString('base64url')}`, pair.publicKey, at), { code: 'ERR_JWT_SIGNATURE_INVALID' }, alg);
    }
  }
});

test('an AsymmetricKey cannot be built with an algorithm its key does not serve', () => {
  assert.throws(() => new AsymmetricKey(PAIRS.ed25519.publicKey, undefined, ['RS256'], undefined), TypeError);
  assert.throws(() => new AsymmetricKey(PAIRS.rsa.publicKey, undefined, [], undefined), TypeError);
});
