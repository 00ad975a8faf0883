/**
 * docs/operations.md against the code: every metric the server exports and every variable it
 * reads is documented, and the page holds no ```ts block (its snippets are YAML and text, which
 * must not run), and promtool accepts the sample scrape configuration.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { OPS_PATHS } from '../../server/ops/ops-endpoints.ts';
import { ServerMetrics } from '../../server/ops/server-metrics.ts';

const page = readFileSync(new URL('../../docs/operations.md', import.meta.url), 'utf8');

test('every metric family /metrics exports has a row in docs/operations.md', () => {
  const metrics = new ServerMetrics({ routes: ['/'] });
  try {
    const names = [...metrics.registry.render().matchAll(/^# TYPE (\S+) /gm)].map((match) => match[1]);
    assert.ok(names.length > 15);
    for (const name of names) assert.ok(page.includes(`| \`${name}\` |`), `docs/operations.md has no row for ${name}`);
  } finally {
    metrics.stop();
  }
});

test('every endpoint and operations variable is documented, and no ts block is left unrun', () => {
  for (const path of OPS_PATHS) assert.ok(page.includes(`GET ${path}`), path);
  for (const name of ['LOG_FORMAT', 'METRICS_PORT', 'METRICS_HOST', 'SHUTDOWN_DELAY_MS']) assert.ok(page.includes(`| \`${name}\` |`), name);
  assert.ok(!/^```(ts|typescript|js)\b/m.test(page), 'a code block here would need a test that runs it');
  assert.match(page, /^```yaml\nscrape_configs:/m);
  assert.match(page, /readinessProbe:/);
});

test('the sample scrape configuration is a valid Prometheus configuration (promtool check config)', () => {
  const yaml = /^```yaml\n(scrape_configs:[^]*?)^```/m.exec(page)?.[1];
  assert.ok(yaml !== undefined);
  const dir = mkdtempSync(join(tmpdir(), 'authx-ops-docs-'));
  try {
    const file = join(dir, 'prometheus.yml');
    writeFileSync(file, yaml);
    const result = spawnSync('promtool', ['check', 'config', file], { encoding: 'utf8' });
    assert.equal(result.error, undefined, 'promtool must be installed (apt-get install prometheus)');
    assert.equal(result.status, 0, result.stdout + result.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
