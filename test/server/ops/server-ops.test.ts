/**
 * The operations endpoints of the real server over real HTTP (server/http/app.ts with
 * server/ops/ops-endpoints.ts): probes, readiness while draining or while a dependency is away,
 * `/metrics` judged by promtool, counters that move by exactly the requests made, a bounded
 * number of series whatever clients send, request ids, and the separate metrics server.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { after, test } from 'node:test';
import { OPS_PATHS, createOpsServer } from '../../../server/ops/ops-endpoints.ts';
import { Readiness } from '../../../server/ops/readiness.ts';
import { ServerMetrics } from '../../../server/ops/server-metrics.ts';
import { ROUTE_PATHS } from '../../../server/http/app.ts';
import { delta, parseSamples } from '../metrics-helpers.ts';
import { promtoolCheckMetrics } from '../promtool.ts';
import { call, login, rawRequest, tokensFor, withTestServer } from '../server-helpers.ts';

const allMetrics: ServerMetrics[] = [];
after(() => allMetrics.forEach((metrics) => metrics.stop()));

function newMetrics(routes: readonly string[] = [...ROUTE_PATHS, ...OPS_PATHS]): ServerMetrics {
  const metrics = new ServerMetrics({ routes });
  allMetrics.push(metrics);
  return metrics;
}

async function scrape(url: string): Promise<{ text: string; samples: Map<string, number> }> {
  const answer = await call(`${url}/metrics`);
  assert.equal(answer.status, 200);
  assert.equal(answer.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
  return { text: answer.text, samples: parseSamples(answer.text) };
}

test('GET /healthz is 200 while serving; GET /readyz is 200 when ready; other methods 405', async () => {
  await withTestServer(async ({ url }) => {
    const health = await call(`${url}/healthz`);
    assert.equal(health.status, 200);
    assert.deepEqual(health.body, { status: 'ok' });
    const ready = await call(`${url}/readyz`);
    assert.equal(ready.status, 200);
    assert.deepEqual(ready.body, { status: 'ready' });
    const post = await call(`${url}/readyz`, { method: 'POST' });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get('allow'), 'GET, HEAD');
    assert.equal((await call(`${url}/metrics`)).status, 404, 'no metrics configured: no /metrics');
  });
});

test('readiness is 503 while draining (answers say Connection: close) and while the state store is away, and back when it returns', async () => {
  let storeUp = true;
  const readiness = new Readiness({ checks: [{ name: 'state store', check: async () => storeUp }], timeoutMs: 200 });
  await withTestServer(
    async ({ url }) => {
      assert.equal((await call(`${url}/readyz`)).status, 200);
      storeUp = false;
      const away = await call(`${url}/readyz`);
      assert.equal(away.status, 503);
      assert.deepEqual(away.body, { detail: 'state store unavailable' }, 'no address, no error text');
      assert.equal((await call(`${url}/healthz`)).status, 200, 'liveness does not follow a dependency');
      storeUp = true;
      assert.equal((await call(`${url}/readyz`)).status, 200);
      readiness.startDraining();
      const draining = await call(`${url}/readyz`);
      assert.equal(draining.status, 503);
      assert.deepEqual(draining.body, { detail: 'draining' });
      assert.equal(draining.headers.get('connection'), 'close');
      assert.equal((await call(`${url}/`)).headers.get('connection'), 'close', 'keep-alive clients are sent away while draining');
    },
    { readiness },
  );
});

test('/metrics passes promtool; counters move by exactly the requests made', async () => {
  const metrics = newMetrics();
  await withTestServer(
    async ({ url }) => {
      const { access, refresh } = await tokensFor(url); // one login: success
      const before = await scrape(url);
      for (let i = 0; i < 3; i++) await call(`${url}/`);
      await call(`${url}/protected`, { headers: { authorization: `Bearer ${access}` } });
      await call(`${url}/protected`, { headers: { authorization: `Bearer ${access}x` } });
      await call(`${url}/protected`);
      await login(url, JSON.stringify({ username: 'user1', password: 'wrong' }));
      await call(`${url}/refresh`, { method: 'POST', headers: { authorization: `Bearer ${refresh}` } });
      await call(`${url}/nowhere?token=${access}`);
      const afterScrape = await scrape(url);
      const moved = (series: string): number => delta(before.samples, afterScrape.samples, series);
      assert.equal(moved('http_requests_total{route="/",method="GET",status="200"}'), 3);
      assert.equal(moved('http_requests_total{route="/protected",method="GET",status="200"}'), 1);
      assert.equal(moved('http_requests_total{route="/protected",method="GET",status="401"}'), 2);
      assert.equal(moved('http_requests_total{route="/metrics",method="GET",status="200"}'), 1, 'the first scrape');
      assert.equal(moved('http_requests_total{route="other",method="GET",status="404"}'), 1);
      assert.equal(moved('http_request_duration_seconds_count{route="/"}'), 3);
      assert.equal(moved('authx_token_verifications_total{outcome="valid",code="none"}'), 2, '/protected and /refresh');
      assert.equal(moved('authx_token_verifications_total{outcome="invalid",code="ERR_JWT_SIGNATURE_INVALID"}'), 1);
      assert.equal(moved('authx_token_verifications_total{outcome="invalid",code="ERR_TOKEN_MISSING"}'), 1);
      assert.equal(moved('authx_logins_total{outcome="invalid"}'), 1);
      assert.equal(before.samples.get('authx_logins_total{outcome="success"}'), 1);
      assert.equal(moved('authx_refreshes_total{outcome="success"}'), 1);
      assert.equal(afterScrape.samples.get('authx_throttle_entries{throttle="usernameLimit"}'), 1, 'the failed login is held');
      assert.ok(!afterScrape.text.includes(access) && !afterScrape.text.includes('nowhere') && !afterScrape.text.includes('token='));
      assert.deepEqual(await promtoolCheckMetrics(afterScrape.text), { code: 0, output: '' });
    },
    { metrics },
  );
});

test('a flood of random paths, methods and headers does not grow the number of series', async () => {
  const metrics = newMetrics();
  await withTestServer(
    async ({ url, port }) => {
      const methods = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'PROPFIND', 'MKCOL', 'SEARCH', 'LOCK'];
      const flood = async (rounds: number): Promise<void> => {
        for (let i = 0; i < rounds; i++) {
          const method = methods[i % methods.length];
          const path = i % 3 === 0 ? '/' : `/${Math.random().toString(36).slice(2)}/${i}?q=${Math.random()}`;
          const junk = Math.random().toString(36).slice(2);
          await rawRequest(
            port,
            `${method} ${path} HTTP/1.1\r\nHost: ${junk}\r\nX-Request-Id: ${junk}\r\nX-${junk}: ${junk}\r\nUser-Agent: ${junk}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`,
          );
        }
      };
      await call(`${url}/metrics`);
      await flood(methods.length * 3); // every method on a known and an unknown path once
      const before = [...parseSamples((await call(`${url}/metrics`)).text).keys()].filter((s) => !s.startsWith('process_') && !s.startsWith('nodejs_'));
      await flood(300);
      const afterFlood = [...parseSamples((await call(`${url}/metrics`)).text).keys()].filter((s) => !s.startsWith('process_') && !s.startsWith('nodejs_'));
      assert.deepEqual(afterFlood, before);
    },
    { metrics },
  );
});

test('every answer carries a request id: a well-formed X-Request-Id is kept, anything else replaced; the log line has the same id', async () => {
  await withTestServer(async ({ url, logLines }) => {
    const kept = await call(`${url}/`, { headers: { 'x-request-id': 'edge-1234' } });
    assert.equal(kept.headers.get('x-request-id'), 'edge-1234');
    const replaced = await call(`${url}/`, { headers: { 'x-request-id': 'a b' } });
    const id = replaced.headers.get('x-request-id') ?? '';
    assert.match(id, /^[\w:-]{1,64}$/);
    assert.notEqual(id, 'a b');
    for (let waited = 0; logLines.length < 2 && waited < 5000; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.match(logLines[0] ?? '', / id=edge-1234\n$/);
    assert.ok(logLines[1]?.endsWith(` id=${id}\n`));
  });
});

test('with opsEndpoints false the main port has no probes or metrics; the separate ops server has them and nothing else', async () => {
  const metrics = newMetrics(ROUTE_PATHS); // as server.ts does with METRICS_PORT
  const readiness = new Readiness();
  await withTestServer(
    async ({ url }) => {
      for (const path of OPS_PATHS) assert.equal((await call(`${url}${path}`)).status, 404, path);
      const ops = createOpsServer({ readiness, metrics });
      ops.listen(0, '127.0.0.1');
      await once(ops, 'listening');
      const opsUrl = `http://127.0.0.1:${(ops.address() as AddressInfo).port}`;
      try {
        assert.equal((await call(`${opsUrl}/healthz`)).status, 200);
        assert.equal((await call(`${opsUrl}/readyz`)).status, 200);
        const text = (await call(`${opsUrl}/metrics`)).text;
        assert.match(text, /^http_requests_total\{route="other",method="GET",status="404"\} 3$/m);
        assert.equal((await call(`${opsUrl}/`)).status, 404);
        assert.equal((await call(`${opsUrl}/login`, { method: 'POST' })).status, 404);
        readiness.startDraining();
        assert.equal((await call(`${opsUrl}/readyz`)).status, 503);
      } finally {
        ops.closeAllConnections();
        ops.close();
      }
    },
    { metrics, readiness, opsEndpoints: false },
  );
});

test('a custom log sink that throws does not take the server down: every request is still answered', async () => {
  let calls = 0;
  const failing = {
    write: (): never => {
      calls++;
      throw Object.assign(new Error('no space left on /var/log'), { code: 'ENOSPC' });
    },
  };
  await withTestServer(
    async ({ url, unexpected }) => {
      for (let i = 0; i < 3; i++) {
        assert.equal((await call(`${url}/`)).status, 200, `request ${i + 1}`);
        await new Promise((resolve) => setImmediate(resolve)); // let the log flush in between
      }
      assert.equal(calls, 1, 'a failed sink is not called again');
      assert.deepEqual(unexpected, []);
    },
    { log: failing },
  );
});

test('unknown options of the ops server and the request observer are refused by name', async () => {
  const { createRequestObserver } = await import('../../../server/ops/request-log.ts');
  assert.throws(() => createOpsServer({ readiness: new Readiness(), metric: undefined } as never), { name: 'TypeError', message: /unknown option "metric"/ });
  assert.throws(() => createRequestObserver({ log: undefined, knownPaths: new Set(), format: 'text', logFormat: 'json' } as never), {
    name: 'TypeError',
    message: /unknown option "logFormat"/,
  });
});
