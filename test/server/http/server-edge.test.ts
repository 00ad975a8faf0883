/**
 * Every "HTTP edge" row of shared/SECURITY.md against the real server, plus throttling,
 * timeouts, graceful draining and the access log.
 */
import { test } from 'node:test';
import { once } from 'node:events';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { drainServer } from '../../../server/process/graceful-shutdown.ts';
import { UserStore } from '../../../server/login/user-store.ts';
import { call, fastDemoUsers, login, rawRequest, startTestServer, tokensFor, withTestServer } from '../server-helpers.ts';

const authorizationCases: Array<[string, string]> = [
  ['another scheme (Basic)', 'Basic dXNlcjE6cGFzc3dvcmQx'],
  ['doubled Bearer', 'Bearer Bearer TOKEN'],
  ['scheme without a token', 'Bearer'],
  ['scheme and a space without a token', 'Bearer '],
  ['several tokens', 'Bearer TOKEN TOKEN'],
  ['tab between scheme and token', 'Bearer\tTOKEN'],
  ['comma-separated credentials', 'Bearer TOKEN, Basic abc'],
];

test('Authorization header: other scheme, doubled Bearer, missing or several tokens, tabs: 401 with WWW-Authenticate', async () => {
  await withTestServer(async ({ url, port }) => {
    const { access } = await tokensFor(url);
    for (const [name, template] of authorizationCases) {
      const answer = await call(`${url}/protected`, { headers: { authorization: template.replaceAll('TOKEN', access) } });
      assert.equal(answer.status, 401, name);
      assert.match(answer.headers.get('www-authenticate') ?? '', /^Bearer/, name);
      assert.ok(!answer.text.includes(access), name);
    }
    // Control characters cannot be sent through fetch; a raw socket sends one inside the value.
    const raw = await rawRequest(port, `GET /protected HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer ${access.slice(0, 20)}\x01${access.slice(20)}\r\n\r\n`);
    // Node's own parser answers 400 to a control character before the handler runs.
    assert.match(raw, /^HTTP\/1\.1 400 /);
    assert.ok(!raw.includes(access.slice(20)));
    // A byte Node lets through (latin1 0xFF) reaches the library's rule: 401 invalid_request.
    const latin1 = await rawRequest(port, Buffer.from(`GET /protected HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer ${access.slice(0, 20)}\xff${access.slice(20)}\r\n\r\n`, 'latin1'));
    assert.match(latin1, /^HTTP\/1\.1 401 /);
    assert.match(latin1, /www-authenticate: Bearer error="invalid_request"/i);
    assert.ok(!latin1.includes(access.slice(20)));
  });
});

test('Authorization header: the scheme is case-insensitive and several spaces are accepted', async () => {
  await withTestServer(async ({ url }) => {
    const { access } = await tokensFor(url);
    for (const value of [`bearer ${access}`, `BEARER ${access}`, `Bearer   ${access}`]) {
      assert.equal((await call(`${url}/protected`, { headers: { authorization: value } })).status, 200, value.slice(0, 10));
    }
  });
});

test('a body above 16 KiB is refused with 413 before it is read (Content-Length)', async () => {
  await withTestServer(async ({ port }) => {
    // The body is announced but never sent: only an answer that does not wait for it can arrive.
    const answer = await rawRequest(port, 'POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 16385\r\n\r\n');
    assert.match(answer, /^HTTP\/1\.1 413 /);
    assert.match(answer, /\r\nconnection: close\r\n/i);
    assert.match(answer, /\{"detail":"Request body is larger than 16384 bytes"\}$/);
  });
});

