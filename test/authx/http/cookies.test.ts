/**
 * Token cookies: the `Set-Cookie` attributes as a real client receives them, deletion, the
 * fetch-style helper, and parsing of incoming `Cookie` headers.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { getCookie, parseCookieHeader } from '../../../lib/index.ts';
import { inspect, makeAuth, startServer, type TestServer } from '../authx-helpers.ts';

const auth = makeAuth({ tokenLocation: ['cookies'] });
const access = auth.createAccessToken('user1');
const refresh = auth.createRefreshToken('user1');
const accessCsrf = inspect(access).payload.csrf as string;
const refreshCsrf = inspect(refresh).payload.csrf as string;

describe('Set-Cookie over node:http', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer((req, res) => {
      res.setHeader('Set-Cookie', 'theme=dark; Path=/');
      if (req.url === '/login') {
        auth.setAccessCookies(res, access);
        auth.setRefreshCookies(res, refresh, { maxAge: 3600 });
      } else if (req.url === '/logout') {
        auth.unsetCookies(res);
      } else if (req.url === '/logout-access') {
        auth.unsetAccessCookies(res);
      } else {
        auth.unsetRefreshCookies(res);
      }
      res.end();
    });
  });
  after(() => server.close());

  test('login sets HttpOnly Secure SameSite token cookies and script-readable CSRF cookies, keeping other cookies', async () => {
    const cookies = (await fetch(`${server.url}/login`)).headers.getSetCookie();
    assert.deepEqual(cookies, [
      'theme=dark; Path=/',
      `access_token_cookie=${access}; Path=/; Secure; HttpOnly; SameSite=Lax`,
      `csrf_access_token=${accessCsrf}; Path=/; Secure; SameSite=Lax`,
      `refresh_token_cookie=${refresh}; Max-Age=3600; Path=/; Secure; HttpOnly; SameSite=Lax`,
      `csrf_refresh_token=${refreshCsrf}; Max-Age=3600; Path=/; Secure; SameSite=Lax`,
    ]);
  });

  test('logout deletes all four cookies with Max-Age=0 and a past Expires', async () => {
    const cookies = (await fetch(`${server.url}/logout`)).headers.getSetCookie().slice(1);
    assert.equal(cookies.length, 4);
    for (const [i, name] of ['access_token_cookie', 'csrf_access_token', 'refresh_token_cookie', 'csrf_refresh_token'].entries()) {
      assert.ok(cookies[i]!.startsWith(`${name}=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/; Secure`), cookies[i]);
    }
  });

  test('unsetAccessCookies and unsetRefreshCookies delete only their own pair', async () => {
    const accessOnly = (await fetch(`${server.url}/logout-access`)).headers.getSetCookie().slice(1).map((c) => c.split('=')[0]);
    assert.deepEqual(accessOnly, ['access_token_cookie', 'csrf_access_token']);
    const refreshOnly = (await fetch(`${server.url}/logout-refresh`)).headers.getSetCookie().slice(1).map((c) => c.split('=')[0]);
    assert.deepEqual(refreshOnly, ['refresh_token_cookie', 'csrf_refresh_token']);
  });

  test('a cookie set by login works on the next request with the CSRF header', async () => {
    const login = await fetch(`${server.url}/login`);
    const jar = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    const csrf = getCookie(jar, 'csrf_access_token');
    const found = await auth.getAccessTokenFromRequest(new Request('http://x/', { method: 'POST', headers: { cookie: jar, 'x-csrf-token': csrf! } }));
    assert.equal(auth.verifyTokenSync(found).sub, 'user1');
  });
});

describe('cookie options', () => {
  test('domain, paths, max age, SameSite and HttpOnly follow the configuration', () => {
    const custom = makeAuth({
      tokenLocation: ['cookies'], cookieDomain: 'example.com', cookieMaxAge: 600, cookieSameSite: 'strict',
      accessCookiePath: '/api', accessCsrfCookiePath: '/', cookieHttpOnly: false,
    });
    const token = custom.createAccessToken('u');
    const [tokenCookie, csrfCookie] = custom.cookieHeaderValues('access', token);
    assert.equal(tokenCookie, `access_token_cookie=${token}; Max-Age=600; Domain=example.com; Path=/api; Secure; SameSite=Strict`);
    assert.match(csrfCookie!, /^csrf_access_token=[0-9a-f-]{36}; Max-Age=600; Domain=example.com; Path=\/; Secure; SameSite=Strict$/);
  });

  test('SameSite=None is written with Secure; cookieSecure: false drops Secure', () => {
    const none = makeAuth({ tokenLocation: ['cookies'], cookieSameSite: 'none' });
    assert.match(none.cookieHeaderValues('access', none.createAccessToken('u'))[0]!, /; Secure; HttpOnly; SameSite=None$/);
    const insecure = makeAuth({ tokenLocation: ['cookies'], cookieSecure: false });
    assert.ok(!insecure.cookieHeaderValues('access', insecure.createAccessToken('u'))[0]!.includes('Secure'));
  });

  test('without CSRF in cookies only the token cookie is set', () => {
    const noCsrf = makeAuth({ tokenLocation: ['cookies'], csrfInCookies: false });
    assert.equal(noCsrf.cookieHeaderValues('access', noCsrf.createAccessToken('u')).length, 1);
    assert.equal(noCsrf.cookieHeaderValues('refresh', null).length, 1);
  });

  test('__Host- cookies are written with Secure, Path=/ and no Domain', () => {
    const host = makeAuth({ tokenLocation: ['cookies'], accessCookieName: '__Host-access' });
    assert.match(host.cookieHeaderValues('access', host.createAccessToken('u'))[0]!, /^__Host-access=[^;]+; Path=\/; Secure; HttpOnly; SameSite=Lax$/);
  });

  test('values that could break the header are refused', () => {
    for (const bad of ['a;b', 'a\r\nSet-Cookie: x=1', 'a b', 'a"b', 'a,b']) {
      assert.throws(() => auth.cookieHeaderValues('access', bad), TypeError, JSON.stringify(bad));
    }
    assert.throws(() => auth.cookieHeaderValues('access', access, { maxAge: -1 }), TypeError);
    assert.throws(() => auth.cookieHeaderValues('id' as 'access', access), TypeError);
  });

  test('a token without a csrf claim cannot be put in cookies while the CSRF cookie is wanted', () => {
    const headerToken = makeAuth().createAccessToken('u');
    assert.throws(() => auth.cookieHeaderValues('access', headerToken), /no "csrf" claim/);
  });
});

describe('parsing incoming Cookie headers', () => {
  test('reads name=value pairs separated by ";" with optional white space', () => {
    assert.deepEqual([...parseCookieHeader('a=1;b=2;  c=3 ;\td=4')], [['a', '1'], ['b', '2'], ['c', '3'], ['d', '4']]);
  });

  test('the first occurrence of a name wins', () => {
    assert.equal(parseCookieHeader('a=1; a=2').get('a'), '1');
    assert.equal(getCookie('a=1; a=2', 'a'), '1');
  });

  test('malformed pairs are ignored', () => {
    assert.deepEqual([...parseCookieHeader('junk; =x; ;; b=2; c')], [['b', '2']]);
    assert.equal(getCookie('junk; =x; b=2', 'b'), '2');
  });

  test('a bad % escape never throws and keeps the raw value; good escapes are decoded', () => {
    assert.equal(parseCookieHeader('a=%E0%A4%A; b=%41').get('a'), '%E0%A4%A');
    assert.equal(getCookie('a=%zz', 'a'), '%zz');
    assert.equal(getCookie('b=%41', 'b'), 'A');
  });

  test('one pair of surrounding quotes is removed', () => {
    assert.equal(getCookie('a="x.y"', 'a'), 'x.y');
  });

  test('a name only matches whole names', () => {
    assert.equal(getCookie('xaccess_token_cookie=1; access_token_cookie_old=2', 'access_token_cookie'), undefined);
    assert.equal(getCookie(undefined, 'a'), undefined);
  });

  test('a value may contain "="', () => {
    assert.equal(getCookie('a=b=c', 'a'), 'b=c');
  });
});

test('getCookie stays linear on a hostile header of many pairs without "="', () => {
  const header = `${';'.repeat(500_000)}access_token_cookie`;
  const started = performance.now();
  assert.equal(getCookie(header, 'access_token_cookie'), undefined);
  assert.equal(getCookie(`${'a;'.repeat(200_000)}access_token_cookie=v`, 'access_token_cookie'), 'v');
  // A quadratic scan takes seconds here; a linear one a few milliseconds.
  assert.ok(performance.now() - started < 1500, `took ${performance.now() - started} ms`);
});
