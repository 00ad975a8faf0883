import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { BLOCK_SIZE, hmacSha256, prepareHmacKey } from '../../lib/core/hmac.ts';
import { timingSafeEqualBytes, timingSafeEqualText } from '../../lib/core/constant-time.ts';
import { hex, loadFixture } from './fixtures.ts';

interface Rfc4231 {
  tests: { id: number; keyHex: string; dataHex: string; macHex: string; truncateBits?: number }[];
}
interface Wycheproof {
  numberOfTests: number;
  testGroups: { tagSize: number; tests: { tcId: number; key: string; msg: string; tag: string; result: string }[] }[];
}

test('RFC 4231 test cases 1-7', () => {
  const { tests } = loadFixture<Rfc4231>('rfc4231-hmac-sha256.json');
  assert.equal(tests.length, 7);
  for (const vector of tests) {
    const mac = Buffer.from(hmacSha256(hex(vector.keyHex), hex(vector.dataHex))).toString('hex');
    const expected = vector.macHex;
    assert.equal(mac.slice(0, expected.length), expected, `case ${vector.id}`);
    if (vector.truncateBits === undefined) assert.equal(mac, expected);
  }
});

test('all 174 Wycheproof HMAC-SHA256 vectors: valid ones match, invalid ones fail verification', () => {
  const suite = loadFixture<Wycheproof>('wycheproof-hmac-sha256.json');
  let count = 0;
  for (const group of suite.testGroups) {
    for (const vector of group.tests) {
      count++;
      const key = prepareHmacKey(hex(vector.key));
      const tag = hex(vector.tag);
      const mac = key.sign(hex(vector.msg));
      const truncatedMatches = timingSafeEqualBytes(mac.subarray(0, tag.length), tag);
      assert.equal(truncatedMatches, vector.result === 'valid', `tcId ${vector.tcId}`);
      // Only full-length tags verify, as a JWS verifier requires, even where Wycheproof allows truncation.
      assert.equal(key.verify(hex(vector.msg), tag), vector.result === 'valid' && group.tagSize === 256, `tcId ${vector.tcId}`);
    }
  }
  assert.equal(count, suite.numberOfTests);
  assert.equal(count, 174);
});

test('matches createHmac for key lengths 0..200 and message lengths 0..300', () => {
  const message = randomBytes(300);
  for (let keyLength = 0; keyLength <= 200; keyLength++) {
    const keyBytes = randomBytes(keyLength);
    const key = prepareHmacKey(keyBytes);
    for (let length = 0; length <= 300; length += keyLength % 7 === 0 ? 1 : 37) {
      const input = message.subarray(0, length);
      const expected = createHmac('sha256', keyBytes).update(input).digest();
      assert.deepEqual(Buffer.from(key.sign(input)), expected, `key ${keyLength}, message ${length}`);
    }
  }
});

test('a prepared key gives the same MAC on every reuse', () => {
  const key = prepareHmacKey('k'.repeat(BLOCK_SIZE + 1));
  const first = key.sign('message');
  for (let i = 0; i < 5; i++) assert.deepEqual(key.sign('message'), first);
  assert.deepEqual(Buffer.from(first), createHmac('sha256', 'k'.repeat(BLOCK_SIZE + 1)).update('message').digest());
});

test('string keys and messages are taken as UTF-8', () => {
  const expected = createHmac('sha256', Buffer.from('ключ', 'utf8')).update(Buffer.from('сообщение', 'utf8')).digest();
  assert.deepEqual(Buffer.from(hmacSha256('ключ', 'сообщение')), expected);
});

test('verify refuses a tag with one bit flipped anywhere', () => {
  const key = prepareHmacKey(randomBytes(32));
  const tag = key.sign('data');
  for (let bit = 0; bit < tag.length * 8; bit++) {
    const flipped = new Uint8Array(tag);
    flipped[bit >> 3]! ^= 1 << (bit & 7);
    assert.equal(key.verify('data', flipped), false);
  }
  assert.equal(key.verify('data', tag), true);
});

test('constant-time comparisons refuse different lengths and contents', () => {
  assert.equal(timingSafeEqualBytes(new Uint8Array([1, 2]), new Uint8Array([1, 2, 3])), false);
  assert.equal(timingSafeEqualBytes(new Uint8Array([1, 2]), new Uint8Array([1, 3])), false);
  assert.equal(timingSafeEqualBytes(new Uint8Array([1, 2]), new Uint8Array([1, 2])), true);
  assert.equal(timingSafeEqualText('abc', 'abcd'), false);
  assert.equal(timingSafeEqualText('abc', 'abd'), false);
  assert.equal(timingSafeEqualText('abc', 'abc'), true);
  assert.equal(timingSafeEqualText('', ''), true);
});

test('refuses keys that are neither strings nor bytes', () => {
  assert.throws(() => prepareHmacKey(42 as unknown as string), TypeError);
});

test('each MAC is a fresh 32-byte array, not a view into a shared pool', () => {
  const key = prepareHmacKey(randomBytes(32));
  const first = key.sign('a');
  const second = key.sign('b');
  assert.equal(first.buffer.byteLength, 32);
  assert.notEqual(first.buffer, second.buffer);
  assert.deepEqual(key.sign('a'), first);
});

test('binary messages longer than the initial 1,024-byte room: the buffer grows and stays exact', () => {
  const key = prepareHmacKey(randomBytes(32));
  const raw = randomBytes(32);
  const keyed = prepareHmacKey(raw);
  for (const length of [1023, 1024, 1025, 1026, 2048, 4097]) {
    const message = randomBytes(length);
    message[0] = 0xff; // not UTF-8: bytes must be taken as they are
    assert.deepEqual(Buffer.from(keyed.sign(message)), createHmac('sha256', raw).update(message).digest(), `length ${length}`);
    // After growing, a short message is still computed over the pad block plus itself only.
    assert.deepEqual(Buffer.from(keyed.sign(new Uint8Array([1, 2, 3]))), createHmac('sha256', raw).update(Buffer.from([1, 2, 3])).digest());
    assert.equal(key.verify(message, key.sign(message)), true);
  }
  // Strings of up to 3 UTF-8 bytes per code unit cross the room the same way.
  for (const text of ['€'.repeat(341), '€'.repeat(342), 'a'.repeat(1025)]) {
    // A fresh key each time: one that grew for a longer message would hide a room too small.
    assert.deepEqual(Buffer.from(prepareHmacKey(raw).sign(text)), createHmac('sha256', raw).update(text, 'utf8').digest(), `${text.length} units`);
  }
  assert.throws(() => keyed.sign(42 as unknown as string), { name: 'TypeError', message: 'HMAC message must be a string or a Uint8Array' });
});

test('HMAC keys and hashes are checked, with the message saying what is accepted', () => {
  assert.throws(() => prepareHmacKey(42 as unknown as string), { name: 'TypeError', message: 'HMAC key must be a string or a Uint8Array' });
  assert.throws(() => prepareHmacKey('k', 'md5' as never), { name: 'TypeError', message: /^HMAC hash must be sha256, sha384 or sha512/ });
  assert.throws(() => prepareHmacKey('k', 'toString' as never), TypeError);
  const raw = 'clé-secrète';
  assert.deepEqual(Buffer.from(prepareHmacKey(raw).sign('m')), createHmac('sha256', Buffer.from(raw, 'utf8')).update('m').digest());
});
