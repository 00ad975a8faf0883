/**
 * One contract for every revocation store: memory, file (DATA_DIR), and Redis through the
 * official `redis` client and through `ioredis`, against a real redis-server.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { FileRevocationStore, MemoryRevocationStore, RedisRevocationStore, StateUnavailableError } from '../../../lib/index.ts';
import { describeRevocationStore } from '../../../lib/testing.ts';
import { startRedis, type TestRedis } from '../../helpers/redis-server.ts';
import { SLOTS, slotTag } from '../../../lib/authx/state/redis-keys.ts';

// Ten seconds ahead: a Redis store refuses what was issued before its epoch record (written at
// its first use), as it would after lost data.
const NOW = Date.now() + 10_000;
const SEC = Math.floor(NOW / 1000);
let n = 0;
const id = (kind: string): string => `${kind}-${process.pid}-${++n}`;
const check = (over: { jti?: string; sub?: string; issuedAtMs?: number; fid?: string }) => ({
  jti: over.jti ?? id('j'), sub: over.sub ?? id('s'), issuedAtMs: over.issuedAtMs ?? NOW, fid: over.fid,
});
const owner = (subject: string) => ({ subject, coversMs: NOW, cutoffExpiresAt: SEC + 120 });

describeRevocationStore('MemoryRevocationStore', (o) => new MemoryRevocationStore(o));

const dirs: string[] = [];
const files: FileRevocationStore[] = [];
describeRevocationStore('FileRevocationStore', async (o) => {
  const dir = mkdtempSync(join(tmpdir(), 'authx-state-'));
  dirs.push(dir);
  const store = await FileRevocationStore.open({ directory: dir, ...o });
  files.push(store);
  return store;
});

let redis: TestRedis;
let official: ReturnType<typeof createClient>;
let io: Redis;
before(async () => {
  redis = await startRedis();
  official = createClient({ url: redis.url, disableOfflineQueue: true, socket: { reconnectStrategy: () => 100 } });
  official.on('error', () => {});
  await official.connect();
  io = new Redis(redis.url, { maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => 100, lazyConnect: true });
  io.on('error', () => {});
  await io.connect();
  // The epoch records are written before any test, as by a server that started a minute ago: the
  // suite's tokens are issued up to a second ago, and a store refuses what was issued before its
  // records (as it would after lost data). Written here, as a store dates them by Redis's clock.
  const minuteAgo = String(Date.now() - 60_000);
  for (const prefix of ['o:', 'i:']) {
    for (let from = 0; from < SLOTS; from += 1024) {
      const pairs = Array.from({ length: 1024 }, (_, i) => [`${prefix}{${slotTag(from + i)}}:epoch`, minuteAgo]).flat();
      await official.sendCommand(['MSET', ...pairs]);
    }
  }
});
after(async () => {
  for (const f of files) await f.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  await official?.quit().catch(() => {});
  io?.disconnect();
  await redis?.stop();
});
const redisStores: RedisRevocationStore[] = [];
after(() => {
  for (const store of redisStores) store.close();
});
/** A Redis store, its timers stopped after the file. */
function redisStore(options: ConstructorParameters<typeof RedisRevocationStore>[0]): RedisRevocationStore {
  const store = new RedisRevocationStore(options);
  redisStores.push(store);
  return store;
}
describeRevocationStore('RedisRevocationStore (redis)', (o) => redisStore({ client: official, prefix: 'o:', ...o }));
describeRevocationStore('RedisRevocationStore (ioredis)', (o) => redisStore({ client: io, prefix: 'i:', ...o }));

describe('RedisRevocationStore specifics', () => {
  test('every key it wrote has a TTL (KEYS + TTL over the whole Redis)', async () => {
    const store = redisStore({ client: official, prefix: 't:' });
    const folding = redisStore({ client: official, prefix: 't:', maxEntriesPerSubject: 1 });
    await folding.revoke(id('j'), SEC + 60, { subject: 'u', coversMs: NOW, cutoffExpiresAt: SEC + 90 });
    await folding.revoke(id('j'), SEC + 60, { subject: 'u', coversMs: NOW, cutoffExpiresAt: SEC + 90 });
    await store.revokeFamily(id('f'), SEC + 60, owner('v'));
    await store.retire({ key: id('c'), value: 'x', expiresAt: SEC + 60, family: { fid: id('f'), retiredMs: NOW, expiresAt: SEC + 60 }, owner: owner('w') });
    const keys = (await official.sendCommand(['KEYS', '*'])) as string[];
    assert.ok(keys.length >= 4);
    for (const key of keys) {
      // The epoch records live forever on purpose: their absence is how lost data is noticed.
      if (key.endsWith('}:epoch')) continue;
      const ttl = Number(await official.sendCommand(['TTL', key]));
      assert.ok(ttl > 0, `${key} has TTL ${ttl}`); // every key of every test, not only these
      if (key.startsWith('t:')) assert.ok(ttl <= 100, `${key} has TTL ${ttl}`); // SEC + 90, SEC being 10 s ahead
    }
  });

  test('a command that does not answer fails with StateUnavailableError at the deadline', async () => {
    const store = redisStore({ client: () => new Promise(() => {}), timeoutMs: 50 });
    const started = Date.now();
    await assert.rejects(async () => store.isRevoked(check({})), StateUnavailableError);
    assert.ok(Date.now() - started < 1000);
    assert.equal(await store.isReady(), false);
  });

  test('Redis killed: every call fails closed (503 error, no client text); back: works again', async () => {
    const store = redisStore({ client: official, prefix: 'k:', timeoutMs: 300 });
    const ioStore = redisStore({ client: io, prefix: 'k:', timeoutMs: 300 });
    await redis.kill();
    for (const s of [store, ioStore]) {
      const error = await Promise.resolve(s.isRevoked(check({}))).then(() => undefined, (e: unknown) => e);
      assert.ok(error instanceof StateUnavailableError, String(error));
      assert.doesNotMatch((error as Error).message, /127\.0\.0\.1|ECONN/);
      assert.equal(await s.isReady(), false);
    }
    // Back without its data: refused until the epoch records are written again, then a token
    // issued after them works.
    await redis.restart();
    for (const s of [store, ioStore]) {
      const deadline = Date.now() + 5000;
      while (!(await s.isReady()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      let answer: unknown;
      while (answer !== false && Date.now() < deadline) {
        answer = await Promise.resolve(s.isRevoked(check({ issuedAtMs: Date.now() + 1000 }))).catch(() => undefined);
        if (answer !== false) await new Promise((r) => setTimeout(r, 20));
      }
      assert.equal(answer, false);
    }
  });

  test('a client of no known shape is a TypeError; unknown options too', () => {
    assert.throws(() => new RedisRevocationStore({ client: {} as never }), TypeError);
    assert.throws(() => new RedisRevocationStore({ client: official, prefx: 'a' } as never), /unknown RedisRevocationStore option "prefx"/);
  });
});
