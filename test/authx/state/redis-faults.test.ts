/**
 * RedisRevocationStore against real redis-server processes that misbehave: eviction policies,
 * FLUSHALL, a full maxmemory with noeviction, CLIENT PAUSE, a partition and a cut through a TCP
 * proxy, a killed connection, a flushed script cache, and replicas for `minReplicas`. The rule
 * under test everywhere: a revoked token is never accepted, and a failure is a
 * `StateUnavailableError` (503) whose message names no address. The tracking cache (RESP3) is
 * tested here too: a logout on one instance is refused on another within 50 ms.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { BasicClientSideCache, createClient } from 'redis';
import { AuthX, RedisRevocationStore, RedisTracking, StateUnavailableError, StateUntrustedError, type TokenPayload } from '../../../lib/index.ts';
import { issuedAtMs } from '../../../lib/authx/tokens/token-id.ts';
import { slotOf, slotTag, subjectTag } from '../../../lib/authx/state/redis-keys.ts';
import { startRedis, type TestRedis } from '../../helpers/redis-server.ts';
import { startProxy, type TestProxy } from '../../helpers/tcp-proxy.ts';

const SECRET = 'redis-faults-secret-0123456789-abcdefghij';
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** What the tests do with a client: close it. */
type Client = { destroy(): void };
interface Instance {
  auth: AuthX;
  store: RedisRevocationStore;
  client: Client;
  tracking: RedisTracking | undefined;
  logs: string[];
}

const opened: Instance[] = [];
const servers: TestRedis[] = [];
const proxies: TestProxy[] = [];
after(async () => {
  for (const one of opened) {
    one.store.close();
    one.client.destroy();
  }
  for (const proxy of proxies) await proxy.close();
  for (const redis of servers) await redis.stop();
});

async function redisServer(args: string[] = []): Promise<TestRedis> {
  const redis = await startRedis(args);
  servers.push(redis);
  return redis;
}

/** One instance: its own connection, a store (tracked unless told otherwise), an AuthX on the real clock. */
async function instance(url: string, options: { tracked?: boolean; minReplicas?: number; timeoutMs?: number; prepare?: boolean; clock?: () => number } = {}): Promise<Instance> {
  const tracking = options.tracked === false ? undefined : new RedisTracking();
  const client = createClient({
    url,
    RESP: 3,
    disableOfflineQueue: true,
    socket: { connectTimeout: 500, reconnectStrategy: () => 50 },
    ...(tracking === undefined ? {} : { clientSideCache: tracking.cacheFor(BasicClientSideCache) }),
  });
  client.on('error', () => {});
  await client.connect();
  const logs: string[] = [];
  const store = new RedisRevocationStore({
    client, timeoutMs: options.timeoutMs ?? 300, checkIntervalMs: 50, minReplicas: options.minReplicas ?? 0, log: (line) => logs.push(line),
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    ...(tracking === undefined ? {} : { tracking }),
  });
  const one = { auth: new AuthX({ secretKey: SECRET, revocationStore: store }), store, client, tracking, logs };
  opened.push(one);
  if (options.prepare !== false) await store.prepare();
  return one;
}

async function cli(redis: TestRedis, ...args: string[]): Promise<unknown> {
  const client = createClient({ url: redis.url });
  client.on('error', () => {});
  await client.connect();
  try {
    return await client.sendCommand(args);
  } finally {
    client.destroy();
  }
}

// Reads a token without asking any store (a memory-store AuthX with the same secret).
const decoder = new AuthX({ secretKey: SECRET });
const decode = (token: string): TokenPayload => decoder.verifyTokenSync(token);
const check = (payload: TokenPayload) => ({ jti: payload.jti, sub: payload.sub, issuedAtMs: issuedAtMs(payload.jti, payload.iat), fid: payload.fid as string | undefined });

/** Waits until `condition` holds, at most `ms`. */
async function until(condition: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    assert.ok(Date.now() < deadline, what);
    await sleep(5);
  }
}

async function failure(run: () => unknown): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  return undefined;
}

function assertUnavailable(error: unknown): void {
  assert.ok(error instanceof StateUnavailableError, `expected StateUnavailableError, got ${String(error)}`);
  assert.doesNotMatch(error.message, /127\.0\.0\.1|redis:\/\/|ECONN|:\d{4,5}/);
}

