/**
 * The routes of shared/SEED.md with exact bodies, plus /refresh and /logout, over real HTTP.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { signRaw } from '../../core/jwt-helpers.ts';
import { TEST_SECRET, call, decodeSegment, login, tokensFor, withTestServer } from '../server-helpers.ts';
import { MemoryRevocationStore } from '../../../lib/index.ts';

const WELCOME = {
  message: 'Welcome to AuthX Basic Authentication Example',
  endpoints: {
    login: 'POST /login - Get an access token',
    protected: 'GET /protected - Access protected resource (requires token)',
    refresh: 'POST /refresh - Get a new access token and a new refresh token (requires refresh token)',
    logout: 'POST /logout - Revoke the presented token (access or refresh)',
  },
};
const INVALID = { detail: 'Invalid username or password' };

test('GET / answers the welcome message listing every endpoint', async () => {
  await withTestServer(async ({ url }) => {
    const answer = await call(`${url}/`);
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.body, WELCOME);
    assert.equal(answer.headers.get('content-type'), 'application/json');
  });
});

test('walkthrough: POST /login then GET /protected with the bearer token, for both demo users', async () => {
  await withTestServer(async ({ url, clock }) => {
    for (const [username, password] of [['user1', 'password1'], ['user2', 'password2']] as const) {
      const answer = await login(url, JSON.stringify({ username, password }));
      assert.equal(answer.status, 200);
      assert.deepEqual(Object.keys(answer.body), ['access_token', 'token_type', 'refresh_token']);
      assert.equal(answer.body.token_type, 'bearer');
      assert.equal(answer.headers.get('cache-control'), 'no-store');
      const token: string = answer.body.access_token;
      assert.deepEqual(decodeSegment(token, 0), { alg: 'HS256', typ: 'JWT' });
      const payload = decodeSegment(token, 1);
      const iat = Math.floor(clock.now() / 1000);
      assert.equal(payload.sub, username);
      assert.equal(payload.iat, iat);
      assert.equal(payload.exp, iat + 900);
      assert.equal(payload.type, 'access');
      assert.equal(payload.fresh, false);
      assert.match(String(payload.jti), /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);

      const resource = await call(`${url}/protected`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(resource.status, 200);
      assert.deepEqual(resource.body, {
        message: 'You have access to this protected resource',
        username,
        email: `${username}@example.com`,
      });
    }
  });
});

test('a wrong password and an unknown user get byte-identical 401 answers', async () => {
  await withTestServer(async ({ url }) => {
    const wrong = await login(url, '{"username":"user1","password":"nope"}');
    const unknown = await login(url, '{"username":"mallory","password":"nope"}');
    for (const answer of [wrong, unknown]) {
      assert.equal(answer.status, 401);
      assert.deepEqual(answer.body, INVALID);
    }
    assert.equal(wrong.text, unknown.text);
    const headersOf = (answer: typeof wrong): string[] => [...answer.headers].filter(([name]) => name !== 'date' && name !== 'x-request-id').map(String);
    assert.deepEqual(headersOf(wrong), headersOf(unknown));
  });
});

test('POST /login answers FastAPI 422s for missing and non-string fields, in field order', async () => {
  await withTestServer(async ({ url }) => {
    assert.deepEqual((await login(url, '{}')).body, {
      detail: [
        { type: 'missing', loc: ['body', 'username'], msg: 'Field required', input: {} },
        { type: 'missing', loc: ['body', 'password'], msg: 'Field required', input: {} },
      ],
    });
    const numbers = await login(url, '{"username":123,"password":"password1"}');
    assert.equal(numbers.status, 422);
    assert.deepEqual(numbers.body, {
      detail: [{ type: 'string_type', loc: ['body', 'username'], msg: 'Input should be a valid string', input: 123 }],
    });
    const nullUser = await login(url, '{"username":null,"password":"x"}');
    assert.deepEqual(nullUser.body.detail[0], { type: 'string_type', loc: ['body', 'username'], msg: 'Input should be a valid string', input: null });
  });
});

test('422 answers never echo a password: it is replaced by "[redacted]"', async () => {
  await withTestServer(async ({ url }) => {
    const missingUser = await login(url, '{"password":"hunter2-secret"}');
    assert.deepEqual(missingUser.body, {
      detail: [{ type: 'missing', loc: ['body', 'username'], msg: 'Field required', input: { password: '[redacted]' } }],
    });
    const numericPassword = await login(url, '{"username":"user1","password":271828}');
    assert.deepEqual(numericPassword.body, {
      detail: [{ type: 'string_type', loc: ['body', 'password'], msg: 'Input should be a valid string', input: '[redacted]' }],
    });
    const stringBody = await login(url, '"hunter2-secret"');
    assert.deepEqual(stringBody.body, {
      detail: [{
        type: 'model_attributes_type',
        loc: ['body'],
        msg: 'Input should be a valid dictionary or object to extract fields from',
        input: '[redacted]',
      }],
    });
    for (const answer of [missingUser, numericPassword, stringBody]) assert.doesNotMatch(answer.text, /hunter2|271828/);
  });
});

test('POST /login answers 422 for a body that is not JSON, not an object, null, or absent', async () => {
  await withTestServer(async ({ url }) => {
    assert.deepEqual((await login(url, '{"username": "user1", }')).body, {
      detail: [{
        type: 'json_invalid',
        loc: ['body', 22],
        msg: 'JSON decode error',
        input: {},
        ctx: { error: 'Expecting property name enclosed in double quotes' },
      }],
    });
    assert.deepEqual((await login(url, '[1,2]')).body.detail[0].type, 'model_attributes_type');
    assert.deepEqual((await login(url, '5')).body.detail[0].input, 5);
    const missing = { detail: [{ type: 'missing', loc: ['body'], msg: 'Field required', input: null }] };
    assert.deepEqual((await login(url, 'null')).body, missing);
    const empty = await call(`${url}/login`, { method: 'POST' });
    assert.equal(empty.status, 422);
    assert.deepEqual(empty.body, missing);
  });
});

test('POST /login answers 400 like FastAPI for a body that is not UTF-8', async () => {
  await withTestServer(async ({ url }) => {
    const answer = await call(`${url}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x7d]),
    });
    assert.equal(answer.status, 400);
    assert.deepEqual(answer.body, { detail: 'There was an error parsing the body' });
  });
});

test('unknown paths answer 404 and known paths with another method 405 with Allow', async () => {
  await withTestServer(async ({ url }) => {
    const notFound = await call(`${url}/nope`);
    assert.equal(notFound.status, 404);
    assert.deepEqual(notFound.body, { detail: 'Not Found' });
    const cases: Array<[string, string, string]> = [
      ['POST', '/', 'GET'],
      ['GET', '/login', 'POST'],
      ['PUT', '/protected', 'GET'],
      ['GET', '/refresh', 'POST'],
      ['DELETE', '/logout', 'POST'],
    ];
    for (const [method, path, allow] of cases) {
      const answer = await call(`${url}${path}`, { method });
      assert.equal(answer.status, 405, `${method} ${path}`);
      assert.deepEqual(answer.body, { detail: 'Method Not Allowed' });
      assert.equal(answer.headers.get('allow'), allow);
    }
  });
});

test('routing ignores the query string', async () => {
  await withTestServer(async ({ url }) => {
    assert.equal((await call(`${url}/?x=1`)).status, 200);
    assert.equal((await call(`${url}/nope?x=1`)).status, 404);
  });
});

test('GET /protected refuses bad tokens with 401, the exact reason, and WWW-Authenticate: Bearer', async () => {
  await withTestServer(async ({ url, clock }) => {
    const { access, refresh } = await tokensFor(url);
    const now = Math.floor(clock.now() / 1000);
    const noneToken = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'user1', exp: now + 900 })).toString('base64url')}.`;
    const otherKey = signRaw('{"alg":"HS256","typ":"JWT"}', JSON.stringify({ sub: 'user1', iat: now, exp: now + 900, jti: 'x', type: 'access' }), 'another-secret-0123456789-abcdefghijklmn');
    const flipped = `${access.slice(0, -2)}${access.at(-2) === 'A' ? 'B' : 'A'}${access.at(-1)}`;
    const cases: Array<[string, string | undefined, string, RegExp]> = [
      ['no Authorization header', undefined, 'No access token found in the request', /^Bearer$/],
      ['malformed token', 'Bearer not.a.jwt', 'Token header is not valid base64url', /invalid_token/],
      ['alg none', `Bearer ${noneToken}`, 'Token algorithm is not allowed', /invalid_token/],
      ['signed with another key', `Bearer ${otherKey}`, 'Token signature is invalid', /invalid_token/],
      ['one character of the signature changed', `Bearer ${flipped}`, 'Token signature is invalid', /invalid_token/],
      ['refresh token instead of access token', `Bearer ${refresh}`, 'An access token is required', /invalid_token/],
    ];
    for (const [name, authorization, detail, challenge] of cases) {
      const answer = await call(`${url}/protected`, authorization === undefined ? {} : { headers: { authorization } });
      assert.equal(answer.status, 401, name);
      assert.deepEqual(answer.body, { detail }, name);
      assert.match(answer.headers.get('www-authenticate') ?? '', challenge, name);
      assert.ok(!answer.text.includes(access.split('.')[2] ?? '!') && !answer.text.includes(refresh.split('.')[2] ?? '!'), name);
    }
    assert.equal((await call(`${url}/protected`, { headers: { authorization: `Bearer ${refresh}` } })).body.detail, 'An access token is required');
  });
});

test('GET /protected refuses an access token once it has expired (exp = iat + 900)', async () => {
  await withTestServer(async ({ url, clock }) => {
    const { access } = await tokensFor(url);
    clock.advance(899_000);
    assert.equal((await call(`${url}/protected`, { headers: { authorization: `Bearer ${access}` } })).status, 200);
    clock.advance(1_000);
    const expired = await call(`${url}/protected`, { headers: { authorization: `Bearer ${access}` } });
    assert.equal(expired.status, 401);
    assert.deepEqual(expired.body, { detail: 'Token has expired' });
    assert.match(expired.headers.get('www-authenticate') ?? '', /^Bearer error="invalid_token"/);
  });
});

test('POST /refresh trades a refresh token for a working access token and a new refresh token, and refuses an access token', async () => {
  await withTestServer(async ({ url }) => {
    const { access, refresh } = await tokensFor(url, 'user2', 'password2');
    const answer = await call(`${url}/refresh`, { method: 'POST', headers: { authorization: `Bearer ${refresh}` } });
    assert.equal(answer.status, 200);
    assert.deepEqual(Object.keys(answer.body), ['access_token', 'token_type', 'refresh_token']);
    assert.equal(decodeSegment(answer.body.access_token, 1).type, 'access');
    const resource = await call(`${url}/protected`, { headers: { authorization: `Bearer ${answer.body.access_token}` } });
    assert.equal(resource.body.username, 'user2');

    const wrongKind = await call(`${url}/refresh`, { method: 'POST', headers: { authorization: `Bearer ${access}` } });
    assert.equal(wrongKind.status, 401);
    assert.deepEqual(wrongKind.body, { detail: 'A refresh token is required' });
    const none = await call(`${url}/refresh`, { method: 'POST' });
    assert.equal(none.status, 401);
    assert.equal(none.headers.get('www-authenticate'), 'Bearer');
  });
});

test('POST /logout revokes the presented access or refresh token', async () => {
  await withTestServer(async ({ url }) => {
    const { access, refresh } = await tokensFor(url);
    const out = await call(`${url}/logout`, { method: 'POST', headers: { authorization: `Bearer ${access}` } });
    assert.equal(out.status, 200);
    assert.deepEqual(out.body, { message: 'Token revoked' });
    const after = await call(`${url}/protected`, { headers: { authorization: `Bearer ${access}` } });
    assert.equal(after.status, 401);
    assert.deepEqual(after.body, { detail: 'Token has been revoked' });

    assert.equal((await call(`${url}/logout`, { method: 'POST', headers: { authorization: `Bearer ${refresh}` } })).status, 200);
    const refreshed = await call(`${url}/refresh`, { method: 'POST', headers: { authorization: `Bearer ${refresh}` } });
    assert.equal(refreshed.status, 401);
    assert.deepEqual(refreshed.body, { detail: 'Token has been revoked' });
    // Revoking needs a valid token: an unauthenticated logout is refused.
    assert.equal((await call(`${url}/logout`, { method: 'POST' })).status, 401);
  });
});

test('a token signed with the server secret by an independent HMAC is accepted (standard JWS)', async () => {
  await withTestServer(async ({ url, clock }) => {
    const now = Math.floor(clock.now() / 1000);
    const token = signRaw('{"alg":"HS256","typ":"JWT"}', JSON.stringify({ sub: 'user2', iat: now, exp: now + 60, jti: 'j1', type: 'access', fresh: false }), TEST_SECRET);
    const answer = await call(`${url}/protected`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(answer.status, 200);
    assert.equal(answer.body.email, 'user2@example.com');
  });
});

test('past its share of revocations, a logout revokes every token of that user: the store stays bounded', async () => {
  await withTestServer(
    async ({ url, clock }) => {
      const bearer = (token: string): RequestInit => ({ method: 'POST', headers: { authorization: `Bearer ${token}` } });
      const sessions = [await tokensFor(url), await tokensFor(url), await tokensFor(url)];
      const other = await tokensFor(url, 'user2', 'password2');
      // Every entry counts in the share: three sessions and two revocations fill a share of 5.
      for (const session of sessions.slice(0, 2)) assert.equal((await call(`${url}/logout`, bearer(session.access))).status, 200);
      const third = sessions[2]!;
      assert.equal((await call(`${url}/protected`, { headers: { authorization: `Bearer ${third.access}` } })).status, 200);
      // The third logout is over the share: every user1 token issued so far is revoked instead.
      assert.equal((await call(`${url}/logout`, bearer(third.access))).status, 200);
      for (const session of sessions) {
        const denied = await call(`${url}/protected`, { headers: { authorization: `Bearer ${session.access}` } });
        assert.equal(denied.status, 401);
        assert.deepEqual(denied.body, { detail: 'Token has been revoked' });
        assert.equal((await call(`${url}/refresh`, bearer(session.refresh))).status, 401);
      }
      // Another user is untouched, and user1 can log in again a second later.
      assert.equal((await call(`${url}/protected`, { headers: { authorization: `Bearer ${other.access}` } })).status, 200);
      clock.advance(1000);
      const fresh = await tokensFor(url);
      assert.equal((await call(`${url}/protected`, { headers: { authorization: `Bearer ${fresh.access}` } })).status, 200);
    },
    (clock) => ({ revocationStore: new MemoryRevocationStore({ clock: clock.now, maxEntriesPerSubject: 5 }) }),
  );
});
