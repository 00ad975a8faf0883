/**
 * AuthX with HS512 and with asymmetric keys (lib/authx/config/config.ts, tokens.ts, token-verifier.ts):
 * the configured algorithm signs, is the only one accepted, and rotation keeps previous public
 * keys verifying.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { AuthX, importKey, signJwt } from '../../lib/index.ts';
import { SECRET, testClock } from './authx-helpers.ts';

function headerOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as Record<string, unknown>;
}

test('AuthX with algorithm HS512 signs HS512 and refuses HS256 tokens made with the same secret', async () => {
  const secret = 'h'.repeat(64);
  const clock = testClock();
  const auth = new AuthX({ secretKey: secret, algorithm: 'HS512', clock });
  const token = auth.createAccessToken('user1');
  assert.equal(headerOf(token).alg, 'HS512');
  assert.equal((await auth.verifyToken(token)).sub, 'user1');
  const hs256 = signJwt({ sub: 'user1', type: 'access', jti: 'j', iat: clock.now / 1000, exp: clock.now / 1000 + 60 }, secret);
  await assert.rejects(auth.verifyToken(hs256), { code: 'ERR_JWT_ALG_NOT_ALLOWED' });
});

test('AuthX with an Ed25519 private key signs EdDSA with a kid; previous public keys keep verifying', async () => {
  const current = generateKeyPairSync('ed25519');
  const old = generateKeyPairSync('ed25519');
  const clock = testClock();
  const oldAuth = new AuthX({ secretKey: importKey(old.privateKey, { kid: 'old' }), clock });
  const oldToken = oldAuth.createAccessToken('user1');
  const auth = new AuthX({ secretKey: importKey(current.privateKey, { kid: 'new' }), previousSecretKeys: [old.publicKey], clock });
  assert.equal(auth.config.algorithm, 'EdDSA');
  const token = auth.createAccessToken('user2');
  assert.deepEqual(headerOf(token), { alg: 'EdDSA', typ: 'JWT', kid: 'new' });
  assert.equal((await auth.verifyToken(token)).sub, 'user2');
  assert.equal((await auth.verifyToken(oldToken)).sub, 'user1');
  // A secret-keyed token never passes an asymmetric AuthX.
  const forged = new AuthX({ secretKey: SECRET, clock }).createAccessToken('user1');
  await assert.rejects(auth.verifyToken(forged), { code: 'ERR_JWT_ALG_NOT_ALLOWED' });
});

test('AuthX with an RSA key accepts only the configured algorithm (PS256 refuses RS256)', async () => {
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const clock = testClock();
  const ps = new AuthX({ secretKey: pair.privateKey, algorithm: 'PS256', clock });
  const rs = new AuthX({ secretKey: pair.privateKey, clock });
  assert.equal(rs.config.algorithm, 'RS256');
  const rsToken = rs.createAccessToken('user1');
  assert.equal((await rs.verifyToken(rsToken)).sub, 'user1');
  await assert.rejects(ps.verifyToken(rsToken), { code: 'ERR_JWT_ALG_NOT_ALLOWED' });
  assert.equal((await ps.verifyToken(ps.createAccessToken('u'))).sub, 'u');
});

test('AuthX refuses mixing secrets and asymmetric keys, public signing keys and weak RSA keys', () => {
  const ed = generateKeyPairSync('ed25519');
  assert.throws(() => new AuthX({ secretKey: ed.privateKey, previousSecretKeys: [SECRET] }), /not both/);
  assert.throws(() => new AuthX({ secretKey: SECRET, previousSecretKeys: [ed.publicKey] }), /not both/);
  assert.throws(() => new AuthX({ secretKey: ed.privateKey, algorithm: 'ES256' }), TypeError);
  assert.throws(() => new AuthX({ secretKey: ed.publicKey }), /public key/);
  assert.throws(() => new AuthX({ secretKey: generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey }), RangeError);
});

test('AuthX with named asymmetric keys: currentKeyId signs with its kid, the old public key verifies its kid only', async () => {
  const current = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const old = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const clock = testClock();
  const auth = new AuthX({ keys: new Map([['2026-11', current.privateKey], ['2026-10', old.publicKey]]), currentKeyId: '2026-11', clock });
  const token = auth.createAccessToken('user1');
  assert.deepEqual(headerOf(token), { alg: 'ES256', typ: 'JWT', kid: '2026-11' });
  assert.equal((await auth.verifyToken(token)).sub, 'user1');
  const oldAuth = new AuthX({ keys: new Map([['2026-10', old.privateKey]]), currentKeyId: '2026-10', clock });
  assert.equal((await auth.verifyToken(oldAuth.createAccessToken('user2'))).sub, 'user2');
  const relabelled = new AuthX({ keys: new Map([['2026-11', old.privateKey]]), currentKeyId: '2026-11', clock }).createAccessToken('x');
  await assert.rejects(auth.verifyToken(relabelled), { code: 'ERR_JWT_SIGNATURE_INVALID' });
});
