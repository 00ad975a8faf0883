/**
 * `server.ts` as a real child process, as users start it (`node server.ts` where Node strips
 * types, `node --import tsx server.ts` on Node 20): started with a given environment, resolved
 * once it prints its listening URL, killed by pid (SIGKILL) or stopped gracefully (SIGTERM).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const nodeStripsTypes = Boolean((process.features as { typescript?: string | false }).typescript);
const childArgs = nodeStripsTypes ? ['server.ts'] : ['--import', 'tsx', 'server.ts'];

/** A running server process. */
export interface ServerProcess {
  child: ChildProcess;
  url: string;
  stderr: () => string;
  /** SIGKILL, then wait for the exit (the process is reaped, so its pid is dead). */
  kill(): Promise<void>;
  /** SIGTERM (the server's graceful drain), SIGKILL after 5 s so a stuck drain cannot hang a test. */
  stop(): Promise<void>;
}

/** What an early exit looked like. */
export interface EarlyExit {
  code: number | null;
  stderr: string;
}

const SECRET = 'state-process-test-secret-0123456789abcdef';

/**
 * Starts `server.ts` with `env` over a test environment (port 0, fixed secret).
 *
 * @throws {Error} When it does not listen within 15 s.
 */
export function startServerProcess(env: Record<string, string>): Promise<ServerProcess> {
  return launch(env).then((result) => {
    if ('url' in result) return result;
    throw new Error(`server exited early (${result.code}): ${result.stderr}`);
  });
}

/** Starts `server.ts` expecting it to refuse to start; resolves with its exit. */
export async function expectStartFailure(env: Record<string, string>): Promise<EarlyExit> {
  const result = await launch(env);
  if ('url' in result) {
    await result.kill();
    throw new Error('server started but was expected to refuse');
  }
  return result;
}

function launch(env: Record<string, string>): Promise<ServerProcess | EarlyExit> {
  const child = spawn(process.execPath, childArgs, {
    cwd: root,
    env: { ...process.env, NODE_OPTIONS: '', PORT: '0', HOST: '127.0.0.1', JWT_SECRET_KEY: SECRET, REDIS_URL: '', WORKERS: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = once(child, 'exit');
  const killChild = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.once('exit', killChild);
  let stdout = '';
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const kill = async (): Promise<void> => {
    killChild();
    await exited;
  };
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const killer = setTimeout(killChild, 5_000);
    await exited;
    clearTimeout(killer);
  };
  return new Promise((resolve, reject) => {
    let started = false;
    const timer = setTimeout(() => {
      killChild();
      reject(new Error(`server did not listen within 15 s; stderr: ${stderr}`));
    }, 15_000);
    exited.then(([code]) => {
      clearTimeout(timer);
      if (!started) resolve({ code: code as number | null, stderr });
    }, reject);
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      if (started) return;
      stdout += chunk;
      const match = /https?:\/\/[^\s/]+:(\d+)/.exec(stdout);
      if (match) {
        started = true;
        clearTimeout(timer);
        resolve({ child, url: `http://127.0.0.1:${match[1]}`, stderr: () => stderr, kill, stop });
      }
    });
  });
}

/**
 * Whether a process with this pid is still running (signal 0 only checks).
 *
 * @example assert.equal(isAlive(pid), false)
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** `server.ts` with `WORKERS=2`, started in its own process group. */
export interface WorkersProcess {
  child: ChildProcess;
  /** The URL the first worker printed. */
  url: string;
  /** Everything the primary and its workers printed so far. */
  output(): string;
  /** Settles with the primary's exit code and signal. */
  exited: Promise<unknown[]>;
}

/**
 * Starts `server.ts` with `WORKERS=2` and `env`, resolved once both workers print their URL (30 s
 * at most); the whole process group is SIGKILLed when the test ends, whatever happened.
 */
export async function startWorkers(t: { after(fn: () => void): void }, env: Record<string, string>): Promise<WorkersProcess> {
  const child = spawn(process.execPath, childArgs, {
    cwd: root,
    env: { ...process.env, NODE_OPTIONS: '', WORKERS: '2', PORT: '0', HOST: '127.0.0.1', ...env },
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
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = once(child, 'close');
  const deadline = Date.now() + 30_000;
  while ((output.match(/listening on /g)?.length ?? 0) < 2) {
    if (Date.now() >= deadline || child.exitCode !== null) throw new Error(`two workers did not start:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const url = /listening on (http:\/\/[^\s]+)/.exec(output)![1]!;
  return { child, url, output: () => output, exited };
}