test('a streamed body crossing 16 KiB is cut off with 413 without reading the rest', async () => {
  await withTestServer(async ({ port, server }) => {
    let bytesRead = 0;
    let serverSideClosed: () => void = () => {};
    const closed = new Promise<void>((resolve) => (serverSideClosed = resolve));
    server.on('request', (req) =>
      req.socket.once('close', () => {
        bytesRead = req.socket.bytesRead;
        serverSideClosed();
      }),
    );
    const answer = await new Promise<string>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      let received = '';
      socket.on('data', (data) => (received += data.toString('latin1')));
      socket.on('error', () => resolve(received));
      socket.on('close', () => resolve(received));
      socket.write('POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n');
      const chunk = Buffer.from(`1000\r\n${' '.repeat(0x1000)}\r\n`);
      let sent = 0;
      // Offer 64 MiB; the server must answer long before.
      const pump = (): void => {
        while (sent < 16_384 && !socket.destroyed) {
          sent++;
          if (!socket.write(chunk)) return void socket.once('drain', pump);
        }
      };
      pump();
    });
    assert.match(answer, /^HTTP\/1\.1 413 /);
    await closed; // the count is final only once the server's side of the connection is closed
    assert.ok(bytesRead > 16_384 && bytesRead < 4 * 1024 * 1024, `server read ${bytesRead} bytes`);
  });
});

test('a body that is not JSON, or has another content type, gets a clear 4xx, never 500', async () => {
  await withTestServer(async ({ url }) => {
    const form = await call(`${url}/login`, { method: 'POST', body: 'username=user1&password=password1' });
    assert.equal(form.status, 415);
    assert.deepEqual(form.body, { detail: 'Content-Type must be application/json' });
    const text = await call(`${url}/login`, { method: 'POST', body: '{}', headers: { 'content-type': 'text/plain' } });
    assert.equal(text.status, 415);
    const gzip = await login(url, '{}', { 'content-encoding': 'gzip' });
    assert.equal(gzip.status, 415);
    for (const body of ['{', 'nul', '{"a":1}x', '\u0000', '[' .repeat(10_000)]) {
      const answer = await login(url, body);
      assert.equal(answer.status, 422, JSON.stringify(body.slice(0, 10)));
      assert.equal(answer.body.detail[0].type, 'json_invalid');
    }
  });
});

test('a header flood is refused with 431 and the server stays responsive', async () => {
  await withTestServer(async ({ url, port }) => {
    const answer = await rawRequest(port, `GET / HTTP/1.1\r\nHost: x\r\nX-Flood: ${'a'.repeat(20_000)}\r\n\r\n`);
    assert.match(answer, /^HTTP\/1\.1 431 /);
    assert.equal((await call(`${url}/`)).status, 200);
  });
});

test('a slow client that never finishes its headers is cut off by headersTimeout; others are served meanwhile', async () => {
  await withTestServer(async ({ url, port }) => {
    const started = performance.now();
    const slow = rawRequest(port, 'GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ');
    assert.equal((await call(`${url}/`)).status, 200);
    const answer = await slow;
    assert.match(answer, /^HTTP\/1\.1 408 /);
    assert.ok(performance.now() - started < 2000);
  }, { headersTimeoutMs: 150, requestTimeoutMs: 300, checkIntervalMs: 25 });
});

test('a slow client that never finishes its body is cut off by requestTimeout', async () => {
  await withTestServer(async ({ port }) => {
    const answer = await rawRequest(port, 'POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"user');
    assert.match(answer, /^HTTP\/1\.1 408 /);
  }, { headersTimeoutMs: 150, requestTimeoutMs: 300, checkIntervalMs: 25 });
});

test('a transfer coding other than chunked is 501 Not Implemented, and the connection is closed', async () => {
  await withTestServer(async ({ port }) => {
    for (const coding of ['gzip, chunked', 'deflate, chunked']) {
      const answer = await rawRequest(port, `POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: ${coding}\r\n\r\n5\r\nxxxxx\r\n0\r\n\r\n`);
      assert.match(answer, /^HTTP\/1\.1 501 /, coding);
      assert.match(answer, /\r\nConnection: close\r\n/i, coding);
      assert.match(answer, /\{"detail":"Not Implemented"\}$/, coding);
    }
    // Chunked alone is read as usual.
    const chunked = await rawRequest(port, 'POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n2\r\n{}\r\n0\r\n\r\n');
    assert.match(chunked, /^HTTP\/1\.1 422 /);
  });
});

