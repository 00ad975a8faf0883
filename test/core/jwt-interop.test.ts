/**
 * Interoperability of lib/core/jwt.ts with jose and jsonwebtoken, both ways, for every
 * algorithm (jsonwebtoken 9 has no EdDSA, so EdDSA is checked with jose only).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT, jwtVerify } from 'jose';
import jsonwebtoken from 'jsonwebtoken';
import { signJwt, verifyJwt } from '../../lib/core/jwt.ts';
import type { Algorithm } from '../../lib/core/algorithms.ts';
import { ASYMMETRIC } from './asymmetric-helpers.ts';

const payload = { sub: 'user1', scope: 'read', nested: { a: [1, 2] } };
const SECRET = Buffer.from('k'.repeat(64));
const HMAC = ['HS256', 'HS384', 'HS512'] as const satisfies readonly Algorithm[];

test('tokens signed here verify with jose, for every algorithm', async () => {
  for (const alg of HMAC) {
    const token = signJwt(payload, SECRET, { algorithm: alg, expiresIn: 60 });
    const { payload: verified, protectedHeader } = await jwtVerify(token, new Uint8Array(SECRET), { algorithms: [alg] });
    assert.equal(protectedHeader.alg, alg);
    assert.deepEqual(verified.nested, payload.nested);
  }
  for (const [alg, pair] of ASYMMETRIC) {
    const token = signJwt(payload, pair.privateKey, { algorithm: alg, expiresIn: 60 });
    const { protectedHeader } = await jwtVerify(token, pair.publicKey, { algorithms: [alg] });
    assert.equal(protectedHeader.alg, alg);
  }
});

test('tokens signed by jose verify here, for every algorithm', async () => {
  for (const alg of HMAC) {
    const token = await new SignJWT(payload).setProtectedHeader({ alg }).setExpirationTime('1m').sign(new Uint8Array(SECRET));
    assert.equal(verifyJwt(token, SECRET, { algorithms: [alg] }).sub, 'user1');
  }
  for (const [alg, pair] of ASYMMETRIC) {
    const token = await new SignJWT(payload).setProtectedHeader({ alg }).setExpirationTime('1m').sign(pair.privateKey);
    assert.deepEqual(verifyJwt(token, pair.publicKey, { algorithms: [alg] }).nested, payload.nested, alg);
  }
});

test('tokens signed here verify with jsonwebtoken, and the reverse, for every algorithm it has', () => {
  for (const alg of HMAC) {
    const mine = signJwt(payload, SECRET, { algorithm: alg, expiresIn: 60 });
    assert.equal((jsonwebtoken.verify(mine, SECRET, { algorithms: [alg] }) as { sub: string }).sub, 'user1');
    const theirs = jsonwebtoken.sign(payload, SECRET, { algorithm: alg });
    assert.equal(verifyJwt(theirs, SECRET, { algorithms: [alg] }).sub, 'user1');
  }
  for (const [alg, pair] of ASYMMETRIC) {
    if (alg === 'EdDSA') continue;
    const theirAlg = alg as jsonwebtoken.Algorithm;
    const mine = signJwt(payload, pair.privateKey, { algorithm: alg, expiresIn: 60 });
    assert.equal((jsonwebtoken.verify(mine, pair.publicKey, { algorithms: [theirAlg] }) as { sub: string }).sub, 'user1', alg);
    const theirs = jsonwebtoken.sign(payload, pair.privateKey, { algorithm: theirAlg });
    assert.equal(verifyJwt(theirs, pair.publicKey, { algorithms: [alg] }).sub, 'user1', alg);
  }
});
