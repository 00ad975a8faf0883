/**
 * A real Redis Cluster for tests: `primaries` `redis-server --cluster-enabled yes` processes (and
 * `replicasPerPrimary` replicas of each) on free ports of 127.0.0.1, joined by
 * `redis-cli --cluster create ... --cluster-yes`, with no persistence, their node files in a temp
 * directory. Every process is the test's own, stopped by pid; the directory is removed after.
 * If it cannot start, the test fails (never skips).
 */
import { execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, spawnRedis } from './redis-server.ts';

const run = promisify(execFile);

/** One node of a {@link TestCluster}. */
export interface ClusterNode {
  readonly port: number;
  readonly url: string;
  /** Whether the process is running. */
  readonly alive: boolean;
  /** SIGKILLs the node (a crash) and waits for it to exit. */
  kill(): Promise<void>;
  /** Starts it again on the same port with the same node file (after {@link kill}). */
  restart(): Promise<void>;
}

/** A running cluster owned by the test. */
export interface TestCluster {
  readonly nodes: readonly ClusterNode[];
  /** `redis://127.0.0.1:<port>` of every node, the seed list `REDIS_CLUSTER` takes. */
  readonly seeds: string;
  /** `redis-cli -p <port> <args>` against one node; resolves with its output. */
  cli(port: number, ...args: string[]): Promise<string>;
  /** The port of the primary serving `slot` now (CLUSTER SHARDS of a live node). */
  primaryOf(slot: number): Promise<number>;
  /**
   * Starts moving `slot` to the primary on `toPort` (CLUSTER SETSLOT IMPORTING/MIGRATING): until
   * {@link SlotMigration.finish}, keys not yet moved answer ASK and multi-key commands over a
   * half-moved slot TRYAGAIN; after it, the old owner answers MOVED.
   */
  migrate(slot: number, toPort: number): Promise<SlotMigration>;
  /** Resolves once every live node reports `cluster_state:ok` and agrees on the slot owners, and every replica's link to its primary is up. */
  waitHealthy(timeoutMs?: number): Promise<void>;
  /** Stops every node and removes the directory. */
  stop(): Promise<void>;
}

/** A slot on its way from one primary to another. */
export interface SlotMigration {
  readonly fromPort: number;
  /** Moves up to `count` of the slot's keys (MIGRATE); resolves with how many it moved. */
  moveKeys(count?: number): Promise<number>;
  /** Moves the rest and hands the slot over on every node. */
  finish(): Promise<void>;
}

/** Options of {@link startCluster}. */
export interface ClusterOptions {
  primaries?: number;
  replicasPerPrimary?: number;
  /** Extra `redis-server` arguments for every node (e.g. `['--maxmemory', '5mb']`). */
  args?: readonly string[];
  /** `cluster-node-timeout` in ms (failure detection); default 1000. */
  nodeTimeoutMs?: number;
}

/**
 * Starts and joins a cluster.
 *
 * @throws {Error} When redis-server or redis-cli is missing or the cluster does not form in 20 s.
 */
