import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { once } from 'node:events';
import { readJsonBody, DEFAULT_BODY_LIMIT } from '../../../lib/authx/http/body.ts';
import {
  BodyAbortedError,
  BodyContentTypeError,
  BodyError,
  BodyTooLargeError,
  EmptyBodyError,
  InvalidJsonBodyError,
} from '../../../lib/authx/http/body-errors.ts';
import { AuthError } from '../../../lib/core/errors.ts';

interface Observed {
  error?: unknown;
  value?: unknown;
  bytesRead?: number;
}

/** A real server whose handler reads the body and reports what happened. */
async function startEchoServer(limit?: number): Promise<{ url: string; server: Server; seen: Observed[] }> {
  const seen: Observed[] = [];
  const server = createServer((req, res) => {
    const observed: Observed = {};
    seen.push(observed);
    readJsonBody(req, limit === undefined ? undefined : { limit }).then(
      (value) => {
        observed.value = value;
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ value }));
      },
      (error: unknown) => {
        observed.error = error;
        observed.bytesRead = req.socket.bytesRead;
        const { status, code, message } = error as BodyError;
        // The unread rest of a too-large body is still on the connection.
        const close = error instanceof BodyTooLargeError ? { connection: 'close' } : {};
        res.writeHead(status, { 'content-type': 'application/json', ...close });
        res.end(JSON.stringify({ code, message }));
      },
    );
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/`, server, seen };
}

async function withServer(
  run: (url: string, seen: Observed[], server: Server) => Promise<void>,
  limit?: number,
): Promise<void> {
  const { url, server, seen } = await startEchoServer(limit);
  try {
    await run(url, seen, server);
  } finally {
    server.closeAllConnections();
    server.close();
  }
}

async function post(url: string, body: string | Buffer, headers: Record<string, string>): Promise<{ status: number; json: any }> {
  const response = await fetch(url, { method: 'POST', body, headers });
  return { status: response.status, json: await response.json() };
}

/** Sends raw bytes and resolves with everything the server sent back until it closed. */
function rawExchange(port: number, parts: Array<string | Buffer>, keepWriting?: () => Buffer | undefined): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.on('data', (data) => (answer += data.toString('latin1')));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      // The server closes once it has answered; a reset after the answer is fine.
      if (answer !== '') resolve(answer);
      else reject(error);
    });
    socket.on('close', () => resolve(answer));
    for (const part of parts) socket.write(part);
    if (keepWriting) {
      const pump = (): void => {
        const chunk = keepWriting();
        if (chunk !== undefined && !socket.destroyed && socket.write(chunk)) setImmediate(pump);
        else if (chunk !== undefined && !socket.destroyed) socket.once('drain', pump);
      };
      pump();
    }
  });
}

function portOf(url: string): number {
  return Number(new URL(url).port);
}

test('parses a JSON body from a node:http request', async () => {
  await withServer(async (url) => {
    const answer = await post(url, JSON.stringify({ username: 'user1', n: [1, 2] }), { 'content-type': 'application/json' });
    assert.deepEqual(answer, { status: 200, json: { value: { username: 'user1', n: [1, 2] } } });
  });
});

test('accepts content type parameters, any letter case and +json suffix types', async () => {
  await withServer(async (url) => {
    for (const type of ['application/json; charset=utf-8', 'Application/JSON;Charset=UTF-8', 'application/vnd.api+json']) {
      const answer = await post(url, '{"a":1}', { 'content-type': type });
      assert.equal(answer.status, 200, type);
    }
  });
});

test('answers 415 for a missing or non-JSON content type', async () => {
  await withServer(async (url, seen) => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/jsonx', 'application/json-seq', 'json', '']) {
      const answer = await post(url, '{"a":1}', type === '' ? {} : { 'content-type': type });
      assert.equal(answer.status, 415, type);
      assert.equal(answer.json.code, 'ERR_BODY_CONTENT_TYPE');
    }
    assert.ok(seen.every((entry) => entry.error instanceof BodyContentTypeError));
  });
});

test('answers 415 for a compressed body instead of reading it', async () => {
  await withServer(async (url) => {
    const answer = await post(url, '{"a":1}', { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    assert.equal(answer.status, 415);
  });
});

test('refuses a Content-Length above the limit at once, before any body byte arrives', async () => {
  await withServer(async (url, seen) => {
    const answer = await rawExchange(portOf(url), [
      `POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${DEFAULT_BODY_LIMIT + 1}\r\n\r\n`,
    ]);
    assert.match(answer, /^HTTP\/1\.1 413 /);
    assert.match(answer, /connection: close/i);
    assert.ok(seen[0]?.error instanceof BodyTooLargeError);
  });
});

test('cuts off a chunked body as soon as it crosses the limit, without reading the rest', async () => {
  await withServer(async (url, seen) => {
    const chunk = Buffer.from(`400\r\n${'x'.repeat(0x400)}\r\n`);
    let sent = 0;
    const answer = await rawExchange(
      portOf(url),
      ['POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n'],
      // An endless body: the test only finishes if the server answers without waiting for the end.
      () => (sent++ < 64 * 1024 ? chunk : undefined),
    );
    assert.match(answer, /^HTTP\/1\.1 413 /);
    assert.match(answer, /"code":"ERR_BODY_TOO_LARGE"/);
    const observed = seen[0];
    assert.ok(observed?.error instanceof BodyTooLargeError);
    // Up to 64 MiB were offered; the server stopped near the 4 KiB limit (plus socket buffers).
    assert.ok((observed.bytesRead ?? Infinity) < 1024 * 1024, `read ${observed.bytesRead} bytes`);
  }, 4096);
});

test('answers 400 for invalid UTF-8 with the offset of the first bad byte', async () => {
  await withServer(async (url, seen) => {
    const answer = await post(url, Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]), { 'content-type': 'application/json' });
    assert.equal(answer.status, 400);
    const error = seen[0]?.error;
    assert.ok(error instanceof InvalidJsonBodyError);
    assert.equal(error.code, 'ERR_BODY_INVALID_JSON');
    assert.equal(error.reason, 'Invalid UTF-8');
    assert.equal(error.position, 6);
  });
});

test('answers 400 for invalid JSON without quoting the body anywhere in the error', async () => {
  await withServer(async (url, seen) => {
    const answer = await post(url, '{"password": hunter2}', { 'content-type': 'application/json' });
    assert.equal(answer.status, 400);
    const error = seen[0]?.error;
    assert.ok(error instanceof InvalidJsonBodyError);
    assert.equal(error.position, 13);
    assert.equal(error.reason, 'Expecting value');
    assert.ok(!`${error.message} ${error.reason} ${JSON.stringify(answer.json)}`.includes('hunter2'));
    // Nor through a `cause`: V8's SyntaxError would quote the body.
    assert.equal(error.cause, undefined);
    assert.ok(!String(error.stack).includes('hunter2'));
  });
});

test('answers 400 ERR_BODY_EMPTY for an empty body', async () => {
  await withServer(async (url, seen) => {
    const answer = await post(url, '', { 'content-type': 'application/json' });
    assert.equal(answer.status, 400);
    assert.equal(answer.json.code, 'ERR_BODY_EMPTY');
    assert.ok(seen[0]?.error instanceof EmptyBodyError);
  });
});

test('reports a client that disconnects mid-body as BodyAbortedError', async () => {
  await withServer(async (url, seen, server) => {
    const socket = connect(portOf(url), '127.0.0.1');
    socket.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"a":');
    while (seen.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    socket.destroy();
    while (seen[0]?.error === undefined) await new Promise((resolve) => setTimeout(resolve, 5));
    assert.ok(seen[0].error instanceof BodyAbortedError);
    assert.equal(server.listening, true);
  });
});

test('reads a request once: a second call returns the same value or the same error', async () => {
  const server = createServer(async (req: IncomingMessage, res) => {
    const first = await readJsonBody(req).catch((error: unknown) => error);
    const second = await readJsonBody(req).catch((error: unknown) => error);
    res.end(JSON.stringify({ same: first === second, isError: first instanceof Error }));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  try {
    assert.deepEqual((await post(url, '{"a":{}}', { 'content-type': 'application/json' })).json, { same: true, isError: false });
    assert.deepEqual((await post(url, '{bad', { 'content-type': 'application/json' })).json, { same: true, isError: true });
  } finally {
    server.close();
  }
});

test('every body error is an AuthError without a Bearer challenge', () => {
  for (const error of [
    new BodyTooLargeError(10),
    new BodyContentTypeError('x'),
    new InvalidJsonBodyError('x', { reason: 'r' }),
    new EmptyBodyError(),
    new BodyAbortedError('x'),
  ]) {
    assert.ok(error instanceof AuthError);
    assert.equal(error.bearerError, undefined);
  }
  assert.equal(new BodyTooLargeError(10).status, 413);
  assert.equal(new BodyContentTypeError('x').status, 415);
  assert.equal(new InvalidJsonBodyError('x', { reason: 'r' }).status, 400);
});

test('refuses a limit that is not a positive safe integer with a RangeError naming the option', () => {
  const req = new Request('http://x/', { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
  for (const limit of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
    assert.throws(() => readJsonBody(req, { limit }), { name: 'RangeError', message: /options\.limit/ });
  }
});

test('parses a WHATWG Request body and caches it', async () => {
  const req = new Request('http://x/', { method: 'POST', body: '{"a":[true]}', headers: { 'content-type': 'application/json' } });
  const first = await readJsonBody(req);
  assert.deepEqual(first, { a: [true] });
  assert.equal(await readJsonBody(req), first);
});

test('refuses a WHATWG Request with a wrong content type or a Content-Length above the limit', async () => {
  const text = new Request('http://x/', { method: 'POST', body: '{}', headers: { 'content-type': 'text/plain' } });
  await assert.rejects(readJsonBody(text), BodyContentTypeError);
  const declared = new Request('http://x/', {
    method: 'POST',
    body: '{}',
    headers: { 'content-type': 'application/json', 'content-length': '999999' },
  });
  await assert.rejects(readJsonBody(declared), BodyTooLargeError);
});

test('stops pulling a streamed WHATWG body once it crosses the limit and cancels the stream', async () => {
  let pulls = 0;
  let cancelled = false;
  const endless = new ReadableStream<Uint8Array>({
    pull(controller) {
      pulls++;
      controller.enqueue(new Uint8Array(1024));
    },
    cancel() {
      cancelled = true;
    },
  });
  const req = new Request('http://x/', {
    method: 'POST',
    body: endless,
    headers: { 'content-type': 'application/json' },
    duplex: 'half',
  } as RequestInit);
  await assert.rejects(readJsonBody(req, { limit: 4096 }), BodyTooLargeError);
  assert.ok(pulls <= 8, `pulled ${pulls} chunks`);
  assert.equal(cancelled, true);
});

test('refuses a WHATWG Request whose body is empty or already consumed', async () => {
  const empty = new Request('http://x/', { method: 'POST', headers: { 'content-type': 'application/json' } });
  await assert.rejects(readJsonBody(empty), EmptyBodyError);
  const used = new Request('http://x/', { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
  await used.text();
  await assert.rejects(readJsonBody(used), TypeError);
});

test('the invalid UTF-8 offset is that of the byte where decoding first fails', async () => {
  // Reference: feed the bytes one at a time to a streaming decoder.
  const reference = (bytes: Uint8Array): number => {
    const decoder = new TextDecoder('utf-8', { fatal: true });
    for (let i = 0; i < bytes.length; i++) {
      try {
        decoder.decode(bytes.subarray(i, i + 1), { stream: true });
      } catch {
        return i;
      }
    }
    return bytes.length;
  };
  const cases = [
    [0xff],
    [0x7b, 0xc3, 0x41],
    [0x7b, 0xe2, 0x82, 0xac, 0xe2, 0x28, 0xa1],
    [0x7b, 0xf0, 0x9f, 0x98, 0x80, 0xed, 0xa0, 0x80],
    [0x41, 0x42, 0xe2, 0x82],
    [...Buffer.from('{"a":"'.padEnd(9000, 'é')), 0xc0, 0xaf],
  ];
  for (const bytes of cases.map((c) => new Uint8Array(c))) {
    const request = new Request('http://x/', { method: 'POST', headers: { 'content-type': 'application/json' }, body: bytes });
    const error = await readJsonBody(request, { limit: 64 * 1024 }).then(() => undefined, (e: unknown) => e);
    assert.ok(error instanceof InvalidJsonBodyError);
    assert.equal(error.reason, 'Invalid UTF-8');
    assert.equal(error.position, reference(bytes), `bytes ${bytes.length}`);
  }
});
