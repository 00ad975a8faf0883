/**
 * A real `redis-server` for tests (Debian package `redis-server`): started on a free port with
 * no persistence, stopped by pid after. If it cannot start, the test fails (never skips).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A running redis-server owned by the test. */
export interface TestRedis {
  readonly port: number;
  readonly url: string;
  /** SIGKILLs the server (a crash) and waits for it to exit. */
  kill(): Promise<void>;
  /** Starts it again on the same port (after {@link kill}). */
  restart(): Promise<void>;
  /** Stops it for good. */
  stop(): Promise<void>;
}

/**
 * Starts a redis-server on a free port of 127.0.0.1, with `args` added to its command line
 * (e.g. `['--replicaof', '127.0.0.1', '6379']`).
 *
 * @throws {Error} When redis-server is missing or does not become ready within 5 s.
 */
export async function startRedis(args: readonly string[] = []): Promise<TestRedis> {
  const port = await freePort();
  // Its own directory: a replica writes the primary's data there (dump.rdb) during a sync.
  const dir = mkdtempSync(join(tmpdir(), 'authx-redis-'));
  const withDir = ['--dir', dir, ...args];
  let child: ChildProcess | undefined = await launch(port, withDir);
  const kill = async (): Promise<void> => {
    const current = child;
    child = undefined;
    if (current === undefined || current.exitCode !== null || current.signalCode !== null) return;
    const exited = new Promise((resolve) => current.once('exit', resolve));
    current.kill('SIGKILL');
    await exited;
  };
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    kill,
    restart: async () => {
      await kill();
      child = await launch(port, withDir);
    },
    stop: async () => {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function launch(port: number, args: readonly string[]): Promise<ChildProcess> {
  return spawnRedis(['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', ...args], 'redis-server');
}

/**
 * Starts `redis-server` with `args` and resolves once it accepts connections; a start that fails
 * or takes over 5 s rejects, with the end of its output, and kills the process. `name` is how
 * messages call it; `readyLine` what it prints once ready (a Sentinel prints `+monitor master`).
 */
export async function spawnRedis(args: readonly string[], name: string, readyLine = 'Ready to accept connections'): Promise<ChildProcess> {
  const child = spawn('redis-server', [...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`${name} did not start within 5 s: ${output.slice(-500)}`)), 5_000);
    const fail = (error: Error): void => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(error);
    };
    child.once('error', (error) => fail(new Error(`cannot run redis-server (apt-get install redis-server): ${error.message}`)));
    child.once('exit', (code) => fail(new Error(`redis-server exited with ${code}: ${output.slice(-500)}`)));
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(readyLine)) {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        resolve();
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  });
  child.stdout?.resume();
  child.stderr?.resume();
  return child;
}

/** A port of 127.0.0.1 nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
