/**
 * Refresh token rotation across instances and restarts: two example-server instances (real HTTP,
 * port 0) sharing one real redis-server through their own official `redis` clients, and one
 * instance restarted on the same DATA_DIR (FileRevocationStore). Clocks are injected and shared.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createClient } from 'redis';
import { AuthX, FileRevocationStore, RedisRevocationStore, type RevocationStore } from '../../../lib/index.ts';
import { startRedis, type TestRedis } from '../../helpers/redis-server.ts';
import type { ServerOptions } from '../../../server/http/app.ts';
import { call, startTestServer, TEST_SECRET, testClock, type TestClock, type TestServer } from '../server-helpers.ts';

const post = (token: string): RequestInit => ({ method: 'POST', headers: { authorization: `Bearer ${token}` } });
const get = (token: string): RequestInit => ({ headers: { authorization: `Bearer ${token}` } });

async function login(url: string): Promise<{ access: string; refresh: string }> {
  const answer = await call(`${url}/login`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'user1', password: 'password1' }),
  });
  assert.equal(answer.status, 200);
  return { access: answer.body.access_token, refresh: answer.body.refresh_token };
}

/** One server instance over `store`, on the shared clock. */
function instance(store: RevocationStore, clock: TestClock, overrides: Partial<ServerOptions> = {}): Promise<TestServer> {
  const auth = new AuthX({ secretKey: TEST_SECRET, clock: clock.now, revocationStore: store });
  return startTestServer({ auth, clock: clock.now, ...overrides });
}

describe('two instances on one Redis', () => {
  let redis: TestRedis;
  const clients: { quit(): Promise<unknown> }[] = [];
  const servers: TestServer[] = [];
  const stores: RedisRevocationStore[] = [];
  // A Redis store on its own client per instance, on a clock near now (Redis TTLs are real time)
  // and ahead of Redis's own, which dates the epoch records when that is later than the store's.
  const clock = testClock(Date.now() + 60_000);
  const pair = async (overrides: Partial<ServerOptions> = {}): Promise<[TestServer, TestServer]> => {
    const made: TestServer[] = [];
    const prefix = `rot${servers.length}:`; // both instances of a pair share one key space
    for (let i = 0; i < 2; i++) {
      const client = await createClient({ url: redis.url }).connect();
      clients.push(client);
      const store = new RedisRevocationStore({ client, clock: clock.now, prefix });
      stores.push(store);
      // Its epoch record is written now: only tokens issued after it are trusted.
      await store.prepare();
      clock.advance(1);
      const server = await instance(store, clock, overrides);
      servers.push(server);
      made.push(server);
    }
    return made as [TestServer, TestServer];
  };

  before(async () => {
    redis = await startRedis();
  });
  after(async () => {
    for (const server of servers) await server.close();
    for (const store of stores) store.close();
    for (const client of clients) await client.quit();
    await redis.stop();
  });

  test('refresh on B, reuse of the old token on A: 401, then the family is refused on both; a new login works', async () => {
    const [a, b] = await pair();
    const first = await login(a.url);
    clock.advance(1000);
    const rotated = await call(`${b.url}/refresh`, post(first.refresh));
    assert.equal(rotated.status, 200);
    clock.advance(11_000);
    const reuse = await call(`${a.url}/refresh`, post(first.refresh));
    assert.equal(reuse.status, 401);
    assert.match(reuse.body.detail, /already used/);
    for (const server of [a, b]) {
      assert.equal((await call(`${server.url}/refresh`, post(rotated.body.refresh_token))).status, 401);
      assert.equal((await call(`${server.url}/protected`, get(rotated.body.access_token))).status, 401);
      assert.equal((await call(`${server.url}/protected`, get(first.access))).status, 401);
    }
    const again = await login(b.url);
    assert.equal((await call(`${a.url}/protected`, get(again.access))).status, 200);
    assert.equal((await call(`${a.url}/refresh`, post(again.refresh))).status, 200);
  });

  test('twelve concurrent refreshes with one token, alternating between A and B, all answer the one successor', async () => {
    const [a, b] = await pair();
    const first = await login(a.url);
    clock.advance(1000);
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => call(`${(i % 2 === 0 ? a : b).url}/refresh`, post(first.refresh))));
    assert.deepEqual(answers.map((x) => x.status), Array(12).fill(200));
    const successors = new Set(answers.map((x) => x.body.refresh_token as string));
    assert.equal(successors.size, 1, 'one successor across both instances');
    clock.advance(1000);
    const next = await call(`${b.url}/refresh`, post([...successors][0]!));
    assert.equal(next.status, 200);
    // The successor was used: the first token is theft now, seen on the other instance.
    assert.equal((await call(`${a.url}/refresh`, post(first.refresh))).status, 401);
    assert.equal((await call(`${b.url}/protected`, get(next.body.access_token))).status, 401);
  });

  test('grace 0: of ten concurrent refreshes across A and B exactly one wins; the family is then revoked', async () => {
    const [a, b] = await pair({ reuseGraceSeconds: 0 });
    const first = await login(a.url);
    clock.advance(1000);
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => call(`${(i % 2 === 0 ? a : b).url}/refresh`, post(first.refresh))));
    const winners = answers.filter((x) => x.status === 200);
    assert.equal(winners.length, 1);
    assert.equal(answers.filter((x) => x.status === 401).length, 9);
    assert.equal((await call(`${a.url}/protected`, get(winners[0]!.body.access_token))).status, 401);
  });

  test('every key rotation wrote to Redis expires', async () => {
    const client = await createClient({ url: redis.url }).connect();
    try {
      const keys = await client.keys('rot*');
      assert.ok(keys.length > 0);
      // Except the epoch records, which live forever on purpose (docs/state.md, amnesia).
      for (const key of keys.filter((k) => !k.endsWith('}:epoch'))) assert.ok((await client.ttl(key)) > 0, `${key} has a TTL`);
    } finally {
      await client.quit();
    }
  });
});

describe('one instance restarted on the same DATA_DIR', () => {
  const directory = mkdtempSync(join(tmpdir(), 'authx-rotation-'));
  after(() => rmSync(directory, { recursive: true, force: true }));

  test('after a restart a rotated refresh token is still retired, and its reuse revokes the family', async () => {
    const clock = testClock(Date.now());
    let store = await FileRevocationStore.open({ directory, clock: clock.now });
    let server = await instance(store, clock);
    const first = await login(server.url);
    clock.advance(1000);
    const rotated = await call(`${server.url}/refresh`, post(first.refresh));
    assert.equal(rotated.status, 200);
    await server.close();
    await store.close();

    clock.advance(60_000);
    store = await FileRevocationStore.open({ directory, clock: clock.now });
    server = await instance(store, clock);
    try {
      assert.equal((await call(`${server.url}/refresh`, post(first.refresh))).status, 401);
      assert.equal((await call(`${server.url}/refresh`, post(rotated.body.refresh_token))).status, 401);
      assert.equal((await call(`${server.url}/protected`, get(rotated.body.access_token))).status, 401);
      const again = await login(server.url);
      assert.equal((await call(`${server.url}/refresh`, post(again.refresh))).status, 200);
    } finally {
      await server.close();
      await store.close();
    }
    // The family's revocation was journaled too: it survives the next restart.
    store = await FileRevocationStore.open({ directory, clock: clock.now });
    server = await instance(store, clock);
    try {
      assert.equal((await call(`${server.url}/protected`, get(rotated.body.access_token))).status, 401);
    } finally {
      await server.close();
      await store.close();
    }
  });
});
