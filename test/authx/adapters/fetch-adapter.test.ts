/**
 * `authx-node/fetch` over a real fetch handler, served on port 0 by a small `node:http` to
 * WHATWG bridge written here (what Bun, Deno or workerd do natively): the shared adapter
 * behaviour, and non-library errors rethrown untouched.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { describe, test } from 'node:test';
import { appendCookies, authenticate, authErrorResponse, fetchAuth, fetchGuard, handleAuthErrors, withImplicitRefresh } from '../../../lib/authx/adapters/fetch.ts';
import { AuthX } from '../../../lib/index.ts';
import { contractAuth, describeAdapter, login, protectedAnswer, REFRESH, sessionLogin, WELCOME, type RunningApp } from './adapter-contract.ts';
import { SECRET, testClock } from '../authx-helpers.ts';

function handler(auth: AuthX): (request: Request) => Promise<Response> {
  const cookieGuard = fetchGuard(auth, { locations: ['cookies'] });
  const session = fetchAuth(auth);
  return handleAuthErrors(withImplicitRefresh(auth, async (request) => {
    const path = new URL(request.url).pathname;
    const route = `${request.method} ${path}`;
    if (route === 'GET /') return Response.json(WELCOME);
    if (route === 'POST /login') {
      const answer = login(auth, await request.json());
      return Response.json(answer.body, { status: answer.status });
    }
    if (route === 'GET /protected') return Response.json(protectedAnswer(await authenticate(auth, request)));
    if (route === 'GET /scoped') return Response.json({ scopes: (await authenticate(auth, request, { scopes: ['read'] })).scopes });
    if (route === 'POST /cookie-login') {
      const answer = login(auth, await request.json());
      const headers = new Headers();
      if (answer.status === 200) appendCookies(headers, auth.cookieHeaderValues('access', (answer.body as { access_token: string }).access_token));
      return Response.json({ ok: answer.status === 200 }, { status: answer.status, headers });
    }
    if (route === 'POST /cookie-action' || route === 'GET /me' || route === 'GET /excluded') {
      return Response.json({ username: (await cookieGuard(request)).sub });
    }
    if (route === 'POST /json') {
      const payload = await authenticate(auth, request, { locations: ['json'] });
      return Response.json({ username: payload.sub, body: await request.json() });
    }
    if (route === 'POST /logout') {
      const headers = new Headers();
      appendCookies(headers, [...auth.cookieHeaderValues('access', null), ...auth.cookieHeaderValues('refresh', null)]);
      return Response.json({ ok: true }, { headers });
    }
    if (route === 'POST /logout-access') {
      const headers = new Headers();
      appendCookies(headers, auth.cookieHeaderValues('access', null));
      return Response.json({ ok: true }, { headers });
    }
    if (route === 'POST /session-login') {
      const answer = sessionLogin(auth, await request.json());
      const headers = new Headers();
      if (answer.pair !== undefined) {
        session.setAccessCookies(headers, answer.pair.access_token);
        session.setRefreshCookies(headers, answer.pair.refresh_token);
      }
      return Response.json(answer.body, { status: answer.status, headers });
    }
    if (route === 'POST /refresh') {
      const { access_token, refresh_token } = await session.rotateRefreshToken(request);
      const headers = new Headers();
      session.setAccessCookies(headers, access_token);
      session.setRefreshCookies(headers, refresh_token);
      return Response.json({ ok: true }, { headers });
    }
    if (route === 'POST /session-logout') {
      const headers = new Headers();
      return Response.json({ revoked: await session.logout(request, headers) }, { headers });
    }
    if (route === 'GET /token-locations') {
      return Response.json({ access: (await session.getAccessToken(request)).location, refresh: (await session.getRefreshToken(request)).location });
    }
    if (route === 'GET /boom') throw new Error('boom');
    return Response.json({ detail: 'Not Found' }, { status: 404 });
  }, REFRESH));
}

/** node:http to fetch: the plain 500 below is the "runtime's" answer to a rethrown error. */
async function serveFetch(fetchHandler: (request: Request) => Promise<Response>): Promise<RunningApp> {
  const server = createServer((req: IncomingMessage, res) => {
    const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
    // An absolute-form target (`GET http://localhost/x`) is a URL of its own, as a runtime reads it.
    const request = new Request(new URL(req.url!, `http://${req.headers.host}`), {
      method: req.method!,
      headers: req.headers as Record<string, string>,
      ...(hasBody ? { body: Readable.toWeb(req) as ReadableStream, duplex: 'half' } : {}),
    } as RequestInit);
    fetchHandler(request).then(
      async (response) => {
        res.writeHead(response.status, [...response.headers].flatMap(([k, v]) => (k === 'set-cookie' ? [] : [[k, v]])).concat(response.headers.getSetCookie().map((c) => ['set-cookie', c])) as never);
        res.end(Buffer.from(await response.arrayBuffer()));
      },
      () => res.writeHead(500, { 'content-type': 'text/plain' }).end('runtime error page'),
    );
  });
  server.keepAliveTimeout = 60_000; // longer than fetch's own keep-alive (see express-adapter.test.ts)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

describeAdapter('fetch', {
  start: (auth) => serveFetch(handler(auth)),
  async checkPlainError(response) {
    assert.equal(await response.text(), 'runtime error page');
  },
});

describe('fetch adapter specifics', () => {
  const auth = contractAuth(testClock());
  const token = auth.createAccessToken('user1');

  test('authErrorResponse answers library errors only', async () => {
    assert.equal(authErrorResponse(new Error('x')), undefined);
    const response = await authenticate(auth, new Request('http://x/')).then(() => assert.fail('accepted'), (error: unknown) => authErrorResponse(error));
    assert.equal(response?.status, 401);
    assert.equal(response?.headers.get('www-authenticate'), 'Bearer');
  });

  test('the json location reads a clone: the handler can still read the body', async () => {
    const request = new Request('http://x/', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ access_token: token }) });
    assert.equal((await authenticate(auth, request, { locations: ['json'] })).sub, 'user1');
    assert.deepEqual(await request.json(), { access_token: token });
  });

  test('a body the handler parsed itself can be handed over', async () => {
    const request = new Request('http://x/', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    await request.text();
    const payload = await authenticate(auth, request, { locations: ['json'], body: () => ({ access_token: token }) });
    assert.equal(payload.sub, 'user1');
  });

  test('fetchAuth logout: family false revokes the one token; type refresh logs out with the refresh token; options are checked', async () => {
    const clock = testClock();
    const own = contractAuth(clock);
    const session = fetchAuth(own);
    const bearer = (token: string, method = 'GET'): Request => new Request('http://x/', { method, headers: { authorization: `Bearer ${token}` } });
    const pair = own.createTokenPair('user1');
    const headers = new Headers();
    assert.equal(await session.logout(bearer(pair.access_token, 'POST'), headers, { family: false }), 'token');
    assert.equal(headers.getSetCookie().length, 4, 'the app keeps tokens in cookies: all four are deleted');
    await assert.rejects(own.verifyToken(pair.access_token), { code: 'ERR_TOKEN_REVOKED' });
    // Only that token: the session's refresh token still rotates.
    const rotated = await session.rotateRefreshToken(bearer(pair.refresh_token, 'POST'));
    assert.equal(rotated.subject, 'user1');
    // Logging out with the refresh token ends the whole session.
    await session.logout(bearer(rotated.refresh_token, 'POST'), new Headers(), { type: 'refresh' });
    await assert.rejects(own.verifyToken(rotated.access_token), { code: 'ERR_TOKEN_REVOKED' });
    await assert.rejects(session.logout(bearer('x', 'POST'), new Headers(), { famly: true } as never), { name: 'TypeError', message: /^logout options: unknown option "famly"; did you mean "family"\?/ });
    await assert.rejects(session.logout(bearer('x', 'POST'), new Headers(), { type: 'id' as never }), { name: 'TypeError', message: 'logout options: type must be "access" or "refresh"' });
    await assert.rejects(session.rotateRefreshToken(bearer('x', 'POST'), { reuseGrace: 5 } as never), /rotateRefreshToken options: unknown option "reuseGrace"; did you mean "reuseGraceSeconds"\?/);
    await assert.rejects(session.getAccessToken(bearer('x'), { location: ['headers'] } as never), /getAccessToken options: unknown option "location"; did you mean "locations"\?/);
    // Without a token nothing is revoked and no cookie is deleted: the error answers.
    const untouched = new Headers();
    await assert.rejects(session.logout(new Request('http://x/', { method: 'POST' }), untouched), { code: 'ERR_TOKEN_MISSING' });
    assert.equal(untouched.getSetCookie().length, 0);
  });

  test('fetchAuth: a header-only app deletes no cookies on logout; the getters read a JSON body from a clone', async () => {
    const headerOnly = new AuthX({ secretKey: SECRET, tokenLocation: ['headers', 'json'] });
    const session = fetchAuth(headerOnly);
    const headers = new Headers();
    await session.logout(new Request('http://x/', { headers: { authorization: `Bearer ${headerOnly.createAccessToken('u')}` } }), headers);
    assert.equal(headers.getSetCookie().length, 0);
    const refresh = headerOnly.createRefreshToken('u');
    const request = new Request('http://x/', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refresh_token: refresh }) });
    assert.equal((await session.getRefreshToken(request)).location, 'json');
    assert.deepEqual(await request.json(), { refresh_token: refresh });
  });

  test('an unknown option is a TypeError naming it', () => {
    assert.throws(() => fetchGuard(auth, { scope: ['read'] } as never), /unknown option "scope"/);
  });
});
