import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LoginThrottle } from '../../server/login-throttle.ts';

function clock(start = 1_700_000_000_000): { now: () => number; advance: (ms: number) => void } {
  let time = start;
  return { now: () => time, advance: (ms) => (time += ms) };
}

test('allows maxFailures failures in a window, then refuses with Retry-After seconds', () => {
  const time = clock();
  const throttle = new LoginThrottle({ maxFailures: 3, windowSeconds: 900, now: time.now });
  for (let i = 0; i < 3; i++) {
    assert.deepEqual(throttle.check('user1'), { allowed: true });
    throttle.recordFailure('user1');
  }
  assert.deepEqual(throttle.check('user1'), { allowed: false, retryAfterSeconds: 900 });
  time.advance(100_500);
  assert.deepEqual(throttle.check('user1'), { allowed: false, retryAfterSeconds: 800 });
  assert.deepEqual(throttle.check('user2'), { allowed: true });
});

test('allows again once the window has ended, and starts a new window', () => {
  const time = clock();
  const throttle = new LoginThrottle({ maxFailures: 1, windowSeconds: 60, now: time.now });
  throttle.recordFailure('k');
  assert.equal(throttle.check('k').allowed, false);
  time.advance(59_999);
  assert.deepEqual(throttle.check('k'), { allowed: false, retryAfterSeconds: 1 });
  time.advance(1);
  assert.deepEqual(throttle.check('k'), { allowed: true });
  throttle.recordFailure('k');
  assert.deepEqual(throttle.check('k'), { allowed: false, retryAfterSeconds: 60 });
});

test('reset forgets the failures of one key only', () => {
  const throttle = new LoginThrottle({ maxFailures: 1, windowSeconds: 60 });
  throttle.recordFailure('a');
  throttle.recordFailure('b');
  throttle.reset('a');
  assert.equal(throttle.check('a').allowed, true);
  assert.equal(throttle.check('b').allowed, false);
});

test('release takes back one failure of the current window only', () => {
  const time = clock();
  const throttle = new LoginThrottle({ maxFailures: 2, windowSeconds: 60, now: time.now });
  throttle.recordFailure('k');
  throttle.recordFailure('k');
  assert.equal(throttle.check('k').allowed, false);
  throttle.release('k');
  assert.equal(throttle.check('k').allowed, true);
  throttle.release('k');
  throttle.release('k'); // never below zero
  throttle.recordFailure('k');
  throttle.recordFailure('k');
  assert.equal(throttle.check('k').allowed, false);
  throttle.release('unknown');
});

test('never remembers more than maxEntries keys, whatever the flood', () => {
  const time = clock();
  const throttle = new LoginThrottle({ maxFailures: 5, windowSeconds: 900, maxEntries: 100, now: time.now });
  for (let i = 0; i < 10_000; i++) {
    throttle.recordFailure(`attacker-${i}`);
    time.advance(1);
  }
  assert.equal(throttle.size, 100);
  // The newest keys are the ones kept.
  for (let i = 0; i < 5; i++) throttle.recordFailure('attacker-9999');
  assert.equal(throttle.check('attacker-9999').allowed, false);
});

test('drops expired windows first, so live counters survive as long as expired ones exist', () => {
  const time = clock();
  const throttle = new LoginThrottle({ maxFailures: 2, windowSeconds: 10, maxEntries: 3, now: time.now });
  throttle.recordFailure('old-1');
  throttle.recordFailure('old-2');
  time.advance(5_000);
  throttle.recordFailure('victim');
  throttle.recordFailure('victim');
  time.advance(6_000); // old-1 and old-2 have expired, victim has not
  throttle.recordFailure('new-1');
  throttle.recordFailure('new-2');
  assert.equal(throttle.size, 3);
  assert.equal(throttle.check('victim').allowed, false);
});

test('checking is cheap: a million checks take well under a second', () => {
  const throttle = new LoginThrottle({ maxFailures: 5, windowSeconds: 900 });
  for (let i = 0; i < 1000; i++) throttle.recordFailure(`k${i}`);
  const started = performance.now();
  for (let i = 0; i < 1_000_000; i++) throttle.check(`k${i % 2000}`);
  assert.ok(performance.now() - started < 1000);
});

test('refuses bad options with errors naming them', () => {
  assert.throws(() => new LoginThrottle({ maxFailures: 0, windowSeconds: 1 }), /maxFailures/);
  assert.throws(() => new LoginThrottle({ maxFailures: 1.5, windowSeconds: 1 }), /maxFailures/);
  assert.throws(() => new LoginThrottle({ maxFailures: 1, windowSeconds: Number.POSITIVE_INFINITY }), /windowSeconds/);
  assert.throws(() => new LoginThrottle({ maxFailures: 1, windowSeconds: -1 }), /windowSeconds/);
  assert.throws(() => new LoginThrottle({ maxFailures: 1, windowSeconds: 1, maxEntries: 0 }), /maxEntries/);
});
