/**
 * The synchronous token getters (`getAccessTokenFromRequestSync`, `getRefreshTokenFromRequestSync`):
 * the same search, order and errors as the asynchronous ones for locations in the request head,
 * over a real `node:http` server and over WHATWG `Request`s, and a TypeError for the json location.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { InvalidAuthorizationHeaderError, MissingTokenError, type TokenLocation } from '../../../lib/index.ts';
import { makeAuth, sendJson, startServer, type TestServer } from '../authx-helpers.ts';

const HEAD: TokenLocation[] = ['headers', 'cookies', 'query'];
const auth = makeAuth({ tokenLocation: HEAD });
const access = auth.createAccessToken('user1');
const refresh = auth.createRefreshToken('user1');

let server: TestServer;
before(async () => {
  // A route that answers within the request callback: no Promise between request and answer.
  server = await startServer((req, res) => {
    try {
      const found = auth.getAccessTokenFromRequestSync(req);
      const payload = auth.verifyTokenSync(found);
      sendJson(res, 200, { location: found.location, sub: payload.sub });
    } catch (error) {
      sendJson(res, 401, { name: (error as Error).name });
    }
  });
});
after(() => server.close());

describe('synchronous token getters', () => {
  test('find a Bearer token over node:http and verify it without a Promise', async () => {
    const response = await fetch(`${server.url}/`, { headers: { authorization: `Bearer ${access}` } });
    assert.deepEqual(await response.json(), { location: 'headers', sub: 'user1' });
  });

  test('refuse duplicate Authorization headers over node:http, as the asynchronous getter does', async () => {
    const { port } = new URL(server.url);
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () => {
        socket.end(`GET / HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${access}\r\nAuthorization: Bearer ${access}\r\nConnection: close\r\n\r\n`);
      });
      let data = '';
      socket.on('data', (chunk) => (data += chunk.toString()));
      socket.on('end', () => resolve(data));
      socket.on('error', reject);
    });
    assert.match(raw, /^HTTP\/1\.1 401 /);
    assert.match(raw, /"name":"InvalidAuthorizationHeaderError"/);
  });

  test('search the configured order: cookie, then query', () => {
    const cookie = new Request('http://x/', { headers: { cookie: `access_token_cookie=${access}` } });
    assert.equal(auth.getAccessTokenFromRequestSync(cookie).location, 'cookies');
    const query = new Request(`http://x/?token=${access}`);
    assert.equal(auth.getAccessTokenFromRequestSync(query).location, 'query');
    assert.equal(auth.getRefreshTokenFromRequestSync(new Request(`http://x/?token=${refresh}`)).type, 'refresh');
  });

  test('report another scheme only when no location has a token, and a missing token otherwise', () => {
    const basic = new Request('http://x/', { headers: { authorization: 'Basic dXNlcjpwYXNz' } });
    assert.throws(() => auth.getAccessTokenFromRequestSync(basic), InvalidAuthorizationHeaderError);
    const both = new Request('http://x/', { headers: { authorization: 'Basic dXNlcjpwYXNz', cookie: `access_token_cookie=${access}` } });
    assert.equal(auth.getAccessTokenFromRequestSync(both).location, 'cookies');
    assert.throws(() => auth.getAccessTokenFromRequestSync(new Request('http://x/')), MissingTokenError);
  });

  test('give the same answer as the asynchronous getter', async () => {
    const request = new Request('http://x/', { headers: { cookie: `access_token_cookie=${access}`, 'x-csrf-token': 'c' }, method: 'POST' });
    assert.deepEqual(auth.getAccessTokenFromRequestSync(request), await auth.getAccessTokenFromRequest(request));
  });

  test('refuse the json location with a TypeError, configured or per call', () => {
    const request = new Request('http://x/', { headers: { authorization: `Bearer ${access}` } });
    assert.throws(() => makeAuth({ tokenLocation: ['headers', 'json'] }).getAccessTokenFromRequestSync(request), TypeError);
    assert.throws(() => auth.getRefreshTokenFromRequestSync(request, { locations: ['json'] }), TypeError);
  });
});
