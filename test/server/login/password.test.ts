import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_SCRYPT_PARAMETERS,
  createDummyPasswordHash,
  formatPasswordHash,
  hashPassword,
  isBelowOwaspMinimum,
  parsePasswordHash,
  verifyPassword,
} from '../../../server/login/password.ts';

// Small cost for speed; the default (OWASP) cost is exercised once below and by the server tests.
const FAST = { N: 1024, r: 8, p: 1 };

test('hashes with OWASP minimum scrypt parameters by default, in a self-describing string', async () => {
  const stored = await hashPassword('password1');
  assert.match(stored, /^scrypt\$N=131072,r=8,p=1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
  assert.deepEqual(parsePasswordHash(stored).parameters, { N: 2 ** 17, r: 8, p: 1 });
  assert.deepEqual({ ...DEFAULT_SCRYPT_PARAMETERS }, { N: 131072, r: 8, p: 1 });
});

test('verifies the right password and refuses a wrong one', async () => {
  const stored = await hashPassword('correct horse', { parameters: FAST });
  assert.equal(await verifyPassword('correct horse', stored), true);
  assert.equal(await verifyPassword('correct horsf', stored), false);
  assert.equal(await verifyPassword('', stored), false);
  assert.equal(await verifyPassword('correct horse', parsePasswordHash(stored)), true);
});

test('uses a fresh random salt for every hash', async () => {
  const [a, b] = await Promise.all([hashPassword('same', { parameters: FAST }), hashPassword('same', { parameters: FAST })]);
  assert.notEqual(a, b);
});

test('round-trips a hash through parse and format', async () => {
  const stored = await hashPassword('x', { parameters: FAST });
  assert.equal(formatPasswordHash(parsePasswordHash(stored)), stored);
});

test('a dummy hash never verifies and carries the same cost parameters as real hashes', async () => {
  const dummy = createDummyPasswordHash(FAST);
  assert.deepEqual(dummy.parameters, FAST);
  assert.equal(dummy.hash.length, 32);
  assert.equal(await verifyPassword('password1', dummy), false);
  assert.deepEqual(createDummyPasswordHash().parameters, { N: 131072, r: 8, p: 1 });
});

test('verification runs off the event loop: timers keep firing while scrypt works', async () => {
  const stored = await hashPassword('x', { parameters: { N: 2 ** 15, r: 8, p: 1 } });
  let ticks = 0;
  const timer = setInterval(() => ticks++, 1);
  try {
    const started = performance.now();
    await verifyPassword('x', stored);
    const elapsed = performance.now() - started;
    // A blocking hash would let no timer run at all until it finished.
    assert.ok(ticks >= Math.min(3, elapsed / 10), `${ticks} ticks in ${elapsed.toFixed(1)} ms`);
    assert.ok(ticks > 0);
  } finally {
    clearInterval(timer);
  }
});

test('refuses malformed stored hashes with a TypeError that does not quote them', () => {
  const salt = 'A'.repeat(22);
  const hash = 'A'.repeat(43);
  for (const bad of [
    '',
    'password1',
    `bcrypt$N=1024,r=8,p=1$${salt}$${hash}`,
    `scrypt$N=1024,r=8$${salt}$${hash}`,
    `scrypt$N=1024,r=8,p=1$${salt}=$${hash}`,
    `scrypt$N=1024,r=8,p=1$${salt}$${hash}$`,
    `scrypt$N=01024,r=8,p=1$${salt}$${hash}`,
    `scrypt$N=1024,r=8,p=1$${'A'.repeat(10)}$${hash}`,
    `scrypt$N=1024,r=8,p=1$${salt}$${hash.slice(0, -1)}B`, // non-zero trailing bits
    ` scrypt$N=1024,r=8,p=1$${salt}$${hash}`,
  ]) {
    assert.throws(() => parsePasswordHash(bad), (error: unknown) => {
      assert.ok(error instanceof TypeError, bad);
      if (bad.length > 0) assert.ok(!error.message.includes(bad), 'message quotes the hash');
      return true;
    });
  }
});

test('refuses cost parameters a hostile users file could use to exhaust memory or CPU', () => {
  const tail = `$${'A'.repeat(22)}$${'A'.repeat(43)}`;
  for (const params of ['N=1000,r=8,p=1', 'N=1,r=8,p=1', 'N=1073741824,r=8,p=1', 'N=1048576,r=8,p=1', 'N=131072,r=64,p=1', 'N=131072,r=8,p=999']) {
    assert.throws(() => parsePasswordHash(`scrypt$${params}${tail}`), RangeError, params);
  }
  assert.doesNotThrow(() => parsePasswordHash(`scrypt$N=131072,r=8,p=1${tail}`));
  assert.doesNotThrow(() => parsePasswordHash(`scrypt$N=262144,r=8,p=1${tail}`));
});

test('hashPassword refuses a non-string password and out-of-bounds parameters', async () => {
  await assert.rejects(hashPassword(123 as unknown as string), TypeError);
  await assert.rejects(hashPassword('x', { parameters: { N: 3, r: 8, p: 1 } }), RangeError);
  await assert.rejects(verifyPassword(undefined as unknown as string, createDummyPasswordHash(FAST)), TypeError);
});

test('tells which parameters are below the OWASP minimum', () => {
  assert.equal(isBelowOwaspMinimum({ N: 2 ** 17, r: 8, p: 1 }), false);
  assert.equal(isBelowOwaspMinimum({ N: 2 ** 16, r: 8, p: 2 }), false);
  assert.equal(isBelowOwaspMinimum({ N: 2 ** 14, r: 8, p: 1 }), true);
  assert.equal(isBelowOwaspMinimum({ N: 2 ** 20, r: 1, p: 1 }), true);
});
