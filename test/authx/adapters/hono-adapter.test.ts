/**
 * `authx-node/hono` over a real Hono app served by @hono/node-server on port 0: the shared
 * adapter behaviour, the `json`-location failure of hand-written glue ("Body has already been
 * read" on a later `c.req.json()`) fixed, and Hono's own errors passing through untouched.
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { honoAuth } from '../../../lib/authx/adapters/hono.ts';
import type { AuthX } from '../../../lib/index.ts';
import { contractAuth, describeAdapter, login, protectedAnswer, REFRESH, sessionLogin, WELCOME, type RunningApp } from './adapter-contract.ts';
import { testClock } from '../authx-helpers.ts';

function build(auth: AuthX): Hono {
  const guard = honoAuth(auth);
  const app = new Hono();
  app.onError(guard.errorHandler);
  app.use(guard.implicitRefresh(REFRESH));
  app.get('/', (c) => c.json(WELCOME as object));
  app.post('/login', async (c) => {
    const answer = login(auth, await c.req.json());
    return c.json(answer.body as object, answer.status as 200);
  });
  app.get('/protected', guard.required(), (c) => c.json(protectedAnswer(c.get('authx')) as object));
  app.get('/scoped', guard.required({ scopes: ['read'] }), (c) => c.json({ scopes: c.get('authx').scopes }));
  app.post('/cookie-login', async (c) => {
    const answer = login(auth, await c.req.json());
    if (answer.status === 200) guard.setAccessCookies(c, (answer.body as { access_token: string }).access_token);
    return c.json({ ok: answer.status === 200 }, answer.status as 200);
  });
  app.post('/cookie-action', guard.required({ locations: ['cookies'] }), (c) => c.json({ username: c.get('authx').sub }));
  app.post('/json', guard.required({ locations: ['json'] }), async (c) => c.json({ username: c.get('authx').sub, body: await c.req.json() }));
  app.post('/json-text', guard.required({ locations: ['json'] }), async (c) => c.text(await c.req.text()));
  // Middleware that reads the body first (a logger, a signature check), then the guard.
  app.post(
    '/text-then-json',
    async (c, next) => {
      await c.req.text();
      await next();
    },
    guard.required({ locations: ['json'] }),
    (c) => c.json({ username: c.get('authx').sub }),
  );
  for (const path of ['/me', '/excluded']) app.get(path, guard.required({ locations: ['cookies'] }), (c) => c.json({ username: c.get('authx').sub }));
  app.post('/logout', (c) => {
    guard.unsetCookies(c);
    return c.json({ ok: true });
  });
  app.post('/logout-access', (c) => {
    guard.unsetAccessCookies(c);
    return c.json({ ok: true });
  });
  app.post('/session-login', async (c) => {
    const answer = sessionLogin(auth, await c.req.json());
    if (answer.pair !== undefined) {
      guard.setAccessCookies(c, answer.pair.access_token);
      guard.setRefreshCookies(c, answer.pair.refresh_token);
    }
    return c.json(answer.body as object, answer.status as 200);
  });
  app.post('/refresh', async (c) => {
    const { access_token, refresh_token } = await guard.rotateRefreshToken(c);
    guard.setAccessCookies(c, access_token);
    guard.setRefreshCookies(c, refresh_token);
    return c.json({ ok: true });
  });
  app.post('/session-logout', async (c) => c.json({ revoked: await guard.logout(c) }));
  app.get('/token-locations', async (c) => c.json({ access: (await guard.getAccessToken(c)).location, refresh: (await guard.getRefreshToken(c)).location }));
  app.get('/boom', () => {
    throw new Error('boom');
  });
  app.get('/teapot', () => {
    throw new HTTPException(418, { message: 'short and stout' });
  });
  return app;
}

async function start(auth: AuthX): Promise<RunningApp> {
  const app = build(auth);
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  // Longer than fetch's own keep-alive: with Node's 5 s default, a loaded machine can let the
  // server close an idle connection just as fetch reuses it ("fetch failed").
  (server as unknown as { keepAliveTimeout: number }).keepAliveTimeout = 60_000;
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => {
      (server as unknown as { closeAllConnections(): void }).closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** What the app logged through console.error (Hono's default error handler logs there). */
