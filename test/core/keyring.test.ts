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
