/**
 * Sessions in the library (issue #25): createSession records a family with its metadata,
 * rotation moves its last use, endSession / endOtherSessions revoke families (their access and
 * refresh tokens refused at once), the bound per user ends the oldest first, another user's id
 * is refused like an unknown one; on memory, DATA_DIR (across a reopen) and Redis (two
 * instances: ended on one, refused on the other at once).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createClient } from 'redis';
import { AuthX, FileRevocationStore, MemoryRevocationStore, RedisRevocationStore, RevokedTokenError } from '../../../lib/index.ts';
import { cleanUserAgent } from '../../../lib/authx/tokens/sessions.ts';
import { SECRET, START_MS, testClock } from '../authx-helpers.ts';
import { startRedis, type TestRedis } from '../../helpers/redis-server.ts';

function memoryAuth(): { auth: AuthX; clock: ReturnType<typeof testClock> } {
  const clock = testClock();
  return { auth: new AuthX({ secretKey: SECRET, clock, revocationStore: new MemoryRevocationStore({ clock }) }), clock };
}

describe('sessions (memory store)', () => {
  test('a login is listed with its metadata; a refresh moves its last use; newest first', async () => {
    const { auth, clock } = memoryAuth();
    const first = await auth.createSession('alice', { userAgent: 'Firefox\u0000/1\r\n', network: '192.0.2.0/24' });
    clock.now += 5000;
    const second = await auth.createSession('alice');
    await auth.createSession('bob');
    let list = await auth.listSessions('alice');
    assert.deepEqual(list.map((s) => s.id), [second.sessionId, first.sessionId]);
    assert.deepEqual(list[1], { id: first.sessionId, createdAt: START_MS / 1000, lastUsedAt: START_MS / 1000, expiresAt: START_MS / 1000 + 20 * 86400, userAgent: 'Firefox/1', network: '192.0.2.0/24' });
    assert.equal(list[0]!.userAgent, null);
    clock.now += 60_000;
    await auth.rotateRefreshToken(first.refresh_token);
    list = await auth.listSessions('alice');
    assert.equal(list.find((s) => s.id === first.sessionId)!.lastUsedAt, Math.floor(clock.now / 1000));
  });

  test('ending a session refuses its access and refresh tokens at once; others keep working', async () => {
    const { auth } = memoryAuth();
    const a = await auth.createSession('alice');
    const b = await auth.createSession('alice');
    assert.equal(await auth.endSession('alice', a.sessionId), true);
    await assert.rejects(auth.verifyToken(a.access_token), RevokedTokenError);
    await assert.rejects(auth.rotateRefreshToken(a.refresh_token), RevokedTokenError);
    assert.equal((await auth.verifyToken(b.access_token)).sub, 'alice');
    assert.deepEqual((await auth.listSessions('alice')).map((s) => s.id), [b.sessionId]);
    assert.equal(await auth.endSession('alice', a.sessionId), false, 'already ended');
  });

  test('another user\'s session id is refused like an unknown one, and stays alive', async () => {
    const { auth } = memoryAuth();
    const bob = await auth.createSession('bob');
    assert.equal(await auth.endSession('alice', bob.sessionId), false);
    assert.equal(await auth.endSession('alice', 'no-such-id'), false);
    assert.equal(await auth.endSession('alice', ''), false);
    assert.equal((await auth.verifyToken(bob.access_token)).sub, 'bob');
  });

  test('endOtherSessions keeps the current one only', async () => {
    const { auth } = memoryAuth();
    const sessions = [await auth.createSession('alice'), await auth.createSession('alice'), await auth.createSession('alice')];
    const current = sessions[1]!;
    assert.equal(await auth.endOtherSessions('alice', current.sessionId), 2);
    assert.deepEqual((await auth.listSessions('alice')).map((s) => s.id), [current.sessionId]);
    await assert.rejects(auth.verifyToken(sessions[0]!.access_token), RevokedTokenError);
  });

  test('past maxSessions the oldest is ended first', async () => {
    const { auth, clock } = memoryAuth();
    const made = [];
    for (let i = 0; i < 4; i++) {
      clock.now += 1000;
      made.push(await auth.createSession('alice', { maxSessions: 3 }));
    }
    assert.deepEqual((await auth.listSessions('alice')).map((s) => s.id), made.slice(1).reverse().map((s) => s.sessionId));
    await assert.rejects(auth.verifyToken(made[0]!.access_token), RevokedTokenError);
  });

  test('an ordinary user with 100 sessions that each refresh keeps all of them', async () => {
    const { auth, clock } = memoryAuth();
    const made = [];
    for (let i = 0; i < 100; i++) made.push(await auth.createSession('alice'));
    clock.now += 60_000;
    for (const session of made) await auth.rotateRefreshToken(session.refresh_token);
    assert.equal((await auth.listSessions('alice')).length, 100);
  });

  test('bad options are refused', async () => {
    const { auth } = memoryAuth();
    await assert.rejects(auth.createSession('alice', { userAgnt: 'x' } as never), /unknown option/);
    await assert.rejects(auth.createSession('alice', { maxSessions: 0 }), RangeError);
    await assert.rejects(auth.createSession('alice', { network: 'x'.repeat(65) }), TypeError);
    await assert.rejects(auth.createSession('alice', { data: { fid: 'mine' } }), /may not name fid/);
  });
});

describe('sessions (DATA_DIR): they survive a restart', () => {
  const dirs: string[] = [];
  after(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
  test('listed after a reopen; ended before it, still ended', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'authx-sessions-'));
    dirs.push(directory);
    const clock = testClock();
    let store = await FileRevocationStore.open({ directory, clock });
    let auth = new AuthX({ secretKey: SECRET, clock, revocationStore: store });
    const kept = await auth.createSession('alice', { userAgent: 'kept' });
    const ended = await auth.createSession('alice', { userAgent: 'ended' });
    await auth.endSession('alice', ended.sessionId);
    await store.close();
    store = await FileRevocationStore.open({ directory, clock });
    auth = new AuthX({ secretKey: SECRET, clock, revocationStore: store });
    assert.deepEqual((await auth.listSessions('alice')).map((s) => s.userAgent), ['kept']);
    await assert.rejects(auth.verifyToken(ended.access_token), RevokedTokenError);
    assert.equal((await auth.verifyToken(kept.access_token)).sub, 'alice');
    await store.close();
  });
});

describe('sessions (Redis): shared by every instance', () => {
  let redis: TestRedis;
  const clients: { quit(): Promise<unknown> }[] = [];
  const stores: RedisRevocationStore[] = [];
  before(async () => {
    redis = await startRedis();
  });
  after(async () => {
    for (const store of stores) store.close();
    for (const client of clients) await client.quit().catch(() => {});
    await redis?.stop();
  });
  test('a session started on A is listed on B; ended on B, refused on A at once', async () => {
    const instance = async (): Promise<AuthX> => {
      const client = createClient({ url: redis.url, disableOfflineQueue: true });
      client.on('error', () => {});
      await client.connect();
      clients.push(client);
      const store = new RedisRevocationStore({ client });
      stores.push(store);
      // As a server does before serving: a Redis store refuses tokens issued before its epoch
      // records, which its first use would otherwise write after this test's first login.
      await store.prepare();
      return new AuthX({ secretKey: SECRET, revocationStore: store });
    };
    const a = await instance();
    const b = await instance();
    const session = await a.createSession('alice', { userAgent: 'A' });
    assert.deepEqual((await b.listSessions('alice')).map((s) => [s.id, s.userAgent]), [[session.sessionId, 'A']]);
    const rotated = await a.rotateRefreshToken(session.refresh_token);
    assert.equal(await b.endSession('alice', session.sessionId), true);
    await assert.rejects(a.verifyToken(rotated.access_token), RevokedTokenError);
    await assert.rejects(a.rotateRefreshToken(rotated.refresh_token), RevokedTokenError);
    assert.deepEqual(await a.listSessions('alice'), []);
  });
});

test('a User-Agent is kept cleaned and bounded: no C0 or C1 controls nor line separators, at most 256 characters, blanks as none', () => {
  const long = cleanUserAgent(`A\u0085\u009fB\u2028${'x'.repeat(5000)}`)!;
  assert.equal(long.length, 256);
  assert.ok(long.startsWith('ABx'));
  assert.doesNotMatch(long, /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/);
  assert.equal(cleanUserAgent(' \t \r\n'), null);
  assert.equal(cleanUserAgent(undefined), null);
  assert.throws(() => cleanUserAgent(['Firefox']), { name: 'TypeError', message: 'userAgent must be a string' });
});
