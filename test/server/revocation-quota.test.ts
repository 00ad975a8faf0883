import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RevocationQuota } from '../../server/revocation-quota.ts';
import { RevokedTokenError } from '../../lib/authx/authx-errors.ts';

function clockAt(seconds: number): { now: () => number; set: (s: number) => void } {
  let ms = seconds * 1000;
  return { now: () => ms, set: (s) => (ms = s * 1000) };
}

test('admits individual revocations up to the share, then asks for a mark', () => {
  const clock = clockAt(1000);
  const quota = new RevocationQuota({ perSubject: 2, maxTokenLifetime: 100, clock: clock.now });
  assert.equal(quota.admit('a', 1050), true);
  assert.equal(quota.admit('a', 1090), true);
  assert.equal(quota.admit('a', 1090), false);
  assert.equal(quota.admit('b', 1090), true);
  // Once a revocation expires, its room is free again.
  clock.set(1050);
  assert.equal(quota.admit('a', 1120), true);
  assert.equal(quota.admit('a', 1120), false);
});

test('a mark revokes the tokens issued up to that second, and none issued later', () => {
  const clock = clockAt(2000);
  const quota = new RevocationQuota({ maxTokenLifetime: 100, clock: clock.now });
  quota.revokeAllThroughNow('a');
  assert.throws(() => quota.assertNotRevoked({ sub: 'a', iat: 1990 }), RevokedTokenError);
  assert.throws(() => quota.assertNotRevoked({ sub: 'a', iat: 2000 }), RevokedTokenError);
  assert.doesNotThrow(() => quota.assertNotRevoked({ sub: 'a', iat: 2001 }));
  assert.doesNotThrow(() => quota.assertNotRevoked({ sub: 'b', iat: 1990 }));
});

test('memory is one entry per subject, and a mark is dropped once no token it covers can be alive', () => {
  const clock = clockAt(3000);
  const quota = new RevocationQuota({ perSubject: 1, maxTokenLifetime: 100, clock: clock.now });
  for (let i = 0; i < 1000; i++) quota.admit('a', 3050);
  assert.equal(quota.size, 1);
  quota.revokeAllThroughNow('a');
  clock.set(3101);
  quota.admit('a', 3200); // touching the subject prunes the outlived mark
  assert.doesNotThrow(() => quota.assertNotRevoked({ sub: 'a', iat: 3000 }));
});

test('refuses options out of range', () => {
  assert.throws(() => new RevocationQuota({ perSubject: 0, maxTokenLifetime: 1 }), RangeError);
  assert.throws(() => new RevocationQuota({ maxTokenLifetime: Number.NaN }), RangeError);
});
