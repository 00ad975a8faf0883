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
import { FileRevocationStore, MemoryRevocationStore, RedisRevocationStore, StateUnavailableError, type RevocationStore } from '../../../lib/index.ts';
import { startRedis, type TestRedis } from '../../helpers/redis-server.ts';

// Ten seconds ahead: a Redis store refuses what was issued before its epoch record (written at
// its first use), as it would after lost data.
const NOW = Date.now() + 10_000;
const SEC = Math.floor(NOW / 1000);
let n = 0;
const id = (kind: string): string => `${kind}-${process.pid}-${++n}`;
const check = (over: { jti?: string; sub?: string; issuedAtMs?: number; fid?: string }) => ({
  jti: over.jti ?? id('j'), sub: over.sub ?? id('s'), issuedAtMs: over.issuedAtMs ?? NOW, fid: over.fid,
});

function contract(name: string, make: () => RevocationStore): void {
  describe(`${name}: the store contract`, () => {
    test('a revoked jti is revoked; another is not', async () => {
      const store = make();
      const jti = id('j');
      assert.equal(await store.revoke(jti, SEC + 60), 'token');
      assert.equal(await store.isRevoked(check({ jti })), true);
      assert.equal(await store.isRevoked(check({})), false);
    });

    test('subject cut-off at the millisecond; it never moves backwards', async () => {
      const store = make();
      const sub = id('s');
      await store.revokeSubject(sub, NOW, SEC + 60);
      await store.revokeSubject(sub, NOW - 5000, SEC + 60);
      assert.equal(await store.isRevoked(check({ sub, issuedAtMs: NOW - 1 })), true);
      assert.equal(await store.isRevoked(check({ sub, issuedAtMs: NOW })), true);
      assert.equal(await store.isRevoked(check({ sub, issuedAtMs: NOW + 1 })), false);
    });

    test('a revoked family refuses its tokens only', async () => {
      const store = make();
      const fid = id('f');
      await store.revokeFamily(fid, SEC + 60);
      assert.equal(await store.isRevoked(check({ fid })), true);
      assert.equal(await store.isRevoked(check({ fid: id('f') })), false);
    });

    test('claim: of 20 concurrent claims exactly one wins and all see its value', async () => {
      const store = make();
      const key = id('c');
      const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => store.claim(key, `v${i}`, SEC + 60)));
      const winners = answers.flatMap((a, i) => (a === null ? [i] : []));
      assert.equal(winners.length, 1);
      for (const a of answers) if (a !== null) assert.equal(a, `v${winners[0]}`);
      assert.equal(await store.claim(key, 'late', SEC + 60), `v${winners[0]}`);
    });

    test('the per-subject bound turns the next revocation into a cut-off', async () => {
      const store = make();
      const subject = id('s');
      const bound = { subject, limit: 2, cutoffMs: NOW, cutoffExpiresAt: SEC + 120 };
      const results = [];
      for (let i = 0; i < 3; i++) results.push(await store.revoke(id('j'), SEC + 60, bound));
      assert.deepEqual(results, ['token', 'token', 'subject']);
      assert.equal(await store.isRevoked(check({ sub: subject, issuedAtMs: NOW })), true);
      assert.equal(await store.isRevoked(check({ sub: subject, issuedAtMs: NOW + 1 })), false);
    });

    test('family revocations count against the same per-subject share', async () => {
      const store = make();
      const subject = id('s');
      const bound = { subject, limit: 2, cutoffMs: NOW, cutoffExpiresAt: SEC + 120 };
      const fid = id('f');
      assert.equal(await store.revokeFamily(fid, SEC + 60, bound), 'token');
      assert.equal(await store.revoke(id('j'), SEC + 60, bound), 'token');
      assert.equal(await store.revokeFamily(id('f'), SEC + 60, bound), 'subject');
      assert.equal(await store.isRevoked(check({ fid })), true);
      assert.equal(await store.isRevoked(check({ sub: subject, issuedAtMs: NOW })), true);
    });

    test('bad arguments are TypeErrors', async () => {
      const store = make();
      await assert.rejects(async () => store.revoke('', SEC), TypeError);
      await assert.rejects(async () => store.revokeFamily('f', Number.NaN), TypeError);
      await assert.rejects(async () => store.claim('k', 7 as never, SEC + 5), TypeError);
    });
  });
}

contract('MemoryRevocationStore', () => new MemoryRevocationStore());

const dirs: string[] = [];
const files: FileRevocationStore[] = [];
let fileStore: FileRevocationStore;
before(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'authx-state-'));
  dirs.push(dir);
  fileStore = await FileRevocationStore.open({ directory: dir });
  files.push(fileStore);
});
contract('FileRevocationStore', () => fileStore);

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
});
after(async () => {
  for (const f of files) await f.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  await official?.quit().catch(() => {});
  io?.disconnect();
  await redis?.stop();
});
contract('RedisRevocationStore (redis)', () => new RedisRevocationStore({ client: official, prefix: 'o:' }));
contract('RedisRevocationStore (ioredis)', () => new RedisRevocationStore({ client: io, prefix: 'i:' }));

describe('RedisRevocationStore specifics', () => {
  test('every key it wrote has a TTL (KEYS + TTL over the whole Redis)', async () => {
    const store = new RedisRevocationStore({ client: official, prefix: 't:' });
    await store.revoke(id('j'), SEC + 60, { subject: 'u', limit: 1, cutoffMs: NOW, cutoffExpiresAt: SEC + 90 });
    await store.revoke(id('j'), SEC + 60, { subject: 'u', limit: 1, cutoffMs: NOW, cutoffExpiresAt: SEC + 90 });
    await store.revokeFamily(id('f'), SEC + 60);
    await store.claim(id('c'), 'x', SEC + 60);
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
    const store = new RedisRevocationStore({ client: () => new Promise(() => {}), timeoutMs: 50 });
    const started = Date.now();
    await assert.rejects(async () => store.isRevoked(check({})), StateUnavailableError);
    assert.ok(Date.now() - started < 1000);
    assert.equal(await store.isReady(), false);
  });

  test('Redis killed: every call fails closed (503 error, no client text); back: works again', async () => {
    const store = new RedisRevocationStore({ client: official, prefix: 'k:', timeoutMs: 300 });
    const ioStore = new RedisRevocationStore({ client: io, prefix: 'k:', timeoutMs: 300 });
    await redis.kill();
    for (const s of [store, ioStore]) {
      const error = await Promise.resolve(s.isRevoked(check({}))).then(() => undefined, (e: unknown) => e);
      assert.ok(error instanceof StateUnavailableError, String(error));
      assert.doesNotMatch((error as Error).message, /127\.0\.0\.1|ECONN/);
      assert.equal(await s.isReady(), false);
    }
    await redis.restart();
    for (const s of [store, ioStore]) {
      const deadline = Date.now() + 5000;
      while (!(await s.isReady()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      assert.equal(await s.isRevoked(check({})), false);
    }
  });

  test('a client of no known shape is a TypeError; unknown options too', () => {
    assert.throws(() => new RedisRevocationStore({ client: {} as never }), TypeError);
    assert.throws(() => new RedisRevocationStore({ client: official, prefx: 'a' } as never), /unknown RedisRevocationStore option "prefx"/);
  });
});
