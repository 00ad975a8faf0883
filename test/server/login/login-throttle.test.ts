import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KnownKeys, LoginThrottle } from '../../../server/login/login-throttle.ts';
import { MemoryCounterStore, type CounterHit, type CounterStore } from '../../../server/login/counter-store.ts';

function clock(start = 1_700_000_000_000): { now: () => number; advance: (ms: number) => void } {
  let time = start;
  return { now: () => time, advance: (ms) => (time += ms) };
}

test('allows maxFailures attempts in a window, then refuses with Retry-After seconds', async () => {
  const time = clock();
  const throttle = new LoginThrottle({ maxFailures: 3, windowSeconds: 900, now: time.now });
  for (let i = 0; i < 3; i++) assert.deepEqual(await throttle.hit('user1'), { allowed: true });
  assert.deepEqual(await throttle.hit('user1'), { allowed: false, retryAfterSeconds: 900 });
  time.advance(100_500);
  assert.deepEqual(await throttle.hit('user1'), { allowed: false, retryAfterSeconds: 800 });
  assert.deepEqual(await throttle.hit('user2'), { allowed: true });
});

test('allows again once the window has ended, and starts a new window', async () => {
  const time = clock();
  const throttle = new LoginThrottle({ maxFailures: 1, windowSeconds: 60, now: time.now });
  assert.equal((await throttle.hit('k')).allowed, true);
  assert.equal((await throttle.hit('k')).allowed, false);
  time.advance(59_999);
  assert.deepEqual(await throttle.hit('k'), { allowed: false, retryAfterSeconds: 1 });
  time.advance(1);
  assert.deepEqual(await throttle.hit('k'), { allowed: true });
  assert.deepEqual(await throttle.hit('k'), { allowed: false, retryAfterSeconds: 60 });
});

test('reset forgets the attempts of one key only', async () => {
  const throttle = new LoginThrottle({ maxFailures: 1, windowSeconds: 60 });
  await throttle.hit('a');
  await throttle.hit('b');
  await throttle.reset('a');
  assert.equal((await throttle.hit('a')).allowed, true);
  assert.equal((await throttle.hit('b')).allowed, false);
});

test('peek says whether one more attempt would pass, counting nothing; a store that cannot read says allowed', async () => {
  const time = clock();
  const throttle = new LoginThrottle({ maxFailures: 2, windowSeconds: 60, now: time.now });
  assert.equal(throttle.canPeek, true);
  assert.deepEqual(await throttle.peek('k'), { allowed: true });
  await throttle.hit('k');
  assert.deepEqual(await throttle.peek('k'), { allowed: true });
  await throttle.hit('k');
  time.advance(15_000);
  assert.deepEqual(await throttle.peek('k'), { allowed: false, retryAfterSeconds: 45 });
  assert.deepEqual(await throttle.peek('k'), { allowed: false, retryAfterSeconds: 45 }, 'peeking counts nothing');
  assert.equal((await throttle.hit('k')).allowed, false);
  const inner = new MemoryCounterStore();
  const plain: CounterStore = { increment: (key, ms) => inner.increment(key, ms), reset: (key) => inner.reset(key), exists: (key) => inner.exists(key) };
  const prefixed = new LoginThrottle({ maxFailures: 1, windowSeconds: 60, store: { ...plain, read: (key) => inner.read(key) }, keyPrefix: 'p:' });
  await prefixed.hit('k');
  assert.equal((await prefixed.peek('k')).allowed, false, 'read under the prefix');
  const without = new LoginThrottle({ maxFailures: 1, windowSeconds: 60, store: plain });
  assert.equal(without.canPeek, false);
});

test('concurrent attempts are each counted, so a burst cannot pass together', async () => {
  const throttle = new LoginThrottle({ maxFailures: 5, windowSeconds: 900 });
  const decisions = await Promise.all(Array.from({ length: 50 }, () => throttle.hit('victim')));
  assert.equal(decisions.filter((d) => d.allowed).length, 5);
});