test('an idle keep-alive connection outlives headersTimeout and serves its next request', async () => {
  await withTestServer(async ({ port }) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.on('data', (data) => (received += data.toString('latin1')));
    try {
      socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
      await new Promise((resolve) => setTimeout(resolve, 400)); // idle for more than twice headersTimeout
      socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(received.match(/HTTP\/1\.1 200 /g)?.length, 2);
      assert.match(received, /Keep-Alive: timeout=65/);
    } finally {
      socket.destroy();
    }
  }, { headersTimeoutMs: 150, requestTimeoutMs: 300, checkIntervalMs: 25 });
});

test('the production timeouts are set deliberately', async () => {
  await withTestServer(async ({ server }) => {
    assert.equal(server.headersTimeout, 10_000);
    assert.equal(server.requestTimeout, 30_000);
    assert.equal(server.keepAliveTimeout, 65_000);
    assert.equal(server.maxHeadersCount, 100);
  });
});

test('many wrong passwords for one user: 429 with Retry-After after 5, even for the right password', async () => {
  await withTestServer(async ({ url, clock }) => {
    for (let i = 0; i < 5; i++) assert.equal((await login(url, '{"username":"user1","password":"guess"}')).status, 401);
    const refused = await login(url, '{"username":"user1","password":"password1"}');
    assert.equal(refused.status, 429);
    assert.equal(refused.headers.get('retry-after'), '900');
    assert.deepEqual(refused.body, { detail: 'Too many failed login attempts; try again later' });
    // Another user is not affected, and an unknown name is throttled exactly like a known one.
    assert.equal((await login(url, '{"username":"user2","password":"password2"}')).status, 200);
    for (let i = 0; i < 5; i++) await login(url, '{"username":"ghost","password":"guess"}');
    assert.equal((await login(url, '{"username":"ghost","password":"guess"}')).status, 429);
    clock.advance(900_000);
    assert.equal((await login(url, '{"username":"user1","password":"password1"}')).status, 200);
  });
});

test('parallel guesses cannot outrun the counter: of 20 concurrent wrong logins at most 5 reach the password check', async () => {
  await withTestServer(async ({ url }) => {
    const answers = await Promise.all(Array.from({ length: 20 }, () => login(url, '{"username":"user1","password":"guess"}')));
    const statuses = answers.map((answer) => answer.status);
    assert.equal(statuses.filter((status) => status === 401).length, 5, statuses.join(','));
    assert.equal(statuses.filter((status) => status === 429).length, 15);
  });
});

test('a successful login does not count against the address', async () => {
  await withTestServer(async ({ url }) => {
    for (let i = 0; i < 5; i++) assert.equal((await login(url, '{"username":"user1","password":"password1"}')).status, 200);
    assert.equal((await login(url, '{"username":"x","password":"y"}')).status, 401);
    assert.equal((await login(url, '{"username":"z","password":"y"}')).status, 401);
    assert.equal((await login(url, '{"username":"w","password":"y"}')).status, 429);
  }, { addressLimit: { maxFailures: 2, windowSeconds: 60 } });
});

test('many wrong passwords from one address: 429 after 20 failures, whatever the usernames', async () => {
  await withTestServer(async ({ url }) => {
    for (let i = 0; i < 20; i++) {
      assert.equal((await login(url, JSON.stringify({ username: `spray-${i}`, password: 'password1' }))).status, 401);
    }
    const refused = await login(url, '{"username":"user1","password":"password1"}');
    assert.equal(refused.status, 429);
    assert.equal(refused.headers.get('retry-after'), '900');
  });
});

test('X-Forwarded-For is ignored unless trustProxy is set', async () => {
  const limits = { addressLimit: { maxFailures: 2, windowSeconds: 60 } };
  await withTestServer(async ({ url }) => {
    await login(url, '{"username":"a","password":"x"}', { 'x-forwarded-for': '10.0.0.1' });
    await login(url, '{"username":"b","password":"x"}', { 'x-forwarded-for': '10.0.0.2' });
    assert.equal((await login(url, '{"username":"c","password":"x"}', { 'x-forwarded-for': '10.0.0.3' })).status, 429);
  }, limits);
  await withTestServer(async ({ url }) => {
    await login(url, '{"username":"a","password":"x"}', { 'x-forwarded-for': '10.0.0.1' });
    await login(url, '{"username":"b","password":"x"}', { 'x-forwarded-for': '10.0.0.1' });
    assert.equal((await login(url, '{"username":"c","password":"x"}', { 'x-forwarded-for': '10.0.0.2' })).status, 401);
    assert.equal((await login(url, '{"username":"c","password":"x"}', { 'x-forwarded-for': '9.9.9.9, 10.0.0.1' })).status, 429);
  }, { ...limits, trustProxy: true });
});

