/**
 * REDIS_CLUSTER against a real Redis Cluster the test starts itself (three primaries, one replica
 * each, `redis-cli --cluster create`; test/helpers/redis-cluster.ts): two server instances share
 * it (a logout on one refused by the other within 50 ms, no command ever CROSSSLOT), a primary
 * that may evict stops the start, a slot migration under load (ASK, TRYAGAIN, then MOVED) and a
 * primary killed under load (failover) never let a revoked token through nor answer 500, and
 * WORKERS=2 runs on it. The library side: an ioredis `Cluster` works as the store's client too.
 * Slow (a cluster of six processes, a failover): a process test, run by `npm run test:processes`.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Cluster } from 'ioredis';
import { AuthX, RedisRevocationStore, type TokenPayload } from '../../../lib/index.ts';
import { slotOf, subjectTag } from '../../../lib/authx/state/redis-keys.ts';
import { issuedAtMs } from '../../../lib/authx/tokens/token-id.ts';
import { openServerState, type ServerState } from '../../../server/process/state.ts';
import { startCluster, type TestCluster } from '../../helpers/redis-cluster.ts';
import { startWorkers } from '../../helpers/server-process.ts';
import { hammer, loginAs, startTestServer, TEST_SECRET, type TestServer } from '../server-helpers.ts';

let cluster: TestCluster;
const states: ServerState[] = [];
const servers: TestServer[] = [];
const logs: string[] = [];

before(async () => {
  cluster = await startCluster({ primaries: 3, replicasPerPrimary: 1 });
});
after(async () => {
  // The servers and states first, for at most 5 s, then the cluster (whose stop removes its
  // directory before its first await: see test/helpers/redis-cluster.ts).
  const closing = (async () => {
    for (const server of servers) await server.close();
    for (const state of states) await state.close();
  })().catch(() => {});
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([closing, new Promise((resolve) => (timer = setTimeout(resolve, 5000)))]);
  clearTimeout(timer);
  await cluster?.stop();
});

async function instance(env: Record<string, string> = {}): Promise<TestServer> {
  const state = await openServerState({ REDIS_CLUSTER: cluster.seeds, ...env }, { log: (line) => logs.push(line), redisTimeoutMs: 500 });
  states.push(state);
  const server = await startTestServer({ clock: Date.now, revocationStore: state.revocationStore, ...(state.counterStore ? { counterStore: state.counterStore } : {}) });
  servers.push(server);
  return server;
}

const login = loginAs;
const auth = (token: string): RequestInit => ({ headers: { authorization: `Bearer ${token}` } });
const post = (token: string): RequestInit => ({ method: 'POST', headers: { authorization: `Bearer ${token}` } });
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Errors by code over every live node (`INFO errorstats`). */
async function errorStats(): Promise<string> {
  const texts = await Promise.all(cluster.nodes.filter((n) => n.alive).map((n) => cluster.cli(n.port, 'INFO', 'errorstats').catch(() => '')));
  return texts.join('\n');
}

test('CLUSTER KEYSLOT agrees with the library: every subject key and its epoch record share one slot', async () => {
  const port = cluster.nodes[0]!.port;
  for (const subject of ['user1', 'a{b}c', 'ünïcode', '%7B', 'x'.repeat(300)]) {
    const tag = subjectTag(subject);
    assert.equal(Number((await cluster.cli(port, 'CLUSTER', 'KEYSLOT', `authx:{${tag}}:s`)).trim()), slotOf(tag), subject);
  }
});

