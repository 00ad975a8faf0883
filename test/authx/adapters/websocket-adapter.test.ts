/**
 * `authx-node/websocket` with a real `ws` server (noServer mode on a `node:http` server, port 0)
 * and real `ws` clients: tokens from the Authorization header, the query string and
 * `Sec-WebSocket-Protocol`; refusals are real HTTP 401/403 answers before any upgrade.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import WebSocket, { WebSocketServer } from 'ws';
import { websocketAuth } from '../../../lib/authx/adapters/websocket.ts';
import { AuthX } from '../../../lib/index.ts';
import { SECRET } from '../authx-helpers.ts';

const auth = new AuthX({ secretKey: SECRET });
const wsAuth = websocketAuth(auth, { scopes: ['chat'] });
const token = auth.createAccessToken('user1', { scopes: ['chat'] });
let url: string;
let close: () => Promise<void>;

before(async () => {
  const server = createServer((_req, res) => res.writeHead(404).end());
  const wss = new WebSocketServer({ noServer: true, handleProtocols: wsAuth.handleProtocols });
  server.on('upgrade', wsAuth.upgrade(wss));
  wss.on('connection', (ws: WebSocket, req: IncomingMessage) => ws.send(`hello ${wsAuth.payload(req).sub} via ${ws.protocol || '-'}`));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = () => new Promise<void>((resolve) => {
    for (const client of wss.clients) client.terminate();
    server.closeAllConnections();
    server.close(() => resolve());
  });
});
after(() => close());

/** Opens a client; resolves with its first message, or with the HTTP refusal it got instead. */
function connect(path: string, options: { headers?: Record<string, string>; protocols?: string[] } = {}): Promise<
  { message: string } | { status: number; headers: IncomingMessage['headers']; body: string }
> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url + path, options.protocols ?? [], { headers: options.headers ?? {} });
    ws.once('message', (data) => {
      resolve({ message: String(data) });
      ws.close();
    });
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    ws.once('error', reject);
  });
}

describe('WebSocket upgrade authentication over real ws connections', () => {
  test('a token in the Authorization header opens the socket', async () => {
    assert.deepEqual(await connect('/', { headers: { authorization: `Bearer ${token}` } }), { message: 'hello user1 via -' });
  });

  test('a token in the query string opens the socket', async () => {
    assert.deepEqual(await connect(`/?token=${token}`), { message: 'hello user1 via -' });
  });

  test('a token in Sec-WebSocket-Protocol opens the socket; the server selects the other protocol, never the token', async () => {
    assert.deepEqual(await connect('/', { protocols: ['chat.v1', `bearer.${token}`] }), { message: 'hello user1 via chat.v1' });
  });

  test('no token: HTTP 401 with WWW-Authenticate: Bearer and {"detail"}, no upgrade', async () => {
    const answer = await connect('/');
    assert.ok('status' in answer);
    assert.equal(answer.status, 401);
    assert.equal(answer.headers['www-authenticate'], 'Bearer');
    assert.deepEqual(JSON.parse(answer.body), { detail: 'No access token found in the request' });
  });

  test('a bad token: HTTP 401 invalid_token, the token not echoed', async () => {
    const forged = `${token.slice(0, -4)}AAAA`;
    const answer = await connect('/', { headers: { authorization: `Bearer ${forged}` } });
    assert.ok('status' in answer);
    assert.equal(answer.status, 401);
    assert.match(String(answer.headers['www-authenticate']), /error="invalid_token"/);
    assert.ok(!answer.body.includes(forged.slice(-20)));
  });

  test('a token without the scope: HTTP 403 insufficient_scope', async () => {
    const answer = await connect('/', { headers: { authorization: `Bearer ${auth.createAccessToken('user2')}` } });
    assert.ok('status' in answer);
    assert.equal(answer.status, 403);
    assert.match(String(answer.headers['www-authenticate']), /error="insufficient_scope", .*scope="chat"/);
  });

  test("an Authorization header of another scheme (a proxy's Basic) does not end the search; alone, it is the answer", async () => {
    const basic = { authorization: 'Basic dXNlcjpw' };
    assert.deepEqual(await connect(`/?token=${token}`, { headers: basic }), { message: 'hello user1 via -' });
    assert.deepEqual(await connect('/', { headers: basic, protocols: ['chat.v1', `bearer.${token}`] }), { message: 'hello user1 via chat.v1' });
    const alone = await connect('/', { headers: basic });
    assert.ok('status' in alone);
    assert.equal(alone.status, 401);
    assert.equal(JSON.parse(alone.body).detail === 'No access token found in the request', false, 'the other scheme is reported, not a missing token');
  });

  test('a refresh token is refused', async () => {
    const answer = await connect('/', { headers: { authorization: `Bearer ${auth.createRefreshToken('user1')}` } });
    assert.ok('status' in answer);
    assert.equal(answer.status, 401);
  });

  test('options are checked by name; payload() of a request never accepted is a TypeError', () => {
    assert.throws(() => websocketAuth(auth, { source: ['query'] } as never), /did you mean "sources"/);
    assert.throws(() => websocketAuth(auth, { sources: ['cookies' as never] }), TypeError);
    assert.throws(() => wsAuth.payload({} as IncomingMessage), TypeError);
  });

  test('a failing revocation store: a bare 500 on the socket, the error handed to onUnexpectedError', async () => {
    const seen: unknown[] = [];
    const broken = new AuthX({
      secretKey: SECRET,
      revocationStore: {
        isRevoked: async () => { throw new Error('store down'); },
        revoke: async () => ({}), revokeSubject: async () => {}, revokeFamily: async () => {}, retire: async () => ({ outcome: 'claimed' as const }), recordSession: async () => {}, listSessions: async () => [],
      } as never,
    });
    const brokenAuth = websocketAuth(broken, { onUnexpectedError: (error) => seen.push(error) });
    const server = createServer();
    server.on('upgrade', brokenAuth.upgrade(new WebSocketServer({ noServer: true })));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const status = await new Promise<number | undefined>((resolve, reject) => {
        const ws = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`, { headers: { authorization: `Bearer ${broken.createAccessToken('user1')}` } });
        ws.once('unexpected-response', (_req, res) => resolve(res.statusCode));
        ws.once('error', reject);
      });
      assert.equal(status, 500);
      assert.equal((seen[0] as Error | undefined)?.message, 'store down');
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
