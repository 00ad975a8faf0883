/**
 * Interoperability over the RFC vectors: standard HS256 tokens verify here, and tokens made here
 * verify with an independent RFC 7515 verifier given the same secret.
 */
import { test } from 'node:test';
import { createHmac } from 'node:crypto';
import assert from 'node:assert/strict';
import { decodeJwt, signJwt, verifyJwt, verifyJwtComplete } from '../../lib/core/jwt.ts';
import { hex, loadFixture } from './fixtures.ts';
import { referenceVerify } from './jwt-helpers.ts';

interface JwsVector {
  id: string;
  keyHex: string;
  token: string;
  headerJson?: string;
  payloadJson?: string;
  payloadText?: string;
}
const { tests } = loadFixture<{ source: string; tests: JwsVector[] }>('jws-hs256-examples.json');
const a1 = tests.find((t) => t.id === 'rfc7515-a1')!;
const rfc7520 = tests.find((t) => t.id === 'rfc7520-4.4')!;
const A1_EXP = 1300819380;

test('RFC 7515 A.1 verifies with a clock before its exp, over the received bytes (CRLF and spaces kept)', () => {
  const { header, payload } = verifyJwtComplete(a1.token, hex(a1.keyHex), { currentDate: new Date((A1_EXP - 1) * 1000) });
  assert.deepEqual(header, JSON.parse(a1.headerJson!));
  assert.deepEqual(payload, JSON.parse(a1.payloadJson!));
  assert.equal(payload['http://example.com/is_root'], true);
});

test('RFC 7515 A.1 is expired at and after its exp', () => {
  for (const seconds of [A1_EXP, A1_EXP + 1, Math.floor(Date.now() / 1000)]) {
    assert.throws(() => verifyJwt(a1.token, hex(a1.keyHex), { currentDate: new Date(seconds * 1000) }), { code: 'ERR_JWT_EXPIRED' });
  }
});

test('RFC 7520 4.4 is refused as malformed although its HMAC is right', () => {
  // The MAC itself is right...
  const [h, p, s] = rfc7520.token.split('.') as [string, string, string];
  assert.equal(createHmac('sha256', hex(rfc7520.keyHex)).update(`${h}.${p}`).digest('base64url'), s);
  // ...but the payload is text, not a JSON object, so it is no JWT.
  assert.throws(() => verifyJwt(rfc7520.token, hex(rfc7520.keyHex)), { code: 'ERR_JWT_MALFORMED' });
  // With another key it is the signature that fails, because the signature comes first.
  assert.throws(() => verifyJwt(rfc7520.token, hex(a1.keyHex)), { code: 'ERR_JWT_SIGNATURE_INVALID' });
});

test('tokens signed here verify with an independent RFC 7515 verifier, under both RFC keys', () => {
  for (const vector of [a1, rfc7520]) {
    const key = hex(vector.keyHex);
    const token = signJwt({ sub: 'user1', 'http://example.com/is_root': true }, key, { expiresIn: '15m', kid: 'k1' });
    const { header, payload } = referenceVerify(token, key);
    assert.deepEqual(header, { alg: 'HS256', typ: 'JWT', kid: 'k1' });
    assert.equal((payload as { sub: string }).sub, 'user1');
    assert.deepEqual(verifyJwt(token, key), payload);
  }
});

test('the standard header is byte for byte what other libraries write', () => {
  const token = signJwt({}, hex(a1.keyHex), { noTimestamp: true, expiresIn: null });
  assert.equal(token.split('.')[0], Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url'));
  assert.equal(token.split('.')[1], 'e30');
});

test('decodeJwt reads the RFC 7515 A.1 token without verifying it', () => {
  const { header, payload } = decodeJwt(a1.token);
  assert.equal(header.alg, 'HS256');
  assert.equal(payload.iss, 'joe');
  assert.throws(() => decodeJwt(rfc7520.token), { code: 'ERR_JWT_MALFORMED' });
  assert.throws(() => decodeJwt('a.b'), { code: 'ERR_JWT_MALFORMED' });
  assert.throws(() => decodeJwt('x'.repeat(9000)), { code: 'ERR_JWT_TOO_LONG' });
});
