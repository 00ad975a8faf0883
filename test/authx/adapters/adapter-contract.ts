/**
 * The behaviour every framework adapter must show, run against a real app per framework on
 * port 0 over HTTP. Each adapter test builds an app with these routes and hands it over:
 * - `GET /`, `POST /login`, `GET /protected`: the seed routes, exact shapes (see SEED.md);
 * - `GET /scoped`: requires the scope `read` (user1 has it, user2 not);
 * - `POST /cookie-login` sets access cookies; `POST /cookie-action` takes the cookie token (CSRF applies);
 * - `POST /json`: the token in the JSON body; answers the body as the framework parsed it;
 * - `GET /me`, `GET /excluded`: cookie token, implicit refresh (delta 300 s, `/excluded` excluded);
 * - `POST /logout`: deletes the cookies; `POST /logout-access`: deletes the access cookies only;
 * - `POST /session-login` sets the access and refresh cookies of {@link sessionLogin}'s pair;
 *   `POST /refresh` rotates with the adapter's `rotateRefreshToken` and sets the new cookies;
 *   `POST /session-logout` is the adapter's `logout` (answers `{ revoked }`);
 *   `GET /token-locations` answers where the adapter's getters found each token;
 * - `GET /boom`: throws a plain Error.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AuthX, type TokenPayload } from '../../../lib/index.ts';
import { inspect, rawRequest, SECRET, START_MS, testClock, type TestClock } from '../authx-helpers.ts';

export const WELCOME: unknown = {
  message: 'Welcome to AuthX Basic Authentication Example',
  endpoints: { login: 'POST /login - Get an access token', protected: 'GET /protected - Access protected resource (requires token)' },
};
const USERS: Record<string, { password: string; email: string; scopes: string[] }> = {
  user1: { password: 'password1', email: 'user1@example.com', scopes: ['read'] },
  user2: { password: 'password2', email: 'user2@example.com', scopes: [] },
};
/** Implicit refresh settings every test app uses. */
export const REFRESH: { delta: number; excludeRoutes: string[] } = { delta: 300, excludeRoutes: ['/excluded'] };

/** The AuthX instance of a test app, on a settable clock. */
export function contractAuth(clock: TestClock): AuthX {
  return new AuthX({ secretKey: SECRET, clock, tokenLocation: ['headers', 'cookies', 'json'], cookieSecure: false });
}

/** The `/login` answer (a test app, so plain comparison; the example server hashes). */
export function login(auth: AuthX, body: unknown): { status: number; body: unknown } {
  const { username, password } = (body ?? {}) as { username?: unknown; password?: unknown };
  const user = typeof username === 'string' && Object.hasOwn(USERS, username) ? USERS[username] : undefined;
  if (user === undefined || user.password !== password) return { status: 401, body: { detail: 'Invalid username or password' } };
  return { status: 200, body: { access_token: auth.createAccessToken(username as string, { scopes: user.scopes }), token_type: 'bearer' } };
}

/** The `/session-login` answer: a token pair for the user, or the `/login` refusal. */
export function sessionLogin(auth: AuthX, body: unknown): { status: number; pair?: { access_token: string; refresh_token: string }; body: unknown } {
  const answer = login(auth, body);
  if (answer.status !== 200) return answer;
  const username = (body as { username: string }).username;
  const pair = auth.createTokenPair(username, { scopes: USERS[username]!.scopes });
  return { status: 200, pair, body: { ok: true } };
}

/** The `/protected` answer for a verified payload. */
export function protectedAnswer(payload: TokenPayload): unknown {
  return { message: 'You have access to this protected resource', username: payload.sub, email: USERS[payload.sub]?.email };
}

/** A running test app. */
export interface RunningApp {
  url: string;
  close(): Promise<void>;
}

/** How a framework's test hands its app over; `checkPlainError` pins the framework's own answer to `GET /boom`. */
export interface AdapterUnderTest {
  start(auth: AuthX): Promise<RunningApp>;
  checkPlainError(response: Response): Promise<void>;
}

/**
 * Runs the shared behaviour against one framework's app.
 *
 * @throws Never; failures are test failures.
 */
