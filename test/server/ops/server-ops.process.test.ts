/**
 * server.ts as a real process, for what only a process shows: the access log's stdout pipe
 * closed by its reader (EPIPE) while requests keep coming, stdout and stderr both gone,
 * `LOG_FORMAT=json` lines carrying the id the answer carries, and SIGTERM turning readiness 503
 * on `METRICS_PORT` for `SHUTDOWN_DELAY_MS` before connections close, and readiness following a
 * real Redis that goes away and comes back.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startRedis } from '../../helpers/redis-server.ts';
import { parseSamples } from '../metrics-helpers.ts';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const nodeStripsTypes = Boolean((process.features as { typescript?: string | false }).typescript);
const serverArgs = nodeStripsTypes ? ['server.ts'] : ['--import', 'tsx', 'server.ts'];

interface Running {
  child: ChildProcess;
  /** The main port's base URL. */
  base: string;
  /** Everything printed on stdout before the pipe was closed, and on stderr. */
  output: () => { stdout: string; stderr: string };
  exited: Promise<number | null>;
  /** Resolves once stdout shows `pattern`. */
  waitFor: (pattern: RegExp) => Promise<RegExpExecArray>;
}

async function start(env: Record<string, string>): Promise<Running> {
  const child = spawn(process.execPath, serverArgs, {
    cwd: root,
    env: { ...process.env, NODE_OPTIONS: '', HOST: '127.0.0.1', PORT: '0', JWT_SECRET_KEY: 'ops-process-test-secret-0123456789-abcdefgh', DATA_DIR: ':memory:', REDIS_URL: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // A safety net only (a stuck child must not outlive the suite); generous for a loaded machine.
  const killer = setTimeout(() => child.kill('SIGKILL'), 120_000);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => (clearTimeout(killer), resolve(code))));
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const waitFor = async (pattern: RegExp): Promise<RegExpExecArray> => {
    const deadline = performance.now() + 60_000;
    while (performance.now() < deadline) {
      const match = pattern.exec(stdout);
      if (match) return match;
      if (child.exitCode !== null) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`stdout never showed ${pattern}; stderr: ${stderr}`);
  };
  const port = (await waitFor(/listening on http:\/\/127\.0\.0\.1:(\d+)/))[1];
  return { child, base: `http://127.0.0.1:${port}`, output: () => ({ stdout, stderr }), exited, waitFor };
}

describe('server.ts operations as a process', { concurrency: true }, () => {
  test('stdout pipe closed by its reader: three requests are all answered, stderr says once that logging failed', async () => {
    const server = await start({ SHUTDOWN_DELAY_MS: '0' });
    try {
      server.child.stdout!.destroy();
      for (let i = 0; i < 3; i++) {
        const answer = await fetch(`${server.base}/`);
        assert.equal(answer.status, 200, `request ${i + 1}`);
        await answer.text();
        await new Promise((resolve) => setTimeout(resolve, 50)); // a separate log flush each
      }
      assert.equal(server.child.exitCode, null, 'still running');
      server.child.kill('SIGTERM');
      assert.equal(await server.exited, 0);
      const { stderr } = server.output();
      assert.equal(stderr.match(/access log failed \(EPIPE\)/g)?.length, 1, stderr);
    } finally {
      server.child.kill('SIGKILL');
    }
  });

  test('stdout and stderr both closed: the server keeps answering and still exits 0 on SIGTERM', async () => {
    const server = await start({ SHUTDOWN_DELAY_MS: '0' });
    try {
      server.child.stdout!.destroy();
      server.child.stderr!.destroy();
      for (let i = 0; i < 3; i++) {
        const answer = await fetch(`${server.base}/protected`);
        assert.equal(answer.status, 401);
        await answer.text();
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      server.child.kill('SIGTERM');
      assert.equal(await server.exited, 0);
    } finally {
      server.child.kill('SIGKILL');
    }
  });

  test('LOG_FORMAT=json: every stdout line is a JSON object; request lines carry the id the answer carried', async () => {
    const server = await start({ LOG_FORMAT: 'json', SHUTDOWN_DELAY_MS: '0' });
    try {
      const first = await fetch(`${server.base}/?token=secret-in-query`, { headers: { 'x-request-id': 'trace-77' } });
      await first.text();
      const second = await fetch(`${server.base}/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"username":"user1","password":"hunter2"}' });
      await second.text();
      const secondId = second.headers.get('x-request-id') ?? '';
      await server.waitFor(new RegExp(`"request_id":"${secondId}"`));
      server.child.kill('SIGTERM');
      assert.equal(await server.exited, 0);
      const lines = server.output().stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
      const requests = lines.filter((line) => 'request_id' in line);
      assert.deepEqual(
        requests.map(({ request_id, method, route, status, level }) => ({ request_id, method, route, status, level })),
        [
          { request_id: 'trace-77', method: 'GET', route: '/', status: 200, level: 'info' },
          { request_id: secondId, method: 'POST', route: '/login', status: 401, level: 'info' },
        ],
      );
      for (const line of requests) {
        assert.equal(typeof line.duration_ms, 'number');
        assert.ok(!Number.isNaN(Date.parse(String(line.time))));
      }
      const printed = JSON.stringify(lines);
      assert.ok(!printed.includes('secret-in-query') && !printed.includes('hunter2'));
    } finally {
      server.child.kill('SIGKILL');
    }
  });

  test('SIGTERM: readiness on METRICS_PORT turns 503 while the main port still serves, then the process drains and exits 0', async () => {
    const server = await start({ METRICS_PORT: '0', SHUTDOWN_DELAY_MS: '4000' });
    try {
      const opsBase = `http://127.0.0.1:${(await server.waitFor(/metrics and probes on http:\/\/127\.0\.0\.1:(\d+)\/metrics/))[1]}`;
      assert.equal((await fetch(`${opsBase}/readyz`)).status, 200);
      assert.equal((await fetch(`${server.base}/metrics`)).status, 404, 'not on the main port');
      const metricsText = await (await fetch(`${opsBase}/metrics`)).text();
      assert.match(metricsText, /^process_start_time_seconds \d/m);
      server.child.kill('SIGTERM');
      await server.waitFor(/./); // the process is alive and printing
      const deadline = performance.now() + 1000;
      while (performance.now() < deadline && (await fetch(`${opsBase}/readyz`)).status !== 503) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const notReady = await fetch(`${opsBase}/readyz`);
      assert.equal(notReady.status, 503);
      assert.deepEqual(await notReady.json(), { detail: 'draining' });
      const stillServing = await fetch(`${server.base}/`);
      assert.equal(stillServing.status, 200, 'the main port answers during the delay');
      assert.equal(stillServing.headers.get('connection'), 'close');
      assert.equal(await server.exited, 0);
      assert.match(server.output().stderr, /SIGTERM: not ready \(readiness answers 503\); closing in 4000 ms\n[^]*no longer accepting connections/);
    } finally {
      server.child.kill('SIGKILL');
    }
  });

  test('REDIS_URL: /readyz turns 503 while Redis is away and 200 again when it returns; the outage is counted', async () => {
    const redis = await startRedis();
    const server = await start({ REDIS_URL: redis.url, METRICS_PORT: '0', SHUTDOWN_DELAY_MS: '0' }).catch(async (error: unknown) => {
      await redis.stop();
      throw error;
    });
    const readyz = async (): Promise<{ status: number; body: unknown }> => {
      const answer = await fetch(`${opsBase}/readyz`);
      return { status: answer.status, body: await answer.json() };
    };
    const until = async (status: number): Promise<{ status: number; body: unknown }> => {
      let last = await readyz();
      const deadline = performance.now() + 20_000;
      while (last.status !== status && performance.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        last = await readyz();
      }
      return last;
    };
    let opsBase = '';
    try {
      opsBase = `http://127.0.0.1:${(await server.waitFor(/metrics and probes on http:\/\/127\.0\.0\.1:(\d+)\/metrics/))[1]}`;
      assert.equal((await until(200)).status, 200, 'ready once Redis answers');
      await redis.kill();
      const away = await until(503);
      assert.deepEqual(away, { status: 503, body: { detail: 'state store unavailable' } }, 'no address, no error text');
      assert.equal((await fetch(`${server.base}/`)).status, 200, 'the process still serves what needs no state');
      assert.equal((await fetch(`${opsBase}/healthz`)).status, 200, 'liveness does not follow Redis');
      await redis.restart();
      assert.equal((await until(200)).status, 200, 'ready again when Redis returns');
      const samples = parseSamples(await (await fetch(`${opsBase}/metrics`)).text());
      assert.ok((samples.get('authx_state_store_errors_total') ?? 0) >= 1, 'the outage is counted');
      assert.ok((samples.get('authx_state_store_round_trip_seconds_count') ?? 0) >= 3, 'each check is timed');
      assert.ok(!server.output().stderr.includes(String(redis.port)), 'no address printed');
      server.child.kill('SIGTERM');
      assert.equal(await server.exited, 0);
    } finally {
      server.child.kill('SIGKILL');
      await redis.stop();
    }
  });
});
