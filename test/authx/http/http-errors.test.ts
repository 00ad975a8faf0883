/**
 * Errors over HTTP: the JSON body `{"detail"}` (Python AuthX's `{"message", "error_type"}` on
 * request), RFC 6750 statuses and `WWW-Authenticate` challenges, and nothing leaked (no token,
 * no stack, no unknown message).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  AuthError,
  CSRFError,
  errorToHttp,
  InsufficientScopeError,
  MissingTokenError,
  TokenExpiredError,
  wwwAuthenticateFor,
} from '../../../lib/index.ts';
import { makeAuth, sendJson, startServer, testClock, type TestServer } from '../authx-helpers.ts';

const clock = testClock();
const auth = makeAuth({ clock, tokenLocation: ['headers', 'json'] });
let unexpected: unknown[] = [];
let server: TestServer;

before(async () => {
  server = await startServer(
    auth.handleErrors(
      async (req, res) => {
        if (req.url === '/boom') throw new Error(`database password hunter2 at ${req.url}`);
        if (req.url === '/late') {
          res.writeHead(200);
          res.write('partial');
          throw new TokenExpiredError();
        }
        if (req.url === '/cookie-then-fail') {
          res.setHeader('Set-Cookie', 'session=1');
          throw new MissingTokenError();
        }
        const found = await auth.getAccessTokenFromRequest(req);
        const payload = await auth.verifyToken(found, req.url === '/admin' ? { requiredScopes: ['admin', 'users:write'] } : {});
        sendJson(res, 200, { sub: payload.sub });
      },
      { onUnexpectedError: (error) => unexpected.push(error) },
    ),
  );
});
after(() => server.close());

async function call(path: string, init: RequestInit = {}): Promise<{ status: number; headers: Headers; text: string; body: Record<string, unknown> }> {
  const response = await fetch(server.url + path, init);
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, body: JSON.parse(text) as Record<string, unknown> };
}
const bearer = (token: string): RequestInit => ({ headers: { authorization: `Bearer ${token}` } });

describe('error bodies and statuses over node:http', () => {
  test('no token: 401, bare "Bearer" challenge (RFC 6750 3.1), MissingTokenError', async () => {
    const { status, headers, body } = await call('/me');
    assert.equal(status, 401);
    assert.equal(headers.get('www-authenticate'), 'Bearer');
    assert.deepEqual(body, { detail: 'No access token found in the request' });
    assert.equal(headers.get('content-type'), 'application/json; charset=utf-8');
    assert.equal(headers.get('cache-control'), 'no-store');
  });

  test('expired token: 401 invalid_token, TokenExpiredError, token not echoed', async () => {
    const token = auth.createAccessToken('user1', { expiresIn: 1 });
    clock.now += 5_000;
    try {
      const { status, headers, body, text } = await call('/me', bearer(token));
      assert.equal(status, 401);
      assert.equal(headers.get('www-authenticate'), 'Bearer error="invalid_token", error_description="Token has expired"');
      assert.deepEqual(body, { detail: 'Token has expired' });
      assert.ok(!text.includes(token.split('.')[1]!));
    } finally {
      clock.now -= 5_000;
    }
  });

  test('bad signature: 401 invalid_token, SignatureInvalidError', async () => {
    const token = auth.createAccessToken('user1');
    const { status, body, text } = await call('/me', bearer(`${token.slice(0, -2)}AA`));
    assert.equal(status, 401);
    assert.deepEqual(body, { detail: 'Token signature is invalid' });
    assert.ok(!text.includes(token.slice(0, 20)));
  });

  for (const [name, value] of [
    ['another scheme', 'Basic dXNlcjpwYXNz'],
    ['a doubled Bearer', 'Bearer Bearer abc'],
    ['a missing token', 'Bearer'],
    ['several tokens', 'Bearer abc def'],
    ['a tab separator', 'Bearer\tabc'],
  ] as const) {
    test(`Authorization header with ${name}: 401 invalid_request with WWW-Authenticate`, async () => {
      const { status, headers, body } = await call('/me', { headers: { authorization: value } });
      assert.equal(status, 401);
      assert.match(headers.get('www-authenticate')!, /^Bearer error="invalid_request", error_description="Authorization header /);
      assert.match(String(body.detail), /^Authorization header (is malformed|uses another scheme)/);
      assert.ok(!JSON.stringify(body).includes('dXNlcjpwYXNz'));
    });
  }

  test('lowercase "bearer" scheme is accepted (RFC 7235 2.1)', async () => {
    const { status } = await call('/me', { headers: { authorization: `bearer ${auth.createAccessToken('user1')}` } });
    assert.equal(status, 200);
  });

  test('wrong token type: 401 AccessTokenRequiredError', async () => {
    const { status, body } = await call('/me', bearer(auth.createRefreshToken('user1')));
    assert.equal(status, 401);
    assert.deepEqual(body, { detail: 'An access token is required' });
  });

  test('missing scope: 403 insufficient_scope with the required scopes', async () => {
    const { status, headers, body } = await call('/admin', bearer(auth.createAccessToken('user1', { scopes: ['read'] })));
    assert.equal(status, 403);
    assert.equal(
      headers.get('www-authenticate'),
      'Bearer error="insufficient_scope", error_description="Token lacks a required scope", scope="admin users:write"',
    );
    assert.deepEqual(body, { detail: 'Token lacks a required scope' });
  });

  test('a JSON body over the limit: 413 with Connection: close and no challenge', async () => {
    const { status, headers, body } = await call('/me', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ access_token: 'x'.repeat(20_000) }),
    });
    assert.equal(status, 413);
    assert.equal(headers.get('connection'), 'close');
    assert.equal(headers.get('www-authenticate'), null);
    assert.deepEqual(body, { detail: 'Request body is larger than 16384 bytes' });
  });

  test('an unexpected error: generic 500 without its message or stack, reported to onUnexpectedError', async () => {
    unexpected = [];
    const { status, text, headers } = await call('/boom');
    assert.equal(status, 500);
    assert.deepEqual(JSON.parse(text), { detail: 'Internal Server Error' });
    assert.ok(!text.includes('hunter2') && !text.includes('at '));
    assert.equal(headers.get('www-authenticate'), null);
    assert.equal(unexpected.length, 1);
  });

  test('headers set before the failure do not ride on the error answer', async () => {
    const { status, headers } = await call('/cookie-then-fail');
    assert.equal(status, 401);
    assert.deepEqual(headers.getSetCookie(), []);
  });

  test('an error after the response started destroys the connection instead of finishing it', async () => {
    await assert.rejects(fetch(`${server.url}/late`).then((r) => r.text()));
  });
});

describe('handleErrors with body: "authx" answers Python AuthX\'s shape, for migrating clients', () => {
  let python: TestServer;
  before(async () => {
    python = await startServer(
      auth.handleErrors(async (req, res) => {
        if (req.url === '/boom') throw new Error('hunter2');
        const payload = await auth.verifyToken(await auth.getAccessTokenFromRequest(req), req.url === '/admin' ? { requiredScopes: ['admin'] } : {});
        sendJson(res, 200, { sub: payload.sub });
      }, { body: 'authx' }),
    );
  });
  after(() => python.close());

  test('the same statuses and challenges, with {"message", "error_type"}', async () => {
    const missing = await fetch(`${python.url}/me`);
    assert.equal(missing.status, 401);
    assert.equal(missing.headers.get('www-authenticate'), 'Bearer');
    assert.deepEqual(await missing.json(), { message: 'No access token found in the request', error_type: 'MissingTokenError' });
    const scope = await fetch(`${python.url}/admin`, bearer(auth.createAccessToken('user1')));
    assert.equal(scope.status, 403);
    assert.deepEqual(await scope.json(), { message: 'Token lacks a required scope', error_type: 'InsufficientScopeError' });
    const boom = await fetch(`${python.url}/boom`);
    assert.equal(boom.status, 500);
    assert.deepEqual(await boom.json(), { message: 'Internal Server Error', error_type: 'InternalServerError' });
  });
});

describe('wwwAuthenticateFor and errorToHttp', () => {
  test('quotes and backslashes never break the challenge; descriptions keep RFC 6750 characters only', () => {
    class OddError extends AuthError {}
    const value = wwwAuthenticateFor(new OddError('bad "quote" \\ and\r\nnewline é'));
    assert.equal(value, 'Bearer error="invalid_token", error_description="bad quote  andnewline "');
  });

  test('scope values are quoted-strings', () => {
    assert.equal(
      wwwAuthenticateFor(new InsufficientScopeError(['a', 'b:*'], 'any')),
      'Bearer error="insufficient_scope", error_description="Token has none of the accepted scopes", scope="a b:*"',
    );
  });

  test('CSRF errors are 401 invalid_token', () => {
    const { status, headers, body } = errorToHttp(new CSRFError('missing'));
    assert.equal(status, 401);
    assert.match(headers['www-authenticate']!, /invalid_token/);
    assert.deepEqual(body, { detail: 'CSRF token is missing from the request headers' });
    assert.deepEqual(errorToHttp(new CSRFError('missing'), { body: 'authx' }).body, { message: 'CSRF token is missing from the request headers', error_type: 'CSRFError' });
  });

  test('anything that is not an AuthError is a 500 with a generic body, in either shape', () => {
    for (const thrown of [new Error('secret'), 'string', null, { status: 401, message: 'x' }]) {
      const headers = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' };
      assert.deepEqual(errorToHttp(thrown), { status: 500, headers, body: { detail: 'Internal Server Error' } });
      assert.deepEqual(errorToHttp(thrown, { body: 'detail' }), { status: 500, headers, body: { detail: 'Internal Server Error' } });
      assert.deepEqual(errorToHttp(thrown, { body: 'authx' }), { status: 500, headers, body: { message: 'Internal Server Error', error_type: 'InternalServerError' } });
    }
  });

  test('an unknown body shape is a TypeError, for errorToHttp and handleErrors alike', () => {
    const message = 'body must be "detail" ({"detail": message}) or "authx" ({"message", "error_type"}, as Python AuthX answers)';
    assert.throws(() => errorToHttp(new CSRFError('missing'), { body: 'message' as never }), { name: 'TypeError', message });
    assert.throws(() => auth.handleErrors(() => undefined, { body: 'python' as never }), { name: 'TypeError', message });
    assert.throws(() => auth.handleErrors(() => undefined, { onUnexpectedError: 'log' as never }), { name: 'TypeError', message: 'onUnexpectedError must be a function' });
  });

  test('every AuthX error has a stable code and the status RFC 6750 asks for', async () => {
    const lib = await import('../../../lib/index.ts');
    const expected: Record<string, [string, number, string | undefined]> = {
      MissingTokenError: ['ERR_TOKEN_MISSING', 401, undefined],
      RevokedTokenError: ['ERR_TOKEN_REVOKED', 401, 'invalid_token'],
      AccessTokenRequiredError: ['ERR_ACCESS_TOKEN_REQUIRED', 401, 'invalid_token'],
      RefreshTokenRequiredError: ['ERR_REFRESH_TOKEN_REQUIRED', 401, 'invalid_token'],
      FreshTokenRequiredError: ['ERR_FRESH_TOKEN_REQUIRED', 401, 'invalid_token'],
      InsufficientScopeError: ['ERR_INSUFFICIENT_SCOPE', 403, 'insufficient_scope'],
    };
    const instances = [
      new lib.MissingTokenError(), new lib.RevokedTokenError(), new lib.AccessTokenRequiredError(),
      new lib.RefreshTokenRequiredError(), new lib.FreshTokenRequiredError(), new lib.InsufficientScopeError(['a'], 'all'),
    ];
    for (const error of instances) {
      assert.deepEqual([error.code, error.status, error.bearerError], expected[error.name], error.name);
    }
    assert.ok(new lib.AccessTokenRequiredError() instanceof lib.WrongTokenTypeError);
    assert.ok(new lib.RevokedTokenError() instanceof lib.JWTDecodeError);
    assert.deepEqual([new CSRFError('mismatch').code, new CSRFError('mismatch').reason], ['ERR_CSRF', 'mismatch']);
  });
});

test('errorHeaders gives the same challenge, Retry-After and Connection headers as errorToHttp', async () => {
  const { errorHeaders, errorToHttp, MissingTokenError, InsufficientScopeError, RevocationStoreFullError, TokenExpiredError } = await import('../../../lib/index.ts');
  const { BodyTooLargeError } = await import('../../../lib/authx/http/body-errors.ts');
  for (const error of [new MissingTokenError(), new TokenExpiredError(), new InsufficientScopeError(['admin'], 'all'), new RevocationStoreFullError(1), new BodyTooLargeError(16)]) {
    const { headers } = errorToHttp(error);
    const own = errorHeaders(error);
    for (const name of ['www-authenticate', 'retry-after', 'connection']) assert.equal(own[name], headers[name], `${error.name} ${name}`);
  }
  assert.deepEqual(errorHeaders(new TokenExpiredError()), { 'www-authenticate': 'Bearer error="invalid_token", error_description="Token has expired"' });
  assert.deepEqual(errorHeaders(new BodyTooLargeError(16)), { connection: 'close' });
});
