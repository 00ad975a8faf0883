/**
 * Rotation with the real server process (`server.ts`) and its state settings: a rotated refresh
 * token stays retired across a SIGKILL and a restart on the same DATA_DIR, and two server
 * processes on one real redis-server (REDIS_URL) agree on one successor under concurrent
 * refreshes and refuse a reused token's family on both.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { hashPassword } from '../../../server/login/password.ts';
import { startRedis, type TestRedis } from '../../helpers/redis-server.ts';
import { startServerProcess as start, type ServerProcess } from '../../helpers/server-process.ts';
import { FAST_SCRYPT } from '../server-helpers.ts';

const dirs: string[] = [];
const tempDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'authx-rotation-process-'));
  dirs.push(dir);
  return dir;
};
let USERS_FILE = '';
let redis: TestRedis;

before(async () => {
  USERS_FILE = join(tempDir(), 'users.json');
  // A test scrypt cost: the OWASP cost per login would dominate these tests' time.
  writeFileSync(USERS_FILE, JSON.stringify({ user1: { password_hash: await hashPassword('password1', { parameters: FAST_SCRYPT }), email: 'user1@example.com' } }));
  redis = await startRedis();
});
after(async () => {
  await redis.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const startServer = (env: Record<string, string>): Promise<ServerProcess> => start({ USERS_FILE, ...env });

async function login(url: string): Promise<{ access: string; refresh: string }> {
  const response = await fetch(`${url}/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"username":"user1","password":"password1"}' });
  assert.equal(response.status, 200);
  const body = (await response.json()) as { access_token: string; refresh_token: string };
  return { access: body.access_token, refresh: body.refresh_token };
}

async function refresh(url: string, token: string): Promise<{ status: number; body: Record<string, string> }> {
  const response = await fetch(`${url}/refresh`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, body: (await response.json()) as Record<string, string> };
}

const protectedStatus = async (url: string, token: string): Promise<number> =>
  (await fetch(`${url}/protected`, { headers: { authorization: `Bearer ${token}` } })).status;

test('DATA_DIR: refresh twice, SIGKILL, restart: the first refresh token is theft, and its family is refused', async () => {
  const DATA_DIR = tempDir();
  const first = await startServer({ DATA_DIR });
  const session = await login(first.url);
  const one = await refresh(first.url, session.refresh);
  assert.equal(one.status, 200);
  const two = await refresh(first.url, one.body.refresh_token!); // the successor is used: no grace for the first token
  assert.equal(two.status, 200);
  await first.kill(); // only what was fsync'd before each 200 survives
  const second = await startServer({ DATA_DIR });
  try {
    assert.equal((await refresh(second.url, session.refresh)).status, 401);
    assert.equal((await refresh(second.url, two.body.refresh_token!)).status, 401);
    assert.equal(await protectedStatus(second.url, two.body.access_token!), 401);
    const again = await login(second.url);
    assert.equal((await refresh(second.url, again.refresh)).status, 200);
    // Retirements are ids and times: no token under DATA_DIR.
    assert.ok(readdirSync(DATA_DIR).length > 0);
    for (const name of readdirSync(DATA_DIR)) assert.doesNotMatch(readFileSync(join(DATA_DIR, name), 'utf8'), /eyJ/, name);
  } finally {
    await second.kill();
  }
});

test('REDIS_URL: two server processes; 12 concurrent refreshes alternating between them get one successor; reuse is refused on both', async () => {
  const env = { REDIS_URL: redis.url, DATA_DIR: ':memory:' };
  const a = await startServer(env);
  const b = await startServer(env);
  try {
    const session = await login(a.url);
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => refresh((i % 2 === 0 ? a : b).url, session.refresh)));
    assert.deepEqual(answers.map((x) => x.status), Array(12).fill(200));
    const successors = new Set(answers.map((x) => x.body.refresh_token));
    assert.equal(successors.size, 1, 'one successor across both processes');
    const next = await refresh(b.url, [...successors][0]!);
    assert.equal(next.status, 200);
    assert.equal((await refresh(a.url, session.refresh)).status, 401);
    for (const server of [a, b]) {
      assert.equal((await refresh(server.url, next.body.refresh_token!)).status, 401);
      assert.equal(await protectedStatus(server.url, next.body.access_token!), 401);
    }
    const again = await login(b.url);
    assert.equal(await protectedStatus(a.url, again.access), 200);
  } finally {
    await a.kill();
    await b.kill();
  }
});