test('two instances over REDIS_CLUSTER: a logout on A is refused on B within 50 ms, rotation works, nothing is CROSSSLOT', async () => {
  const a = await instance();
  const b = await instance();
  const session = await login(a.url);
  assert.equal(session.status, 200);
  assert.equal((await fetch(`${b.url}/protected`, auth(session.access))).status, 200);
  const rotated = await fetch(`${b.url}/refresh`, post(session.refresh));
  assert.equal(rotated.status, 200);
  const pair = (await rotated.json()) as { access_token: string; refresh_token: string };
  assert.equal((await fetch(`${a.url}/protected`, auth(pair.access_token))).status, 200);
  assert.equal((await fetch(`${a.url}/logout`, post(pair.access_token))).status, 200);
  const started = performance.now();
  let status = 200;
  while (status === 200) {
    status = (await fetch(`${b.url}/protected`, auth(pair.access_token))).status;
    assert.ok(status !== 200 || performance.now() - started < 50, 'still accepted on B 50 ms after the logout on A');
  }
  assert.equal(status, 401);
  assert.equal((await login(b.url, 'user1', 'wrong')).status, 401);
  assert.doesNotMatch(await errorStats(), /CROSSSLOT/);
  assert.ok(logs.every((line) => !/127\.0\.0\.1|:\d{4,5}\b/.test(line)), logs.join('\n'));
});

