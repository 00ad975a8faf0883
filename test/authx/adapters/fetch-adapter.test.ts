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
import { appendCookies, authenticate, authErrorResponse, fetchGuard, handleAuthErrors, withImplicitRefresh } from '../../../lib/authx/adapters/fetch.ts';
import type { AuthX } from '../../../lib/index.ts';
import { contractAuth, describeAdapter, login, protectedAnswer, REFRESH, WELCOME, type RunningApp } from './adapter-contract.ts';
import { testClock } from '../authx-helpers.ts';

function handler(auth: AuthX): (request: Request) => Promise<Response> {
  const cookieGuard = fetchGuard(auth, { locations: ['cookies'] });
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

  test('an unknown option is a TypeError naming it', () => {
    assert.throws(() => fetchGuard(auth, { scope: ['read'] } as never), /unknown option "scope"/);
  });
});
