/**
 * The DATA_DIR state of server/process/state.ts: `DATA_DIR_MAX_ENTRIES` sets the store's capacity
 * (checked, named in the error), readiness says no at capacity, and the state hands /metrics its
 * capacity and failed-write counts.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { openServerState } from '../../../server/process/state.ts';

const dirs: string[] = [];
const fresh = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'authx-state-dir-'));
  dirs.push(dir);
  return dir;
};
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});
const quiet = { log: () => {} };

test('DATA_DIR_MAX_ENTRIES sets the capacity; at capacity the state is not ready; /metrics gets capacity and failures', async () => {
  const state = await openServerState({ DATA_DIR: fresh(), DATA_DIR_MAX_ENTRIES: '2' }, quiet);
  try {
    assert.equal(await state.stateReady(), true);
    const exp = Math.floor(Date.now() / 1000) + 60;
    for (const jti of ['a', 'b']) await state.revocationStore.revoke(jti, exp, { subject: jti, coversMs: Date.now(), cutoffExpiresAt: exp });
    assert.equal(await state.stateReady(), false, 'a full store is not ready');
    assert.equal(state.metricsSources?.revocationCapacity?.(), 2);
    assert.deepEqual(new Map(state.metricsSources?.stateWriteFailures?.()), new Map([['commit', 0], ['compaction', 0], ['probe', 0]]));
  } finally {
    await state.close();
  }
});

test('a DATA_DIR_MAX_ENTRIES that is no whole number from 1 to 10,000,000 stops the start, naming it', async () => {
  for (const value of ['0', '-1', '1e6', '10000001', 'many', '2.5']) {
    await assert.rejects(openServerState({ DATA_DIR: fresh(), DATA_DIR_MAX_ENTRIES: value }, quiet), /DATA_DIR_MAX_ENTRIES must be a whole number from 1 to 10000000/, value);
  }
});