test('with trustProxy, a forwarded address is counted without its port; an entry that is no address counts as the proxy', async () => {
  const limits = { addressLimit: { maxFailures: 3, windowSeconds: 60 }, trustProxy: true };
  // The same client behind a proxy that writes ip:port: every source port is one client.
  for (const spell of [(i: number) => `203.0.113.6:5000${i}`, (i: number) => `[2001:db8::${i}]:443`, (i: number) => `[2001:db8::${i}]`]) {
    await withTestServer(async ({ url }) => {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await login(url, `{"username":"u${i}","password":"x"}`, { 'x-forwarded-for': spell(i) })).status);
      assert.deepEqual(statuses, [401, 401, 401, 429, 429], spell(0));
    }, limits);
  }
  // Junk in the last entry is not a key the client chose: it is counted as the proxy (the socket).
  await withTestServer(async ({ url }) => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await login(url, `{"username":"u${i}","password":"x"}`, { 'x-forwarded-for': `junk-${i}` })).status);
    assert.deepEqual(statuses, [401, 401, 401, 429, 429]);
  }, limits);
});

test('a login for an unknown user costs the same as a wrong password (scrypt against a dummy hash)', async () => {
  // A cost high enough (~30-60 ms) that skipping the hash would show as a ten-fold difference.
  const users = await fastDemoUsers({ N: 2 ** 14, r: 8, p: 1 });
  await withTestServer(async ({ url }) => {
    // Interleaved rounds, the fastest of each: other work on the machine only ever adds time, so
    // the minimum is the closest to the cost itself. Skipping the hash would be ~30x faster.
    const fastest = { user1: Number.POSITIVE_INFINITY, nobody: Number.POSITIVE_INFINITY };
    for (let i = 0; i < 5; i++) {
      for (const username of ['user1', 'nobody'] as const) {
        const started = performance.now();
        assert.equal((await login(url, JSON.stringify({ username, password: 'wrong' }))).status, 401);
        fastest[username] = Math.min(fastest[username], performance.now() - started);
      }
    }
    const { user1: known, nobody: unknown } = fastest;
    assert.ok(unknown > known / 4 && unknown < known * 4, `known ${known.toFixed(1)} ms, unknown ${unknown.toFixed(1)} ms`);
  }, { users, usernameAddressLimit: { maxFailures: 100, windowSeconds: 60 }, usernameLimit: { maxFailures: 100, windowSeconds: 60 }, addressLimit: { maxFailures: 100, windowSeconds: 60 } });
});

test('password checks waiting for the thread pool are capped: beyond the cap, 503 with Retry-After', async () => {
  const users = await fastDemoUsers({ N: 2 ** 14, r: 8, p: 1 });
  await withTestServer(async ({ url }) => {
    const answers = await Promise.all(Array.from({ length: 6 }, () => login(url, '{"username":"user1","password":"password1"}')));
    const statuses = answers.map((answer) => answer.status);
    assert.ok(statuses.includes(200));
    const busy = answers.find((answer) => answer.status === 503);
    assert.ok(busy, `statuses ${statuses.join(',')}`);
    assert.equal(busy.headers.get('retry-after'), '1');
  }, { users, maxPendingPasswordChecks: 1 });
});