export function describeAdapter(name: string, adapter: AdapterUnderTest): void {
  describe(`${name} adapter over a real app`, () => {
    const clock = testClock();
    const auth = contractAuth(clock);
    let app: RunningApp;
    before(async () => {
      app = await adapter.start(auth);
    });
    after(() => app.close());
    const call = (path: string, init: RequestInit = {}): Promise<Response> => fetch(app.url + path, { signal: AbortSignal.timeout(15_000), ...init });
    const bearer = (token: string): RequestInit => ({ headers: { authorization: `Bearer ${token}` } });
    const json = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
      method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body),
    });
    const tokenOf = async (username: string, password: string): Promise<string> =>
      ((await (await call('/login', json({ username, password }))).json()) as { access_token: string }).access_token;

    test('GET / answers the seed welcome', async () => {
      const response = await call('/');
      assert.equal(response.status, 200);
      assert.deepEqual(await response.json(), WELCOME);
    });

    test('POST /login answers a bearer token, or 401 for a wrong password', async () => {
      const ok = await call('/login', json({ username: 'user1', password: 'password1' }));
      assert.equal(ok.status, 200);
      const body = (await ok.json()) as { access_token: string; token_type: string };
      assert.equal(body.token_type, 'bearer');
      assert.equal(inspect(body.access_token).payload.sub, 'user1');
      const bad = await call('/login', json({ username: 'user1', password: 'nope' }));
      assert.equal(bad.status, 401);
      assert.deepEqual(await bad.json(), { detail: 'Invalid username or password' });
    });

    test('GET /protected answers the seed shape for a valid token', async () => {
      const response = await call('/protected', bearer(await tokenOf('user1', 'password1')));
      assert.equal(response.status, 200);
      assert.deepEqual(await response.json(), { message: 'You have access to this protected resource', username: 'user1', email: 'user1@example.com' });
    });

    test('GET /protected without a token: 401, {"detail"}, WWW-Authenticate: Bearer', async () => {
      const response = await call('/protected');
      assert.equal(response.status, 401);
      assert.equal(response.headers.get('www-authenticate'), 'Bearer');
      assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
      assert.deepEqual(await response.json(), { detail: 'No access token found in the request' });
    });

    test('GET /protected with a bad or refresh token: 401 invalid_token, the token never echoed', async () => {
      const forged = `${(await tokenOf('user1', 'password1')).slice(0, -4)}AAAA`;
      for (const token of [forged, auth.createRefreshToken('user1')]) {
        const response = await call('/protected', bearer(token));
        assert.equal(response.status, 401);
        assert.match(response.headers.get('www-authenticate') ?? '', /^Bearer error="invalid_token", error_description="/);
        const text = await response.text();
        assert.ok(!text.includes(token.slice(-20)), 'the answer must not echo the token');
        assert.equal(typeof (JSON.parse(text) as { detail: unknown }).detail, 'string');
      }
    });

    test('a scoped route: 403 insufficient_scope without the scope, 200 with it', async () => {
      const denied = await call('/scoped', bearer(await tokenOf('user2', 'password2')));
      assert.equal(denied.status, 403);
      assert.match(denied.headers.get('www-authenticate') ?? '', /error="insufficient_scope".*scope="read"/);
      assert.deepEqual(await denied.json(), { detail: 'Token lacks a required scope' });
      const allowed = await call('/scoped', bearer(await tokenOf('user1', 'password1')));
      assert.equal(allowed.status, 200);
    });

    test('cookies: login sets the token and CSRF cookies; a POST needs the CSRF header', async () => {
      const loginResponse = await call('/cookie-login', json({ username: 'user1', password: 'password1' }));
      assert.equal(loginResponse.status, 200);
      const cookies = loginResponse.headers.getSetCookie();
      assert.equal(cookies.length, 2);
      assert.match(cookies[0]!, /^access_token_cookie=[\w.-]+; Path=\/; HttpOnly; SameSite=Lax$/);
      assert.match(cookies[1]!, /^csrf_access_token=[\w-]+; Path=\/; SameSite=Lax$/);
      const cookie = cookies.map((c) => c.split(';')[0]).join('; ');
      const csrf = cookies[1]!.split(';')[0]!.split('=')[1]!;
      const without = await call('/cookie-action', { method: 'POST', headers: { cookie } });
      assert.equal(without.status, 401);
      assert.deepEqual(await without.json(), { detail: 'CSRF token is missing from the request headers' });
      const wrong = await call('/cookie-action', { method: 'POST', headers: { cookie, 'x-csrf-token': `${csrf}x` } });
      assert.equal(wrong.status, 401);
      const ok = await call('/cookie-action', { method: 'POST', headers: { cookie, 'x-csrf-token': csrf } });
      assert.equal(ok.status, 200);
      assert.deepEqual(await ok.json(), { username: 'user1' });
    });

    test('logout deletes both cookies', async () => {
      const response = await call('/logout', { method: 'POST' });
      assert.equal(response.status, 200);
      const cookies = response.headers.getSetCookie();
      assert.ok(cookies.some((c) => c.startsWith('access_token_cookie=; Max-Age=0')));
      assert.ok(cookies.some((c) => c.startsWith('refresh_token_cookie=; Max-Age=0')));
    });

    test('deleting the access cookies leaves the refresh cookie alone', async () => {
      const cookies = (await call('/logout-access', { method: 'POST' })).headers.getSetCookie();
      assert.deepEqual(cookies.map((c) => c.split('=')[0]), ['access_token_cookie', 'csrf_access_token']);
      assert.ok(cookies.every((c) => c.includes('Max-Age=0')));
    });

    test('json location: the token in the body is found and the route still reads the parsed body', async () => {
      const token = await tokenOf('user1', 'password1');
      const response = await call('/json', json({ access_token: token, note: 'kept' }));
      assert.equal(response.status, 200);
      assert.deepEqual(await response.json(), { username: 'user1', body: { access_token: token, note: 'kept' } });
      const missing = await call('/json', json({ note: 'no token' }));
      assert.equal(missing.status, 401);
      const wrongType = await call('/json', json({ access_token: 42 }));
      assert.equal(wrongType.status, 401);
    });

    test("a cookie session with the adapter's own objects: login, refresh with rotation, logout with revocation", async () => {
      clock.now = START_MS;
      const jar = new Map<string, string>();
      const keep = (response: Response): string[] => {
        const names: string[] = [];
        for (const line of response.headers.getSetCookie()) {
          const pair = line.split(';', 1)[0]!;
          const name = pair.slice(0, pair.indexOf('='));
          const value = pair.slice(name.length + 1);
          names.push(name);
          if (value === '') jar.delete(name);
          else jar.set(name, value);
        }
        return names;
      };
      const send = (path: string, method = 'GET', csrfCookie?: string): Promise<Response> => call(path, {
        method,
        headers: { cookie: [...jar].map(([name, value]) => `${name}=${value}`).join('; '), ...(csrfCookie === undefined ? {} : { 'x-csrf-token': jar.get(csrfCookie)! }) },
      });

      const loggedIn = await call('/session-login', json({ username: 'user1', password: 'password1' }));
      assert.equal(loggedIn.status, 200);
      assert.deepEqual(keep(loggedIn).sort(), ['access_token_cookie', 'csrf_access_token', 'csrf_refresh_token', 'refresh_token_cookie']);
      assert.deepEqual(await (await send('/me')).json(), { username: 'user1' });
      assert.deepEqual(await (await send('/token-locations')).json(), { access: 'cookies', refresh: 'cookies' });

      // Refresh: the refresh cookie with its CSRF header; a new pair, the old refresh token retired.
      const first = { access: jar.get('access_token_cookie')!, refresh: jar.get('refresh_token_cookie')! };
      const noCsrf = await send('/refresh', 'POST');
      assert.equal(noCsrf.status, 401);
      assert.deepEqual(await noCsrf.json(), { detail: 'CSRF token is missing from the request headers' });
      const refreshed = await send('/refresh', 'POST', 'csrf_refresh_token');
      assert.equal(refreshed.status, 200);
      assert.deepEqual(keep(refreshed).sort(), ['access_token_cookie', 'csrf_access_token', 'csrf_refresh_token', 'refresh_token_cookie']);
      assert.notEqual(jar.get('refresh_token_cookie'), first.refresh);
      assert.equal(inspect(jar.get('refresh_token_cookie')!).payload.fid, inspect(first.refresh).payload.fid, 'the same session');
      assert.deepEqual(await (await send('/me')).json(), { username: 'user1' });
      const second = { access: jar.get('access_token_cookie')!, refresh: jar.get('refresh_token_cookie')! };

      // Logout: the access cookie with its CSRF header; the session revoked, every cookie deleted.
      assert.equal((await send('/session-logout', 'POST')).status, 401);
      const loggedOut = await send('/session-logout', 'POST', 'csrf_access_token');
      assert.equal(loggedOut.status, 200);
      assert.deepEqual(await loggedOut.json(), { revoked: 'token' });
      assert.deepEqual(keep(loggedOut).sort(), ['access_token_cookie', 'csrf_access_token', 'csrf_refresh_token', 'refresh_token_cookie']);
      assert.equal(jar.size, 0);
      // Every token of the session is refused now, whoever kept a copy.
      for (const access of [first.access, second.access]) {
        const replay = await call('/me', { headers: { cookie: `access_token_cookie=${access}` } });
        assert.equal(replay.status, 401);
        assert.deepEqual(await replay.json(), { detail: 'Token has been revoked' });
      }
      const csrf = inspect(second.refresh).payload.csrf as string;
      const stolen = await call('/refresh', { method: 'POST', headers: { cookie: `refresh_token_cookie=${second.refresh}`, 'x-csrf-token': csrf } });
      assert.equal(stolen.status, 401);
    });

    test('a GET with a JSON body the framework did not parse holds no token: 401 missing token, never a 500', async () => {
      // GET /protected searches headers, cookies and json; some frameworks never parse a GET body.
      const answer = await rawRequest(app.url, '/protected', { headers: { 'content-type': 'application/json' }, body: '{}' });
      assert.equal(answer.status, 401);
      assert.equal(answer.headers['www-authenticate'], 'Bearer');
      assert.deepEqual(JSON.parse(answer.text), { detail: 'No access token found in the request' });
    });

    test('a non-library error is passed on to the framework untouched', async () => {
      const response = await call('/boom');
      assert.equal(response.status, 500);
      assert.equal(response.headers.get('www-authenticate'), null);
      await adapter.checkPlainError(response);
    });

    describe('implicit refresh', () => {
      const cookieFor = (token: string): RequestInit => ({ headers: { cookie: `access_token_cookie=${token}` } });
      // The token expires 900 s after START_MS; the delta is 300 s.
      const at = (secondsLeft: number): void => {
        clock.now = START_MS + (900 - secondsLeft) * 1000;
      };
      const refreshed = (response: Response): string | undefined =>
        response.headers.getSetCookie().find((c) => c.startsWith('access_token_cookie='))?.split(';')[0]?.slice('access_token_cookie='.length);

      test('no new cookie with exactly the delta left; a new one a second later', async () => {
        clock.now = START_MS;
        const token = auth.createAccessToken('user1', { scopes: ['read'], data: { team: 'blue' } });
        at(300);
        const early = await call('/me', cookieFor(token));
        assert.equal(early.status, 200);
        assert.equal(refreshed(early), undefined);
        at(299);
        const late = await call('/me', cookieFor(token));
        assert.equal(late.status, 200);
        const renewed = refreshed(late);
        assert.ok(renewed !== undefined, 'a new access token cookie');
        const payload = inspect(renewed).payload;
        assert.equal(payload.sub, 'user1');
        assert.equal(payload.exp, Math.floor(clock.now / 1000) + 900);
        assert.equal(payload.fresh, false);
        assert.deepEqual(payload.scopes, ['read']);
        assert.equal(payload.team, 'blue');
        assert.ok(late.headers.getSetCookie().some((c) => c.startsWith('csrf_access_token=')), 'the CSRF cookie follows the new token');
      });

      test('an excluded route is never refreshed', async () => {
        clock.now = START_MS;
        const token = auth.createAccessToken('user1');
        at(10);
        const response = await call('/excluded', cookieFor(token));
        assert.equal(response.status, 200);
        assert.equal(refreshed(response), undefined);
      });

      test('an absolute-form target of an excluded route is not refreshed either', async () => {
        clock.now = START_MS;
        const token = auth.createAccessToken('user1');
        at(10);
        const answer = await rawRequest(app.url, 'http://localhost/excluded', { headers: { cookie: `access_token_cookie=${token}` } });
        assert.equal(answer.status, 200);
        assert.deepEqual(answer.headers['set-cookie'] ?? [], []);
        clock.now = START_MS;
      });

      test('an expired cookie or a header token is not refreshed', async () => {
        clock.now = START_MS;
        const token = auth.createAccessToken('user1');
        at(10);
        assert.equal(refreshed(await call('/protected', bearer(token))), undefined);
        at(-1);
        const expired = await call('/me', cookieFor(token));
        assert.equal(expired.status, 401);
        assert.equal(refreshed(expired), undefined);
        clock.now = START_MS;
      });
    });
  });
}
