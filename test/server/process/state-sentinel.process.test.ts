/**
 * REDIS_SENTINEL against real processes the test starts itself (a master, its replica and one
 * Sentinel with quorum 1; test/helpers/redis-sentinel.ts): two server instances share the state
 * through the official client's `createSentinel` (a logout on one refused by the other, rotation,
 * shared throttle counters), a master that may evict stops the start, WORKERS=2 runs on it, and
 * the master killed right after a logout with REDIS_MIN_REPLICAS=1 is followed to the promoted
 * replica: the revoked token never accepted, never a 500, served again within 20 s. No tracking
 * in this mode (docs/state.md), so every verification asks the master. Slow (a failover): a
 * process test, run by `npm run test:processes`.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { openServerState, type ServerState } from '../../../server/process/state.ts';
import { MASTER_NAME, startSentinel, type TestSentinel } from '../../helpers/redis-sentinel.ts';
import { startWorkers } from '../../helpers/server-process.ts';
import { hammer, loginAs, startTestServer, TEST_SECRET, type TestServer } from '../server-helpers.ts';

let sentinel: TestSentinel;
const states: ServerState[] = [];
const servers: TestServer[] = [];
const logs: string[] = [];

before(async () => {
  sentinel = await startSentinel();
});
after(async () => {
  for (const server of servers) await server.close();
  for (const state of states) await state.close();
  await sentinel?.stop();
});

const env = (): Record<string, string> => ({ REDIS_SENTINEL: sentinel.url, REDIS_SENTINEL_NAME: MASTER_NAME });

async function instance(extra: Record<string, string> = {}): Promise<TestServer> {
  const state = await openServerState({ ...env(), ...extra }, { log: (line) => logs.push(line), redisTimeoutMs: 500 });
  states.push(state);
  const server = await startTestServer({ clock: Date.now, revocationStore: state.revocationStore, ...(state.counterStore ? { counterStore: state.counterStore } : {}) });
  servers.push(server);
  return server;
}

const auth = (token: string): RequestInit => ({ headers: { authorization: `Bearer ${token}` } });
const post = (token: string): RequestInit => ({ method: 'POST', headers: { authorization: `Bearer ${token}` } });
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const ADDRESS = /redis:\/\/|127\.0\.0\.1|:\d{4,5}\b/;

test('two instances over REDIS_SENTINEL: a logout on A is refused on B at once, rotation works, failed logins count once', async () => {
  const a = await instance();
  const b = await instance();
  const session = await loginAs(a.url);
  assert.equal(session.status, 200);
  assert.equal((await fetch(`${b.url}/protected`, auth(session.access))).status, 200);
  const rotated = await fetch(`${b.url}/refresh`, post(session.refresh));
  assert.equal(rotated.status, 200);
  const pair = (await rotated.json()) as { access_token: string };
  assert.equal((await fetch(`${a.url}/logout`, post(pair.access_token))).status, 200);
  assert.equal((await fetch(`${b.url}/protected`, auth(pair.access_token))).status, 401, 'no cache in Sentinel mode: B asks the master');
  // The throttle counters are shared: failures spread over A and B meet one limit.
  let refusedAt = -1;
  for (let attempt = 1; attempt <= 30 && refusedAt < 0; attempt++) {
    const { status } = await loginAs([a.url, b.url][attempt % 2]!, 'user2', 'wrong');
    if (status === 429) refusedAt = attempt;
    else assert.equal(status, 401);
  }
  const single = await startTestServer(); // memory counters, one process
  try {
    let alone = -1;
    for (let attempt = 1; attempt <= 30 && alone < 0; attempt++) if ((await loginAs(single.url, 'user2', 'wrong')).status === 429) alone = attempt;
    assert.ok(alone > 1);
    assert.equal(refusedAt, alone);
  } finally {
    await single.close();
  }
  assert.ok(logs.some((line) => /connected to Redis \(REDIS_SENTINEL\)/.test(line)), logs.join('\n'));
  assert.ok(logs.every((line) => !ADDRESS.test(line)), logs.join('\n'));
});

test('a master whose maxmemory-policy is allkeys-lru stops the start, naming the setting', async () => {
  await sentinel.cli(sentinel.master.port, 'CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru');
  try {
    await assert.rejects(openServerState(env(), { log: () => {} }), (error: Error) => {
      assert.match(error.message, /^REDIS_SENTINEL: Redis maxmemory-policy is allkeys-lru\b.*Set maxmemory-policy to noeviction/);
      assert.doesNotMatch(error.message, ADDRESS);
      return true;
    });
  } finally {
    await sentinel.cli(sentinel.master.port, 'CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
  }
});

test('WORKERS=2 with REDIS_SENTINEL (server.ts as a process): a logout on one worker is refused by both', async (t) => {
  const { child, url, output: printed, exited } = await startWorkers(t, { ...env(), JWT_SECRET_KEY: TEST_SECRET });
  const session = await loginAs(url);
  assert.equal(session.status, 200);
  assert.equal((await fetch(`${url}/logout`, { method: 'POST', headers: { authorization: `Bearer ${session.access}`, connection: 'close' } })).status, 200);
  for (let i = 0; i < 6; i++) {
    // New connections, so both workers answer.
    assert.equal((await fetch(`${url}/protected`, { headers: { authorization: `Bearer ${session.access}`, connection: 'close' } })).status, 401);
  }
  const output = printed();
  for (const line of output.split('\n').filter((l: string) => /state:/.test(l))) assert.doesNotMatch(line, ADDRESS);
  process.kill(-child.pid!, 'SIGTERM');
  const [code] = await exited;
  assert.equal(code, 0, output);
});

test('failover: the master killed right after a logout (REDIS_MIN_REPLICAS=1): the replica takes over, the revoked token is never accepted, never a 500, served again within 20 s', async () => {
  const a = await instance({ REDIS_MIN_REPLICAS: '1' });
  const b = await instance({ REDIS_MIN_REPLICAS: '1' });
  const session = await loginAs(a.url, 'user1', 'password1');
  const revoked = await loginAs(a.url, 'user1', 'password1');
  assert.equal(session.status, 200);
  assert.equal((await fetch(`${a.url}/logout`, post(revoked.access))).status, 200, 'answered once the replica holds it');
  // Bounded traffic: some 100 requests a second each at most.
  const good = hammer(b.url, session.access, 5);
  const bad = hammer(b.url, revoked.access, 5);
  const killedAt = Date.now();
  await sentinel.master.kill();
  let status = 0;
  while (Date.now() - killedAt < 20_000) {
    status = (await fetch(`${a.url}/protected`, auth(session.access))).status;
    if (status === 200 && (await sentinel.masterPort()) === sentinel.replica.port) break;
    await sleep(100);
  }
  const servedAfterMs = Date.now() - killedAt;
  const [goodSeen, badSeen] = [await good.stop(), await bad.stop()];
  assert.equal(status, 200, `served again within 20 s of the kill; state log: ${logs.join(' | ')}`);
  assert.equal(await sentinel.masterPort(), sentinel.replica.port, 'the Sentinel promoted the replica');
  assert.equal(badSeen.get(200), undefined, `the revoked token was accepted: ${[...badSeen]}`);
  for (const seen of [goodSeen, badSeen]) for (const code of seen.keys()) assert.ok([200, 401, 503].includes(code), `status ${code} (${[...seen]})`);
  assert.ok((badSeen.get(401) ?? 0) > 0 && (goodSeen.get(200) ?? 0) > 0, `both hammers were answered: ${[...goodSeen]} / ${[...badSeen]}`);
  for (const server of [a, b]) assert.equal((await fetch(`${server.url}/protected`, auth(revoked.access))).status, 401, 'the logout survived the failover');
  // The promoted master has no replica left: a write cannot be acknowledged as replicated (503),
  // a read goes on.
  assert.equal((await fetch(`${a.url}/logout`, post(session.access))).status, 503);
  assert.ok(servedAfterMs < 20_000);
  assert.ok(logs.every((line) => !ADDRESS.test(line)), logs.join('\n'));
});
