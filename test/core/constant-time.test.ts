/**
 * The comparisons on the signature and HMAC paths must not end early. Timing is too noisy to
 * test on a shared machine, so these tests watch what the comparison reads instead: every
 * character of the received value, even when the very first one differs, through
 * `String.prototype.charCodeAt` (what `timingSafeEqualText` uses), and `crypto.timingSafeEqual`
 * for bytes. Replacing either helper by `===`, `Buffer.compare` or an early-exit loop fails here
 * (docs/testing.md shows each).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { timingSafeEqualBytes, timingSafeEqualText } from '../../lib/core/constant-time.ts';
import { prepareHmacKey } from '../../lib/core/hmac.ts';
import { signJwt, verifyJwt } from '../../lib/core/jwt.ts';
import { SignatureInvalidError } from '../../lib/core/errors.ts';

const SECRET = 'constant-time-test-secret-0123456789abcdef';
const crypto = createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto');

/** Positions read through `charCodeAt` from strings equal to one of `watched`, while `run` runs. */
function charReads(watched: readonly string[], run: () => void): Map<string, number[]> {
  const reads = new Map<string, number[]>(watched.map((w) => [w, []]));
  const original = String.prototype.charCodeAt;
  String.prototype.charCodeAt = function (this: string, index: number): number {
    reads.get(String(this))?.push(index);
    return original.call(this, index);
  };
  try {
    run();
  } finally {
    String.prototype.charCodeAt = original;
  }
  return reads;
}

const every = (length: number): number[] => Array.from({ length }, (_, i) => i);

/** `text` with the character at `position` changed. */
function differAt(text: string, position: number): string {
  const other = text[position] === 'A' ? 'B' : 'A';
  return text.slice(0, position) + other + text.slice(position + 1);
}

test('timingSafeEqualText reads every position of both strings wherever they first differ', () => {
  const a = 'kT3w9-Qz_8XbN1mVp0LrYcJe5sHfUaGd7iWoO2xE4tK';
  for (const position of [0, 1, 21, a.length - 1]) {
    const b = differAt(a, position);
    let result = true;
    const reads = charReads([a, b], () => (result = timingSafeEqualText(a, b)));
    assert.equal(result, false);
    assert.deepEqual([...(reads.get(a) ?? [])].sort((x, y) => x - y), every(a.length), `reads of a, difference at ${position}`);
    assert.deepEqual([...(reads.get(b) ?? [])].sort((x, y) => x - y), every(b.length), `reads of b, difference at ${position}`);
  }
});

test('timingSafeEqualText: equal strings are equal; any difference, in any position or length, is not', () => {
  const a = 'abcdefgh';
  assert.equal(timingSafeEqualText(a, `${'abcd'}efgh`), true);
  assert.equal(timingSafeEqualText('', ''), true);
  for (let i = 0; i < a.length; i++) assert.equal(timingSafeEqualText(a, differAt(a, i)), false, `position ${i}`);
  assert.equal(timingSafeEqualText(a, a.slice(0, -1)), false);
  assert.equal(timingSafeEqualText(a.slice(0, -1), a), false);
  assert.equal(timingSafeEqualText(a, `${a}a`), false);
  // Differences in high bits only (the XOR must cover all 16 bits of a code unit).
  assert.equal(timingSafeEqualText('\u0100', '\u0000'), false);
  assert.equal(timingSafeEqualText('\u8000x', '\u0000x'), false);
});

test('timingSafeEqualBytes compares through crypto.timingSafeEqual only, never Buffer.compare or equals', () => {
  const calls: number[] = [];
  const original = crypto.timingSafeEqual;
  const { compare } = Buffer;
  const { equals } = Buffer.prototype;
  crypto.timingSafeEqual = (a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView): boolean => {
    calls.push(a.byteLength);
    return original(a, b);
  };
  Buffer.compare = () => assert.fail('Buffer.compare is not constant-time');
  Buffer.prototype.equals = () => assert.fail('Buffer#equals is not constant-time');
  syncBuiltinESMExports();
  try {
    const tag = new Uint8Array(32).fill(7);
    const other = tag.slice();
    assert.equal(timingSafeEqualBytes(tag, other), true);
    other[0] = 8;
    assert.equal(timingSafeEqualBytes(tag, other), false);
    assert.equal(timingSafeEqualBytes(tag, tag.subarray(1)), false, 'a shorter tag is refused before comparing');
    // HmacKey#verify, the HMAC path, goes through it too.
    const key = prepareHmacKey(SECRET);
    assert.equal(key.verify('message', key.sign('message')), true);
    assert.equal(key.verify('message', key.sign('massage')), false);
  } finally {
    crypto.timingSafeEqual = original;
    Buffer.compare = compare;
    Buffer.prototype.equals = equals;
    syncBuiltinESMExports();
  }
  assert.deepEqual(calls, [32, 32, 32, 32]);
});

test('verifyJwt compares the whole received signature in constant time, even when its first character is wrong', () => {
  for (const algorithm of ['HS256', 'HS384', 'HS512'] as const) {
    const secret = `${SECRET}${'x'.repeat(64)}`;
    const token = signJwt({ sub: 'u' }, secret, { algorithm, expiresIn: 60 });
    const signature = token.slice(token.lastIndexOf('.') + 1);
    for (const position of [0, signature.length - 1]) {
      const forged = differAt(signature, position);
      // A non-canonical last character would be refused by the length/encoding rule, not compared.
      if (position === signature.length - 1) continue;
      const reads = charReads([forged], () => {
        assert.throws(() => verifyJwt(`${token.slice(0, token.lastIndexOf('.') + 1)}${forged}`, secret, { algorithms: [algorithm] }), SignatureInvalidError);
      });
      assert.deepEqual([...(reads.get(forged) ?? [])].sort((x, y) => x - y), every(forged.length), `${algorithm}, difference at ${position}`);
    }
    // A valid signature is read whole as well (twice: the expected MAC is the same text), and accepted.
    const reads = charReads([signature], () => assert.equal(verifyJwt(token, secret, { algorithms: [algorithm] }).sub, 'u'));
    const twice = every(signature.length).flatMap((i) => [i, i]);
    assert.deepEqual([...(reads.get(signature) ?? [])].sort((x, y) => x - y), twice, algorithm);
  }
});
