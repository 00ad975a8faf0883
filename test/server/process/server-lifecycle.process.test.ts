/**
 * server.ts as a real process: `npm start`, the secret rules at start-up, graceful shutdown on
 * SIGTERM (exit code 0 with a request in flight), `npm run hash-password` and `USERS_FILE`, and
 * no secret in anything the process prints. These run concurrently to keep the suite fast.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { connect } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hashPassword, parsePasswordHash } from '../../../server/login/password.ts';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const nodeStripsTypes = Boolean((process.features as { typescript?: string | false }).typescript);
const serverArgs = nodeStripsTypes ? ['server.ts'] : ['--import', 'tsx', 'server.ts'];
const SECRET = 'lifecycle-test-secret-0123456789-abcdefghij';

interface Child {
  child: ChildProcess;
  output: () => { stdout: string; stderr: string };
  /** Resolves with the exit code once the process exited and its pipes are closed. */
  exited: Promise<number | null>;
  /** Resolves with the base URL once the server printed its listening line. */
  listening: Promise<string>;
  /** The server's own pid, from its listening line (under npm it is not `child.pid`). */
  serverPid: () => number;
}

function run(command: string, args: string[], env: Record<string, string | undefined>, stdin?: string): Child {
  const child = spawn(command, args, {
    cwd: root,
    // No readiness delay after SIGTERM here (test/server/ops/server-ops.test.ts covers it).
    env: { ...process.env, NODE_OPTIONS: '', HOST: '127.0.0.1', PORT: '0', JWT_SECRET_KEY: undefined, SHUTDOWN_DELAY_MS: '0', DATA_DIR: ':memory:', REDIS_URL: '', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
    // Its own process group, so a failed test can kill npm and the server under it together.
    detached: true,
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdin!.end(stdin ?? '');
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const listening = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no listening line; stderr: ${stderr}`)), 15_000);
    child.stdout!.on('data', () => {
      const match = /listening on (http:\/\/[^\s]+)/.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve(match[1] as string);
      }
    });
    child.on('close', () => {
      clearTimeout(timer);
      reject(new Error(`exited before listening; stderr: ${stderr}`));
    });
  });
  listening.catch(() => {});
  const serverPid = (): number => Number(/\(pid (\d+)\)/.exec(stdout)?.[1]);
  return { child, output: () => ({ stdout, stderr }), exited, listening, serverPid };
}

/** Kills a detached child and everything it started (npm's script runs the server under it). */
function killGroup(child: ChildProcess): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

function loginRequest(base: string, username: string, password: string): Promise<Response> {
  return fetch(`${base}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
}

describe('server.ts as a process', { concurrency: true }, () => {
  test('npm start serves the walkthrough at the default scrypt cost and prints no secret', async () => {
    const server = run('npm', ['start', '--silent'], { JWT_SECRET_KEY: SECRET });
    try {
      const base = await server.listening;
      const login = await loginRequest(base, 'user1', 'password1');
      assert.equal(login.status, 200);
      const { access_token, refresh_token } = (await login.json()) as { access_token: string; refresh_token: string };
      const resource = await fetch(`${base}/protected?token=${access_token}`, { headers: { authorization: `Bearer ${access_token}` } });
      assert.deepEqual(await resource.json(), {
        message: 'You have access to this protected resource',
        username: 'user1',
        email: 'user1@example.com',
      });
      // Signal the server itself: npm does not reliably forward signals to its script.
      process.kill(server.serverPid(), 'SIGTERM');
      assert.equal(await server.exited, 0);
      const { stdout, stderr } = server.output();
      assert.match(stdout, /^POST \/login 200 \d+\.\dms id=\S+$/m);
      assert.match(stdout, /^GET \/protected 200 \d+\.\dms id=\S+$/m);
      const printed = stdout + stderr;
      for (const secret of [SECRET, access_token, refresh_token, 'password1', 'Bearer']) {
        assert.ok(!printed.includes(secret), `output contains ${secret.slice(0, 12)}...`);
      }
    } finally {
      if (server.child.exitCode === null) killGroup(server.child);
    }
  });

  test('SIGTERM with a login in flight: the login is answered, then the process exits 0', async () => {
    // JWT_SECRET_KEY unset: the server must warn on stderr and still work.
    const server = run(process.execPath, serverArgs, {});
    try {
      const base = await server.listening;
      // Send the head and part of the body: the request is then in flight, and it cannot finish
      // before the rest is sent, so the signal surely lands while it runs.
      const body = JSON.stringify({ username: 'user2', password: 'password2' });
      const socket = connect(Number(new URL(base).port), '127.0.0.1');
      const answer = new Promise<string>((resolve) => {
        let received = '';
        socket.on('data', (data) => (received += data.toString('latin1')));
        socket.on('close', () => resolve(received));
        socket.on('error', () => resolve(received));
      });
      socket.write(`POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 5)}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
      server.child.kill('SIGTERM');
      await new Promise((resolve) => setTimeout(resolve, 100));
      socket.write(body.slice(5));
      const raw = await answer;
      assert.match(raw, /^HTTP\/1\.1 200 /);
      assert.match(raw, /\r\nconnection: close\r\n/i);
      assert.equal(await server.exited, 0);
      const { stdout, stderr } = server.output();
      assert.match(stdout, /^POST \/login 200 /m);
      assert.match(stderr, /JWT_SECRET_KEY is not set/);
      assert.match(stderr, /every token it issues dies with it/);
      assert.match(stderr, /SIGTERM: no longer accepting connections/);
    } finally {
      server.child.kill('SIGKILL');
    }
  });

  test('start-up refusals: a JWT_SECRET_KEY under 32 bytes, a hostile USERS_FILE, an empty password to hash', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'authx-users-'));
    try {
      const file = join(dir, 'users.json');
      const huge = 'scrypt$N=1073741824,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
      writeFileSync(file, JSON.stringify({ bob: { password_hash: huge, email: null } }));
      const [short, hostile, empty] = [
        run(process.execPath, serverArgs, { JWT_SECRET_KEY: 'too-short-secret' }),
        run(process.execPath, serverArgs, { JWT_SECRET_KEY: SECRET, USERS_FILE: file }),
        run(process.execPath, [...serverArgs, 'hash-password'], {}, ''),
      ];
      assert.equal(await short.exited, 1);
      assert.doesNotMatch(short.output().stdout, /listening/);
      assert.match(short.output().stderr, /JWT_SECRET_KEY is 16 bytes; HS256 needs at least 32/);
      assert.match(short.output().stderr, /randomBytes\(32\)/);
      assert.ok(!short.output().stderr.includes('too-short-secret'));

      assert.equal(await hostile.exited, 1);
      assert.match(hostile.output().stderr, /user "bob": password hash: N=1073741824, r=8 needs more than/);

      assert.equal(await empty.exited, 1);
      assert.match(empty.output().stderr, /the password is empty/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('npm run hash-password reads stdin; its hash in a USERS_FILE logs in at the OWASP default cost', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'authx-users-'));
    try {
      const tool = run(process.execPath, [...serverArgs, 'hash-password'], {}, 'correct horse battery staple\n');
      assert.equal(await tool.exited, 0);
      const hash = tool.output().stdout.trim();
      assert.deepEqual(parsePasswordHash(hash).parameters, { N: 131072, r: 8, p: 1 });

      const file = join(dir, 'users.json');
      const weak = await hashPassword('bobs-password', { parameters: { N: 1024, r: 8, p: 1 } });
      writeFileSync(file, JSON.stringify({
        alice: { password_hash: hash, email: 'alice@example.com' },
        bob: { password_hash: weak, email: 'bob@example.com' },
      }));
      const server = run(process.execPath, serverArgs, { JWT_SECRET_KEY: SECRET, USERS_FILE: file });
      try {
        const base = await server.listening;
        // The trailing line break was not hashed: the password alone logs in.
        const login = await loginRequest(base, 'alice', 'correct horse battery staple');
        assert.equal(login.status, 200);
        const { access_token } = (await login.json()) as { access_token: string };
        const resource = await fetch(`${base}/protected`, { headers: { authorization: `Bearer ${access_token}` } });
        assert.equal(((await resource.json()) as { email: string }).email, 'alice@example.com');
        assert.equal((await loginRequest(base, 'user1', 'password1')).status, 401);
        process.kill(server.serverPid(), 'SIGTERM');
        assert.equal(await server.exited, 0);
        assert.match(server.output().stderr, /1 user\(s\) have password hashes below OWASP's scrypt minimum/);
      } finally {
        server.child.kill('SIGKILL');
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
