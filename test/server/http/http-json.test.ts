/**
 * server/http/http-json.ts over real HTTP: every JSON answer carries the headers of
 * JSON_ANSWER_HEADERS and its length, extra headers add to them or replace them, and an answer
 * already sent is left alone.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, request, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { JSON_ANSWER_HEADERS, sendJson } from '../../../server/http/http-json.ts';

async function answer(handler: (res: ServerResponse) => void): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  const server = createServer((_req, res) => handler(res));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const { port } = server.address() as AddressInfo;
    return await new Promise((resolve, reject) => {
      request({ host: '127.0.0.1', port, path: '/' }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      })
        .on('error', reject)
        .end();
    });
  } finally {
    server.close();
    server.closeAllConnections();
  }
}

test('a JSON answer carries every header of JSON_ANSWER_HEADERS and its byte length', async () => {
  const got = await answer((res) => sendJson(res, 200, { name: 'é' }));
  assert.equal(got.status, 200);
  assert.equal(got.body, '{"name":"é"}');
  for (const [name, value] of Object.entries(JSON_ANSWER_HEADERS)) assert.equal(got.headers[name], value, name);
  assert.equal(got.headers['content-length'], String(Buffer.byteLength('{"name":"é"}')));
});

test('extra headers are added, and replace a default of the same name', async () => {
  const got = await answer((res) => sendJson(res, 401, { detail: 'no' }, { 'www-authenticate': 'Bearer', 'cache-control': 'private' }));
  assert.equal(got.status, 401);
  assert.equal(got.headers['www-authenticate'], 'Bearer');
  assert.equal(got.headers['cache-control'], 'private');
  assert.equal(got.headers['x-content-type-options'], 'nosniff');
});

test('a header set on the response before is kept', async () => {
  const got = await answer((res) => {
    res.setHeader('x-request-id', 'abc');
    sendJson(res, 200, {});
  });
  assert.equal(got.headers['x-request-id'], 'abc');
  assert.equal(got.headers['content-type'], 'application/json');
});

test('an answer already sent is left alone', async () => {
  const got = await answer((res) => {
    sendJson(res, 200, { first: true });
    sendJson(res, 500, { second: true });
  });
  assert.equal(got.status, 200);
  assert.equal(got.body, '{"first":true}');
});
