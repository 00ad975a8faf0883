import { test } from 'node:test';
import assert from 'node:assert/strict';
import { signJwt, verifyJwt } from '../../lib/core/jwt.ts';
import { Keyring } from '../../lib/core/keyring.ts';
import { SECRET } from './jwt-helpers.ts';

const OLD = 'old-secret-0123456789-abcdefghijklmnop';
const OTHER = 'other-secret-0123456789-abcdefghijklmn';

test('previous keys still verify; the current key signs', () => {
  const keyring = new Keyring({ current: SECRET, previous: [OLD] });
  assert.ok(verifyJwt(signJwt({ a: 1 }, OLD), keyring));
  assert.ok(verifyJwt(signJwt({ a: 1 }, keyring.signingKey), SECRET));
  assert.throws(() => verifyJwt(signJwt({ a: 1 }, OTHER), keyring), { code: 'ERR_JWT_SIGNATURE_INVALID' });
});

test('named keys: kid selects exactly one key', () => {
  const keyring = new Keyring({ current: 'new', keys: new Map([['new', SECRET], ['old', OLD]]) });
  assert.equal(keyring.signingKid, 'new');
  assert.ok(verifyJwt(signJwt({ a: 1 }, OLD, { kid: 'old' }), keyring));
  // The right key under the wrong kid does not verify: no fallback to trying every key.
  assert.throws(() => verifyJwt(signJwt({ a: 1 }, OLD, { kid: 'new' }), keyring), { code: 'ERR_JWT_SIGNATURE_INVALID' });
  assert.throws(() => verifyJwt(signJwt({ a: 1 }, OLD, { kid: 'gone' }), keyring), { code: 'ERR_JWT_KEY_UNKNOWN' });
});

test('refuses bad keyring configurations', () => {
  assert.throws(() => new Keyring({ current: 'missing', keys: new Map([['k', SECRET]]) }), TypeError);
  assert.throws(() => new Keyring({ current: 'k', keys: new Map() }), TypeError);
  assert.throws(() => new Keyring({ current: 'k', keys: new Map([['k', 'short']]) }), RangeError);
  assert.throws(() => new Keyring({ current: SECRET, previous: ['short'] }), RangeError);
  assert.throws(() => new Keyring({ current: 'k', keys: new Map([['k', SECRET]]), previous: [OLD] }), /either keys/);
});

test('a keyring with only a current key signs and verifies with it, and with nothing else', () => {
  const keyring = new Keyring({ current: SECRET });
  assert.equal(keyring.signingKid, undefined);
  assert.deepEqual(verifyJwt(signJwt({ a: 1 }, keyring.signingKey), keyring), verifyJwt(signJwt({ a: 1 }, keyring.signingKey), SECRET));
  assert.ok(verifyJwt(signJwt({ a: 1 }, SECRET, { kid: 'ignored-without-named-keys' }), keyring));
  assert.throws(() => verifyJwt(signJwt({ a: 1 }, OLD), keyring), { code: 'ERR_JWT_SIGNATURE_INVALID' });
  assert.equal(keyring.candidates(undefined).length, 1);
  assert.equal(keyring.candidates('any').length, 1);
});

test('kids in keys must be non-empty strings; a token kid that is empty or absent names no key', () => {
  for (const kid of ['', 5, null, undefined]) {
    assert.throws(() => new Keyring({ current: 'k', keys: new Map<unknown, string>([['k', SECRET], [kid, OLD]]) as Map<string, string> }), {
      name: 'TypeError',
      message: 'every kid in keys must be a non-empty string',
    });
  }
  const keyring = new Keyring({ current: 'k', keys: new Map([['k', SECRET]]) });
  assert.throws(() => keyring.candidates(undefined), { name: 'UnknownKeyError', message: 'Token key id (kid) is missing or unknown' });
  assert.throws(() => keyring.candidates(''), { code: 'ERR_JWT_KEY_UNKNOWN' });
  assert.throws(() => keyring.candidates('__proto__'), { code: 'ERR_JWT_KEY_UNKNOWN' });
  assert.throws(() => verifyJwt(signJwt({ a: 1 }, SECRET), keyring), { code: 'ERR_JWT_KEY_UNKNOWN' });
  assert.throws(() => new Keyring({ current: 'k', keys: new Map() }), { message: 'keys must be a non-empty Map of kid to key' });
  assert.throws(() => new Keyring({ current: 'k', keys: { k: SECRET } as never }), { message: 'keys must be a non-empty Map of kid to key' });
  assert.throws(() => new Keyring({ current: 'x', keys: new Map([['k', SECRET]]) }), { message: 'with keys, current must be the kid of one of them' });
  assert.throws(() => new Keyring({ current: 5 as never, keys: new Map([['k', SECRET]]) }), { message: 'with keys, current must be the kid of one of them' });
  assert.throws(() => new Keyring({ current: 'k', keys: new Map([['k', SECRET]]), previous: [] }), { message: 'give either keys (named) or previous (unnamed), not both' });
});
