/**
 * The server's metric set (server/ops/server-metrics.ts): labels only from closed sets, counters that
 * move by exactly what was recorded, and the whole output (process metrics included) lint-clean.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ServerMetrics } from '../../../server/ops/server-metrics.ts';
import { promtoolCheckMetrics } from '../promtool.ts';

const series = (text: string): string[] => text.split('\n').filter((line) => line !== '' && !line.startsWith('#')).map((line) => line.slice(0, line.lastIndexOf(' ')));

test('unknown paths, methods and statuses are counted as other; known ones by name', () => {
  const metrics = new ServerMetrics({ routes: ['/', '/login'], processMetrics: false });
  metrics.recordRequest('/login', 'POST', 200, 0.01);
  metrics.recordRequest('/login', 'POST', 200, 0.01);
  metrics.recordRequest('/eyJhbGciOiJIUzI1NiJ9.x.y', 'BREW', 404, 0.001);
  metrics.recordRequest('/', 'GET\n', 999, 0.001);
  metrics.recordRequest('/', 'GET', 'aborted', 0.001);
  const text = metrics.registry.render();
  assert.match(text, /^http_requests_total\{route="\/login",method="POST",status="200"\} 2$/m);
  assert.match(text, /^http_requests_total\{route="other",method="other",status="404"\} 1$/m);
  assert.match(text, /^http_requests_total\{route="\/",method="other",status="other"\} 1$/m);
  assert.match(text, /^http_requests_total\{route="\/",method="GET",status="aborted"\} 1$/m);
  assert.match(text, /^http_request_duration_seconds_count\{route="\/login"\} 2$/m);
  assert.ok(!text.includes('eyJ') && !text.includes('BREW'));
});

test('token verifications by outcome and code; a code that is not a library code is other', () => {
  const metrics = new ServerMetrics({ routes: ['/'], processMetrics: false });
  metrics.tokenVerified();
  metrics.tokenVerified({ code: 'ERR_JWT_EXPIRED' });
  metrics.tokenVerified({ code: 'ERR_JWT_EXPIRED' });
  metrics.tokenVerified({ code: 'client said <script>' });
  metrics.tokenVerified(new Error('no code'));
  const text = metrics.registry.render();
  assert.match(text, /^authx_token_verifications_total\{outcome="valid",code="none"\} 1$/m);
  assert.match(text, /^authx_token_verifications_total\{outcome="invalid",code="ERR_JWT_EXPIRED"\} 2$/m);
  assert.match(text, /^authx_token_verifications_total\{outcome="invalid",code="other"\} 2$/m);
});

test('logins, refreshes, logouts, store sizes and state-store hooks are exported; promtool accepts all of it', async () => {
  const metrics = new ServerMetrics({ routes: ['/', '/login'] });
  try {
    metrics.setSources({ revocationEntries: () => 4, throttleEntries: () => [['username', 2]], droppedLogLines: () => 9 });
    metrics.login('success');
    metrics.login('throttled');
    metrics.refresh('rejected');
    metrics.logout('success');
    metrics.stateStoreError();
    metrics.stateStoreRoundTrip(0.0004);
    metrics.recordRequest('/', 'GET', 200, 0.0002);
    const text = metrics.registry.render();
    for (const line of [
      'authx_logins_total{outcome="success"} 1',
      'authx_logins_total{outcome="throttled"} 1',
      'authx_logins_total{outcome="busy"} 0',
      'authx_refreshes_total{outcome="rejected"} 1',
      'authx_logouts_total{outcome="success"} 1',
      'authx_state_store_errors_total 1',
      'authx_state_store_round_trip_seconds_count 1',
      'authx_revocation_store_entries 4',
      'authx_throttle_entries{throttle="username"} 2',
      'authx_log_lines_dropped_total 9',
    ]) {
      assert.ok(text.split('\n').includes(line), `missing: ${line}`);
    }
    for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'process_open_fds', 'process_max_fds', 'process_start_time_seconds', 'nodejs_eventloop_delay_p99_seconds']) {
      assert.match(text, new RegExp(`^${name} \\d`, 'm'), name);
    }
    const startTime = Number(/^process_start_time_seconds (\S+)$/m.exec(text)?.[1]);
    assert.ok(Math.abs(startTime - (Date.now() / 1000 - process.uptime())) < 5, 'start time is the process start');
    assert.deepEqual(await promtoolCheckMetrics(text), { code: 0, output: '' });
  } finally {
    metrics.stop();
  }
});

test('a flood of random paths, methods and statuses does not grow the number of series', () => {
  const metrics = new ServerMetrics({ routes: ['/', '/login'], processMetrics: false });
  const methods = ['GET', 'POST', 'BREW', 'get', 'M-SEARCH', 'PROPFIND'];
  const warm = (): void => {
    for (const path of ['/', '/login', '/nope']) for (const method of [...methods, 'DELETE']) metrics.recordRequest(path, method, 404, 0.001);
  };
  warm();
  const before = series(metrics.registry.render()).length;
  for (let i = 0; i < 5000; i++) {
    const path = `/${Math.random().toString(36).slice(2)}?q=${i}`;
    metrics.recordRequest(path, methods[i % methods.length], 404, Math.random());
    metrics.tokenVerified({ code: `ERR_${Math.random()}` });
  }
  metrics.tokenVerified({ code: 'x' });
  assert.equal(series(metrics.registry.render()).length, before + 1, 'only the one "invalid/other" verification series is new');
});

test('unknown options are refused', () => {
  assert.throws(() => new ServerMetrics({ routes: [], process: false } as never), { name: 'TypeError', message: /unknown option "process"/ });
  assert.throws(() => new ServerMetrics({ routes: ['login'], processMetrics: false }), TypeError);
});

test('a timed state check records its round trip and counts each failure, rejections included', async () => {
  const metrics = new ServerMetrics({ routes: ['/'], processMetrics: false });
  let answer: boolean | Error = true;
  const check = metrics.timeStateCheck(async () => {
    if (answer instanceof Error) throw answer;
    return answer;
  });
  assert.equal(await check(), true);
  answer = false;
  assert.equal(await check(), false);
  answer = new Error('ECONNREFUSED');
  await assert.rejects(check());
  const text = metrics.registry.render();
  assert.match(text, /^authx_state_store_round_trip_seconds_count 3$/m);
  assert.match(text, /^authx_state_store_errors_total 2$/m);
});

test('an answer refused with ERR_STATE_UNAVAILABLE counts as a state-store error, on any route', () => {
  const metrics = new ServerMetrics({ routes: ['/', '/login', '/logout'], processMetrics: false });
  metrics.recordAnswer('/login', 503, 'ERR_STATE_UNAVAILABLE');
  metrics.recordAnswer('/logout', 503, 'ERR_STATE_UNAVAILABLE');
  metrics.recordAnswer('/login', 503, undefined); // busy, not the store
  const text = metrics.registry.render();
  assert.match(text, /^authx_state_store_errors_total 2$/m);
  assert.match(text, /^authx_logins_total\{outcome="busy"\} 1$/m, 'a store outage is not "busy"');
});
