/**
 * The per-request record (server/ops/request-log.ts): the access-log line in both formats, the
 * request id echoed in the answer, aborted requests, and nothing of the request that could carry
 * a secret.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type RequestListener } from 'node:http';
import { once } from 'node:events';
import { connect, type AddressInfo } from 'node:net';
import { LogWriter } from '../../../server/ops/log-writer.ts';
import { createRequestObserver, pathOf, UNKNOWN_PATH, type LogFormat } from '../../../server/ops/request-log.ts';

test('pathOf drops the query string and fragment', () => {
  assert.equal(pathOf('/protected?token=abc'), '/protected');
  assert.equal(pathOf('/a#b?c'), '/a');
  assert.equal(pathOf('/a?b#c'), '/a');
  assert.equal(pathOf('/a#b'), '/a');
  assert.equal(pathOf('?x'), '/');
  assert.equal(pathOf('/'), '/');
  // Only a target that does not start with '/' can be absolute; '//host/x' is a path.
  assert.equal(pathOf('//example.com/protected'), '//example.com/protected');
  assert.equal(pathOf('*'), '*');
  // Absolute-form targets (RFC 9112 section 3.2.2) route by their path.
  assert.equal(pathOf('http://example.com/protected?token=abc'), '/protected');
  assert.equal(pathOf('HTTPS://example.com:8443/login'), '/login');
  assert.equal(pathOf('http://example.com'), '/');
  assert.equal(pathOf('http://example.com?x=1'), '/');
  assert.equal(pathOf(undefined), '/');
});

async function withObservedServer(format: LogFormat, body: (port: number, lines: string[], slowArrived: Promise<void>) => Promise<void>): Promise<void> {
  const lines: string[] = [];
  const log = new LogWriter({ sink: { write: (text: string) => lines.push(...text.split(/(?<=\n)/)) } });
  let clock = 0;
  let arrived: () => void = () => {};
  const slowArrived = new Promise<void>((resolve) => (arrived = resolve));
  const observe = createRequestObserver({ log, format, knownPaths: new Set(['/slow', '/']), now: () => (clock += 1.25), wallClock: () => Date.UTC(2026, 0, 2, 3, 4, 5, 678) });
  const handler: RequestListener = (req, res) => {
    observe(req, res, pathOf(req.url));
    if (pathOf(req.url) === '/slow') return arrived(); // never answers
    res.statusCode = pathOf(req.url) === '/' ? 200 : 404;
    res.end('ok');
  };
  const server = createServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    await body((server.address() as AddressInfo).port, lines, slowArrived);
  } finally {
    server.closeAllConnections();
    server.close();
  }
}

async function waitForLines(lines: string[], count: number): Promise<void> {
  for (let waited = 0; lines.length < count && waited < 5000; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10));
}

test('text lines: method, known path or (unknown), status or aborted, duration, request id; never the query', async () => {
  await withObservedServer('text', async (port, lines, slowArrived) => {
    const answer = await fetch(`http://127.0.0.1:${port}/secret-token-in-path?x=1`);
    await answer.text();
    const id = answer.headers.get('x-request-id');
    assert.match(id ?? '', /^[A-Za-z0-9_-]{12}-[0-9a-z]+$/);
    const socket = connect(port, '127.0.0.1');
    socket.write('GET /slow?token=abc HTTP/1.1\r\nHost: x\r\nX-Request-Id: lb-7f3a\r\n\r\n');
    // Leave only once the server has the request, then wait (boundedly) for its log line.
    await slowArrived;
    socket.destroy();
    await waitForLines(lines, 2);
    assert.deepEqual(lines, [`GET ${UNKNOWN_PATH} 404 1.3ms id=${id}\n`, 'GET /slow aborted 1.3ms id=lb-7f3a\n']);
  });
});

test('LOG_FORMAT=json: one JSON object per line with time, level, request id, method, route, status, duration', async () => {
  await withObservedServer('json', async (port, lines, slowArrived) => {
    const kept = await fetch(`http://127.0.0.1:${port}/?password=hunter2`, { headers: { 'x-request-id': 'upstream-42' } });
    await kept.text();
    assert.equal(kept.headers.get('x-request-id'), 'upstream-42');
    const replaced = await fetch(`http://127.0.0.1:${port}/nope`, { headers: { 'x-request-id': 'bad id"\\' } });
    await replaced.text();
    const newId = replaced.headers.get('x-request-id') ?? '';
    assert.notEqual(newId, 'bad id"\\');
    const socket = connect(port, '127.0.0.1');
    socket.write('POST /slow HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n');
    await slowArrived;
    socket.destroy();
    await waitForLines(lines, 3);
    const time = '2026-01-02T03:04:05.678Z';
    assert.deepEqual(lines.map((line) => JSON.parse(line)), [
      { time, level: 'info', request_id: 'upstream-42', method: 'GET', route: '/', status: 200, duration_ms: 1.25 },
      { time, level: 'info', request_id: newId, method: 'GET', route: UNKNOWN_PATH, status: 404, duration_ms: 1.25 },
      { time, level: 'warn', request_id: lines[2] === undefined ? '' : JSON.parse(lines[2]).request_id, method: 'POST', route: '/slow', status: null, aborted: true, duration_ms: 1.25 },
    ]);
    assert.ok(lines.every((line) => line.endsWith('}\n') && !line.slice(0, -1).includes('\n')));
    assert.ok(!lines.join('').includes('hunter2'));
  });
});
