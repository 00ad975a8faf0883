/**
 * What loading the example server costs (server/process/main.ts, server/http/node-http.ts): its modules must
 * not load `node:cluster` (only WORKERS needs it; on Node 20, `listen()` itself loads it later)
 * or undici (which importing `node:http` as an ES module loads on Node 22+, through its lazy
 * WebSocket exports). Start-up time is what is at stake (docs/performance.md).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const nodeStripsTypes = Boolean((process.features as { typescript?: string | false }).typescript);
const loader = nodeStripsTypes ? [] : ['--import', 'tsx'];

/** Imports `modulePath` in a child, then reports which built-in modules that loaded. */
async function loadedBuiltins(modulePath: string): Promise<{ cluster: boolean; undici: boolean; output: string }> {
  const script = [
    `await import(${JSON.stringify(modulePath)});`,
    "const list = process.moduleLoadList.join('\\n');",
    "process.stderr.write('LOADED ' + JSON.stringify({ cluster: /NativeModule cluster\\b/.test(list), undici: /undici/.test(list) }) + '\\n');",
    'process.exit(0);',
  ].join('\n');
  const child = spawn(process.execPath, [...loader, '--input-type=module', '-e', script], {
    cwd: root,
    env: { ...process.env, NODE_OPTIONS: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const [code] = (await once(child, 'close')) as [number | null];
  assert.equal(code, 0, output);
  const line = /^LOADED (.+)$/m.exec(output);
  assert.ok(line, output);
  return { ...(JSON.parse(line[1]!) as { cluster: boolean; undici: boolean }), output };
}

test('loading the server loads neither node:cluster nor undici', async () => {
  const loaded = await loadedBuiltins('./server/process/main.ts');
  assert.equal(loaded.cluster, false, 'node:cluster is needed only with WORKERS');
  assert.equal(loaded.undici, false, 'undici is never used by the server');
});

test('the WORKERS supervisor is where node:cluster comes from', async () => {
  // The check above can fail: the supervisor's own module does load it.
  assert.equal((await loadedBuiltins('./server/process/workers.ts')).cluster, true);
});