test('counts through an injected asynchronous store, under its own key prefix', async () => {
  const inner = new MemoryCounterStore();
  const seen: string[] = [];
  const store: CounterStore = {
    increment: async (key: string, windowMs: number): Promise<CounterHit> => {
      seen.push(`${key}/${windowMs}`);
      await new Promise((resolve) => setImmediate(resolve));
      return inner.increment(key, windowMs);
    },
    reset: async (key: string): Promise<void> => {
      seen.push(`reset ${key}`);
      inner.reset(key);
    },
    exists: async (key: string): Promise<boolean> => inner.exists(key),
  };
  const a = new LoginThrottle({ maxFailures: 1, windowSeconds: 2, store, keyPrefix: 'a:' });
  const b = new LoginThrottle({ maxFailures: 1, windowSeconds: 2, store, keyPrefix: 'b:' });
  assert.equal((await a.hit('k')).allowed, true);
  assert.equal((await b.hit('k')).allowed, true, 'layers sharing a store do not share counts');
  assert.equal((await a.hit('k')).allowed, false);
  await a.reset('k');
  assert.deepEqual(seen, ['a:k/2000', 'b:k/2000', 'a:k/2000', 'reset a:k']);
});

test('never remembers more than maxEntries keys, whatever the flood', async () => {
  const time = clock();
  const store = new MemoryCounterStore({ maxEntries: 100, now: time.now });
  const throttle = new LoginThrottle({ maxFailures: 5, windowSeconds: 900, store });
  for (let i = 0; i < 10_000; i++) {
    await throttle.hit(`attacker-${i}`);
    time.advance(1);
  }
  assert.equal(store.size, 100);
  for (let i = 0; i < 5; i++) await throttle.hit('attacker-9999');
  assert.equal((await throttle.hit('attacker-9999')).allowed, false, 'the newest keys are the ones kept');
});

test('counting is cheap: two thousand attempts take well under two seconds', async () => {
  const throttle = new LoginThrottle({ maxFailures: 5, windowSeconds: 900 });
  const started = performance.now();
  for (let i = 0; i < 2_000; i++) await throttle.hit(`k${i % 2000}`);
  assert.ok(performance.now() - started < 2000);
});

test('refuses bad options with errors naming them', () => {
  assert.throws(() => new LoginThrottle({ maxFailures: 0, windowSeconds: 1 }), /maxFailures/);
  assert.throws(() => new LoginThrottle({ maxFailures: 1.5, windowSeconds: 1 }), /maxFailures/);
  assert.throws(() => new LoginThrottle({ maxFailures: 1, windowSeconds: Number.POSITIVE_INFINITY }), /windowSeconds/);
  assert.throws(() => new LoginThrottle({ maxFailures: 1, windowSeconds: -1 }), /windowSeconds/);
  assert.throws(() => new LoginThrottle({ maxFailures: 1, windowSeconds: 1, maxEntries: 0 }), /maxEntries/);
  assert.throws(() => new LoginThrottle({ maxFailure: 1, windowSeconds: 1 } as never), { name: 'TypeError', message: /"maxFailure"; did you mean "maxFailures"/ });
  assert.throws(() => new LoginThrottle({ maxFailures: 1, windowSeconds: 1, store: {} as never }), { name: 'TypeError', message: /store must be a CounterStore/ });
  assert.throws(() => new LoginThrottle({ maxFailures: 1, windowSeconds: 1, store: new MemoryCounterStore(), maxEntries: 5 }), { name: 'TypeError', message: /default store/ });
  assert.throws(() => new LoginThrottle({ maxFailures: 1, windowSeconds: 1, keyPrefix: 5 as never }), { name: 'TypeError', message: /keyPrefix/ });
});

test('KnownKeys.has only reads: concurrent probes of an unknown pair on a shared, slow store all say unknown', async () => {
  // The store as Redis behaves for concurrent requests: every call a round trip.
  const inner = new MemoryCounterStore();
  const trip = <T>(value: () => T): Promise<T> => new Promise((resolve) => setTimeout(() => resolve(value()), 5));
  const shared: CounterStore = {
    increment: (key, windowMs) => trip(() => inner.increment(key, windowMs)),
    reset: (key) => trip(() => inner.reset(key)),
    exists: (key) => trip(() => inner.exists(key)),
  };
  const known = new KnownKeys({ store: shared, windowSeconds: 60, keyPrefix: 'known:' });
  // Five attempts at once from a new address (what lets one pass the per-username limit).
  assert.deepEqual(await Promise.all(Array.from({ length: 5 }, () => known.has('user1|10.9.0.3'))), [false, false, false, false, false]);
  assert.equal(inner.exists('known:user1|10.9.0.3'), false, 'a probe leaves nothing behind');
  await known.remember('user1|10.9.0.3');
  assert.deepEqual(await Promise.all(Array.from({ length: 3 }, () => known.has('user1|10.9.0.3'))), [true, true, true]);
  assert.throws(() => new KnownKeys({ store: { increment: inner.increment.bind(inner), reset: inner.reset.bind(inner) } as never, windowSeconds: 60 }), /exists/);
});