describe('maxmemory-policy', () => {
  const POLICIES = ['allkeys-lru', 'allkeys-lfu', 'allkeys-random', 'volatile-lru', 'volatile-lfu', 'volatile-random', 'volatile-ttl'];

  test('every policy but noeviction stops prepare() with a message naming the setting and the fix', async () => {
    const redis = await redisServer();
    for (const policy of POLICIES) {
      await cli(redis, 'CONFIG', 'SET', 'maxmemory-policy', policy);
      const { store } = await instance(redis.url, { prepare: false });
      const error = await failure(() => store.prepare());
      assert.ok(error instanceof StateUntrustedError, `${policy}: ${String(error)}`);
      assert.match(error.detail, new RegExp(`maxmemory-policy is ${policy}\\b.*Set maxmemory-policy to noeviction`));
      assert.doesNotMatch(error.detail + error.message, /127\.0\.0\.1|:\d{4,5}/);
      assert.equal(error.status, 503);
    }
  });

  test('a policy changed while running: not ready, every call 503 (cached answers too); noeviction again: back', async () => {
    const redis = await redisServer();
    const a = await instance(redis.url);
    const payload = decode(a.auth.createAccessToken('alice'));
    assert.equal(await a.store.isRevoked(check(payload)), false);
    await until(() => a.store.isRevoked(check(payload)) === false, 500, 'answered from the cache');
    await cli(redis, 'CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru');
    await until(async () => !(await a.store.isReady()), 2000, 'not ready after the change');
    assertUnavailable(await failure(() => a.store.isRevoked(check(payload))));
    assertUnavailable(await failure(() => a.auth.revokeToken(payload)));
    assert.ok(a.logs.some((line) => /maxmemory-policy is allkeys-lru/.test(line)), a.logs.join('\n'));
    await cli(redis, 'CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
    await until(() => a.store.isReady(), 2000, 'ready again');
    assert.equal(await a.store.isRevoked(check(payload)), false);
  });
});

describe('lost data', () => {
  test('FLUSHALL: a revoked token stays refused, any token issued before is refused, a new one works; the log says so', async () => {
    const redis = await redisServer();
    for (const tracked of [true, false]) {
      const a = await instance(redis.url, { tracked });
      const revoked = decode(a.auth.createAccessToken('alice'));
      const kept = decode(a.auth.createAccessToken('bob'));
      await a.auth.revokeToken(revoked);
      assert.equal(await a.store.isRevoked(check(revoked)), true);
      assert.equal(await a.store.isRevoked(check(kept)), false);
      await cli(redis, 'FLUSHALL');
      // A cache may answer for up to maxStalenessMs after a change it has not heard of yet.
      await sleep(tracked ? a.tracking!.maxStalenessMs + 20 : 5);
      assert.equal(await a.store.isRevoked(check(revoked)), true, 'the revocation is gone, the token still refused');
      assert.equal(await a.store.isRevoked(check(kept)), true, 'issued before the loss: refused');
      await sleep(2);
      const fresh = decode(a.auth.createAccessToken('bob'));
      await until(async () => (await a.store.isRevoked({ ...check(fresh), issuedAtMs: Date.now() })) === false, 2000, 'a new token works');
      assert.ok(a.logs.some((line) => /Redis lost data/.test(line)), a.logs.join('\n'));
      assert.equal(await a.store.isRevoked(check(revoked)), true);
    }
  });

  test('after FLUSHALL, an instance whose clock is a minute behind writes the epoch records at Redis\'s own clock (TIME): tokens other instances issued before the loss stay refused', async () => {
    const redis = await redisServer();
    const a = await instance(redis.url, { tracked: false });
    const late = await instance(redis.url, { tracked: false, clock: () => Date.now() - 60_000 });
    const kept = decode(a.auth.createAccessToken('carol'));
    assert.equal(await a.store.isRevoked(check(kept)), false);
    await cli(redis, 'FLUSHALL');
    assert.equal(await late.store.isRevoked(check(kept)), true, 'the loss is seen');
    await until(async () => (await cli(redis, 'DBSIZE')) === 16_384, 2000, 'every epoch record written again');
    const epoch = Number(await cli(redis, 'GET', `authx:{${slotTag(slotOf(subjectTag('carol')))}}:epoch`));
    assert.ok(epoch >= check(kept).issuedAtMs, `the record (${epoch}) is not dated before a token issued before the loss (${check(kept).issuedAtMs})`);
    assert.equal(await a.store.isRevoked(check(kept)), true, 'issued before the loss: refused on every instance');
    assert.equal(await late.store.isRevoked(check(kept)), true);
  });

  test('a full maxmemory with noeviction: a logout fails with 503 (nothing half written), verification still answers', async () => {
    const redis = await redisServer();
    const a = await instance(redis.url);
    const payload = decode(a.auth.createAccessToken('alice'));
    assert.equal(await a.store.isRevoked(check(payload)), false);
    for (let i = 0; i < 64; i++) await cli(redis, 'SET', `filler:${i}`, 'x'.repeat(64 * 1024));
    // Below what it holds: every write is refused from now on (noeviction), reads still served.
    await cli(redis, 'CONFIG', 'SET', 'maxmemory', '1mb');
    const before = await cli(redis, 'DBSIZE');
    const error = await failure(() => a.auth.revokeToken(payload));
    assertUnavailable(error);
    assert.equal((error as { reason?: string }).reason, 'OOM');
    assert.equal(await cli(redis, 'DBSIZE'), before, 'nothing written');
    assert.equal(await a.store.isRevoked(check(payload)), false, 'reads still work');
    assert.equal(await a.store.isReady(), true);
  });
});

describe('a Redis that stops answering', () => {
  test('CLIENT PAUSE: the cache stops answering within maxStalenessMs and calls fail with 503 at the deadline; after: back', async () => {
    const redis = await redisServer();
    const a = await instance(redis.url, { timeoutMs: 150 });
    const payload = decode(a.auth.createAccessToken('alice'));
    assert.equal(await a.store.isRevoked(check(payload)), false);
    await until(() => typeof a.store.isRevoked(check(payload)) === 'boolean', 500, 'cached');
    await cli(redis, 'CLIENT', 'PAUSE', '700', 'ALL');
    await sleep(a.tracking!.maxStalenessMs + 20);
    const answer = a.store.isRevoked(check(payload));
    assert.ok(answer instanceof Promise, 'no cached answer once the heartbeat is overdue');
    assertUnavailable(await failure(() => answer));
    await sleep(700);
    await until(async () => (await a.store.isRevoked(check(payload)).valueOf()) === false, 2000, 'back after the pause');
  });

  test('a partition through a proxy: no cached answer past maxStalenessMs, so a logout elsewhere is never missed', async () => {
    const redis = await redisServer();
    const proxy = await startProxy(redis.port);
    proxies.push(proxy);
    const a = await instance(proxy.url, { timeoutMs: 150 });
    const b = await instance(redis.url);
    const payload = decode(a.auth.createAccessToken('alice'));
    assert.equal(await a.store.isRevoked(check(payload)), false);
    await until(() => a.store.isRevoked(check(payload)) === false, 500, 'cached on A');
    proxy.partition(true);
    await b.auth.revokeToken(payload);
    const started = Date.now();
    // Until the staleness bound A may still answer from its cache; never after it.
    while (Date.now() - started < a.tracking!.maxStalenessMs + 15) await sleep(2);
    const error = await failure(() => a.store.isRevoked(check(payload)));
    assertUnavailable(error);
    proxy.partition(false);
    await until(async () => (await failure(async () => assert.equal(await a.store.isRevoked(check(payload)), true))) === undefined, 2000, 'refused once the link is back');
  });

  test('a cut link and a killed connection drop the cache: a logout made meanwhile is seen', async () => {
    const redis = await redisServer();
    const proxy = await startProxy(redis.port);
    proxies.push(proxy);
    const a = await instance(proxy.url);
    const b = await instance(redis.url);
    for (const fault of [() => proxy.cut(), () => cli(redis, 'CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes')]) {
      const payload = decode(a.auth.createAccessToken('alice'));
      assert.equal(await a.store.isRevoked(check(payload)), false);
      await until(() => a.store.isRevoked(check(payload)) === false, 500, 'cached on A');
      await fault();
      // b's own connection may have been killed too; it reconnects by itself.
      await until(async () => (await failure(() => b.auth.revokeToken(payload))) === undefined, 2000, 'logout on B');
      await until(async () => (await failure(async () => assert.equal(await a.store.isRevoked(check(payload)), true))) === undefined, 2000, 'A sees it');
    }
  });
});

describe('tracking: shared state as fast as local state', () => {
  let redis: TestRedis;
  before(async () => {
    redis = await redisServer();
  });

  test('a verification is answered from the local cache, without a Promise, once read', async () => {
    const a = await instance(redis.url);
    const payload = decode(a.auth.createAccessToken('alice'));
    assert.ok(a.store.isRevoked(check(payload)) instanceof Promise, 'first read goes to Redis');
    await a.store.isRevoked(check(payload));
    await until(() => a.store.isRevoked(check(payload)) === false, 500, 'then a local answer');
    // AuthX's synchronous path works on a cache hit.
    assert.equal(decode(a.auth.createAccessToken('alice').replace(/x/g, 'x')).sub, 'alice');
  });

  test('a logout on one instance is refused on another within 50 ms', async () => {
    const a = await instance(redis.url);
    const b = await instance(redis.url);
    for (let round = 0; round < 5; round++) {
      const payload = decode(a.auth.createAccessToken(`user${round}`));
      await b.store.isRevoked(check(payload));
      await until(() => b.store.isRevoked(check(payload)) === false, 500, 'cached on B');
      const started = performance.now();
      await a.auth.revokeToken(payload);
      // Polled as a request would ask: the cached "not revoked" must be gone within 50 ms.
      for (;;) {
        const answer = await b.store.isRevoked(check(payload));
        if (answer) break;
        assert.ok(performance.now() - started < 50, `round ${round}: still accepted after 50 ms`);
        await sleep(1);
      }
      assert.ok(performance.now() - started < 50);
    }
  });

  test('a cache the client does not feed (no tracking on the connection) is never used', async () => {
    const tracking = new RedisTracking();
    const client = createClient({ url: redis.url, RESP: 3 }); // tracking not wired to the client
    client.on('error', () => {});
    await client.connect();
    const store = new RedisRevocationStore({ client, tracking, checkIntervalMs: 50 });
    opened.push({ auth: new AuthX({ secretKey: SECRET, revocationStore: store }), store, client, tracking, logs: [] });
    await store.prepare();
    const check1 = { jti: 'j-untracked', sub: 'carol', issuedAtMs: Date.now(), fid: undefined };
    for (let i = 0; i < 5; i++) {
      assert.ok(store.isRevoked(check1) instanceof Promise);
      assert.equal(await store.isRevoked(check1), false);
      await sleep(20);
    }
  });

  test('SCRIPT FLUSH: the next write sends the script again and works', async () => {
    const a = await instance(redis.url);
    const payload = decode(a.auth.createAccessToken('dave'));
    await cli(redis, 'SCRIPT', 'FLUSH');
    await a.auth.revokeToken(payload);
    assert.equal(await a.store.isRevoked(check(payload)), true);
  });
});

describe('minReplicas: acknowledged means replicated', () => {
  test('a logout is answered once a replica holds it; without the replica it fails with 503', async () => {
    // No wait before a diskless full sync (7.0 waits 5 s for more replicas by default).
    const primary = await redisServer(['--repl-diskless-sync-delay', '0']);
    const replica = await redisServer(['--replicaof', '127.0.0.1', String(primary.port)]);
    await until(async () => /master_link_status:up/.test(String(await cli(replica, 'INFO', 'replication'))), 5000, 'replica linked');
    const a = await instance(primary.url, { minReplicas: 1, timeoutMs: 1000 });
    const payload = decode(a.auth.createAccessToken('erin'));
    await a.auth.revokeToken(payload);
    const keys = (await cli(replica, 'KEYS', `*${payload.jti}*`)) as string[];
    assert.ok(keys.length > 0, 'the replica holds the revocation when the logout is answered');
    await replica.kill();
    const started = Date.now();
    const error = await failure(() => a.auth.revokeToken(decode(a.auth.createAccessToken('erin'))));
    assertUnavailable(error);
    assert.equal((error as { reason?: string }).reason, 'NOREPLICAS');
    assert.ok(Date.now() - started < 3000, 'refused at the WAIT deadline, not later');
  });
});
