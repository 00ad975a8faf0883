/** Readiness (server/ops/readiness.ts): draining, failing, throwing and hanging checks, shared runs. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Readiness } from '../../../server/ops/readiness.ts';

test('ready with no checks; not ready once draining, whatever the checks say', async () => {
  const readiness = new Readiness({ checks: [{ name: 'state store', check: () => true }] });
  assert.deepEqual(await readiness.evaluate(), { ready: true });
  readiness.startDraining();
  assert.equal(readiness.draining, true);
  assert.deepEqual(await readiness.evaluate(), { ready: false, detail: 'draining' });
});

test('a failing, throwing or hanging check makes it not ready, with only the check name as detail', async () => {
  let up = false;
  const readiness = new Readiness({ checks: [{ name: 'state store', check: async () => up }], timeoutMs: 50 });
  assert.deepEqual(await readiness.evaluate(), { ready: false, detail: 'state store unavailable' });
  up = true;
  assert.deepEqual(await readiness.evaluate(), { ready: true }, 'back when the store returns');
  readiness.addCheck({ name: 'cache', check: () => Promise.reject(new Error('connect ECONNREFUSED 10.0.0.7:6379')) });
  assert.deepEqual(await readiness.evaluate(), { ready: false, detail: 'cache unavailable' });
  const hanging = new Readiness({ checks: [{ name: 'state store', check: () => new Promise<boolean>(() => {}) }], timeoutMs: 50 });
  const started = performance.now();
  assert.deepEqual(await hanging.evaluate(), { ready: false, detail: 'state store unavailable' });
  assert.ok(performance.now() - started < 1000);
  const throwing = new Readiness({ checks: [{ name: 'x', check: () => { throw new Error('boom'); } }] });
  assert.deepEqual(await throwing.evaluate(), { ready: false, detail: 'x unavailable' });
});

test('concurrent probes share one run of the checks', async () => {
  let runs = 0;
  const readiness = new Readiness({ checks: [{ name: 'state store', check: async () => (runs++, await new Promise((r) => setTimeout(r, 20)), true) }] });
  const states = await Promise.all(Array.from({ length: 50 }, () => readiness.evaluate()));
  assert.equal(runs, 1);
  assert.ok(states.every((state) => state.ready));
});

test('unknown options and bad timeouts are refused', () => {
  assert.throws(() => new Readiness({ timeout: 5 } as never), TypeError);
  assert.throws(() => new Readiness({ timeoutMs: 0 }), RangeError);
});
