/**
 * Implicit refresh (`ImplicitRefresh`, exported by `authx-node`) in the `node:http` wrapper over
 * a real server on port 0: the delta's boundary on an injected clock, excluded and included
 * routes and methods, and option checking. The adapters run the same checks in their own tests.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AuthX, ImplicitRefresh, MissingTokenError } from '../../../lib/index.ts';
import { inspect, rawRequest, SECRET, sendJson, START_MS, startServer, testClock, type TestServer } from '../authx-helpers.ts';

const clock = testClock();
const auth = new AuthX({ secretKey: SECRET, clock, tokenLocation: ['cookies'], accessTokenExpires: 900 });
const refresh = new ImplicitRefresh(auth, { delta: '2m', excludeRoutes: ['/logout'], includeRoutes: ['/always'], excludeMethods: ['delete'] });

let server: TestServer;
before(async () => {
  server = await startServer(
    auth.handleErrors(refresh.wrap(async (req, res) => {
      if (req.url === '/fail') throw new MissingTokenError('No access token found in the request');
      sendJson(res, 200, { ok: true });
    })),
  );
});
after(() => server.close());

function newCookie(response: Response): string | undefined {
  return response.headers.getSetCookie().find((c) => c.startsWith('access_token_cookie='))?.split(';')[0]?.slice('access_token_cookie='.length);
}

describe('implicit refresh in the node:http wrapper', () => {
  const token = (() => {
    clock.now = START_MS;
    return auth.createAccessToken('user1', { data: { role: 'admin' } });
  })();
  const call = (path: string, method = 'GET'): Promise<Response> => fetch(server.url + path, { method, headers: { cookie: `access_token_cookie=${token}` } });
  const left = (seconds: number): void => {
    clock.now = START_MS + (900 - seconds) * 1000;
  };

  test('120 s left (exactly the delta): no new cookie', async () => {
    left(120);
    assert.equal(newCookie(await call('/')), undefined);
  });

  test('119.999 s left: a new cookie, same subject and claims, a full lifetime from now', async () => {
    clock.now = START_MS + 780_001;
    const renewed = newCookie(await call('/'));
    assert.ok(renewed !== undefined);
    const payload = inspect(renewed).payload;
    assert.equal(payload.sub, 'user1');
    assert.equal(payload.role, 'admin');
    assert.equal(payload.fresh, false);
    assert.equal(payload.exp, Math.floor(clock.now / 1000) + 900);
  });

  test('an absolute-form target (GET http://localhost/logout) is matched by its path: no new cookie past excludeRoutes', async () => {
    left(10);
    const cookie = { cookie: `access_token_cookie=${token}` };
    for (const target of ['http://localhost/logout', 'HTTP://LOCALHOST:80/logout?x=1', 'http://localhost/LOGOUT/', 'http://user@localhost/a/../logout']) {
      const answer = await rawRequest(server.url, target, { headers: cookie });
      assert.equal(answer.status, 200, target);
      assert.deepEqual(answer.headers['set-cookie'] ?? [], [], target);
    }
    // The same target form for a route that is not excluded is refreshed as usual.
    assert.equal((await rawRequest(server.url, 'http://localhost/page', { headers: cookie })).headers['set-cookie']?.length, 2);
    assert.equal(refresh.appliesTo('GET', 'http://localhost/logout'), false);
    assert.equal(refresh.appliesTo('GET', 'https://example.com/always'), true);
  });

  test('excluded route and excluded method: nothing; an included route wins over an excluded method', async () => {
    left(10);
    assert.equal(newCookie(await call('/logout')), undefined);
    assert.equal(newCookie(await call('/x', 'DELETE')), undefined);
    assert.notEqual(newCookie(await call('/always', 'DELETE')), undefined);
    assert.notEqual(newCookie(await call('/other?next=/logout')), undefined);
  });

  test('an error answer does not carry the refreshed cookie', async () => {
    left(10);
    const response = await call('/fail');
    assert.equal(response.status, 401);
    assert.equal(newCookie(response), undefined);
  });

  test('an expired or missing cookie gives no new cookie and no error', async () => {
    left(-5);
    assert.equal(newCookie(await call('/')), undefined);
    const bare = await fetch(`${server.url}/`);
    assert.equal(bare.status, 200);
    assert.equal(newCookie(bare), undefined);
  });

  test('an excluded route is excluded however its path is spelled (case, escapes, slashes, dot segments)', async () => {
    for (const spelling of ['/logout', '/LOGOUT', '/logout/', '//logout', '/%6Cogout', '/%6cOGOUT', '/x/../logout', '/./logout', '/logout//']) {
      assert.equal(refresh.appliesTo('GET', spelling), false, spelling);
    }
    for (const other of ['/logout2', '/logoutx', '/x/logout', '/%zz/logout', '/']) assert.equal(refresh.appliesTo('GET', other), true, other);
    assert.equal(refresh.appliesTo('DELETE', '/ALWAYS/'), true, 'includeRoutes are matched the same way');
    // Over real HTTP through the wrapper: no new cookie on a spelling of /logout, one elsewhere.
    left(60);
    for (const spelling of ['/LOGOUT', '/logout/', '//logout', '/%6Cogout']) assert.equal(newCookie(await call(spelling)), undefined, spelling);
    assert.notEqual(newCookie(await call('/elsewhere')), undefined);
  });

  test('appliesTo follows AuthX order; without the cookies location nothing is refreshed', () => {
    assert.equal(refresh.appliesTo('GET', '/logout'), false);
    assert.equal(refresh.appliesTo('DELETE', '/always'), true);
    assert.equal(refresh.appliesTo('delete', '/x'), false);
    assert.equal(new ImplicitRefresh(new AuthX({ secretKey: SECRET })).appliesTo('GET', '/'), false);
    const only = new ImplicitRefresh(auth, { includeMethods: ['GET'] });
    assert.equal(only.appliesTo('POST', '/'), false);
    assert.equal(only.appliesTo('GET', '/'), true);
  });

  test('options are checked by name, with the Python setting named', () => {
    assert.throws(() => new ImplicitRefresh(auth, { JWT_IMPLICIT_REFRESH_DELTATIME: 60 } as never), /"delta"/);
    assert.throws(() => new ImplicitRefresh(auth, { excludeRoute: [] } as never), /did you mean "excludeRoutes"/);
    assert.throws(() => new ImplicitRefresh(auth, { excludeRoutes: '/x' as never }), TypeError);
    assert.throws(() => new ImplicitRefresh(auth, { delta: -1 }), RangeError);
  });
});
