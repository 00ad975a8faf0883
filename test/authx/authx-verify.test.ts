/**
 * Verification beyond the JWT core: token type, freshness, CSRF double submit, scopes, and the
 * sync/async split. Keys and clocks are in authx-keys-clock.test.ts.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import {
  AccessTokenRequiredError,
  CSRFError,
  FreshTokenRequiredError,
  InsufficientScopeError,
  RefreshTokenRequiredError,
  type RequestToken,
  type RevocationStore,
} from '../../lib/index.ts';
import { inspect, makeAuth, SECRET, sendJson, startServer, type TestServer } from './authx-helpers.ts';

/** A store that answers every call with a Promise, as a shared one does; `onAsk` sees each revocation check. */
function asyncStore(onAsk: () => void = () => {}): RevocationStore {
  const revoked = new Set<string>();
  return {
    isRevoked: async (check) => (onAsk(), revoked.has(check.jti)),
    revoke: async (jti) => (revoked.add(jti), 'token' as const),
    revokeSubject: async () => {},
    revokeFamily: async () => 'token' as const,
    retire: async () => ({ outcome: 'claimed' as const }),
    recordSession: async () => {},
    listSessions: async () => [],
  };
}

describe('token type and freshness over node:http', () => {
  const auth = makeAuth({ tokenLocation: ['headers'] });
  let server: TestServer;
  before(async () => {
    server = await startServer(
      auth.handleErrors(async (req, res) => {
        if (req.url === '/refresh') {
          const payload = await auth.verifyToken(await auth.getRefreshTokenFromRequest(req));
          return sendJson(res, 200, { access_token: auth.createAccessToken(payload.sub) });
        }
        const payload = await auth.verifyToken(await auth.getAccessTokenFromRequest(req), { verifyFresh: req.url === '/fresh' });
        return sendJson(res, 200, { sub: payload.sub, fresh: payload.fresh });
      }),
    );
  });
  after(() => server.close());
  const get = (path: string, token: string): Promise<Response> => fetch(server.url + path, { headers: { authorization: `Bearer ${token}` } });

  test('a refresh token is refused on an access route', async () => {
    const response = await get('/protected', auth.createRefreshToken('user1'));
    assert.equal(response.status, 401);
    assert.deepEqual(await response.json(), { detail: 'An access token is required' });
    assert.match(response.headers.get('www-authenticate') ?? '', /^Bearer error="invalid_token"/);
  });

  test('an access token is refused on the refresh route', async () => {
    const response = await get('/refresh', auth.createAccessToken('user1'));
    assert.equal(response.status, 401);
    assert.deepEqual(await response.json(), { detail: 'A refresh token is required' });
  });

  test('each token works on its own route', async () => {
    assert.equal((await get('/protected', auth.createAccessToken('user1'))).status, 200);
    assert.equal((await get('/refresh', auth.createRefreshToken('user1'))).status, 200);
  });

  test('a non-fresh token is refused where fresh is required', async () => {
    const response = await get('/fresh', auth.createAccessToken('user1'));
    assert.equal(response.status, 401);
    assert.deepEqual(await response.json(), { detail: 'A fresh token is required' });
    assert.equal((await get('/fresh', auth.createAccessToken('user1', { fresh: true }))).status, 200);
  });

  test('verifyType: false accepts either kind; verifyFresh never accepts a refresh token', () => {
    const refresh = auth.createRefreshToken('user1');
    assert.equal(auth.verifyTokenSync(refresh, { verifyType: false }).type, 'refresh');
    assert.throws(() => auth.verifyTokenSync(refresh, { verifyType: false, verifyFresh: true }), FreshTokenRequiredError);
  });

  test('the expected type defaults to the RequestToken type, else access; the option wins', () => {
    const refresh = auth.createRefreshToken('user1');
    const found: RequestToken = { token: refresh, location: 'headers', type: 'refresh' };
    assert.equal(auth.verifyTokenSync(found).type, 'refresh');
    assert.throws(() => auth.verifyTokenSync(refresh), AccessTokenRequiredError);
    assert.throws(() => auth.verifyTokenSync(found, { type: 'access' }), AccessTokenRequiredError);
    assert.throws(() => auth.verifyTokenSync(auth.createAccessToken('u'), { type: 'refresh' }), RefreshTokenRequiredError);
    assert.throws(() => auth.verifyTokenSync(refresh, { type: 'id' as 'access' }), TypeError);
  });

  test('a token without a valid type claim is refused', () => {
    const now = Math.floor(Date.now() / 1000);
    const forged = (claims: object): string => {
      const h = Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url');
      const p = Buffer.from(JSON.stringify({ sub: 'u', iat: now, exp: now + 60, jti: 'j', ...claims })).toString('base64url');
      return `${h}.${p}.${createHmac('sha256', SECRET).update(`${h}.${p}`).digest('base64url')}`;
    };
    assert.throws(() => auth.verifyTokenSync(forged({})), { name: 'ClaimInvalidError', claim: 'type', reason: 'missing' });
    assert.throws(() => auth.verifyTokenSync(forged({ type: 'id' })), { claim: 'type' });
    assert.throws(() => auth.verifyTokenSync(forged({ type: 'access', fresh: 'yes' })), { claim: 'fresh' });
    assert.throws(() => auth.verifyTokenSync(forged({ type: 'access', scopes: 'admin' })), { claim: 'scopes' });
    assert.equal(auth.verifyTokenSync(forged({ type: 'access' })).fresh, false);
  });
});

