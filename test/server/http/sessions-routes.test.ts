/**
 * The session routes of the example server over real HTTP (issue #25): GET /sessions lists the
 * caller's sessions newest first with the current one marked and the User-Agent cleaned;
 * DELETE /sessions/{id} ends one (its tokens refused at once), 404 for an id that is not the
 * caller's, unknown or malformed; DELETE /sessions ends all but the current one; 401 with a
 * Bearer challenge without a valid access token; the log and metrics never hold a session id.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { call, withTestServer } from '../server-helpers.ts';

async function signIn(url: string, userAgent: string, username = 'user1', password = 'password1'): Promise<{ access: string; refresh: string }> {
  const answer = await call(`${url}/login`, { method: 'POST', headers: { 'content-type': 'application/json', 'user-agent': userAgent }, body: JSON.stringify({ username, password }) });
  assert.equal(answer.status, 200);
  return { access: answer.body.access_token, refresh: answer.body.refresh_token };
}
const as = (token: string, method = 'GET'): RequestInit => ({ method, headers: { authorization: `Bearer ${token}` } });

test('GET /sessions: newest first, the current one marked, the User-Agent as sent without control characters', async () => {
  await withTestServer(async ({ url, clock }) => {
    const laptop = await signIn(url, 'Laptop\tFirefox/130');
    clock.advance(60_000);
    const phone = await signIn(url, 'Phone');
    await signIn(url, 'Other user', 'user2', 'password2');
    const answer = await call(`${url}/sessions`, as(phone.access));
    assert.equal(answer.status, 200);
    const start = Math.floor(clock.now() / 1000);
    assert.deepEqual(answer.body.sessions.map((s: Record<string, unknown>) => [s.user_agent, s.current, s.created_at, s.last_used_at]), [
      ['Phone', true, start, start],
      ['LaptopFirefox/130', false, start - 60, start - 60],
    ]);
    assert.deepEqual(Object.keys(answer.body.sessions[0]), ['id', 'created_at', 'last_used_at', 'expires_at', 'user_agent', 'current']);
    assert.equal(answer.body.sessions[0].expires_at, start + 20 * 86400);
    // A refresh moves last_used_at; the refreshed access token still marks its session current.
    clock.advance(30_000);
    const refreshed = await call(`${url}/refresh`, as(laptop.refresh, 'POST'));
    assert.equal(refreshed.status, 200);
    const after = await call(`${url}/sessions`, as(refreshed.body.access_token));
    assert.deepEqual(after.body.sessions.map((s: Record<string, unknown>) => [s.user_agent, s.current, s.last_used_at]), [
      ['Phone', false, start],
      ['LaptopFirefox/130', true, start + 30],
    ]);
  });
});

test('DELETE /sessions/{id}: 204 and its tokens refused at once; 404 for another user\'s, unknown or malformed id', async () => {
  await withTestServer(async ({ url, logLines }) => {
    const a = await signIn(url, 'A');
    const b = await signIn(url, 'B');
    const other = await signIn(url, 'X', 'user2', 'password2');
    const listed = (await call(`${url}/sessions`, as(a.access))).body.sessions as { id: string; user_agent: string }[];
    const idOfB = listed.find((s) => s.user_agent === 'B')!.id;
    const idOfOther = (await call(`${url}/sessions`, as(other.access))).body.sessions[0].id as string;
    const notMine = await call(`${url}/sessions/${idOfOther}`, as(a.access, 'DELETE'));
    const unknown = await call(`${url}/sessions/00000000-0000-4000-8000-000000000000`, as(a.access, 'DELETE'));
    assert.equal(notMine.status, 404);
    assert.deepEqual(notMine.body, { detail: 'Session not found' });
    assert.deepEqual([unknown.status, unknown.text], [404, notMine.text], 'the same answer: ids of others cannot be probed');
    assert.equal((await call(`${url}/sessions/not-an-id`, as(a.access, 'DELETE'))).status, 404);
    // Near misses of the id of a session of the caller's own: each a 404 (this route's, or no
    // route's for a path it does not take), never a 500, and none ends the session.
    for (const id of [idOfB.toUpperCase(), `${idOfB}/`, `${idOfB}/x`, idOfB.replaceAll('-', '%2D'), `${idOfB}%00`, 'a'.repeat(5000), '%', '..%2F..%2Fprotected']) {
      const near = await call(`${url}/sessions/${id}`, as(a.access, 'DELETE'));
      assert.equal(near.status, 404, id.slice(0, 60));
      assert.ok([notMine.text, '{"detail":"Not Found"}'].includes(near.text), `${id.slice(0, 60)}: ${near.text}`);
    }
    assert.equal((await call(`${url}/protected`, as(b.access))).status, 200, 'no near miss ended B');
    assert.equal((await call(`${url}/protected`, as(other.access))).status, 200, 'the other user\'s session is untouched');
    const ended = await call(`${url}/sessions/${idOfB}`, as(a.access, 'DELETE'));
    assert.equal(ended.status, 204);
    assert.equal(ended.text, '');
    assert.equal((await call(`${url}/protected`, as(b.access))).status, 401);
    assert.equal((await call(`${url}/refresh`, as(b.refresh, 'POST'))).status, 401);
    assert.equal((await call(`${url}/protected`, as(a.access))).status, 200);
    assert.equal((await call(`${url}/sessions/${idOfB}`, as(a.access, 'DELETE'))).status, 404, 'already ended');
    await new Promise((resolve) => setImmediate(resolve));
    const log = logLines.join('');
    assert.ok(!log.includes(idOfB) && !log.includes(idOfOther), 'no session id in the access log');
    assert.match(log, /\/sessions\/\{id\}/);
  });
});

test('DELETE /sessions ends every session but the current one; GET /sessions with GET /protected\'s 401s', async () => {
  await withTestServer(async ({ url }) => {
    const others = [await signIn(url, 'one'), await signIn(url, 'two')];
    const current = await signIn(url, 'current');
    const answer = await call(`${url}/sessions`, as(current.access, 'DELETE'));
    assert.equal(answer.status, 204);
    for (const session of others) assert.equal((await call(`${url}/protected`, as(session.access))).status, 401);
    assert.deepEqual((await call(`${url}/sessions`, as(current.access))).body.sessions.map((s: { user_agent: string }) => s.user_agent), ['current']);
    const bare = await call(`${url}/sessions`);
    assert.equal(bare.status, 401);
    assert.equal(bare.headers.get('www-authenticate'), 'Bearer');
    assert.equal((await call(`${url}/sessions`, as(current.refresh))).status, 401, 'a refresh token is no access token');
    assert.equal((await call(`${url}/sessions`, { method: 'POST', headers: { authorization: `Bearer ${current.access}` } })).status, 405);
    // The DELETE routes refuse a missing or bad token like GET /sessions, and end nothing.
    for (const path of ['/sessions', `/sessions/00000000-0000-4000-8000-000000000000`]) {
      for (const init of [{ method: 'DELETE' }, as(`${current.access.slice(0, -4)}AAAA`, 'DELETE'), as(current.refresh, 'DELETE')]) {
        const refused = await call(`${url}${path}`, init);
        assert.equal(refused.status, 401, path);
        assert.match(refused.headers.get('www-authenticate') ?? '', /^Bearer/);
      }
    }
    assert.equal((await call(`${url}/sessions/00000000-0000-4000-8000-000000000000`, as(current.access))).status, 405, 'GET of one session');
    assert.equal((await call(`${url}/protected`, as(current.access))).status, 200);
  });
});

test('past maxSessions a login ends the oldest session first', async () => {
  await withTestServer(async ({ url, clock }) => {
    const made = [];
    for (const name of ['first', 'second', 'third']) {
      clock.advance(1000);
      made.push(await signIn(url, name));
    }
    assert.equal((await call(`${url}/protected`, as(made[0]!.access))).status, 401);
    const names = (await call(`${url}/sessions`, as(made[2]!.access))).body.sessions.map((s: { user_agent: string }) => s.user_agent);
    assert.deepEqual(names, ['third', 'second']);
  }, { maxSessions: 2 });
});
