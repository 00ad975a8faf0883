/**
 * `WORKERS=N` (server/process/workers.ts) with real processes: a primary with two real cluster workers
 * over real HTTP, a worker killed with SIGKILL and replaced, SIGTERM draining a request in flight
 * before the primary exits 0, Ctrl-C to the whole process group draining each worker once, a
 * worker's own second signal, a crash loop ending in exit 1, and the rules of `WORKERS`.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { request } from 'node:http';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readWorkerCount } from '../../../server/process/workers.ts';
import { isAlive } from '../../helpers/server-process.ts';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const nodeStripsTypes = Boolean((process.features as { typescript?: string | false }).typescript);
const loader = nodeStripsTypes ? [] : ['--import', 'tsx'];
const SECRET = 'workers-test-secret-0123456789-abcdefghij';

interface Primary {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  /** Resolves once `count` distinct workers printed their listening line; gives the URL. */
  workersListening: (count: number) => Promise<string>;
  /** Pids of the workers that printed a listening line, in order. */
  workerPids: () => number[];
  waitFor: (pattern: RegExp) => Promise<void>;
}

function startPrimary(env: Record<string, string> = {}): Primary {
  const child = spawn(process.execPath, [...loader, 'test/server/process/fixtures/cluster-primary.ts'], {
    cwd: root,
    env: { ...process.env, NODE_OPTIONS: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group, so cleanup can kill the primary and its workers together
  });
  let output = '';
  const waiters: (() => void)[] = [];
  const onData = (chunk: string): void => {
    output += chunk;
    for (const wake of waiters.splice(0)) wake();
  };
  child.stdout!.setEncoding('utf8').on('data', onData);
  child.stderr!.setEncoding('utf8').on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const workerPids = (): number[] => [...output.matchAll(/listening on http:\/\/[^\s]+ \(pid (\d+)\)/g)].map((m) => Number(m[1]));
  const waitFor = (pattern: RegExp): Promise<void> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern}; output:\n${output}`)), 15_000);
      const check = (): void => {
        if (pattern.test(output)) {
          clearTimeout(timer);
          resolve();
        } else waiters.push(check);
      };
      check();
    });
  const workersListening = async (count: number): Promise<string> => {
    await waitFor(new RegExp(`(listening on [^\\n]+\\n[^]*){${count}}`));
    return /listening on (http:\/\/[^\s]+)/.exec(output)![1]!;
  };
  return { child, output: () => output, exited, workersListening, workerPids, waitFor };
}

function killGroup(primary: Primary): void {
  try {
    process.kill(-primary.child.pid!, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** One request on its own connection (so the cluster hands each to the next worker). */
function get(url: string, path = '/'): Promise<{ status: number; pid: number; connection: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, pid: (JSON.parse(body) as { pid: number }).pid, connection: res.headers.connection }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The status of one GET on its own connection. */
function getStatus(url: string, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    });
    req.on('error', reject);
    req.end();
  });
}

async function pidsAnswering(url: string, tries: number): Promise<Set<number>> {
  const pids = new Set<number>();
  for (let i = 0; i < tries; i++) pids.add((await get(url)).pid);
  return pids;
}

describe('WORKERS: a primary supervising real cluster workers', { concurrency: true }, () => {
  test('two workers answer on one port, and a worker killed with SIGKILL is replaced', async (t) => {
    const primary = startPrimary();
    t.after(() => killGroup(primary));
    const url = await primary.workersListening(2);
    const [first, second] = primary.workerPids();
    assert.deepEqual(await pidsAnswering(url, 10), new Set([first, second]));

    process.kill(first!, 'SIGKILL');
    await primary.waitFor(new RegExp(`worker ${first} died \\(signal SIGKILL\\); starting a replacement`));
    await primary.workersListening(3);
    const replacement = primary.workerPids()[2]!;
    assert.notEqual(replacement, first);
    assert.deepEqual(await pidsAnswering(url, 10), new Set([second, replacement]));
  });

  test('SIGTERM to the primary drains every worker: the request in flight is answered, then the primary exits 0', async (t) => {
    const primary = startPrimary();
    t.after(() => killGroup(primary));
    const url = await primary.workersListening(2);
    const pids = primary.workerPids();
    const slow = get(url, '/until-draining'); // answered only once its worker drains
    await primary.waitFor(/^holding \/until-draining/m);
    primary.child.kill('SIGTERM');
    const answer = await slow;
    assert.equal(answer.status, 200);
    assert.equal(answer.connection, 'close', 'an answer sent while draining closes its connection');
    assert.equal(await primary.exited, 0, primary.output());
    for (const pid of pids) assert.equal(isAlive(pid), false, `worker ${pid} is still running`);
    assert.match(primary.output(), /SIGTERM: asking 2 worker\(s\) to finish their requests/);
    assert.doesNotMatch(primary.output(), /replacement/);
  });

  test('after SIGTERM the workers stay up, not ready, for their shutdown delay, then exit 0', async (t) => {
    const primary = startPrimary({ DELAY_MS: '1500' });
    t.after(() => killGroup(primary));
    const url = await primary.workersListening(2);
    assert.equal((await getStatus(url, '/readyz')), 200);
    primary.child.kill('SIGTERM');
    await primary.waitFor(/SIGTERM: asking 2 worker\(s\)/);
    await new Promise((resolve) => setTimeout(resolve, 200)); // the workers have the message
    // Both workers (new connections alternate between them) still answer, but not ready.
    for (let i = 0; i < 4; i++) assert.equal(await getStatus(url, '/readyz'), 503, `readyz ${i} during the delay`);
    assert.equal((await get(url)).status, 200);
    assert.equal(await primary.exited, 0, primary.output());
  });

  test('Ctrl-C reaches the whole process group: each worker drains once, with the lines of one process, and the primary exits 0', async (t) => {
    const primary = startPrimary();
    t.after(() => killGroup(primary));
    const url = await primary.workersListening(2);
    const slow = get(url, '/until-draining'); // answered only once its worker drains
    await primary.waitFor(/^holding \/until-draining/m);
    // What a terminal does on Ctrl-C: SIGINT to every process of the foreground group at once.
    process.kill(-primary.child.pid!, 'SIGINT');
    const answer = await slow;
    assert.equal(answer.status, 200);
    assert.equal(answer.connection, 'close');
    assert.equal(await primary.exited, 0, primary.output());
    const output = primary.output();
    // Each worker got the signal and the primary's request: one drain each, not two.
    for (const pid of primary.workerPids()) {
      assert.equal(output.match(new RegExp(`^worker ${pid}: SIGINT: no longer accepting connections; finishing requests in flight$`, 'gm'))?.length, 1, output);
      assert.equal(output.match(new RegExp(`^worker ${pid}: all requests finished; exiting$`, 'gm'))?.length, 1, output);
    }
    assert.doesNotMatch(output, /again/);
  });

  test("a worker's own second signal exits it at once with code 1, as one process does", async (t) => {
    const primary = startPrimary();
    t.after(() => killGroup(primary));
    const url = await primary.workersListening(2);
    // A request that is never answered, on a worker that names itself in the head.
    const hanging = request(`${url}/hang`, { agent: false });
    hanging.on('error', () => {}); // cut off when the worker exits
    hanging.end();
    const [response] = (await once(hanging, 'response')) as [{ headers: Record<string, string | undefined> }];
    const pid = Number(response.headers['x-pid']);
    process.kill(pid, 'SIGINT');
    await primary.waitFor(new RegExp(`^worker ${pid}: SIGINT: no longer accepting connections`, 'm'));
    const started = performance.now();
    process.kill(pid, 'SIGINT');
    await primary.waitFor(new RegExp(`worker ${pid} died \\(code 1\\); starting a replacement`));
    // Not the fixture's 5 s drain deadline: the second signal did not wait for the request.
    assert.ok(performance.now() - started < 4_000, `took ${performance.now() - started} ms`);
    assert.match(primary.output(), new RegExp(`^worker ${pid}: SIGINT again: exiting without waiting$`, 'm'));
  });

  test('a crash loop is not replaced forever: past the restart limit the primary exits 1', async (t) => {
    const primary = startPrimary({ CRASH: '1', RESTART_LIMIT: '2' });
    t.after(() => killGroup(primary));
    assert.equal(await primary.exited, 1, primary.output());
    assert.equal(primary.output().match(/starting a replacement/g)?.length, 2, primary.output());
    assert.match(primary.output(), /giving up/);
  });
});

describe('WORKERS setting', () => {
  const shared = { REDIS_URL: 'redis://127.0.0.1:6379', JWT_SECRET_KEY: SECRET };

  test('defaults to one process and accepts 1..64 with shared state', () => {
    assert.equal(readWorkerCount({}), 1);
    assert.equal(readWorkerCount({ WORKERS: '' }), 1);
    assert.equal(readWorkerCount({ WORKERS: '1' }), 1);
    assert.equal(readWorkerCount({ WORKERS: '2', ...shared }), 2);
    assert.equal(readWorkerCount({ WORKERS: '64', ...shared }), 64);
  });

  test('refuses what is not a whole number from 1 to 64', () => {
    for (const WORKERS of ['0', '65', '-1', '1.5', 'two', ' 2', '100']) {
      assert.throws(() => readWorkerCount({ WORKERS, ...shared }), /WORKERS must be a whole number from 1 to 64/, WORKERS);
    }
  });

  test('refuses more than one worker without REDIS_URL, saying why', () => {
    assert.throws(() => readWorkerCount({ WORKERS: '2', JWT_SECRET_KEY: SECRET }), /WORKERS=2 needs REDIS_URL \(or REDIS_CLUSTER, REDIS_SENTINEL\): .*logged out on one worker would still work on another/);
    assert.throws(() => readWorkerCount({ WORKERS: '2', REDIS_URL: '', JWT_SECRET_KEY: SECRET }), /needs REDIS_URL/);
    assert.equal(readWorkerCount({ WORKERS: '2', REDIS_CLUSTER: 'redis://127.0.0.1:7000', JWT_SECRET_KEY: SECRET }), 2);
    assert.equal(readWorkerCount({ WORKERS: '2', REDIS_SENTINEL: 'redis://127.0.0.1:26379', JWT_SECRET_KEY: SECRET }), 2);
  });

  test('refuses more than one worker with a generated secret', () => {
    assert.throws(() => readWorkerCount({ WORKERS: '2', REDIS_URL: shared.REDIS_URL }), /WORKERS=2 needs JWT_SECRET_KEY/);
  });

  test('server.ts with WORKERS=2 and no REDIS_URL stops at start-up with exit code 1, naming REDIS_URL', async () => {
    const child = spawn(process.execPath, [...loader, 'server.ts'], {
      cwd: root,
      env: { ...process.env, NODE_OPTIONS: '', WORKERS: '2', REDIS_URL: '', DATA_DIR: ':memory:', JWT_SECRET_KEY: SECRET, PORT: '0', HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const [code] = (await once(child, 'close')) as [number | null];
    assert.equal(code, 1);
    assert.match(stderr, /^error: WORKERS=2 needs REDIS_URL/);
    assert.doesNotMatch(stderr, new RegExp(SECRET));
  });
});