test('the cap holds when the address layer is shared and slow (Redis): the slot is taken before its round trip', async () => {
  const users = await fastDemoUsers({ N: 2 ** 14, r: 8, p: 1 });
  // A shared store as the Redis one behaves: every call a round trip of 50 ms.
  const counts = new Map<string, number>();
  const later = <T>(value: T): Promise<T> => new Promise((resolve) => setTimeout(() => resolve(value), 50));
  const counterStore = {
    increment: (key: string, windowMs: number) => later({ count: (counts.set(key, (counts.get(key) ?? 0) + 1), counts.get(key)!), resetMs: windowMs }),
    reset: (key: string) => later(void counts.delete(key)),
    exists: (key: string) => later(counts.has(key)),
    beginFailure: () => later({ allowed: true as const }),
    releaseFailure: () => later(undefined),
  };
  await withTestServer(async ({ url }) => {
    const answers = await Promise.all(Array.from({ length: 6 }, () => login(url, '{"username":"user1","password":"password1"}')));
    const statuses = answers.map((answer) => answer.status);
    assert.equal(statuses.filter((status) => status === 503).length, 5, `statuses ${statuses.join(',')}`);
    assert.ok(statuses.includes(200), `statuses ${statuses.join(',')}`);
  }, { users, maxPendingPasswordChecks: 1, counterStore });
});

test('an unexpected failure answers a bare 500 that reveals nothing', async () => {
  class BrokenUsers extends UserStore {
    override async checkCredentials(): Promise<boolean> {
      throw new Error('database at db.internal:5432 refused password s3cr3t');
    }
  }
  await withTestServer(async ({ url, unexpected }) => {
    const answer = await login(url, '{"username":"user1","password":"password1"}');
    assert.equal(answer.status, 500);
    assert.deepEqual(answer.body, { detail: 'Internal Server Error' });
    assert.equal(unexpected.length, 1);
  }, { users: new BrokenUsers({}) });
});

test('draining finishes requests in flight, refuses new connections and closes keep-alive ones', async () => {
  const users = await fastDemoUsers({ N: 2 ** 15, r: 8, p: 1 });
  const running = await startTestServer({ users });
  try {
    const arrived = once(running.server, 'request');
    const inFlight = login(running.url, '{"username":"user1","password":"password1"}');
    await arrived; // a fixed delay was not always enough on a loaded machine
    const drained = drainServer(running.server, { timeoutMs: 5000 });
    const answer = await inFlight;
    assert.equal(answer.status, 200);
    assert.equal(answer.headers.get('connection'), 'close');
    assert.equal(await drained, 'drained');
    await assert.rejects(fetch(`${running.url}/`));
  } finally {
    await running.close();
  }
});

test('one log line per request: method, path without query, status, duration; never a secret', async () => {
  await withTestServer(async ({ url, logLines }) => {
    const { access, refresh } = await tokensFor(url);
    await call(`${url}/protected?token=${access}`, { headers: { authorization: `Bearer ${access}` } });
    await call(`${url}/${access}`);
    await call(`${url}/refresh`, { method: 'POST', headers: { authorization: `Bearer ${refresh}` } });
    await login(url, '{"username":"user1","password":"wrong-hunter2"}');
    await login(url, '{"username":"user1","password":');
    assert.deepEqual(
      logLines.map((line) => line.replace(/ \d+\.\dms id=[\w:-]+\n$/, '')),
      ['POST /login 200', 'GET /protected 200', 'GET (unknown) 404', 'POST /refresh 200', 'POST /login 401', 'POST /login 422'],
    );
    assert.ok(logLines.every((line) => /^[A-Z]+ \S+ \d{3} \d+\.\dms id=[\w:-]+\n$/.test(line)));
    const all = logLines.join('');
    for (const secret of [access, refresh, access.split('.')[2] ?? '', 'password1', 'hunter2', 'Bearer', 'uthorization']) {
      assert.ok(!all.includes(secret), `log contains ${secret.slice(0, 12)}`);
    }
  });
});

test('an absolute-form request target is routed by its path (RFC 9112 section 3.2.2)', async () => {
  await withTestServer(async ({ port }) => {
    const answer = await rawRequest(port, 'GET http://example.com/ HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n');
    assert.match(answer, /^HTTP\/1\.1 200 /);
    assert.match(answer, /Welcome to AuthX Basic Authentication Example/);
  });
});