describe('CSRF double submit for cookie tokens', () => {
  const auth = makeAuth({ tokenLocation: ['cookies'] });
  const token = auth.createAccessToken('user1');
  const csrf = inspect(token).payload.csrf as string;
  let server: TestServer;
  before(async () => {
    server = await startServer(
      auth.handleErrors(async (req, res) => {
        const payload = await auth.verifyToken(await auth.getAccessTokenFromRequest(req));
        sendJson(res, 200, { sub: payload.sub });
      }),
    );
  });
  after(() => server.close());
  const send = (method: string, headers: Record<string, string> = {}): Promise<Response> =>
    fetch(`${server.url}/x`, { method, headers: { cookie: `access_token_cookie=${token}`, ...headers } });

  test('cookie POST without the CSRF header is refused', async () => {
    const response = await send('POST');
    assert.equal(response.status, 401);
    assert.deepEqual(await response.json(), { detail: 'CSRF token is missing from the request headers' });
  });

  test('cookie POST with a wrong CSRF header is refused', async () => {
    // Change the last character to a different one (a fixed "0" equals it one time in 16).
    const wrong = `${csrf.slice(0, -1)}${csrf.endsWith('0') ? '1' : '0'}`;
    const response = await send('POST', { 'x-csrf-token': wrong });
    assert.equal(response.status, 401);
    assert.deepEqual(await response.json(), { detail: 'CSRF token does not match' });
  });

  test('cookie POST with the right CSRF header passes', async () => {
    assert.equal((await send('POST', { 'x-csrf-token': csrf })).status, 200);
  });

  test('every configured method needs the header; GET does not', async () => {
    for (const method of ['PUT', 'PATCH', 'DELETE']) assert.equal((await send(method)).status, 401, method);
    assert.equal((await send('GET')).status, 200);
  });

  test('a header token on POST needs no CSRF header', async () => {
    const both = makeAuth({ tokenLocation: ['headers', 'cookies'] });
    const found = await both.getAccessTokenFromRequest(new Request('http://x/', { method: 'POST', headers: { authorization: `Bearer ${token}` } }));
    assert.equal(both.verifyTokenSync(found).sub, 'user1');
  });

  test('a cookie token without a csrf claim is refused on POST', () => {
    const noCsrf = makeAuth({ tokenLocation: ['headers'] }).createAccessToken('user1');
    assert.throws(() => auth.verifyTokenSync({ token: noCsrf, location: 'cookies', type: 'access', method: 'POST', csrf: 'x' }), {
      name: 'CSRFError',
      reason: 'mismatch',
    });
  });

  test('a refresh cookie on POST needs the refresh CSRF value in the header', async () => {
    const refresh = auth.createRefreshToken('user1');
    const refreshCsrf = inspect(refresh).payload.csrf as string;
    const request = (headers: Record<string, string>): Request =>
      new Request('http://x/refresh', { method: 'POST', headers: { cookie: `refresh_token_cookie=${refresh}`, ...headers } });
    assert.equal((await auth.verifyToken(await auth.getRefreshTokenFromRequest(request({ 'x-csrf-token': refreshCsrf })))).type, 'refresh');
    await assert.rejects(auth.verifyToken(await auth.getRefreshTokenFromRequest(request({}))), { name: 'CSRFError', reason: 'missing' });
    await assert.rejects(auth.verifyToken(await auth.getRefreshTokenFromRequest(request({ 'x-csrf-token': csrf }))), { name: 'CSRFError', reason: 'mismatch' });
  });

  test('verifyCsrf: false and cookieCsrfProtect: false skip the check; a RequestToken without method is checked', () => {
    const found: RequestToken = { token, location: 'cookies', type: 'access', method: 'POST' };
    assert.equal(auth.verifyTokenSync(found, { verifyCsrf: false }).sub, 'user1');
    assert.equal(makeAuth({ tokenLocation: ['cookies'], cookieCsrfProtect: false }).verifyTokenSync(found).sub, 'user1');
    assert.throws(() => auth.verifyTokenSync({ token, location: 'cookies', type: 'access' }), CSRFError);
  });
});

