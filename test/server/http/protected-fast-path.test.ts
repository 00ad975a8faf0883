/**
 * `GET /protected` on the fast path (server/http/routes.ts): with the default synchronous revocation
 * store it answers within the request callback, so no Promise is made for it; with a caller's
 * own AuthX (whose store may be asynchronous) it takes the asynchronous path and answers the same.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { AuthX } from '../../../lib/authx/authx.ts';
import { createHandler } from '../../../server/http/app.ts';
import { TEST_SECRET } from '../server-helpers.ts';

/** Serves `handler`, noting for each request whether the answer was complete when it returned. */
async function serveRecording(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ url: string; endedInCallback: boolean[]; close: () => void }> {
  const endedInCallback: boolean[] = [];
  const server = createServer((req, res) => {
    handler(req, res);
    endedInCallback.push(res.writableEnded);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, endedInCallback, close: () => server.close() };
}

const discard = { write: () => true };

test('GET /protected answers within the request callback with the default store, 200 and 401 alike', async (t) => {
  const handler = createHandler({ secretKey: TEST_SECRET, log: discard });
  const token = new AuthX({ secretKey: TEST_SECRET }).createAccessToken('user1');
  const served = await serveRecording(handler);
  t.after(served.close);
  const ok = await fetch(`${served.url}/protected`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(ok.status, 200);
  assert.equal(((await ok.json()) as { email: string }).email, 'user1@example.com');
  const refused = await fetch(`${served.url}/protected`, { headers: { authorization: 'Bearer x.y.z' } });
  assert.equal(refused.status, 401);
  assert.match(refused.headers.get('www-authenticate') ?? '', /^Bearer /);
  await refused.text();
  assert.deepEqual(served.endedInCallback, [true, true]);
});

test('GET /protected with a caller-supplied AuthX takes the asynchronous path and answers the same', async (t) => {
  const auth = new AuthX({ secretKey: TEST_SECRET });
  const served = await serveRecording(createHandler({ auth, log: discard }));
  t.after(served.close);
  const ok = await fetch(`${served.url}/protected`, { headers: { authorization: `Bearer ${auth.createAccessToken('user2')}` } });
  assert.equal(ok.status, 200);
  assert.equal(((await ok.json()) as { username: string }).username, 'user2');
  assert.deepEqual(served.endedInCallback, [false]);
});
