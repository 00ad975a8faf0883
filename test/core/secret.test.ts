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

test('a prepared key over another hash is refused, naming both algorithms and how to prepare it', () => {
  const hs512 = prepareHmacKey(randomBytes(64), 'sha512');
  assert.throws(() => prepareSecret(hs512, 'secret', 'HS256'), {
    name: 'TypeError',
    message: 'secret is prepared for HS512, not HS256; prepare it with prepareHmacKey(secret, "sha256")',
  });
  const hs256 = prepareHmacKey(randomBytes(64));
  assert.throws(() => prepareSecret(hs256, 'keys.get("a")', 'HS384'), {
    name: 'TypeError',
    message: 'keys.get("a") is prepared for HS256, not HS384; prepare it with prepareHmacKey(secret, "sha384")',
  });
  assert.equal(prepareSecret(hs512, 'secret', 'HS512'), hs512);
  assert.equal(prepareSecret(hs512), hs512); // no algorithm asked: the key's own
});

test('an algorithm other than HS256, HS384 or HS512 is refused before the secret is read', () => {
  for (const alg of ['RS256', 'none', 'hs256', 'toString', '__proto__']) {
    assert.throws(() => prepareSecret('x'.repeat(64), 'signing secret', alg as never), {
      name: 'TypeError',
      message: 'signing secret: HMAC algorithm must be HS256, HS384 or HS512',
    });
  }
});

test('an empty secret says it is empty; a short one gives its length and the size to generate', () => {
  const how = (bytes: number): string => `make one with: node -e "console.log(require('node:crypto').randomBytes(${bytes}).toString('base64url'))"`;
  for (const empty of ['', new Uint8Array(0)]) {
    assert.throws(() => prepareSecret(empty), { name: 'RangeError', message: `secret is empty; ${how(32)}` });
  }
  assert.throws(() => prepareSecret(prepareHmacKey('')), { name: 'RangeError', message: `secret is empty; ${how(32)}` });
  assert.throws(() => prepareSecret('x'.repeat(31)), {
    name: 'RangeError',
    message: `secret is 31 bytes; HS256 needs at least 32 (RFC 7518 section 3.2), ${how(32)}`,
  });
  assert.throws(() => prepareSecret('x'.repeat(63), 'JWT_SECRET_KEY', 'HS512'), {
    name: 'RangeError',
    message: `JWT_SECRET_KEY is 63 bytes; HS512 needs at least 64 (RFC 7518 section 3.2), ${how(64)}`,
  });
  assert.throws(() => prepareSecret(new Uint8Array(47), 'secret', 'HS384'), {
    name: 'RangeError',
    message: `secret is 47 bytes; HS384 needs at least 48 (RFC 7518 section 3.2), ${how(48)}`,
  });
  assert.throws(() => prepareSecret(42 as never), { name: 'TypeError', message: `secret must be a string, a Uint8Array or an HmacKey; ${how(32)}` });
});

test('a PEM behind Unicode whitespace is still refused in a string secret', () => {
  const pem = '-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----\n';
  // trimStart() removes these from the string; read as UTF-8 bytes they would not be whitespace.
  for (const space of ['\u00a0', '\u2028', '\u3000', '\ufeff\u00a0']) {
    assert.throws(() => prepareSecret(`${space}${pem}`), { name: 'TypeError', message: /^secret looks like a PEM or JWK key; HS256 needs/ });
  }
});

test('a byte-order mark is skipped only at the start, never inside the marker', () => {
  const pad = 'z'.repeat(40);
  for (const secret of [`-----\ufeffBEGIN ${pad}`, `x\ufeff-----BEGIN ${pad}`, `{\ufeff"kty":"oct","p":"${pad}"}`]) {
    assert.equal(prepareSecret(secret).macLength, 32, JSON.stringify(secret));
  }
});