test('a primary whose maxmemory-policy is allkeys-lru stops the start, naming the setting', async () => {
  const primary = await cluster.primaryOf(0);
  await cluster.cli(primary, 'CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru');
  try {
    await assert.rejects(openServerState({ REDIS_CLUSTER: cluster.seeds }, { log: () => {} }), (error: Error) => {
      assert.match(error.message, /^REDIS_CLUSTER: Redis maxmemory-policy is allkeys-lru\b.*Set maxmemory-policy to noeviction/);
      assert.doesNotMatch(error.message, /127\.0\.0\.1|:\d{4,5}\b/);
      return true;
    });
  } finally {
    await cluster.cli(primary, 'CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
  }
});

test('a slot migration under load (ASK and TRYAGAIN while it moves, MOVED after): a revoked token is never accepted, nothing answers 500', async () => {
  const a = await instance();
  const b = await instance();
  const session = await login(a.url, 'user2', 'password2');
  const revoked = await login(a.url, 'user2', 'password2');
  assert.equal((await fetch(`${a.url}/logout`, post(revoked.access))).status, 200);
  const slot = slotOf(subjectTag('user2'));
  const from = await cluster.primaryOf(slot);
  const to = (await Promise.all([0, 5461, 10923].map((s) => cluster.primaryOf(s)))).find((port) => port !== from)!;
  const good = hammer(b.url, session.access);
  const bad = hammer(a.url, revoked.access);
  const migration = await cluster.migrate(slot, to);
  await migration.moveKeys(2);
  await sleep(300);
  await migration.moveKeys(2);
  await sleep(300);
  await migration.finish();
  await sleep(500);
  const [goodSeen, badSeen] = [await good.stop(), await bad.stop()];
  assert.equal(badSeen.get(200), undefined, `a revoked token was accepted during the migration: ${[...badSeen]}`);
  for (const seen of [goodSeen, badSeen]) for (const status of seen.keys()) assert.ok([200, 401, 503].includes(status), `status ${status}`);
  assert.ok((goodSeen.get(200) ?? 0) > 0);
  // Settled: the right answers from both instances, the slot now on its new primary.
  assert.equal(await cluster.primaryOf(slot), to);
  for (const server of [a, b]) {
    assert.equal((await fetch(`${server.url}/protected`, auth(session.access))).status, 200);
    assert.equal((await fetch(`${server.url}/protected`, auth(revoked.access))).status, 401);
  }
});

test('WORKERS=2 with REDIS_CLUSTER (server.ts as a process): a logout on one worker is refused by both', async (t) => {
  const { child, url, output: printed, exited } = await startWorkers(t, { REDIS_CLUSTER: cluster.seeds, JWT_SECRET_KEY: TEST_SECRET });
  const session = await login(url);
  assert.equal(session.status, 200);
  assert.equal((await fetch(url + '/logout', { ...post(session.access), headers: { authorization: `Bearer ${session.access}`, connection: 'close' } })).status, 200);
  for (let i = 0; i < 6; i++) {
    // New connections, so both workers answer.
    assert.equal((await fetch(`${url}/protected`, { headers: { authorization: `Bearer ${session.access}`, connection: 'close' } })).status, 401);
  }
  const output = printed();
  for (const line of output.split('\n').filter((l: string) => /state:/.test(l))) assert.doesNotMatch(line, /redis:\/\/|127\.0\.0\.1|:\d{4,5}\b/);
  process.kill(-child.pid!, 'SIGTERM');
  const [code] = await exited;
  assert.equal(code, 0, output);
});

test('the library with an ioredis Cluster: revocations and cut-offs on the right slots, prepare() checks every primary', async () => {
  const io = new Cluster(cluster.nodes.slice(0, 3).map((n) => ({ host: '127.0.0.1', port: n.port })), { enableOfflineQueue: true, redisOptions: { maxRetriesPerRequest: 1 } });
  io.on('error', () => {});
  const store = new RedisRevocationStore({ client: io, prefix: 'io:' });
  try {
    await store.prepare();
    const authx = new AuthX({ secretKey: TEST_SECRET, revocationStore: store });
    const decoder = new AuthX({ secretKey: TEST_SECRET });
    const check = (p: TokenPayload) => ({ jti: p.jti, sub: p.sub, issuedAtMs: issuedAtMs(p.jti, p.iat), fid: p.fid as string | undefined });
    for (const subject of ['carol', 'dave', 'erin']) {
      const payload = decoder.verifyTokenSync(authx.createAccessToken(subject));
      assert.equal(await store.isRevoked(check(payload)), false);
      await authx.revokeToken(payload);
      assert.equal(await store.isRevoked(check(payload)), true);
    }
    await authx.revokeAllTokens('frank');
    assert.equal(await store.isReady(), true);
    assert.doesNotMatch(await errorStats(), /CROSSSLOT/);
  } finally {
    store.close();
    io.disconnect();
  }
});

test('failover: the primary of a user\'s slot killed under load right after a logout (REDIS_MIN_REPLICAS=1): never a 500 nor the revoked token accepted; the replica takes over', async () => {
  const a = await instance({ REDIS_MIN_REPLICAS: '1' });
  const b = await instance({ REDIS_MIN_REPLICAS: '1' });
  const session = await login(a.url, 'user1', 'password1');
  const revoked = await login(a.url, 'user1', 'password1');
  assert.equal((await fetch(`${a.url}/logout`, post(revoked.access))).status, 200, 'answered once a replica holds it');
  const primary = await cluster.primaryOf(slotOf(subjectTag('user1')));
  const good = hammer(b.url, session.access);
  const bad = hammer(b.url, revoked.access);
  await sleep(100);
  await cluster.nodes.find((n) => n.port === primary)!.kill();
  const deadline = Date.now() + 15_000;
  let status = 0;
  while (Date.now() < deadline) {
    status = (await fetch(`${a.url}/protected`, auth(session.access))).status;
    if (status === 200 && (await cluster.primaryOf(slotOf(subjectTag('user1')))) !== primary) break;
    await sleep(100);
  }
  const [goodSeen, badSeen] = [await good.stop(), await bad.stop()];
  // Served again: the session goes on. When the new primary had not received the slot's epoch
  // records (replication is asynchronous; the state log says so), the store takes the safe side:
  // tokens issued before are refused, and a fresh login works once every instance has cut off.
  // Known limit (docs/state.md): on a loaded machine the instances have been seen to stay at 503
  // for over 30 s after such a failover; that is still failing closed, which is what this test
  // holds (no revoked token accepted, no 500, below), so it is accepted here, with the log shown.
  const lost = logs.some((line) => /lost data/.test(line));
  if (status !== 200 && lost) {
    const until = Date.now() + 15_000;
    do {
      await sleep(200);
      const again = await login(a.url, 'user1', 'password1');
      status = again.status === 200 ? (await fetch(`${a.url}/protected`, auth(again.access))).status : again.status;
    } while (status !== 200 && Date.now() < until);
  }
  if (!(lost && status === 503)) assert.equal(status, 200, `served again after the failover; state log: ${logs.join(' | ')}`);
  assert.equal(badSeen.get(200), undefined, `the revoked token was accepted: ${[...badSeen]}`);
  for (const seen of [goodSeen, badSeen]) for (const code of seen.keys()) assert.ok([200, 401, 503].includes(code), `status ${code}`);
  assert.equal((await fetch(`${a.url}/protected`, auth(revoked.access))).status, 401, 'the logout survived the failover');
});