describe('scopes', () => {
  const auth = makeAuth();
  const token = auth.createAccessToken('user1', { scopes: ['read', 'admin:*'] });

  test('all: every required scope must be granted', () => {
    assert.equal(auth.verifyTokenSync(token, { requiredScopes: ['read', 'admin:users'] }).sub, 'user1');
    assert.throws(() => auth.verifyTokenSync(token, { requiredScopes: ['read', 'write'] }), (error: unknown) => {
      assert.ok(error instanceof InsufficientScopeError);
      assert.equal(error.status, 403);
      assert.deepEqual(error.required, ['read', 'write']);
      return true;
    });
  });

  test('any: one granted scope is enough', () => {
    assert.equal(auth.verifyTokenSync(token, { requiredScopes: ['write', 'read'], scopeMatch: 'any' }).sub, 'user1');
    assert.throws(() => auth.verifyTokenSync(token, { requiredScopes: ['write', 'delete'], scopeMatch: 'any' }), InsufficientScopeError);
  });

  test('wildcard: admin:* covers admin and admin:x but not administrator', () => {
    for (const scope of ['admin', 'admin:x', 'admin:x:y']) assert.equal(auth.verifyTokenSync(token, { requiredScopes: [scope] }).sub, 'user1');
    for (const scope of ['administrator', 'admin:', 'adminx:y']) assert.throws(() => auth.verifyTokenSync(token, { requiredScopes: [scope] }), InsufficientScopeError, scope);
  });

  test('a token without scopes satisfies only an empty requirement', () => {
    const plain = auth.createAccessToken('user1');
    assert.equal(auth.verifyTokenSync(plain, { requiredScopes: [] }).sub, 'user1');
    assert.throws(() => auth.verifyTokenSync(plain, { requiredScopes: ['read'] }), InsufficientScopeError);
  });

  test('a bare * is not a master scope', () => {
    const star = auth.createAccessToken('user1', { scopes: ['*'] });
    assert.throws(() => auth.verifyTokenSync(star, { requiredScopes: ['read'] }), InsufficientScopeError);
  });

  test('invalid scope options are programming errors', () => {
    assert.throws(() => auth.verifyTokenSync(token, { requiredScopes: ['a b'] }), TypeError);
    assert.throws(() => auth.verifyTokenSync(token, { requiredScopes: ['read'], scopeMatch: 'most' as 'all' }), TypeError);
    assert.throws(() => auth.createAccessToken('u', { scopes: ['x"y'] }), TypeError);
  });
});

describe('sync and async verification', () => {
  test('verifyTokenEither answers without a Promise for a synchronous store and with one for an asynchronous store, verifying once', async () => {
    const sync = makeAuth();
    const token = sync.createAccessToken('user1');
    const direct = sync.verifyTokenEither(token);
    assert.ok(!(direct instanceof Promise));
    assert.equal(direct.sub, 'user1');
    let asked = 0;
    const slow = makeAuth({ revocationStore: asyncStore(() => asked++) });
    const later = slow.verifyTokenEither(token);
    assert.ok(later instanceof Promise);
    assert.equal((await later).sub, 'user1');
    assert.equal(asked, 1, 'one store question');
    await slow.revokeToken(await slow.verifyToken(token));
    await assert.rejects(Promise.resolve(slow.verifyTokenEither(token)), { code: 'ERR_TOKEN_REVOKED' });
    assert.throws(() => sync.verifyTokenEither('not.a.token'), (error: unknown) => error instanceof Error && 'code' in error);
  });

  test('verifyTokenSync refuses an asynchronous revocation store; verifyToken awaits it', async () => {
    const auth = makeAuth({ revocationStore: asyncStore() });
    const token = auth.createAccessToken('user1');
    assert.throws(() => auth.verifyTokenSync(token), /verifyToken instead/);
    const payload = await auth.verifyToken(token);
    await auth.revokeToken(payload);
    await assert.rejects(auth.verifyToken(token), { name: 'RevokedTokenError', code: 'ERR_TOKEN_REVOKED' });
  });

  test('bad tokens of any shape are refused with JWT errors, not TypeErrors', async () => {
    const auth = makeAuth();
    for (const bad of ['', 'a.b.c', 'x'.repeat(9000), 42, null, { token: 7 }]) {
      await assert.rejects(auth.verifyToken(bad as string), { name: /Error$/ }, String(bad));
      assert.throws(() => auth.verifyTokenSync(bad as string), (error: unknown) => !(error instanceof TypeError));
    }
  });
});