const logged: unknown[] = [];

describe('Hono, with console.error collected', () => {
  const consoleError = console.error;
  before(() => {
    console.error = (...args: unknown[]) => void logged.push(args[0]);
  });
  after(() => {
    console.error = consoleError;
  });

  describeAdapter('Hono', {
    start,
    async checkPlainError(response) {
      // Hono's default handler's answer and log line, not the library's JSON, and never an
      // empty 500 with nothing logged.
      assert.equal(await response.text(), 'Internal Server Error');
      assert.ok(logged.some((entry) => entry instanceof Error && entry.message === 'boom'), 'the error was logged');
    },
  });
});

describe('Hono adapter specifics', () => {
  const auth = contractAuth(testClock());
  const token = auth.createAccessToken('user1');
  let app: RunningApp;
  before(async () => {
    app = await start(auth);
  });
  after(() => app.close());
  const post = (path: string, body: string): Promise<Response> =>
    fetch(app.url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(5000) });

  test('after the json-location guard, c.req.text() still gets the body', async () => {
    const body = JSON.stringify({ access_token: token, n: 1 });
    const response = await post('/json-text', body);
    assert.equal(response.status, 200);
    assert.deepEqual(JSON.parse(await response.text()), { access_token: token, n: 1 });
  });

  test('a body other middleware read first goes through the same limit and parser: 200, 400, 413, never a 500', async () => {
    assert.equal((await post('/text-then-json', JSON.stringify({ access_token: token }))).status, 200);
    const bad = await post('/text-then-json', '{"access_token":');
    assert.equal(bad.status, 400);
    assert.equal(typeof ((await bad.json()) as { detail: unknown }).detail, 'string');
    assert.equal((await post('/text-then-json', JSON.stringify({ access_token: token, pad: 'x'.repeat(40_000) }))).status, 413);
  });

  test('a bad JSON body with the json location is the library 400, not a 500', async () => {
    const response = await post('/json', '{"access_token":');
    assert.equal(response.status, 400);
    assert.equal(typeof ((await response.json()) as { detail: unknown }).detail, 'string');
  });

  test('a non-library error gets Hono\'s default treatment: logged with console.error, a plain 500', async () => {
    const consoleError = console.error;
    const seen: unknown[] = [];
    console.error = (...args: unknown[]) => void seen.push(args[0]);
    try {
      const response = await fetch(`${app.url}/boom`);
      assert.equal(response.status, 500);
      assert.equal(await response.text(), 'Internal Server Error');
      assert.equal(seen.length, 1);
      assert.equal((seen[0] as Error).message, 'boom');
    } finally {
      console.error = consoleError;
    }
  });

  test("c.req handed to the core getters is a TypeError naming c.req.raw; the adapter's getters take c", async () => {
    const guard = honoAuth(auth);
    const probe = new Hono();
    probe.get('/', async (c) => {
      // @ts-expect-error Hono's c.req is no request the library reads
      const wrong = await auth.getAccessTokenFromRequest(c.req).then(() => 'accepted', (error: unknown) => String(error));
      // @ts-expect-error the adapter takes the context, not c.req
      assert.equal(typeof guard.getAccessToken.bind(guard, c.req), 'function');
      return c.json({ wrong, right: (await guard.getAccessToken(c)).location });
    });
    const response = await probe.request('/', { headers: { authorization: `Bearer ${token}` } });
    const body = (await response.json()) as { wrong: string; right: string };
    assert.match(body.wrong, /^TypeError: req must be a node:http IncomingMessage .* or a WHATWG Request \(Hono's c\.req\.raw\)/);
    assert.equal(body.right, 'headers');
  });

  test("Hono's HTTPException keeps its own answer", async () => {
    const response = await fetch(`${app.url}/teapot`);
    assert.equal(response.status, 418);
    assert.equal(await response.text(), 'short and stout');
  });

  test('a body over jsonBodyLimit is refused with 413 before it is buffered', async () => {
    const response = await post('/json', JSON.stringify({ access_token: token, pad: 'x'.repeat(20_000) }));
    assert.equal(response.status, 413);
  });
});
