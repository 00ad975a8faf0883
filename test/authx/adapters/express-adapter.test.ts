/**
 * `authx-node/express` over a real Express 5 app on port 0: the shared adapter behaviour, plus
 * Express's own answers (bad JSON, thrown errors) passing through the error handler untouched.
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import express from 'express';
import { expressAuth } from '../../../lib/authx/adapters/express.ts';
import type { AuthX } from '../../../lib/index.ts';
import { contractAuth, describeAdapter, login, protectedAnswer, REFRESH, sessionLogin, WELCOME, type RunningApp } from './adapter-contract.ts';
import { testClock } from '../authx-helpers.ts';

async function start(auth: AuthX): Promise<RunningApp> {
  const guard = expressAuth(auth);
  const app = express();
  app.set('env', 'test'); // Express logs every error's stack outside the test env
  app.use(express.json());
  app.use(guard.implicitRefresh(REFRESH));
  app.get('/', (_req, res) => {
    res.json(WELCOME);
  });
  app.post('/login', (req, res) => {
    const answer = login(auth, req.body);
    res.status(answer.status).json(answer.body);
  });
  app.get('/protected', guard.required(), (req, res) => {
    res.json(protectedAnswer(guard.payload(req)));
  });
  app.get('/scoped', guard.required({ scopes: ['read'] }), (req, res) => {
    res.json({ scopes: guard.payload(req).scopes });
  });
  app.post('/cookie-login', (req, res) => {
    const answer = login(auth, req.body);
    if (answer.status === 200) guard.setAccessCookies(res, (answer.body as { access_token: string }).access_token);
    res.status(answer.status).json({ ok: answer.status === 200 });
  });
  app.post('/cookie-action', guard.required({ locations: ['cookies'] }), (req, res) => {
    res.json({ username: guard.payload(req).sub });
  });
  app.post('/json', guard.required({ locations: ['json'] }), (req, res) => {
    res.json({ username: guard.payload(req).sub, body: req.body });
  });
  for (const path of ['/me', '/excluded']) {
    app.get(path, guard.required({ locations: ['cookies'] }), (req, res) => {
      res.json({ username: guard.payload(req).sub });
    });
  }
  app.post('/logout', (_req, res) => {
    guard.unsetCookies(res);
    res.json({ ok: true });
  });
  app.post('/logout-access', (_req, res) => {
    guard.unsetAccessCookies(res);
    res.json({ ok: true });
  });
  app.post('/session-login', (req, res) => {
    const answer = sessionLogin(auth, req.body);
    if (answer.pair !== undefined) {
      guard.setAccessCookies(res, answer.pair.access_token);
      guard.setRefreshCookies(res, answer.pair.refresh_token);
    }
    res.status(answer.status).json(answer.body);
  });
  app.post('/refresh', async (req, res) => {
    const { access_token, refresh_token } = await guard.rotateRefreshToken(req);
    guard.setAccessCookies(res, access_token);
    guard.setRefreshCookies(res, refresh_token);
    res.json({ ok: true });
  });
  app.post('/session-logout', async (req, res) => {
    res.json({ revoked: await guard.logout(req, res) });
  });
  app.get('/token-locations', async (req, res) => {
    res.json({ access: (await guard.getAccessToken(req)).location, refresh: (await guard.getRefreshToken(req)).location });
  });
  app.get('/boom', () => {
    throw new Error('boom');
  });
  app.use(guard.errorHandler);
  const server = app.listen(0, '127.0.0.1');
  // Longer than fetch's own keep-alive: with Node's 5 s default, a loaded machine can let the
  // server close an idle connection just as fetch reuses it ("fetch failed").
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.once('listening', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

describeAdapter('Express', {
  start,
  async checkPlainError(response) {
    // Express's own final handler: HTML, not the library's JSON.
    assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
    assert.ok(!(await response.text()).includes('"detail"'));
  },
});

describe('Express adapter specifics', () => {
  let app: RunningApp;
  before(async () => {
    app = await start(contractAuth(testClock()));
  });
  after(() => app.close());

  test("Express's own 400 for bad JSON stays Express's (not a 500, not the library's shape)", async () => {
    const response = await fetch(`${app.url}/json`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"access_token":' });
    assert.equal(response.status, 400);
    assert.equal(response.headers.get('www-authenticate'), null);
    assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
  });

  test('payload() outside a guarded route is a TypeError; an unknown guard option is a TypeError at definition', () => {
    const guard = expressAuth(contractAuth(testClock()));
    assert.throws(() => guard.payload({} as never), TypeError);
    assert.throws(() => guard.required({ scope: ['read'] } as never), /unknown option "scope"; did you mean "scopes"\?/);
    assert.throws(() => guard.required({ type: 'id' as never }), TypeError);
  });

  /** An Express app with `parsers` mounted and a json-location guard on POST /json; `post` sends one body there. */
  async function withJsonRoute(
    parsers: express.RequestHandler[],
    body: (post: (contentType: string, text: string) => Promise<Response>, auth: ReturnType<typeof contractAuth>) => Promise<void>,
  ): Promise<void> {
    const app = express();
    app.set('env', 'test');
    for (const parser of parsers) app.use(parser);
    const auth = contractAuth(testClock());
    const guard = expressAuth(auth);
    app.post('/json', guard.required({ locations: ['json'] }), (_req, res) => {
      res.json({ reached: true });
    });
    app.use(guard.errorHandler);
    const server = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/json`;
    try {
      await body((contentType, text) => fetch(url, { method: 'POST', headers: { 'content-type': contentType }, body: text, signal: AbortSignal.timeout(15_000) }), auth);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  }

  test('json location with express.json() and a JSON type it does not parse (+json): 401, not a 500', async () => {
    await withJsonRoute([express.json()], async (post) => {
      const response = await post('application/vnd.api+json', '{"access_token":"x"}');
      assert.equal(response.status, 401);
      assert.equal(((await response.json()) as { detail: string }).detail.length > 0, true);
    });
  });

  test('json location with express.urlencoded(): a token in a form (what a cross-site page can post) is not taken, 401', async () => {
    await withJsonRoute([express.urlencoded({ extended: false }), express.json()], async (post, auth) => {
      const token = auth.createAccessToken('user1');
      assert.equal((await post('application/x-www-form-urlencoded', `access_token=${token}`)).status, 401);
      // The same token as JSON is taken: the refusal is the form's.
      assert.equal((await post('application/json', JSON.stringify({ access_token: token }))).status, 200);
    });
  });

  test('json location without express.json(): an immediate 500 naming the fix, never a hang or a silent 401', async () => {
    const bare = express();
    bare.set('env', 'test');
    const guard = expressAuth(contractAuth(testClock()));
    bare.post('/json', guard.required({ locations: ['json'] }), (_req, res) => {
      res.json({ reached: true });
    });
    let message = '';
    bare.use(((error, _req, res, _next) => {
      message = (error as Error).message;
      res.status(500).end();
    }) as express.ErrorRequestHandler);
    const server = bare.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', resolve));
    try {
      const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/json`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"access_token":"x"}', signal: AbortSignal.timeout(5000),
      });
      assert.equal(response.status, 500);
      assert.match(message, /mount express\.json\(\) before the guard/);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
