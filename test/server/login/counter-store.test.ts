import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryCounterStore } from '../../../server/login/counter-store.ts';
import { RedisCounterStore } from '../../../server/login/redis-counter-store.ts';

function clock(start = 1_700_000_000_000): { now: () => number; advance: (ms: number) => void } {
  let time = start;
  return { now: () => time, advance: (ms) => (time += ms) };
}

test('counts hits in a fixed window that starts at the first hit, with the ms left', () => {
  const time = clock();
  const store = new MemoryCounterStore({ now: time.now });
  assert.deepEqual(store.increment('k', 60_000), { count: 1, resetMs: 60_000 });
  time.advance(10_000);
  assert.deepEqual(store.increment('k', 60_000), { count: 2, resetMs: 50_000 });
  assert.deepEqual(store.increment('other', 60_000), { count: 1, resetMs: 60_000 });
  time.advance(49_999);
  assert.deepEqual(store.increment('k', 60_000), { count: 3, resetMs: 1 });
  time.advance(1);
  assert.deepEqual(store.increment('k', 60_000), { count: 1, resetMs: 60_000 }, 'a new window at its end');
});

test('reset forgets one key only', () => {
  const store = new MemoryCounterStore();
  store.increment('a', 1000);
  store.increment('a', 1000);
  store.increment('b', 1000);
  store.reset('a');
  store.reset('never-seen');
  assert.equal(store.increment('a', 1000).count, 1);
  assert.equal(store.increment('b', 1000).count, 2);
});

test('holds at most maxEntries keys, forgetting the oldest window first', () => {
  const time = clock();
  const store = new MemoryCounterStore({ maxEntries: 3, now: time.now });
  for (const key of ['a', 'b', 'c']) {
    store.increment(key, 60_000);
    time.advance(1);
  }
  store.increment('a', 60_000); // same window: does not move a
  store.increment('d', 60_000);
  assert.equal(store.size, 3);
  assert.equal(store.increment('a', 60_000).count, 1, 'a (oldest window) was forgotten');
  assert.equal(store.increment('c', 60_000).count, 2);
});

test('drops expired windows before counting, so they do not take the room of live ones', () => {
  const time = clock();
  const store = new MemoryCounterStore({ maxEntries: 2, now: time.now });
  store.increment('a', 1000);
  store.increment('b', 5000);
  time.advance(1000);
  store.increment('c', 5000);
  assert.equal(store.size, 2);
  assert.equal(store.increment('b', 5000).count, 2, 'b survived: the expired a made the room');
});

test('refuses a window that is not a positive finite number of ms', () => {
  const store = new MemoryCounterStore();
  for (const windowMs of [0, -1, Number.NaN, Number.POSITIVE_INFINITY, '60' as unknown as number]) {
    assert.throws(() => store.increment('k', windowMs), { name: 'RangeError', message: /windowMs must be a positive finite number/ });
  }
});

test('checks its options by name and value', () => {
  assert.throws(() => new MemoryCounterStore({ maxEntrys: 5 } as never), { name: 'TypeError', message: /"maxEntrys"; did you mean "maxEntries"/ });
  assert.throws(() => new MemoryCounterStore({ maxEntries: 0 }), RangeError);
  assert.throws(() => new MemoryCounterStore({ now: 5 as never }), { name: 'TypeError', message: /now must be a function/ });
});

test('RedisCounterStore refuses an unknown option by name, suggesting the one meant', () => {
  const client = { sendCommand: async () => null };
  assert.throws(() => new RedisCounterStore({ client, timeoutMS: 500 } as never), {
    name: 'TypeError',
    message: /RedisCounterStore options.*"timeoutMS".*timeoutMs/,
  });
  assert.throws(() => new RedisCounterStore(null as never), { name: 'TypeError', message: 'RedisCounterStore options must be an object' });
  assert.doesNotThrow(() => new RedisCounterStore({ client, prefix: 'p:', timeoutMs: 100 }));
});

test('read tells the count and the ms left in the current window, counting nothing; null when none is open', () => {
  const time = clock();
  const store = new MemoryCounterStore({ now: time.now });
  assert.equal(store.read('k'), null);
  store.increment('k', 60_000);
  store.increment('k', 60_000);
  time.advance(10_000);
  assert.deepEqual(store.read('k'), { count: 2, resetMs: 50_000 });
  assert.deepEqual(store.read('k'), { count: 2, resetMs: 50_000 }, 'a read counts nothing');
  time.advance(50_000);
  assert.equal(store.read('k'), null, 'the window ended');
});
