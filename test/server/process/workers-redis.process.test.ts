/**
 * server.ts with `WORKERS=2` and `REDIS_URL` on a real redis-server: both workers accept a token
 * issued by either, a logout answered by one worker is refused by every worker at once (new
 * connections alternate between workers), and SIGTERM drains both before the primary exits 0.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { request } from 'node:http';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startRedis } from '../../helpers/redis-server.ts';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const nodeStripsTypes = Boolean((process.features as { typescript?: string | false }).typescript);
const loader = nodeStripsTypes ? [] : ['--import', 'tsx'];
const SECRET = 'workers-redis-test-secret-0123456789-abcdef';

/** One request on a new connection, so the cluster hands it to the next worker in turn. */
function call(url: string, method: string, path: string, headers: Record<string, string>, body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { method, headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

test('WORKERS=2 with REDIS_URL: a logout on one worker is refused by both, and SIGTERM exits 0', async (t) => {
  const redis = await startRedis();
  t.after(() => redis.stop());
  const child = spawn(process.execPath, [...loader, 'server.ts'], {
    cwd: root,
    env: { ...process.env, NODE_OPTIONS: '', WORKERS: '2', REDIS_URL: redis.url, JWT_SECRET_KEY: SECRET, PORT: '0', HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  t.after(() => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = once(child, 'close');
  const deadline = Date.now() + 30_000;
  while ((output.match(/listening on /g)?.length ?? 0) < 2) {
    assert.ok(Date.now() < deadline && child.exitCode === null, `two workers did not start:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const url = /listening on (http:\/\/[^\s]+)/.exec(output)![1]!;

  const login = await call(url, 'POST', '/login', { 'content-type': 'application/json' }, JSON.stringify({ username: 'user1', password: 'password1' }));
  assert.equal(login.status, 200, login.body);
  const auth = { authorization: `Bearer ${(JSON.parse(login.body) as { access_token: string }).access_token}` };
  for (let i = 0; i < 4; i++) assert.equal((await call(url, 'GET', '/protected', auth)).status, 200, `request ${i} before logout`);

  assert.equal((await call(url, 'POST', '/logout', auth)).status, 200);
  for (let i = 0; i < 4; i++) {
    const after = await call(url, 'GET', '/protected', auth);
    assert.equal(after.status, 401, `request ${i} after logout answered ${after.status}: ${after.body}`);
  }

  child.kill('SIGTERM');
  const [code] = (await exited) as [number | null];
  assert.equal(code, 0, output);
  // Both workers write to one stderr: every line a worker writes names it.
  const pids = [...output.matchAll(/listening on http:\/\/\S+ \(pid (\d+)\)/g)].map((m) => m[1]);
  assert.equal(pids.length, 2, output);
  for (const pid of pids) {
    assert.match(output, new RegExp(`^worker ${pid}: state: (connected to|waiting for) Redis`, 'm'));
    assert.match(output, new RegExp(`^worker ${pid}: SIGTERM: `, 'm'));
  }
  assert.doesNotMatch(output, /^state: /m);
  assert.doesNotMatch(output, new RegExp(SECRET));
});
