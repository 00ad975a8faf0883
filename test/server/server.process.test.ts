/**
 * Starts `server.ts` as users do, in a child process, and walks the seed's walkthrough over real
 * HTTP. On a Node that strips types itself (22.18+, 24) the child is exactly `node server.ts`,
 * with no flags and no tsx; on older Node it is `node --import tsx server.ts` (what `npm start`
 * runs). CI runs this file under both, so a file that only works under tsx cannot ship.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** `process.features.typescript` is `'strip'` or `'transform'` where Node runs .ts natively. */
const nodeStripsTypes = Boolean((process.features as { typescript?: string | false }).typescript);
const childArgs = nodeStripsTypes ? ['server.ts'] : ['--import', 'tsx', 'server.ts'];

const START_TIMEOUT_MS = 15_000;

interface RunningServer {
  child: ChildProcess;
  /** Settles when the child has exited, however that happens. */
  exited: Promise<unknown>;
  baseUrl: string;
  stderr: () => string;
}

/** Spawns the server on an ephemeral port and resolves once it prints its listening URL. */
function startServer(): Promise<RunningServer> {
  const child = spawn(process.execPath, childArgs, {
    cwd: root,
    env: {
      ...process.env,
      NODE_OPTIONS: '',
      PORT: '0',
      HOST: '127.0.0.1',
      JWT_SECRET_KEY: 'server-process-test-secret-0123456789abcdef',
      SHUTDOWN_DELAY_MS: '0',
      DATA_DIR: ':memory:', // test/server/state-durability.process.test.ts runs it on a real DATA_DIR
      REDIS_URL: '',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = once(child, 'exit');
  // If this test process ends abruptly (a runner timeout, Ctrl-C), take the server down with it
  // instead of leaving it orphaned on its port.
  const killChild = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.once('exit', killChild);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      killChild();
      process.kill(process.pid, signal);
    });
  }
  let stdout = '';
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    let started = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not print a listening URL within ${START_TIMEOUT_MS} ms; stderr: ${stderr}`));
    }, START_TIMEOUT_MS);
    exited.then(([code, signal]) => {
      clearTimeout(timer);
      if (!started) reject(new Error(`server exited early (code ${code}, signal ${signal}); stderr: ${stderr}`));
    }, reject);
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      if (started) return;
      stdout += chunk;
      // The server prints e.g. "listening on http://127.0.0.1:43127"; only the port matters here.
      const match = /https?:\/\/[^\s/]+:(\d+)/.exec(stdout);
      if (match) {
        started = true;
        clearTimeout(timer);
        resolve({ child, exited, baseUrl: `http://127.0.0.1:${match[1]}`, stderr: () => stderr });
      }
    });
  });
}

/** SIGTERM starts the server's graceful drain; SIGKILL after 5 s so a stuck drain cannot hang the suite. */
async function stopServer(server: RunningServer): Promise<void> {
  if (server.child.exitCode !== null || server.child.signalCode !== null) return;
  server.child.kill('SIGTERM');
  const killer = setTimeout(() => server.child.kill('SIGKILL'), 5_000);
  await server.exited;
  clearTimeout(killer);
}

describe(`server.ts as a process: node ${childArgs.join(' ')} (Node ${process.version})`, () => {
  let server: RunningServer;

  before(async () => {
    server = await startServer();
  });

  after(async () => {
    if (server) await stopServer(server);
  });

  test('starts without type-stripping warnings or errors on stderr', () => {
    assert.doesNotMatch(server.stderr(), /ExperimentalWarning|SyntaxError|ERR_/);
  });

  test('GET / answers the welcome message', async () => {
    const response = await fetch(`${server.baseUrl}/`);
    assert.equal(response.status, 200);
    const body = (await response.json()) as { message: unknown };
    assert.equal(body.message, 'Welcome to AuthX Basic Authentication Example');
  });

  test('walkthrough: POST /login as user1, then GET /protected with the bearer token', async () => {
    const login = await fetch(`${server.baseUrl}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'user1', password: 'password1' }),
    });
    assert.equal(login.status, 200);
    const issued = (await login.json()) as { access_token: string; token_type: string };
    assert.equal(issued.token_type, 'bearer');
    assert.match(issued.access_token, /^[\w-]+\.[\w-]+\.[\w-]{43}$/);

    const protectedResponse = await fetch(`${server.baseUrl}/protected`, {
      headers: { authorization: `Bearer ${issued.access_token}` },
    });
    assert.equal(protectedResponse.status, 200);
    assert.deepEqual(await protectedResponse.json(), {
      message: 'You have access to this protected resource',
      username: 'user1',
      email: 'user1@example.com',
    });
  });

  test('GET /protected without a token is refused with 401 and WWW-Authenticate: Bearer', async () => {
    const response = await fetch(`${server.baseUrl}/protected`);
    assert.equal(response.status, 401);
    assert.match(response.headers.get('www-authenticate') ?? '', /^Bearer/);
    const body = (await response.json()) as { detail: unknown };
    assert.equal(typeof body.detail, 'string');
  });
});