export async function startCluster(options: ClusterOptions = {}): Promise<TestCluster> {
  const primaries = options.primaries ?? 3;
  const replicas = options.replicasPerPrimary ?? 0;
  const dir = mkdtempSync(join(tmpdir(), 'authx-cluster-'));
  const nodes: Node[] = [];
  const stop = async (): Promise<void> => {
    // Every SIGKILL is sent, and the directory removed, before the first await: the test runner
    // may end the process while an after hook still waits (seen on Node 20), and the directory
    // must not outlive it. Removed again once the nodes are gone, for a file written meanwhile.
    const exits = nodes.map((node) => node.kill());
    rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 20 });
    await Promise.all(exits);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < primaries * (1 + replicas); i++) {
      const node = new Node(await freePort(), dir, options);
      nodes.push(node);
      await node.restart();
    }
    const cli = async (port: number, ...args: string[]): Promise<string> => (await run('redis-cli', ['-p', String(port), ...args], { timeout: 20_000 })).stdout;
    await run('redis-cli', ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', String(replicas), '--cluster-yes'], { timeout: 30_000 });
    const cluster: TestCluster = {
      nodes,
      seeds: nodes.map((n) => n.url).join(','),
      cli,
      primaryOf: async (slot) => {
        for (const node of nodes.filter((n) => n.alive)) {
          try {
            const lines = (await cli(node.port, 'CLUSTER', 'SLOTS')).split('\n').map((l) => l.trim());
            // redis-cli prints the nested reply flat: from, to, then host, port, id per node.
            for (let i = 0; i + 4 < lines.length; i++) {
              const from = Number(lines[i]);
              const to = Number(lines[i + 1]);
              if (/^\d+$/.test(lines[i]!) && /^\d+$/.test(lines[i + 1]!) && lines[i + 2] === '127.0.0.1' && from <= slot && slot <= to) return Number(lines[i + 3]);
            }
          } catch {
            // try the next node
          }
        }
        throw new Error(`no node knows slot ${slot}`);
      },
      migrate: async (slot, toPort) => {
        const fromPort = await cluster.primaryOf(slot);
        const id = async (port: number): Promise<string> => (await cli(port, 'CLUSTER', 'MYID')).trim();
        const [fromId, toId] = [await id(fromPort), await id(toPort)];
        await cli(toPort, 'CLUSTER', 'SETSLOT', String(slot), 'IMPORTING', fromId);
        await cli(fromPort, 'CLUSTER', 'SETSLOT', String(slot), 'MIGRATING', toId);
        const moveKeys = async (count = 1000): Promise<number> => {
          const keys = (await cli(fromPort, 'CLUSTER', 'GETKEYSINSLOT', String(slot), String(count))).split('\n').filter(Boolean);
          if (keys.length > 0) await cli(fromPort, 'MIGRATE', '127.0.0.1', String(toPort), '', '0', '5000', 'KEYS', ...keys);
          return keys.length;
        };
        return {
          fromPort,
          moveKeys,
          finish: async () => {
            while ((await moveKeys()) > 0);
            // The new owner first, then the old one, then everyone else (the documented order).
            for (const port of [toPort, fromPort, ...nodes.filter((n) => n.alive && n.port !== toPort && n.port !== fromPort).map((n) => n.port)]) {
              await cli(port, 'CLUSTER', 'SETSLOT', String(slot), 'NODE', toId).catch(() => '');
            }
          },
        };
      },
      waitHealthy: async (timeoutMs = 20_000) => {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          const states = await Promise.all(
            nodes.filter((n) => n.alive).map((n) => cli(n.port, 'CLUSTER', 'INFO').then((text) => /cluster_state:ok/.test(text), () => false)),
          );
          if (states.every(Boolean)) {
            const views = await Promise.all(nodes.filter((n) => n.alive).map((n) => cli(n.port, 'CLUSTER', 'SLOTS').then((text) => text, () => '')));
            // Every replica in sync with its primary: a write that waits for a replica (WAIT) can be answered.
            const links = await Promise.all(
              nodes.filter((n) => n.alive).map((n) => cli(n.port, 'INFO', 'replication').then((text) => !/role:slave/.test(text) || /master_link_status:up/.test(text), () => false)),
            );
            if (views.every((v) => v === views[0]) && links.every(Boolean)) return;
          }
          if (Date.now() > deadline) throw new Error('the cluster did not become healthy');
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      },
      stop,
    };
    await cluster.waitHealthy();
    return cluster;
  } catch (error) {
    await stop();
    throw error;
  }
}

class Node implements ClusterNode {
  readonly port: number;
  readonly url: string;
  readonly #dir: string;
  readonly #options: ClusterOptions;
  #child: ChildProcess | undefined;

  constructor(port: number, dir: string, options: ClusterOptions) {
    this.port = port;
    this.url = `redis://127.0.0.1:${port}`;
    this.#dir = dir;
    this.#options = options;
  }

  get alive(): boolean {
    return this.#child !== undefined && this.#child.exitCode === null && this.#child.signalCode === null;
  }

  async kill(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  async restart(): Promise<void> {
    await this.kill();
    const args = [
      '--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no',
      '--dir', this.#dir, '--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${this.port}.conf`,
      '--cluster-node-timeout', String(this.#options.nodeTimeoutMs ?? 1000), '--maxmemory-policy', 'noeviction',
      ...(this.#options.args ?? []),
    ];
    const child = await spawnRedis(args, 'redis-server (cluster node)');
    this.#child = child;
  }
}
