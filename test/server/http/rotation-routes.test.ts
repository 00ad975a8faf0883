/**
 * Refresh token rotation on the example server's routes, over real HTTP on port 0 with the
 * in-memory store: POST /refresh answers a new refresh token of the same family, reuse of a
 * rotated one revokes the family (logged without the token), the race rule under truly
 * concurrent requests, and logout of a refresh token ending its family.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { call, decodeSegment, tokensFor, withTestServer } from '../server-helpers.ts';

const post = (token: string): RequestInit => ({ method: 'POST', headers: { authorization: `Bearer ${token}` } });
const get = (token: string): RequestInit => ({ headers: { authorization: `Bearer ${token}` } });

test('POST /refresh answers access_token, token_type and a new refresh_token of the same family', async () => {
  await withTestServer(async ({ url, clock }) => {
    const first = await tokensFor(url);
    clock.advance(1000);
    const answer = await call(`${url}/refresh`, post(first.refresh));
    assert.equal(answer.status, 200);
    assert.deepEqual(Object.keys(answer.body), ['access_token', 'token_type', 'refresh_token']);
    assert.equal(answer.body.token_type, 'bearer');
    assert.notEqual(answer.body.refresh_token, first.refresh);
    const fid = decodeSegment(first.refresh, 1).fid;
    assert.equal(typeof fid, 'string');
    assert.equal(decodeSegment(answer.body.refresh_token, 1).fid, fid);
    assert.equal(decodeSegment(answer.body.access_token, 1).fid, fid);
    assert.equal((await call(`${url}/protected`, get(answer.body.access_token))).status, 200);
  });
});

test('reuse of a rotated refresh token: 401, then the family\'s refresh and access tokens are refused; a new login works', async () => {
  await withTestServer(async ({ url, clock, logLines }) => {
    const first = await tokensFor(url);
    const other = await tokensFor(url); // another session of the same user
    clock.advance(1000);
    const rotated = (await call(`${url}/refresh`, post(first.refresh))).body;
    clock.advance(11_000); // past the 10 s grace period
    const reuse = await call(`${url}/refresh`, post(first.refresh));
    assert.equal(reuse.status, 401);
    assert.deepEqual(reuse.body, { detail: 'Refresh token was already used; its token family has been revoked' });
    assert.match(reuse.headers.get('www-authenticate') ?? '', /^Bearer error="invalid_token"/);

    const newRefresh = await call(`${url}/refresh`, post(rotated.refresh_token));
    assert.equal(newRefresh.status, 401);
    assert.deepEqual(newRefresh.body, { detail: 'Token has been revoked' });
    for (const access of [first.access, rotated.access_token]) {
      assert.deepEqual((await call(`${url}/protected`, get(access))).body, { detail: 'Token has been revoked' });
    }
    // The event is logged with ids only, never a token.
    const fid = String(decodeSegment(first.refresh, 1).fid);
    const events = logLines.filter((line) => line.startsWith('security:'));
    assert.equal(events.length, 1);
    assert.match(events[0]!, new RegExp(`family ${fid} revoked`));
    for (const token of [first.refresh, rotated.refresh_token, first.access]) {
      assert.ok(!logLines.join('').includes(token.split('.')[2]!));
    }
    // Only that family: the other session and a new login work.
    assert.equal((await call(`${url}/protected`, get(other.access))).status, 200);
    assert.equal((await call(`${url}/refresh`, post(other.refresh))).status, 200);
    const again = await tokensFor(url);
    assert.equal((await call(`${url}/protected`, get(again.access))).status, 200);
    assert.equal((await call(`${url}/refresh`, post(again.refresh))).status, 200);
  });
});

test('twelve concurrent refreshes with one token all get the same new refresh token, and the family stays usable', async () => {
  await withTestServer(async ({ url, clock }) => {
    const first = await tokensFor(url);
    clock.advance(1000);
    const answers = await Promise.all(Array.from({ length: 12 }, () => call(`${url}/refresh`, post(first.refresh))));
    assert.deepEqual(answers.map((a) => a.status), Array(12).fill(200));
    const successors = new Set(answers.map((a) => a.body.refresh_token as string));
    assert.equal(successors.size, 1, 'one successor, never a fork');
    const [successor] = successors;
    for (const answer of answers) assert.equal((await call(`${url}/protected`, get(answer.body.access_token))).status, 200);
    clock.advance(1000);
    const next = await call(`${url}/refresh`, post(successor!));
    assert.equal(next.status, 200);
    // The successor has been used: the first token is theft now, even within the grace period.
    assert.equal((await call(`${url}/refresh`, post(first.refresh))).status, 401);
    assert.equal((await call(`${url}/refresh`, post(next.body.refresh_token))).status, 401);
  });
});

test('with reuseGraceSeconds 0, exactly one of concurrent refreshes wins and the reuse revokes the family', async () => {
  await withTestServer(
    async ({ url, clock }) => {
      const first = await tokensFor(url);
      clock.advance(1000);
      const answers = await Promise.all(Array.from({ length: 10 }, () => call(`${url}/refresh`, post(first.refresh))));
      assert.equal(answers.filter((a) => a.status === 200).length, 1);
      assert.equal(answers.filter((a) => a.status === 401).length, 9);
      const winner = answers.find((a) => a.status === 200)!;
      assert.equal((await call(`${url}/refresh`, post(winner.body.refresh_token))).status, 401);
    },
    { reuseGraceSeconds: 0 },
  );
});

test('POST /logout with a refresh token revokes its family; with an access token only that token', async () => {
  await withTestServer(async ({ url, clock }) => {
    const session = await tokensFor(url);
    clock.advance(1000);
    const rotated = (await call(`${url}/refresh`, post(session.refresh))).body;
    assert.equal((await call(`${url}/logout`, post(rotated.access_token))).status, 200);
    assert.equal((await call(`${url}/protected`, get(session.access))).status, 200);
    assert.equal((await call(`${url}/logout`, post(rotated.refresh_token))).status, 200);
    assert.equal((await call(`${url}/protected`, get(session.access))).status, 401);
    assert.equal((await call(`${url}/refresh`, post(rotated.refresh_token))).status, 401);
  });
});

test('logoutRevokesFamily false: a refresh token logout revokes that token only', async () => {
  await withTestServer(
    async ({ url }) => {
      const session = await tokensFor(url);
      assert.equal((await call(`${url}/logout`, post(session.refresh))).status, 200);
      assert.equal((await call(`${url}/protected`, get(session.access))).status, 200);
      assert.equal((await call(`${url}/refresh`, post(session.refresh))).status, 401);
    },
    { logoutRevokesFamily: false },
  );
});

test('server options: reuseGraceSeconds outside 0..60 and a non-boolean logoutRevokesFamily are refused at construction', async () => {
  await assert.rejects(withTestServer(async () => {}, { reuseGraceSeconds: 61 }), RangeError);
  await assert.rejects(withTestServer(async () => {}, { logoutRevokesFamily: 'yes' as never }), TypeError);
});
