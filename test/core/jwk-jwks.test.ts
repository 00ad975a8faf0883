/**
 * JWK export and RFC 7638 thumbprints (lib/core/jwk.ts), the local JWK Set (lib/core/jwks.ts),
 * and the RFC 8037 and RFC 7515 A.2/A.3 vectors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, generateKeyPairSync } from 'node:crypto';
import { exportPublicJwk, jwkThumbprint } from '../../lib/core/jwk.ts';
import { createLocalJWKSet } from '../../lib/core/jwks.ts';
import { importKey, type Jwk } from '../../lib/core/asymmetric-key.ts';
import { signJwt, verifyJwt, verifyJwtComplete } from '../../lib/core/jwt.ts';
import { loadFixture } from './fixtures.ts';
import { ASYMMETRIC, PAIRS } from './asymmetric-helpers.ts';
import { NOW, NOW_DATE } from './jwt-helpers.ts';

const at = { currentDate: NOW_DATE };
const payload = { sub: 'user1', iat: NOW - 10, exp: NOW + 900 };

interface Rfc8037 {
  privateJwk: Jwk;
  publicJwk: Jwk;
  thumbprintSha256: string;
  compact: string;
}
interface Rfc7515 {
  tests: { id: string; alg: 'RS256' | 'ES256'; publicJwk: Jwk; token: string }[];
}

test('RFC 8037 A.3: the Ed25519 thumbprint; A.4: the signature is reproduced byte for byte and verifies', () => {
  const v = loadFixture<Rfc8037>('rfc8037-ed25519.json');
  assert.equal(jwkThumbprint(v.publicJwk), v.thumbprintSha256);
  assert.equal(jwkThumbprint(v.privateJwk), v.thumbprintSha256);
  const key = importKey(v.privateJwk);
  const [header, body] = v.compact.split('.');
  assert.equal(`${header}.${body}.${key.sign('EdDSA', `${header}.${body}`)}`, v.compact);
  assert.ok(importKey(v.publicJwk).verify('EdDSA', `${header}.${body}`, v.compact.split('.')[2]!));
  // The payload is text, not a claims set: the signature passes, the payload is then refused.
  assert.throws(() => verifyJwt(v.compact, v.publicJwk), { code: 'ERR_JWT_MALFORMED' });
  const flipped = `${header}.${body}.${'A'.repeat(86)}`;
  assert.throws(() => verifyJwt(flipped, v.publicJwk), { code: 'ERR_JWT_SIGNATURE_INVALID' });
});

test('RFC 7515 A.2 (RS256) and A.3 (ES256) verify with their public JWKs, and fail once changed', () => {
  const { tests } = loadFixture<Rfc7515>('rfc7515-asymmetric-examples.json');
  const before = { currentDate: new Date(1300819300 * 1000) };
  for (const v of tests) {
    const { header, payload: claims } = verifyJwtComplete(v.token, v.publicJwk, { ...before, algorithms: [v.alg] });
    assert.equal(header.alg, v.alg);
    assert.equal(claims.iss, 'joe');
    assert.throws(() => verifyJwt(v.token, v.publicJwk), { code: 'ERR_JWT_EXPIRED' }, v.id);
    const sig = v.token.split('.')[2]!;
    const changed = `${v.token.slice(0, v.token.lastIndexOf('.'))}.${sig[0] === 'A' ? 'B' : 'A'}${sig.slice(1)}`;
    assert.throws(() => verifyJwt(changed, v.publicJwk, before), { code: 'ERR_JWT_SIGNATURE_INVALID' }, v.id);
  }
});

test('exportPublicJwk: public members only, kid = RFC 7638 thumbprint, use sig, alg when single', () => {
  for (const [alg, pair] of ASYMMETRIC) {
    const jwk = exportPublicJwk(pair.privateKey);
    for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi']) assert.ok(!(secret in jwk), `${alg} exports ${secret}`);
    assert.equal(jwk.kid, jwkThumbprint(pair.publicKey));
    assert.equal(jwk.use, 'sig');
    if (alg === 'EdDSA' || alg.startsWith('ES')) assert.equal(jwk.alg, alg);
    else assert.equal(jwk.alg, undefined);
    assert.equal(exportPublicJwk(importKey(pair.privateKey, { algorithm: alg })).alg, alg);
  }
  assert.equal(exportPublicJwk(PAIRS.p256.publicKey, { kid: 'mine' }).kid, 'mine');
  assert.throws(() => exportPublicJwk(PAIRS.p256.publicKey, { kdi: 'x' } as never), /did you mean "kid"/);
});

test('a local JWK Set: kid selects the key, several keys without kid are refused, unknown kid refused', () => {
  const set = createLocalJWKSet({ keys: ASYMMETRIC.filter(([a]) => a === 'EdDSA' || a === 'ES256' || a === 'PS256').map(([, pair]) => exportPublicJwk(pair.publicKey)) });
  assert.equal(set.keys.length, 3);
  for (const [alg, pair] of ASYMMETRIC.filter(([a]) => a === 'EdDSA' || a === 'ES256' || a === 'PS256')) {
    const key = importKey(pair.privateKey, { kid: jwkThumbprint(pair.publicKey) });
    assert.deepEqual(verifyJwt(signJwt(payload, key, { algorithm: alg }), set, at), payload, alg);
  }
  assert.throws(() => verifyJwt(signJwt(payload, PAIRS.ed25519.privateKey, { kid: 'nope' }), set, at), { code: 'ERR_JWT_KEY_UNKNOWN' });
  assert.throws(() => verifyJwt(signJwt(payload, PAIRS.ed25519.privateKey, { kid: '__proto__' }), set, at), { code: 'ERR_JWT_KEY_UNKNOWN' });
  // No kid: EdDSA has exactly one key in the set, so it verifies; the set has one RSA key too.
  assert.deepEqual(verifyJwt(signJwt(payload, PAIRS.ed25519.privateKey), set, at), payload);
  const two = createLocalJWKSet({ keys: [exportPublicJwk(PAIRS.ed25519.publicKey), exportPublicJwk(generateKeyPairSync('ed25519').publicKey)] });
  assert.throws(() => verifyJwt(signJwt(payload, PAIRS.ed25519.privateKey), two, at), { code: 'ERR_JWT_KEY_UNKNOWN' });
});

test('a local JWK Set honours alg, use and key_ops, and skips oct and private members', () => {
  const base = exportPublicJwk(PAIRS.rsa.publicKey, { kid: 'r' });
  const token = signJwt(payload, PAIRS.rsa.privateKey, { kid: 'r', algorithm: 'RS256' });
  assert.deepEqual(verifyJwt(token, createLocalJWKSet({ keys: [base] }), at), payload);
  assert.throws(() => verifyJwt(token, createLocalJWKSet({ keys: [{ ...base, alg: 'PS256' }] }), at), { code: 'ERR_JWT_ALG_NOT_ALLOWED' });
  const other = exportPublicJwk(PAIRS.p256.publicKey, { kid: 'e' });
  for (const excluded of [{ ...base, use: 'enc' }, { ...base, key_ops: ['encrypt'] }, { ...base, key_ops: 'verify' }, { ...base, alg: 'ES256' }, { ...base, alg: 'none' }]) {
    const set = createLocalJWKSet({ keys: [excluded as Jwk, other] });
    assert.equal(set.skipped, 1);
    assert.throws(() => verifyJwt(token, set, at), { code: 'ERR_JWT_KEY_UNKNOWN' });
  }
  assert.deepEqual(verifyJwt(token, createLocalJWKSet({ keys: [{ ...base, key_ops: ['verify'] }] }), at), payload);
  // An oct member is never an HMAC key for this set, and a published private key is only used as public.
  const oct = { kty: 'oct', kid: 'r', k: Buffer.alloc(32, 1).toString('base64url') };
  assert.throws(() => createLocalJWKSet({ keys: [oct] }), /no usable/);
  const privateJwk = { ...PAIRS.ed25519.privateKey.export({ format: 'jwk' }), kid: 'p' } as Jwk;
  const set = createLocalJWKSet({ keys: [privateJwk] });
  assert.equal(set.keys[0]!.privateKey, undefined);
});

test('a local JWK Set refuses HMAC tokens whatever the kid', () => {
  const set = createLocalJWKSet({ keys: [exportPublicJwk(PAIRS.p256.publicKey, { kid: 'k' })] });
  const pem = PAIRS.p256.publicKey.export({ format: 'pem', type: 'spki' }) as string;
  const input = `${Buffer.from('{"alg":"HS256","kid":"k"}').toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  const forged = `${input}.${createHmac('sha256', pem).update(input).digest('base64url')}`;
  assert.throws(() => verifyJwt(forged, set, at), { code: 'ERR_JWT_ALG_NOT_ALLOWED' });
});

test('createLocalJWKSet refuses documents that are not JWK Sets', () => {
  for (const doc of [null, {}, { keys: {} }, [], { keys: [] }, { keys: [{ kty: 'RSA', n: 'AA', e: 'AQAB' }] }]) {
    assert.throws(() => createLocalJWKSet(doc as never), TypeError);
  }
});

interface Rfc7520 {
  rsaPrivateJwk: Jwk;
  tests: { id: string; alg: 'RS256' | 'PS384' | 'ES512'; publicJwk: Jwk; token: string; deterministic: boolean }[];
}

test('RFC 7520 4.1 (RS256, reproduced byte for byte), 4.2 (PS384) and 4.3 (ES512) signatures verify; the text payload is then refused', () => {
  const v = loadFixture<Rfc7520>('rfc7520-signatures.json');
  for (const t of v.tests) {
    const [header, body, sig] = t.token.split('.') as [string, string, string];
    const key = importKey(t.publicJwk);
    assert.ok(key.verify(t.alg, `${header}.${body}`, sig), t.id);
    assert.ok(!key.verify(t.alg, `${header}.${body}x`, sig), t.id);
    // Through the JWK Set: the kid selects the key, the signature passes, the payload is not JSON.
    assert.throws(() => verifyJwt(t.token, createLocalJWKSet({ keys: [t.publicJwk] })), { code: 'ERR_JWT_MALFORMED' }, t.id);
    if (t.deterministic) assert.equal(importKey(v.rsaPrivateJwk).sign(t.alg, `${header}.${body}`), sig);
  }
});
