/**
 * Starts `server.ts` as users do, in a child process, and walks the seed's walkthrough over real
 * HTTP. On a Node that strips types itself (22.18+, 24) the child is exactly `node server.ts`,
 * with no flags and no tsx; on older Node it is `node --import tsx server.ts` (what `npm start`
 * runs). CI runs this file under both, so a file that only works under tsx cannot ship.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startServerProcess, type ServerProcess } from '../../helpers/server-process.ts';

const nodeStripsTypes = Boolean((process.features as { typescript?: string | false }).typescript);
const childArgs = nodeStripsTypes ? ['server.ts'] : ['--import', 'tsx', 'server.ts'];

describe(`server.ts as a process: node ${childArgs.join(' ')} (Node ${process.version})`, () => {
  let server: ServerProcess;

  before(async () => {
    // test/server/process/state-durability.process.test.ts runs it on a real DATA_DIR.
    server = await startServerProcess({ SHUTDOWN_DELAY_MS: '0', DATA_DIR: ':memory:' });
  });

  after(async () => {
    if (server) await server.stop();
  });

  test('starts without type-stripping warnings or errors on stderr', () => {
    assert.doesNotMatch(server.stderr(), /ExperimentalWarning|SyntaxError|ERR_/);
  });

  test('GET / answers the welcome message', async () => {
    const response = await fetch(`${server.url}/`);
    assert.equal(response.status, 200);
    const body = (await response.json()) as { message: unknown };
    assert.equal(body.message, 'Welcome to AuthX Basic Authentication Example');
  });

  test('walkthrough: POST /login as user1, then GET /protected with the bearer token', async () => {
    const login = await fetch(`${server.url}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'user1', password: 'password1' }),
    });
    assert.equal(login.status, 200);
    const issued = (await login.json()) as { access_token: string; token_type: string };
    assert.equal(issued.token_type, 'bearer');
    assert.match(issued.access_token, /^[\w-]+\.[\w-]+\.[\w-]{43}$/);

    const protectedResponse = await fetch(`${server.url}/protected`, {
      headers: { authorization: `Bearer ${issued.access_token}` },
    });
    assert.equal(protectedResponse.status, 200);
    assert.deepEqual(await protectedResponse.json(), {
      message: 'You have access to this protected resource',
      username: 'user1',
      email: 'user1@example.com',
    });
  });

  test('GET /protected without a token is refused with 401 and WWW-Authenticate: Bearer', async () => {
    const response = await fetch(`${server.url}/protected`);
    assert.equal(response.status, 401);
    assert.match(response.headers.get('www-authenticate') ?? '', /^Bearer/);
    const body = (await response.json()) as { detail: unknown };
    assert.equal(typeof body.detail, 'string');
  });
});
