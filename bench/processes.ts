/**
 * The servers `npm run bench` measures, each in its own process: start one on a free port of
 * 127.0.0.1, wait for its first answer, read the CPU time of its process tree (the primary and
 * its cluster workers) and its RSS from /proc, and stop it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { get } from 'node:http';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

/** The repository root: servers run from there, as `npm start` does. */
export const ROOT: string = fileURLToPath(new URL('..', import.meta.url));

/** Linux counts process CPU time in clock ticks of 1/100 s (`getconf CLK_TCK`). */
const TICKS_PER_SECOND = 100;

/** A server process the bench started. */
export interface Target {
  name: string;
  url: string;
  pid: number;
  /** Milliseconds from spawn to the first answer. */
  startMs: number;
  /** CPU seconds used so far by the process and its children (workers); NaN without /proc. */
  cpuSeconds: () => number;
  /** Resident memory of the process and its children, in bytes; NaN without /proc. */
  rssBytes: () => number;
  stop: () => Promise<void>;
}

/** How to start a target. */
export interface TargetSpec {
  name: string;
  /** The Node binary; default this process's. */
  node?: string;
  /** Arguments after the binary: loader flags and the script. */
  args: readonly string[];
  env?: Record<string, string>;
  /** Path probed until the server answers it (start-up time ends at that answer). */
  readyPath: string;
}

/** A port of 127.0.0.1 that was free a moment ago. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

/** One GET; resolves with the status, or rejects when nothing listens yet. */
function probe(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = get(url, { agent: false, headers }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    });
    request.on('error', reject);
    request.setTimeout(2000, () => request.destroy(new Error('probe timed out')));
  });
}

/**
 * Starts `spec` on a free port and resolves once it answers `readyPath`. Its stdout (the
 * access log) goes to the null device, as a production log would go to a file: written, unread.
 */
export async function startTarget(spec: TargetSpec): Promise<Target> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const started = performance.now();
  const child = spawn(spec.node ?? process.execPath, spec.args, {
    cwd: ROOT,
    env: { ...process.env, NODE_OPTIONS: '', HOST: '127.0.0.1', PORT: String(port), ...spec.env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  let exited = false;
  child.on('exit', () => (exited = true));
  const deadline = started + 30_000;
  for (;;) {
    if (exited) throw new Error(`${spec.name} exited before answering: ${stderr.trim()}`);
    if (performance.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${spec.name} did not answer within 30 s: ${stderr.trim()}`);
    }
    // Any answer means it listens and serves (a peer answers 401 to a probe without a token).
    const status = await probe(`${url}${spec.readyPath}`, {}).catch(() => 0);
    if (status > 0) break;
    await new Promise((resolve) => setTimeout(resolve, 3));
  }
  const startMs = performance.now() - started;
  const pid = child.pid!;
  return {
    name: spec.name,
    url,
    pid,
    startMs,
    cpuSeconds: () => sumOverTree(pid, cpuSecondsOf),
    rssBytes: () => sumOverTree(pid, rssOf),
    stop: () => stopChild(child),
  };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const closed = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await closed;
  clearTimeout(timer);
}

/** Whether CPU and memory can be read from /proc. */
export function procAvailable(): boolean {
  try {
    readFileSync('/proc/self/stat');
    return true;
  } catch {
    return false;
  }
}

function statFields(pid: number): string[] | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may hold spaces; the fields after it are plain.
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** utime + stime (fields 14 and 15 of /proc/PID/stat; index 11 and 12 after the name). */
function cpuSecondsOf(pid: number): number {
  const fields = statFields(pid);
  if (fields === undefined) return Number.NaN;
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

function rssOf(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** `pid` and its direct children (cluster workers are children of the primary). */
function sumOverTree(pid: number, read: (pid: number) => number): number {
  let total = read(pid);
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return Number.NaN;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(Number(entry));
    // Field 4 (ppid) is index 1 after the name.
    if (fields !== undefined && Number(fields[1]) === pid) total += read(Number(entry));
  }
  return total;
}
