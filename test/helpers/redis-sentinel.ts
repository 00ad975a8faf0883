/**
 * A real Redis Sentinel setup for tests: a master and a replica (`redis-server`, no persistence,
 * test/helpers/redis-server.ts) and one Sentinel (`redis-server <conf> --sentinel`: the Sentinel
 * rewrites its configuration file, so it lives in a temp directory) monitoring the master with
 * quorum 1, `down-after-milliseconds` 1000 and a short `failover-timeout`. Every process is the
 * test's own, on free ports of 127.0.0.1, stopped by pid; the directory is removed after. If it
 * cannot start, the test fails (never skips).
 */
import { execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, spawnRedis, startRedis, type TestRedis } from './redis-server.ts';

const run = promisify(execFile);

/** The name the Sentinel monitors the master under. */
export const MASTER_NAME = 'authx-test';

/** A running master, replica and Sentinel owned by the test. */
export interface TestSentinel {
  readonly master: TestRedis;
  readonly replica: TestRedis;
  /** `redis://127.0.0.1:<port>` of the Sentinel: what `REDIS_SENTINEL` takes. */
  readonly url: string;
  /** `redis-cli -p <port> <args>`; resolves with its output. */
  cli(port: number, ...args: string[]): Promise<string>;
  /** The port of the master the Sentinel names now (`SENTINEL GET-MASTER-ADDR-BY-NAME`). */
  masterPort(): Promise<number>;
  /** Stops every process and removes the directory. */
  stop(): Promise<void>;
}

/**
 * Starts a master, its replica and a Sentinel; resolves once the replica's link is up and the
 * Sentinel knows the replica (so it can promote it).
 *
 * @throws {Error} When redis-server or redis-cli is missing, or the setup is not ready in 15 s.
 */
export async function startSentinel(): Promise<TestSentinel> {
  const dir = mkdtempSync(join(tmpdir(), 'authx-sentinel-'));
  const started: TestRedis[] = [];
  let sentinel: ChildProcess | undefined;
  const stop = async (): Promise<void> => {
    const child = sentinel;
    sentinel = undefined;
    if (child !== undefined && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }
    await Promise.all(started.map((one) => one.stop()));
    rmSync(dir, { recursive: true, force: true });
  };
  const cli = async (port: number, ...args: string[]): Promise<string> => (await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { timeout: 5_000 })).stdout;
  try {
    // No 5 s pause before a replica's first sync (Redis 7's default diskless-sync delay).
    const master = await startRedis(['--repl-diskless-sync-delay', '0']);
    started.push(master);
    const replica = await startRedis(['--replicaof', '127.0.0.1', String(master.port)]);
    started.push(replica);
    const port = await freePort();
    const conf = join(dir, 'sentinel.conf');
    writeFileSync(
      conf,
      [
        `port ${port}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        `sentinel monitor ${MASTER_NAME} 127.0.0.1 ${master.port} 1`,
        `sentinel down-after-milliseconds ${MASTER_NAME} 1000`,
        `sentinel failover-timeout ${MASTER_NAME} 3000`,
        `sentinel parallel-syncs ${MASTER_NAME} 1`,
        '',
      ].join('\n'),
    );
    sentinel = await spawnRedis([conf, '--sentinel'], 'redis-server --sentinel', '+monitor master');
    const deadline = Date.now() + 15_000;
    for (;;) {
      const link = await cli(replica.port, 'INFO', 'replication').catch(() => '');
      const known = await cli(port, 'SENTINEL', 'REPLICAS', MASTER_NAME).catch(() => '');
      if (/master_link_status:up/.test(link) && known.includes(String(replica.port))) break;
      if (Date.now() > deadline) throw new Error(`Sentinel setup not ready within 15 s: ${link.slice(0, 300)} | ${known.slice(0, 300)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return {
      master,
      replica,
      url: `redis://127.0.0.1:${port}`,
      cli,
      masterPort: async () => Number((await cli(port, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', MASTER_NAME)).trim().split('\n')[1]),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
