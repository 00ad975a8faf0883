/**
 * The hand-written Prometheus text exposition (server/ops/metrics-registry.ts): exact output for each
 * metric type, escapes, name checks, and Prometheus's own linter as the judge.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MetricsRegistry, formatValue } from '../../../server/ops/metrics-registry.ts';
import { promtoolCheckMetrics } from '../promtool.ts';

test('renders counters, gauges and cumulative histograms in the 0.0.4 text format', () => {
  const registry = new MetricsRegistry();
  const requests = registry.counter({ name: 'demo_requests_total', help: 'Requests.', labelNames: ['route', 'status'] });
  requests.labels('/login', '200').inc();
  requests.inc(['/login', '200'], 2);
  requests.labels('other', '404').inc();
  registry.gauge({ name: 'demo_entries', help: 'Entries.', collect: () => [[[], 7]] });
  const durations = registry.histogram({ name: 'demo_seconds', help: 'Durations.', buckets: [0.1, 1] });
  for (const value of [0.05, 0.1, 0.5, 3]) durations.observe([], value);
  assert.equal(
    registry.render(),
    [
      '# HELP demo_requests_total Requests.',
      '# TYPE demo_requests_total counter',
      'demo_requests_total{route="/login",status="200"} 3',
      'demo_requests_total{route="other",status="404"} 1',
      '# HELP demo_entries Entries.',
      '# TYPE demo_entries gauge',
      'demo_entries 7',
      '# HELP demo_seconds Durations.',
      '# TYPE demo_seconds histogram',
      'demo_seconds_bucket{le="0.1"} 2',
      'demo_seconds_bucket{le="1"} 3',
      'demo_seconds_bucket{le="+Inf"} 4',
      'demo_seconds_sum 3.65',
      'demo_seconds_count 4',
      '',
    ].join('\n'),
  );
});

test('escapes backslash, double quote and line feed in label values and help text', () => {
  const registry = new MetricsRegistry();
  registry.counter({ name: 'demo_total', help: 'a \\ b\nc', labelNames: ['v'] }).labels('x\\"\ny').inc();
  assert.equal(registry.render(), '# HELP demo_total a \\\\ b\\nc\n# TYPE demo_total counter\ndemo_total{v="x\\\\\\"\\ny"} 1\n');
});

test('special values are written as the format spells them', () => {
  assert.deepEqual([Infinity, -Infinity, NaN, 0.25, 12].map(formatValue), ['+Inf', '-Inf', 'NaN', '0.25', '12']);
});

test('refuses invalid or repeated names, reserved labels, counters without _total, unordered buckets', () => {
  const registry = new MetricsRegistry();
  registry.counter({ name: 'ok_total', help: 'x' });
  assert.throws(() => registry.counter({ name: 'ok_total', help: 'x' }), /already registered/);
  assert.throws(() => registry.counter({ name: 'bad-name_total', help: 'x' }), /invalid metric name/);
  assert.throws(() => registry.counter({ name: 'no_suffix', help: 'x' }), /must end in _total/);
  assert.throws(() => registry.counter({ name: 'a_total', help: 'x', labelNames: ['le'] }), /invalid label name/);
  assert.throws(() => registry.counter({ name: 'b_total', help: 'x', labelNames: ['__x'] }), /invalid label name/);
  assert.throws(() => registry.histogram({ name: 'h', help: 'x', buckets: [1, 1] }), RangeError);
  assert.throws(() => registry.histogram({ name: 'h2', help: 'x', buckets: [] }), RangeError);
});

test('promtool check metrics accepts the output, and rejects a broken text (it can fail)', async () => {
  const registry = new MetricsRegistry();
  registry.counter({ name: 'demo_requests_total', help: 'Requests.', labelNames: ['route'] }).labels('/"odd"\\').inc();
  registry.histogram({ name: 'demo_duration_seconds', help: 'Durations.', labelNames: ['route'], buckets: [0.001, 0.01] }).observe(['/'], 0.002);
  registry.gauge({ name: 'demo_entries', help: 'Entries.', collect: () => [[[], 1]] });
  const good = await promtoolCheckMetrics(registry.render());
  assert.deepEqual(good, { code: 0, output: '' });
  const bad = await promtoolCheckMetrics('# HELP demo_requests Requests.\n# TYPE demo_requests counter\ndemo_requests 1\n');
  assert.notEqual(bad.code, 0);
  assert.match(bad.output, /_total/);
});
