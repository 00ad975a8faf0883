import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { prepareHmacKey } from '../../lib/core/hmac.ts';
import { signJwt, verifyJwt } from '../../lib/core/jwt.ts';
import { prepareSecret } from '../../lib/core/secret.ts';

const HOW = /randomBytes\(32\)/;

test('refuses a secret shorter than 32 bytes, empty or missing, saying how to make one', () => {
  for (const secret of ['', 'your-secret-key', 'x'.repeat(31), new Uint8Array(31), new Uint8Array(0)]) {
    assert.throws(() => prepareSecret(secret), (error: unknown) => error instanceof RangeError && HOW.test(error.message));
    assert.throws(() => signJwt({}, secret), RangeError);
    assert.throws(() => verifyJwt('a.b.c', secret), RangeError);
  }
  for (const secret of [undefined, null, 42, {}]) {
    assert.throws(() => prepareSecret(secret as never), (error: unknown) => error instanceof TypeError && HOW.test(error.message));
  }
});

test('counts bytes, not characters: 16 two-byte characters are enough, 31 ASCII ones are not', () => {
  assert.doesNotThrow(() => prepareSecret('é'.repeat(16)));
  assert.throws(() => prepareSecret('é'.repeat(15)), RangeError);
});

test('refuses a PEM or a JWK as an HS256 secret', () => {
  const pem = '-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----\n';
  const jwk = JSON.stringify({ kty: 'RSA', n: 'x'.repeat(64), e: 'AQAB' });
  const jwkSet = JSON.stringify({ keys: [{ kty: 'oct', k: 'x'.repeat(43) }] });
  const withBom = [`\ufeff${pem}`, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(pem)]), `\ufeff${jwk}`];
  for (const secret of [pem, `  ${pem}`, jwk, jwkSet, Buffer.from(pem), new Uint8Array(Buffer.from(jwk)), ...withBom]) {
    assert.throws(() => prepareSecret(secret), (error: unknown) => error instanceof TypeError && /PEM or JWK/.test(error.message));
  }
});

test('refuses a prepared key made from a short secret', () => {
  assert.throws(() => prepareSecret(prepareHmacKey('short')), RangeError);
  const key = prepareHmacKey(randomBytes(32));
  assert.equal(prepareSecret(key), key);
});

test('error messages never contain the secret', () => {
  const secret = 'my-secret-value-is-31-bytes-lon';
  assert.throws(() => prepareSecret(secret), (error: unknown) => error instanceof Error && !error.message.includes(secret));
});

test('JWK detection: JSON that is not a key, or not JSON at all, is an ordinary secret', () => {
  const pad = 'z'.repeat(40);
  const ordinary = [
    `{"not":"a key","pad":"${pad}"}`, // JSON object without kty or keys
    `{"a":{"kty":"oct"},"pad":"${pad}"}`, // kty nested, not a member of the top object
    `[{"kty":"RSA"}, "${pad}"]`, // an array, not an object
    `{ this is not json ${pad}`, // starts with a brace, does not parse
    `-----BEGI ${pad}`, // not the PEM marker
    `x-----BEGIN ${pad}`, // the marker not at the start
    `{"__proto__":{"kty":"RSA"},"p":"${pad}"}`, // inherited, not own
  ];
  for (const secret of ordinary) assert.equal(prepareSecret(secret).macLength, 32, secret);
  // And the positives, each at the edge of its rule.
  for (const secret of [`\n\t -----BEGIN X${pad}`, `{"kty":null,"p":"${pad}"}`, `{"keys":0,"p":"${pad}"}`, `  {"kty":"oct","p":"${pad}"}`]) {
    assert.throws(() => prepareSecret(secret), { name: 'TypeError', message: /^secret looks like a PEM or JWK key; HS256 needs a random shared secret/ });
  }
});
