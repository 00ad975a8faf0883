import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { once } from 'node:events';
import { connect, type AddressInfo } from 'node:net';
import { logRequest, pathOf, UNKNOWN_PATH } from '../../server/request-log.ts';

test('pathOf drops the query string and fragment', () => {
  assert.equal(pathOf('/protected?token=abc'), '/protected');
  assert.equal(pathOf('/a#b?c'), '/a');
  assert.equal(pathOf('/'), '/');
  // Absolute-form targets (RFC 9112 section 3.2.2) route by their path.
  assert.equal(pathOf('http://example.com/protected?token=abc'), '/protected');
  assert.equal(pathOf('HTTPS://example.com:8443/login'), '/login');
  assert.equal(pathOf('http://example.com'), '/');
  assert.equal(pathOf('http://example.com?x=1'), '/');
  assert.equal(pathOf(undefined), '/');
});

test('logs a client that leaves before its answer as aborted, and unknown paths as (unknown)', async () => {
  const lines: string[] = [];
  let clock = 0;
  let slowArrived: () => void = () => {};
  const slowRequest = new Promise<void>((resolve) => (slowArrived = resolve));
  const server = createServer((req, res) => {
    logRequest(req, res, { sink: { write: (line: string) => lines.push(line) }, knownPaths: new Set(['/slow']), now: () => (clock += 1.25) });
    if (req.url === '/slow') return slowArrived(); // never answers
    res.end('ok');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  try {
    await fetch(`http://127.0.0.1:${port}/secret-token-in-path?x=1`).then((response) => response.text());
    const socket = connect(port, '127.0.0.1');
    socket.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n');
    // Leave only once the server has the request, then wait (boundedly) for its log line.
    await slowRequest;
    socket.destroy();
    for (let waited = 0; lines.length < 2 && waited < 5000; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.deepEqual(lines, [`GET ${UNKNOWN_PATH} 200 1.3ms\n`, 'GET /slow aborted 1.3ms\n']);
  } finally {
    server.closeAllConnections();
    server.close();
  }
});
