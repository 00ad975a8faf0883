/**
 * HMAC-SHA-384 and HMAC-SHA-512 (lib/core/hmac.ts) against RFC 4231 and every Wycheproof vector,
 * and against createHmac across block boundaries (B = 128 for both).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { HMAC_SIZES, prepareHmacKey, type HmacHash } from '../../lib/core/hmac.ts';
import { timingSafeEqualBytes } from '../../lib/core/constant-time.ts';
import { hex, loadFixture } from './fixtures.ts';

interface Rfc4231 {
  tests: { id: number; keyHex: string; dataHex: string; sha384Hex: string; sha512Hex: string }[];
}
interface Wycheproof {
  numberOfTests: number;
  testGroups: { tagSize: number; tests: { tcId: number; key: string; msg: string; tag: string; result: string }[] }[];
}

test('RFC 4231 test cases 1-7 for HMAC-SHA-384 and HMAC-SHA-512 (case 5 truncated to 128 bits)', () => {
  const { tests } = loadFixture<Rfc4231>('rfc4231-hmac-sha384-sha512.json');
  assert.equal(tests.length, 7);
  for (const vector of tests) {
    for (const [hashName, expected] of [['sha384', vector.sha384Hex], ['sha512', vector.sha512Hex]] as const) {
      const mac = Buffer.from(prepareHmacKey(hex(vector.keyHex), hashName).sign(hex(vector.dataHex))).toString('hex');
      if (vector.id === 5) assert.equal(mac.slice(0, 32), expected.slice(0, 32), `case 5 ${hashName}`);
      else assert.equal(mac, expected, `case ${vector.id} ${hashName}`);
    }
  }
});

for (const [hashName, bits] of [['sha384', 384], ['sha512', 512]] as const) {
  test(`all Wycheproof HMAC-SHA${bits} vectors: valid ones match, invalid ones fail, only full-length tags verify`, () => {
    const suite = loadFixture<Wycheproof>(`wycheproof-hmac-sha${bits}.json`);
    let count = 0;
    let valid = 0;
    for (const group of suite.testGroups) {
      for (const vector of group.tests) {
        count++;
        const key = prepareHmacKey(hex(vector.key), hashName);
        const tag = hex(vector.tag);
        const mac = key.sign(hex(vector.msg));
        assert.equal(mac.length, bits / 8);
        assert.equal(timingSafeEqualBytes(mac.subarray(0, tag.length), tag), vector.result === 'valid', `tcId ${vector.tcId}`);
        const fullValid = vector.result === 'valid' && group.tagSize === bits;
        if (fullValid) valid++;
        assert.equal(key.verify(hex(vector.msg), tag), fullValid, `tcId ${vector.tcId}`);
      }
    }
    assert.equal(count, suite.numberOfTests);
    assert.ok(count > 150 && valid > 10);
  });
}

test('matches createHmac for SHA-256/384/512 at key lengths around both block sizes and long messages', () => {
  const message = randomBytes(2100);
  for (const hashName of ['sha256', 'sha384', 'sha512'] as HmacHash[]) {
    for (const keyLength of [0, 1, 47, 48, 63, 64, 65, 127, 128, 129, 300]) {
      const keyBytes = randomBytes(keyLength);
      const key = prepareHmacKey(keyBytes, hashName);
      for (const length of [0, 1, 111, 112, 127, 128, 129, 1023, 1024, 2100]) {
        const expected = createHmac(hashName, keyBytes).update(message.subarray(0, length)).digest();
        assert.deepEqual(Buffer.from(key.sign(message.subarray(0, length))), expected, `${hashName} key ${keyLength} msg ${length}`);
      }
      assert.deepEqual(Buffer.from(key.sign('héllo ✓')), createHmac(hashName, keyBytes).update('héllo ✓').digest());
    }
  }
});

test('block and output sizes are those of RFC 2104 / FIPS 180-4', () => {
  assert.deepEqual(HMAC_SIZES, { sha256: { B: 64, L: 32 }, sha384: { B: 128, L: 48 }, sha512: { B: 128, L: 64 } });
});

test('an unknown hash is a TypeError, not a silent SHA-256', () => {
  assert.throws(() => prepareHmacKey('k', 'sha1' as HmacHash), TypeError);
  assert.throws(() => prepareHmacKey('k', '__proto__' as HmacHash), TypeError);
});

test('destroy() zeroes the key schedule: the MAC no longer matches', () => {
  const key = prepareHmacKey(randomBytes(64), 'sha512');
  const before = key.sign('m');
  key.destroy();
  assert.notDeepEqual(key.sign('m'), before);
  // With both pad blocks zero the result is H(0^B || H(0^B || m)): no trace of the key left.
  const zeros = Buffer.alloc(128);
  const inner = createHash('sha512').update(zeros).update('m').digest();
  assert.deepEqual(Buffer.from(key.sign('m')), createHash('sha512').update(zeros).update(inner).digest());
});
