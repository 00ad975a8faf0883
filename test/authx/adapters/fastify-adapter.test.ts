/**
 * `authx-node/fastify` over a real Fastify 5 app on port 0: the shared adapter behaviour, the
 * two `json`-location failures of hand-written glue (500 "body already consumed" in preHandler,
 * a hang in onRequest) fixed, and Fastify's own errors passing through untouched.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { fastifyAuth } from '../../../lib/authx/adapters/fastify.ts';
import type { AuthX } from '../../../lib/index.ts';
import { contractAuth, describeAdapter, login, protectedAnswer, REFRESH, sessionLogin, WELCOME, type RunningApp } from './adapter-contract.ts';
import { testClock } from '../authx-helpers.ts';

async function build(auth: AuthX): Promise<FastifyInstance> {
  const guard = fastifyAuth(auth);
  const app = Fastify();
  await app.register(guard.plugin, { implicitRefresh: REFRESH });
  app.setErrorHandler(guard.errorHandler);
  app.get('/', async () => WELCOME);
  app.post('/login', async (request, reply) => {
    const answer = login(auth, request.body);
    return reply.code(answer.status).send(answer.body);
  });
  app.get('/protected', { preHandler: guard.required() }, async (request) => protectedAnswer(guard.payload(request)));
  app.get('/scoped', { preHandler: guard.required({ scopes: ['read'] }) }, async (request) => ({ scopes: guard.payload(request).scopes }));
  app.post('/cookie-login', async (request, reply) => {
    const answer = login(auth, request.body);
    if (answer.status === 200) guard.setAccessCookies(reply, (answer.body as { access_token: string }).access_token);
    return reply.code(answer.status).send({ ok: answer.status === 200 });
  });
  app.post('/cookie-action', { preHandler: guard.required({ locations: ['cookies'] }) }, async (request) => ({ username: guard.payload(request).sub }));
  app.post('/json', { preHandler: guard.required({ locations: ['json'] }) }, async (request) => ({ username: guard.payload(request).sub, body: request.body }));
  app.post('/json-early', { onRequest: guard.required({ locations: ['json'] }) }, async (request) => ({ username: guard.payload(request).sub }));
  app.get('/decorated', { preHandler: guard.required() }, async (request) => ({ sub: (request as unknown as { authx: { sub: string } | null }).authx?.sub }));
  for (const path of ['/me', '/excluded']) {
    app.get(path, { preHandler: guard.required({ locations: ['cookies'] }) }, async (request) => ({ username: guard.payload(request).sub }));
  }
  app.post('/logout', async (_request, reply) => {
    guard.unsetCookies(reply);
    return { ok: true };
  });
  app.post('/logout-access', async (_request, reply) => {
    guard.unsetAccessCookies(reply);
    return { ok: true };
  });
  app.post('/session-login', async (request, reply) => {
    const answer = sessionLogin(auth, request.body);
    if (answer.pair !== undefined) {
      guard.setAccessCookies(reply, answer.pair.access_token);
      guard.setRefreshCookies(reply, answer.pair.refresh_token);
    }
    return reply.code(answer.status).send(answer.body);
  });
  app.post('/refresh', async (request, reply) => {
    const { access_token, refresh_token } = await guard.rotateRefreshToken(request);
    guard.setAccessCookies(reply, access_token);
    guard.setRefreshCookies(reply, refresh_token);
    return { ok: true };
  });
  app.post('/session-logout', async (request, reply) => ({ revoked: await guard.logout(request, reply) }));
  app.get('/token-locations', async (request) => ({
    access: (await guard.getAccessToken(request)).location,
    refresh: (await guard.getRefreshToken(request)).location,
  }));
  app.get('/boom', async () => {
    throw new Error('boom');
  });
  return app;
}

async function start(auth: AuthX): Promise<RunningApp> {
  const app = await build(auth);
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  return { url: address, close: () => app.close() };
}

describeAdapter('Fastify', {
  start,
  async checkPlainError(response) {
    // Fastify's own default handler answered: its JSON shape, not the library's.
    assert.deepEqual(await response.json(), { statusCode: 500, error: 'Internal Server Error', message: 'boom' });
  },
});

describe('Fastify adapter specifics', () => {
  const auth = contractAuth(testClock());
  const token = auth.createAccessToken('user1');
  let app: RunningApp;
  before(async () => {
    app = await start(auth);
  });
  after(() => app.close());
  const post = (path: string, body: string): Promise<Response> =>
    fetch(app.url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(5000) });

  test('json location in preHandler: 200 with the body Fastify parsed, never "body already consumed"', async () => {
    const response = await post('/json', JSON.stringify({ access_token: token, n: 1 }));
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { username: 'user1', body: { access_token: token, n: 1 } });
  });

  test('json location in onRequest answers at once with a message naming the fix, never hangs', async () => {
    const response = await post('/json-early', JSON.stringify({ access_token: token }));
    assert.equal(response.status, 500);
    assert.match(((await response.json()) as { message: string }).message, /preValidation or preHandler hook, not onRequest/);
  });

  test("Fastify's own 400 for bad JSON stays Fastify's", async () => {
    const response = await post('/json', '{"access_token":');
    assert.equal(response.status, 400);
    const body = (await response.json()) as { code: string; detail?: unknown };
    assert.equal(body.code, 'FST_ERR_CTP_INVALID_JSON_BODY');
    assert.equal(body.detail, undefined);
  });

  test('the plugin decorates request.authx with the verified payload', async () => {
    const response = await fetch(`${app.url}/decorated`, { headers: { authorization: `Bearer ${token}` } });
    assert.deepEqual(await response.json(), { sub: 'user1' });
  });

  test('an unknown plugin option fails the registration', async () => {
    const bad = Fastify();
    await assert.rejects(async () => {
      await bad.register(fastifyAuth(auth).plugin, { implicitRefres: {} } as never);
    }, /unknown option "implicitRefres"/);
    await bad.close();
  });
});
