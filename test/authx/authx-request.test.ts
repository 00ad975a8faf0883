/**
 * Finding tokens in requests: every location for access and refresh tokens, over real
 * `node:http` servers and over WHATWG `Request`s; the exact `Authorization` header rule; search
 * order; JSON bodies.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  InvalidAuthorizationHeaderError,
  MalformedTokenError,
  MissingTokenError,
  parseAuthorizationHeader,
  type TokenLocation,
} from '../../lib/index.ts';
import { readJsonBody } from '../../lib/authx/http/body.ts';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { makeAuth, sendJson, startServer, type TestServer } from './authx-helpers.ts';

const ALL: TokenLocation[] = ['headers', 'cookies', 'query', 'json'];
const auth = makeAuth({ tokenLocation: ALL });
const access = auth.createAccessToken('user1');
const refresh = auth.createRefreshToken('user1');

let server: TestServer;
before(async () => {
  server = await startServer(
    auth.handleErrors(async (req, res) => {
      const type = req.url?.startsWith('/refresh') ? 'refresh' : 'access';
      const found = type === 'access' ? await auth.getAccessTokenFromRequest(req) : await auth.getRefreshTokenFromRequest(req);
      const payload = await auth.verifyToken(found);
      // the body, if any, must still be readable by the route after the token search
      const body = req.method === 'POST' ? await readJsonBody(req) : null;
      sendJson(res, 200, { location: found.location, type: payload.type, sub: payload.sub, body });
    }),
  );
});
after(() => server.close());

function requestFor(type: 'access' | 'refresh', location: TokenLocation, token: string): { path: string; init: RequestInit } {
  const path = `/${type}`;
  switch (location) {
    case 'headers':
      return { path, init: { headers: { authorization: `Bearer ${token}` } } };
    case 'cookies':
      return { path, init: { headers: { cookie: `other=1; ${type}_token_cookie=${token}` } } };
    case 'query':
      return { path: `${path}?x=1&token=${token}`, init: {} };
    case 'json':
      return {
        path,
        init: { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify({ [`${type}_token`]: token, keep: 1 }) },
      };
  }
}

describe('every location works for access and refresh tokens', () => {
  for (const type of ['access', 'refresh'] as const) {
    for (const location of ALL) {
      test(`${type} token from ${location} over node:http`, async () => {
        const { path, init } = requestFor(type, location, type === 'access' ? access : refresh);
        const response = await fetch(server.url + path, init);
        assert.equal(response.status, 200);
        const body = (await response.json()) as { location: string; type: string; sub: string; body: unknown };
        assert.deepEqual([body.location, body.type, body.sub], [location, type, 'user1']);
        if (location === 'json') assert.deepEqual(body.body, { [`${type}_token`]: type === 'access' ? access : refresh, keep: 1 });
      });

      test(`${type} token from ${location} in a WHATWG Request`, async () => {
        const { path, init } = requestFor(type, location, type === 'access' ? access : refresh);
        const req = new Request(`http://example.test${path}`, init);
        const found = type === 'access' ? await auth.getAccessTokenFromRequest(req) : await auth.getRefreshTokenFromRequest(req);
        assert.equal(found.location, location);
        assert.equal(found.type, type);
        assert.equal((await auth.verifyToken(found)).type, type);
      });
    }
  }
});

describe('search order and missing tokens', () => {
  test('list order is search order', async () => {
    const other = auth.createAccessToken('user2');
    const init = { headers: { authorization: `Bearer ${access}`, cookie: `access_token_cookie=${other}` } };
    const headerFirst = makeAuth({ tokenLocation: ['headers', 'cookies'] });
    const cookieFirst = makeAuth({ tokenLocation: ['cookies', 'headers'] });
    assert.equal((await headerFirst.getAccessTokenFromRequest(new Request('http://x/', init))).token, access);
    assert.equal((await cookieFirst.getAccessTokenFromRequest(new Request('http://x/', init))).token, other);
  });

  test('per-call locations override the configured ones', async () => {
    const req = new Request(`http://x/?token=${access}`, { headers: { authorization: `Bearer ${access}` } });
    assert.equal((await auth.getAccessTokenFromRequest(req, { locations: ['query'] })).location, 'query');
    assert.throws(() => auth.getAccessTokenFromRequest(req, { locations: ['body' as TokenLocation] }), TypeError);
    assert.throws(() => auth.getAccessTokenFromRequest(req, { locations: [] }), TypeError);
  });

  test('a request without any token gives MissingTokenError listing the searched locations', async () => {
    await assert.rejects(auth.getAccessTokenFromRequest(new Request('http://x/')), (error: unknown) => {
      assert.ok(error instanceof MissingTokenError);
      assert.equal(error.code, 'ERR_TOKEN_MISSING');
      assert.equal(error.bearerError, undefined);
      assert.deepEqual(error.locations, ALL);
      return true;
    });
  });

  test('the access cookie does not count as a refresh token, nor the reverse', async () => {
    const req = new Request('http://x/', { headers: { cookie: `access_token_cookie=${access}` } });
    const cookiesOnly = makeAuth({ tokenLocation: ['cookies'] });
    await assert.rejects(cookiesOnly.getRefreshTokenFromRequest(req), MissingTokenError);
    assert.equal((await cookiesOnly.getAccessTokenFromRequest(req)).token, access);
  });

  test('empty cookie and empty query values count as missing', async () => {
    const req = new Request('http://x/?token=', { headers: { cookie: 'access_token_cookie=' } });
    await assert.rejects(auth.getAccessTokenFromRequest(req), MissingTokenError);
  });

  test('the first query parameter of a name wins, and bad % escapes do not throw', async () => {
    const req = new Request(`http://x/?token=${access}&token=other&junk=%zz`);
    assert.equal((await auth.getAccessTokenFromRequest(req, { locations: ['query'] })).token, access);
  });

  test('a cookie token carries the CSRF header value and the method', async () => {
    const req = new Request('http://x/', { method: 'POST', headers: { cookie: `access_token_cookie=${access}`, 'x-csrf-token': 'abc' } });
    const found = await auth.getAccessTokenFromRequest(req, { locations: ['cookies'] });
    assert.deepEqual({ ...found }, { token: access, location: 'cookies', type: 'access', method: 'POST', csrf: 'abc' });
  });
});

describe('Authorization header rule', () => {
  const accepted: Array<[string, string]> = [
    ['Bearer abc.def.ghi', 'abc.def.ghi'],
    ['bearer abc.def.ghi', 'abc.def.ghi'],
    ['BEARER abc.def.ghi', 'abc.def.ghi'],
    ['Bearer    abc.def.ghi', 'abc.def.ghi'],
    ['Bearer a-b_c.d', 'a-b_c.d'],
  ];
  for (const [value, token] of accepted) {
    test(`accepts ${JSON.stringify(value)}`, () => assert.equal(parseAuthorizationHeader(value, 'Bearer'), token));
  }
  const malformed = [
    'Bearer',
    'Bearer ',
    'Bearer\tabc.def.ghi',
    'Bearer  \tabc',
    'Bearer abc def',
    'Bearer abc.def.ghi ',
    'Bearer Bearer abc.def.ghi',
    'Bearer Bearer',
    'Bearer bearer',
    'Bearer abc\u0000def',
    'Bearer abc\rdef',
    'Bearer abc,Bearer def',
    'Bearer: abc',
    ' Bearer abc',
    'Bearer abc=',
    'Bearer a+b/c',
  ];
  for (const value of malformed) {
    test(`refuses ${JSON.stringify(value)} as malformed`, () => {
      assert.throws(() => parseAuthorizationHeader(value, 'Bearer'), (error: unknown) => {
        assert.ok(error instanceof InvalidAuthorizationHeaderError);
        assert.equal(error.reason, 'malformed');
        assert.equal(error.status, 401);
        assert.equal(error.bearerError, 'invalid_request');
        assert.ok(!error.message.includes('abc'));
        return true;
      });
    });
  }
  for (const value of ['Basic dXNlcjpwYXNz', 'Token abc', 'BearerX abc', 'eyJhbGciOiJIUzI1NiJ9.e30.sig']) {
    test(`refuses ${JSON.stringify(value)} as another scheme`, () => {
      assert.throws(() => parseAuthorizationHeader(value, 'Bearer'), { name: 'InvalidAuthorizationHeaderError', reason: 'wrong_scheme' });
    });
  }

  test('an empty headerType takes the whole value as the token', () => {
    assert.equal(parseAuthorizationHeader('abc.def.ghi', ''), 'abc.def.ghi');
    assert.throws(() => parseAuthorizationHeader('Bearer abc', ''), { reason: 'malformed' });
  });

  test('a custom header name and scheme are honoured', async () => {
    const custom = makeAuth({ headerName: 'X-Api-Token', headerType: 'JWT' });
    const found = await custom.getAccessTokenFromRequest(new Request('http://x/', { headers: { 'x-api-token': `jwt ${access}` } }));
    assert.equal(found.token, access);
  });

  test('another scheme does not hide a cookie token, but is reported when nothing else is found', async () => {
    const both = makeAuth({ tokenLocation: ['headers', 'cookies'] });
    const withCookie = new Request('http://x/', { headers: { authorization: 'Basic dXNlcjpwYXNz', cookie: `access_token_cookie=${access}` } });
    assert.equal((await both.getAccessTokenFromRequest(withCookie)).location, 'cookies');
    const alone = new Request('http://x/', { headers: { authorization: 'Basic dXNlcjpwYXNz' } });
    await assert.rejects(both.getAccessTokenFromRequest(alone), { reason: 'wrong_scheme' });
  });

  test('a malformed Bearer header stops the search at once', async () => {
    const both = makeAuth({ tokenLocation: ['headers', 'cookies'] });
    const req = new Request('http://x/', { headers: { authorization: 'Bearer a b', cookie: `access_token_cookie=${access}` } });
    await assert.rejects(both.getAccessTokenFromRequest(req), { reason: 'malformed' });
  });

  test('duplicate Authorization headers over node:http are refused, not silently reduced to the first', async () => {
    const { connect } = await import('node:net');
    const { port } = new URL(server.url);
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () => {
        socket.end(`GET /access HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${access}\r\nAuthorization: Bearer ${refresh}\r\nConnection: close\r\n\r\n`);
      });
      let data = '';
      socket.on('data', (chunk) => (data += chunk.toString()));
      socket.on('end', () => resolve(data));
      socket.on('error', reject);
    });
    assert.match(raw, /^HTTP\/1\.1 401 /);
    assert.match(raw, /"detail":"Authorization header is malformed;/);
  });

  test('duplicate Authorization headers in a WHATWG Request are refused', async () => {
    const headers = new Headers();
    headers.append('authorization', `Bearer ${access}`);
    headers.append('authorization', `Bearer ${access}`);
    await assert.rejects(makeAuth().getAccessTokenFromRequest(new Request('http://x/', { headers })), InvalidAuthorizationHeaderError);
  });
});

describe('JSON body location', () => {
  const jsonAuth = makeAuth({ tokenLocation: ['json'] });
  const post = (body: string, contentType = 'application/json'): Request =>
    new Request('http://x/', { method: 'POST', headers: { 'content-type': contentType }, body });

  test('accepts application/json with parameters', async () => {
    const found = await jsonAuth.getAccessTokenFromRequest(post(JSON.stringify({ access_token: access }), 'Application/JSON; charset=UTF-8'));
    assert.equal(found.token, access);
  });

  test('a body without the key is a missing token', async () => {
    await assert.rejects(jsonAuth.getAccessTokenFromRequest(post('{"other":1}')), MissingTokenError);
    await assert.rejects(jsonAuth.getAccessTokenFromRequest(post('[1,2]')), MissingTokenError);
  });

  test('a request without a body or with a non-JSON body is a missing token', async () => {
    await assert.rejects(jsonAuth.getAccessTokenFromRequest(new Request('http://x/')), MissingTokenError);
    await assert.rejects(jsonAuth.getAccessTokenFromRequest(post('access_token=x', 'application/x-www-form-urlencoded')), MissingTokenError);
  });

  test('a malformed JSON body keeps its own 400 error', async () => {
    await assert.rejects(jsonAuth.getAccessTokenFromRequest(post('{"access_token":')), { name: 'InvalidJsonBodyError', status: 400 });
  });

  test('a body over jsonBodyLimit gives 413', async () => {
    const small = makeAuth({ tokenLocation: ['json'], jsonBodyLimit: 64 });
    await assert.rejects(small.getAccessTokenFromRequest(post(JSON.stringify({ access_token: access }))), { name: 'BodyTooLargeError', status: 413 });
  });

  test('a non-string token in the body is a malformed token', async () => {
    await assert.rejects(jsonAuth.getAccessTokenFromRequest(post('{"access_token":123}')), MalformedTokenError);
  });

  test('the body is read once: the route reads the same value afterwards', async () => {
    const req = post(JSON.stringify({ access_token: access, n: 1 }));
    await jsonAuth.getAccessTokenFromRequest(req);
    await jsonAuth.getRefreshTokenFromRequest(req).catch(() => undefined);
    assert.deepEqual(await readJsonBody(req), { access_token: access, n: 1 });
  });

  test('an already parsed body (Express body-parser) is used as is, and its stream never read again', async () => {
    const parsed = (body: unknown, contentType = 'application/json') => ({
      headers: { 'content-type': contentType, 'content-length': '20' },
      method: 'POST',
      url: '/',
      body,
      on: () => assert.fail('the consumed stream was read again'),
    });
    const found = await jsonAuth.getAccessTokenFromRequest(parsed({ access_token: access }) as never);
    assert.equal(found.token, access);
    // A JSON array or a Buffer (express.raw) is a body without the key: 401, never a second read (a 500).
    for (const body of [[1], Buffer.from('{"access_token":"x"}'), 'text', null]) {
      await assert.rejects(jsonAuth.getAccessTokenFromRequest(parsed(body) as never), MissingTokenError, String(body));
    }
  });

  test('only a JSON body counts, whoever parsed it: a form a cross-site page can post never carries a token (login CSRF)', async () => {
    // express.urlencoded() (or @fastify/formbody) turns the form into an object like a JSON body's.
    for (const contentType of ['application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'text/plain']) {
      const form = { headers: { 'content-type': contentType, 'content-length': '20' }, method: 'POST', url: '/', body: { access_token: access } };
      await assert.rejects(jsonAuth.getAccessTokenFromRequest(form as never), MissingTokenError, contentType);
      // The adapters hand the framework's body in through the body option: not even asked for.
      const req = post(`access_token=${access}`, contentType);
      await assert.rejects(jsonAuth.getAccessTokenFromRequest(req, { body: () => assert.fail('form body read') }), MissingTokenError, contentType);
    }
  });

  test('an empty JSON body holds no token, however it is framed: 401, as for no body', async () => {
    await assert.rejects(jsonAuth.getAccessTokenFromRequest(post('')), MissingTokenError);
    await new Promise<void>((resolve, reject) => {
      const server = createServer((req, res) => {
        jsonAuth.getAccessTokenFromRequest(req).then(
          () => res.end('found'),
          (error: { code?: string }) => res.end(String(error.code)),
        );
      });
      server.listen(0, '127.0.0.1', () => {
        const { port } = server.address() as AddressInfo;
        // Chunked with no chunk, and Content-Length: 0: the same answer.
        Promise.all([
          fetch(`http://127.0.0.1:${port}/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: new ReadableStream({ start: (c) => c.close() }), duplex: 'half' } as RequestInit).then((r) => r.text()),
          fetch(`http://127.0.0.1:${port}/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '' }).then((r) => r.text()),
        ]).then(([chunked, empty]) => {
          server.close();
          assert.equal(chunked, 'ERR_TOKEN_MISSING');
          assert.equal(empty, 'ERR_TOKEN_MISSING');
          resolve();
        }, reject);
      });
    });
  });

  test('the body option supplies the parsed body and the request stream is never read', async () => {
    const req = post(JSON.stringify({ access_token: 'not-this-one' }));
    let calls = 0;
    const found = await jsonAuth.getAccessTokenFromRequest(req, { body: () => (calls++, { access_token: access }) });
    assert.equal(found.token, access);
    assert.equal(calls, 1);
    assert.equal(req.bodyUsed, false);
  });

  test('the body option is not called when an earlier location holds the token', async () => {
    const both = makeAuth({ tokenLocation: ['headers', 'json'] });
    const req = new Request('http://x/', { headers: { authorization: `Bearer ${access}` } });
    const found = await both.getAccessTokenFromRequest(req, { body: () => assert.fail('body read') });
    assert.equal(found.location, 'headers');
  });

  test('a body option answering undefined or a non-object finds no token; a non-function is a TypeError', async () => {
    await assert.rejects(jsonAuth.getAccessTokenFromRequest(post('{}'), { body: () => undefined }), MissingTokenError);
    await assert.rejects(jsonAuth.getAccessTokenFromRequest(post('{}'), { body: async () => 'text' }), MissingTokenError);
    assert.throws(() => jsonAuth.getAccessTokenFromRequest(post('{}'), { body: {} as never }), TypeError);
  });
});
