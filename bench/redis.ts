/**
 * A throw-away Redis for `npm run bench` (one process with REDIS_URL against memory mode, and
 * WORKERS=2): REDIS_URL from the environment when set, else a `redis-server` started on a free
 * port of 127.0.0.1 with no persistence and no eviction, stopped when the bench ends. Without
 * either, the bench says what it skipped.
 */
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { connect } from 'node:net';
import { freePort } from './processes.ts';

/** A Redis the bench can use, and how to let go of it. */
export interface BenchRedis {
  url: string;
  /** Where it came from, for the report. */
  origin: string;
  stop: () => Promise<void>;
}

function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString().startsWith('+PONG'));
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * @returns undefined when there is no REDIS_URL and no `redis-server` on the PATH.
 * @throws {Error} When a started redis-server does not answer within 5 s.
 */
export async function benchRedis(): Promise<BenchRedis | undefined> {
  const given = process.env.REDIS_URL;
  if (given !== undefined && given !== '') return { url: given, origin: 'REDIS_URL from the environment', stop: async () => {} };
  if (spawnSync('redis-server', ['--version']).error !== undefined) return undefined;
  const port = await freePort();
  // noeviction: the server refuses a Redis that may evict revocations (docs/state.md).
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction'], { stdio: 'ignore' });
  const deadline = Date.now() + 5000;
  while (!(await answersPing(port))) {
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error('redis-server did not start');
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    origin: `redis-server started by the bench on port ${port}`,
    stop: async () => {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}
