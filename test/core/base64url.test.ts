import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { decodeBase64url, decodeBase64urlText, encodeBase64url, encodeBase64urlText } from '../../lib/core/base64url.ts';
import { Base64urlError } from '../../lib/core/errors.ts';
import { loadFixture } from './fixtures.ts';

interface Rfc4648Vectors {
  tests: { text: string; base64url: string }[];
  invalid: { input: string; why: string }[];
}
const vectors = loadFixture<Rfc4648Vectors>('rfc4648-base64url.json');

function assertInvalid(input: string): void {
  assert.throws(() => decodeBase64url(input), (error: unknown) => {
    assert.ok(error instanceof Base64urlError);
    assert.equal(error.code, 'ERR_BASE64URL_INVALID');
    return true;
  }, `should refuse ${JSON.stringify(input)}`);
}

test('encodes and decodes the RFC 4648 section 10 vectors', () => {
  for (const { text, base64url } of vectors.tests) {
    assert.equal(encodeBase64urlText(text), base64url);
    assert.equal(decodeBase64urlText(base64url), text);
  }
});

test('refuses every invalid input listed with the vectors', () => {
  for (const { input } of vectors.invalid) assertInvalid(input);
});

test('refuses padding, the base64 alphabet, white space and foreign characters', () => {
  for (const input of ['Zm8=', 'Zm9vYg==', 'Zm9v\t', ' Zm9v', 'Zm9v\r\n', 'Zm9+', 'Zm9/', 'Zm9v.', 'Zm9v%3D', 'Zm9vé', 'Zm9\u0000']) {
    assertInvalid(input);
  }
});

test('refuses lengths of 1 mod 4', () => {
  for (const input of ['A', 'AAAAA', 'AAAAAAAAA']) assertInvalid(input);
});

test('refuses non-zero trailing bits, so each byte string has one encoding', () => {
  // "Zg" is "f"; Zh..Zv differ only in the 4 unused bits.
  for (const last of 'hijklmnopqrstuv') assertInvalid(`Z${last}`);
  // "Zm8" is "fo"; Zm9..Zm_ differ only in the 2 unused bits.
  for (const last of '9-_') assertInvalid(`Zm${last}`);
  // A real 32-byte MAC ends in a character carrying 4 unused bits: k -> l must be refused.
  assertInvalid('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXl');
  assert.equal(decodeBase64url('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk').length, 32);
});

test('decodes the empty string to no bytes', () => {
  assert.deepEqual(decodeBase64url(''), new Uint8Array(0));
  assert.equal(encodeBase64url(new Uint8Array(0)), '');
});

test('matches Buffer base64url on random bytes of every length 0..300', () => {
  for (let length = 0; length <= 300; length++) {
    const bytes = new Uint8Array(randomBytes(length));
    const expected = Buffer.from(bytes).toString('base64url');
    assert.equal(encodeBase64url(bytes), expected, `encode, length ${length}`);
    assert.deepEqual(decodeBase64url(expected), bytes, `decode, length ${length}`);
  }
});

test('encodes every byte value in every position of a 3-byte group', () => {
  for (let value = 0; value < 256; value++) {
    for (const bytes of [[value], [0, value], [0, 0, value], [value, value, value]]) {
      const input = new Uint8Array(bytes);
      const expected = Buffer.from(input).toString('base64url');
      assert.equal(encodeBase64url(input), expected);
      assert.deepEqual(decodeBase64url(expected), input);
    }
  }
});

test('round-trips non-ASCII text as UTF-8', () => {
  const text = 'It’s a dangerous business, Frodo — ünïcødé 🎉';
  assert.equal(encodeBase64urlText(text), Buffer.from(text, 'utf8').toString('base64url'));
  assert.equal(decodeBase64urlText(encodeBase64urlText(text)), text);
});

test('text decoding refuses invalid UTF-8', () => {
  for (const bytes of [[0xff], [0xc3], [0xed, 0xa0, 0x80], [0xc0, 0xaf]]) {
    const encoded = encodeBase64url(new Uint8Array(bytes));
    assert.throws(() => decodeBase64urlText(encoded), { code: 'ERR_BASE64URL_INVALID' });
  }
});

test('text decoding keeps a byte-order mark instead of hiding it', () => {
  const withBom = encodeBase64url(new Uint8Array([0xef, 0xbb, 0xbf, 0x7b, 0x7d]));
  assert.equal(decodeBase64urlText(withBom), '\ufeff{}');
});

test('handles inputs larger than the reused buffers, of odd and even lengths', () => {
  for (const length of [4097, 5000, 49153, 70001, 70002]) {
    const bytes = new Uint8Array(randomBytes(length));
    const expected = Buffer.from(bytes).toString('base64url');
    assert.equal(encodeBase64url(bytes), expected);
    assert.deepEqual(decodeBase64url(expected), bytes);
    const text = 'é'.repeat(length);
    assert.equal(decodeBase64urlText(encodeBase64urlText(text)), text);
  }
  // A short input after a long one still decodes with the shared buffers.
  assert.equal(decodeBase64urlText('Zm9v'), 'foo');
});

test('encoding is exact around the reused scratch buffer (inputs of 6,138 to 6,150 bytes), before and after', () => {
  // 8,192 output characters fit the reused buffer: an input of 6,144 bytes; 6,145 and up get their own.
  for (let length = 6138; length <= 6150; length++) {
    const bytes = randomBytes(length);
    const encoded = encodeBase64url(bytes);
    assert.equal(encoded, Buffer.from(bytes).toString('base64url'), `length ${length}`);
    assert.deepEqual(Buffer.from(decodeBase64url(encoded)), bytes, `round trip ${length}`);
    // A short input right after must not see any of the long one's characters.
    assert.equal(encodeBase64url(new Uint8Array([0xff, 0xee])), '_-4');
  }
  const text = 'é'.repeat(3073); // 6,146 UTF-8 bytes
  assert.equal(encodeBase64urlText(text), Buffer.from(text).toString('base64url'));
  assert.equal(decodeBase64urlText(encodeBase64urlText(text)), text);
});

test('decoding is exact around its reused buffers (4,096 characters) and beyond 65,536', () => {
  for (const length of [3069, 3070, 3071, 3072, 3073, 3074, 49151, 49152, 49153, 60000]) {
    const bytes = randomBytes(length);
    const encoded = Buffer.from(bytes).toString('base64url');
    assert.deepEqual(Buffer.from(decodeBase64url(encoded)), bytes, `length ${length}`);
    assert.deepEqual(decodeBase64url('Zm8'), new Uint8Array([102, 111]));
  }
});

test('each base64url refusal says why', () => {
  assert.throws(() => decodeBase64url('A'), { name: 'Base64urlError', message: /length is 1 mod 4, which encodes no whole byte/ });
  assert.throws(() => decodeBase64url('AA+A'), { message: /character outside the base64url alphabet/ });
  assert.throws(() => decodeBase64url('AA\u0100A'), { message: /character outside the base64url alphabet/ });
  assert.throws(() => decodeBase64url('AB'), { message: /non-zero trailing bits/ });
  assert.throws(() => decodeBase64url('AAB'), { message: /non-zero trailing bits/ });
  assert.throws(() => decodeBase64urlText('_w'), { message: /bytes are not valid UTF-8/ });
});
