/**
 * SIGKILL between any two writes of a journal compaction (issue #22): a real process commits
 * revocations and kills itself right after each step of a compaction's commit (its file written,
 * the commits of meanwhile appended, the rename, the directory sync). Whatever step it died at,
 * reopening the directory finds every acknowledged revocation, no compaction file left over and
 * a journal that checks sound.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { FileRevocationStore } from '../../../lib/index.ts';

const fixture = fileURLToPath(new URL('./fixtures/compaction-kill.ts', import.meta.url));
const nodeStripsTypes = Boolean((process.features as { typescript?: string | false }).typescript);
const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

for (const step of ['written', 'appended', 'renamed', 'synced']) {
  test(`SIGKILL after the compaction step "${step}": every acknowledged revocation is there after a reopen`, async () => {
    const directory = mkdtempSync(join(tmpdir(), 'authx-crash-'));
    dirs.push(directory);
    const child = spawn(process.execPath, [...(nodeStripsTypes ? [] : ['--import', 'tsx']), fixture], {
      env: { ...process.env, NODE_OPTIONS: '', DIRECTORY: directory, STEP: step },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const [code, signal] = (await once(child, 'exit')) as [number | null, string | null];
    assert.equal(signal, 'SIGKILL', `the process ended otherwise (${code}): ${stderr}`);
    // Every whole line names an acknowledged revocation; a last line cut by the kill does not count.
    const acked = stdout.slice(0, stdout.lastIndexOf('\n') + 1).split('\n').filter(Boolean);
    assert.ok(acked.length >= 30, `${acked.length} acknowledged`);
    const store = await FileRevocationStore.open({ directory });
    try {
      const lost = acked.filter((jti) => !store.isRevoked({ jti, sub: 'nobody', issuedAtMs: Date.now(), fid: undefined }));
      assert.deepEqual(lost, []);
    } finally {
      await store.close();
    }
    assert.deepEqual(readdirSync(directory), ['revocations.journal']);
    assert.deepEqual((await FileRevocationStore.check(directory)).damage, []);
  });
}
