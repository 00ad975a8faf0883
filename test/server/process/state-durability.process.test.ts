/**
 * DATA_DIR with the real server process: a logout answered 200 survives a SIGKILL right after
 * the answer; a second server on the same DATA_DIR refuses to start; an unusable DATA_DIR stops
 * the start naming it; nothing under DATA_DIR holds a token or a password. SIGTERM closes the
 * state (DATA_DIR, or a REDIS_URL nobody answers) without holding the exit.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { hashPassword } from '../../../server/login/password.ts';
import { expectStartFailure, startServerProcess as start } from '../../helpers/server-process.ts';
import { FAST_SCRYPT } from '../server-helpers.ts';

const dirs: string[] = [];
const dataDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'authx-datadir-'));
  dirs.push(dir);
  return dir;
};
// Users hashed at a test cost: the OWASP cost per login would dominate these tests' time.
let USERS_FILE: string | undefined;
async function startServerProcess(env: Record<string, string>): ReturnType<typeof start> {
  if (USERS_FILE === undefined) {
    USERS_FILE = join(dataDir(), 'users.json');
    writeFileSync(USERS_FILE, JSON.stringify({ user1: { password_hash: await hashPassword('password1', { parameters: FAST_SCRYPT }), email: 'user1@example.com' } }));
  }
  return start({ USERS_FILE, ...env });
}

after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function login(url: string): Promise<{ access: string; refresh: string }> {
  const response = await fetch(`${url}/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"username":"user1","password":"password1"}' });
  assert.equal(response.status, 200);
  const body = (await response.json()) as { access_token: string; refresh_token: string };
  return { access: body.access_token, refresh: body.refresh_token };
}
const post = (url: string, token: string): Promise<Response> => fetch(url, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
const get = (url: string, token: string): Promise<Response> => fetch(url, { headers: { authorization: `Bearer ${token}` } });

test('logout, SIGKILL right after the 200, restart on the same DATA_DIR: the tokens stay refused; a fresh login works', async () => {
  const DATA_DIR = dataDir();
  const first = await startServerProcess({ DATA_DIR });
  const session = await login(first.url);
  const other = await login(first.url);
  assert.equal((await post(`${first.url}/logout`, session.access)).status, 200);
  assert.equal((await post(`${first.url}/logout`, session.refresh)).status, 200);
  await first.kill(); // no drain, no exit handler: only what was fsync'd before the 200 survives
  const second = await startServerProcess({ DATA_DIR });
  try {
    assert.equal((await get(`${second.url}/protected`, session.access)).status, 401);
    assert.equal((await post(`${second.url}/refresh`, session.refresh)).status, 401);
    assert.equal((await get(`${second.url}/protected`, other.access)).status, 200, 'a token not logged out still works');
    const fresh = await login(second.url);
    assert.equal((await get(`${second.url}/protected`, fresh.access)).status, 200);
    for (const name of readdirSync(DATA_DIR)) {
      const text = readFileSync(join(DATA_DIR, name), 'utf8');
      assert.doesNotMatch(text, /eyJ|password|state-process-test-secret/, name);
    }
  } finally {
    await second.kill();
  }
});

test('a second server on a DATA_DIR in use refuses to start, saying so; after the first is gone it starts', async () => {
  const DATA_DIR = dataDir();
  const first = await startServerProcess({ DATA_DIR });
  const refused = await expectStartFailure({ DATA_DIR });
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, new RegExp(`DATA_DIR ${DATA_DIR}: .*in use by process ${first.child.pid}`));
  await first.kill(); // its lock file stays behind, naming a dead pid: taken over
  const again = await startServerProcess({ DATA_DIR });
  await again.kill();
});

test('an unusable DATA_DIR stops the start with a message naming DATA_DIR', async () => {
  const file = join(dataDir(), 'not-a-directory');
  writeFileSync(file, '');
  const refused = await expectStartFailure({ DATA_DIR: join(file, 'data') });
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /DATA_DIR .*not-a-directory\/data: cannot be created or written \(ENOTDIR\)/);
});

/** SIGTERM, then the exit code and how long the exit took. */
async function terminate(server: Awaited<ReturnType<typeof start>>): Promise<{ code: number | null; ms: number }> {
  const exited = once(server.child, 'exit');
  const started = performance.now();
  server.child.kill('SIGTERM');
  const [code] = (await exited) as [number | null];
  return { code, ms: performance.now() - started };
}

test('SIGTERM closes DATA_DIR before exiting 0: the lock is gone and the revocations are there for the next server', async () => {
  const DATA_DIR = dataDir();
  const first = await startServerProcess({ DATA_DIR, SHUTDOWN_DELAY_MS: '0' });
  try {
    const session = await login(first.url);
    assert.equal((await post(`${first.url}/logout`, session.access)).status, 200);
    assert.equal((await terminate(first)).code, 0, first.stderr());
    assert.equal(existsSync(join(DATA_DIR, 'lock')), false);
    const second = await startServerProcess({ DATA_DIR, SHUTDOWN_DELAY_MS: '0' });
    try {
      assert.equal((await get(`${second.url}/protected`, session.access)).status, 401);
    } finally {
      await second.kill();
    }
  } finally {
    await first.kill();
  }
});

test('SIGTERM with a REDIS_URL nobody answers: the state is closed without holding the exit', async () => {
  // A port that was free a moment ago: connections to it are refused, the client keeps retrying.
  const probe = createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  const server = await startServerProcess({ REDIS_URL: `redis://127.0.0.1:${port}`, SHUTDOWN_DELAY_MS: '0' });
  try {
    const { code, ms } = await terminate(server);
    assert.equal(code, 0, server.stderr());
    assert.ok(ms < 3_000, `exit took ${Math.round(ms)} ms`);
    assert.doesNotMatch(server.stderr(), /cleanup/);
  } finally {
    await server.kill();
  }
});
