/**
 * server/process/launch.mjs, what `npm start` runs: the server runs in the process npm started (native
 * type stripping where Node has it, tsx registered in-process on Node 20), so a SIGTERM sent to
 * npm reaches the server, which drains and exits instead of being orphaned.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { isAlive as alive } from '../../helpers/server-process.ts';

const root = fileURLToPath(new URL('../../..', import.meta.url));

test('npm start forwards SIGTERM to the server, which drains and exits 0', async () => {
  const npm = spawn('npm', ['start', '--silent'], {
    cwd: root,
    env: { ...process.env, NODE_OPTIONS: '', HOST: '127.0.0.1', PORT: '0', SHUTDOWN_DELAY_MS: '0', JWT_SECRET_KEY: 'launch-test-secret-0123456789-abcdefghijk' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let stdout = '';
  npm.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  npm.stderr.resume();
  // 'exit', not 'close': an orphaned server would hold the pipes open forever.
  const exited = new Promise<number | null>((resolve) => npm.on('exit', (code) => resolve(code)));
  let serverPid = 0;
  try {
    const started = Date.now();
    while (!/listening on http/.test(stdout)) {
      assert.ok(Date.now() - started < 15_000, 'no listening line within 15 s');
      assert.equal(npm.exitCode, null, 'npm start exited before listening');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    serverPid = Number(/\(pid (\d+)\)/.exec(stdout)?.[1]);
    assert.ok(alive(serverPid));
    npm.kill('SIGTERM'); // npm itself, not the server
    const timeout = new Promise<string>((resolve) => setTimeout(() => resolve('npm still running after 15 s'), 15_000).unref());
    assert.equal(await Promise.race([exited, timeout]), 0);
    const deadline = Date.now() + 10_000;
    while (alive(serverPid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(alive(serverPid), false, 'the server outlived npm');
  } finally {
    // Kill npm's whole process group if anything above failed.
    if (npm.exitCode === null || (serverPid !== 0 && alive(serverPid))) {
      try {
        process.kill(-npm.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
});

test('the launcher turns the compile cache on first, so a second start loads no type stripper', async () => {
  // Reports, when the server exits, whether Node loaded amaro (its type stripper). Only Node
  // 22.18+ strips types itself; on Node 20 tsx does, and amaro is never loaded either way.
  const report = "data:text/javascript,process.on('exit',()=>process.stderr.write('AMARO '+process.moduleLoadList.some((m)=>m.includes('amaro'))+'\\n'))";
  const start = async (): Promise<string> => {
    const child = spawn(process.execPath, ['--import', report, 'server/process/launch.mjs'], {
      cwd: root,
      env: { ...process.env, NODE_OPTIONS: '', HOST: '127.0.0.1', PORT: '0', SHUTDOWN_DELAY_MS: '0', DATA_DIR: ':memory:', JWT_SECRET_KEY: 'launch-test-secret-0123456789-abcdefghijk' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const started = Date.now();
    while (!/listening on http/.test(output)) {
      assert.ok(Date.now() - started < 15_000, `no listening line within 15 s: ${output}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    child.kill('SIGTERM');
    await once(child, 'close');
    return output;
  };
  await start(); // fills the cache, if it was empty
  // Node 22 still loads its stripper on a later start (seen on 22.23); from Node 24 on the
  // stripped code comes from the cache.
  const cachesStrippedCode = Number(process.versions.node.split('.')[0]) >= 24;
  assert.match(await start(), cachesStrippedCode ? /^AMARO false$/m : /^AMARO (true|false)$/m);
});
