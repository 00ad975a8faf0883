/**
 * The hardening defects of issue #10 over real HTTP: logout cannot be blocked by whoever holds a
 * copy of the token, strangers cannot lock a user out, a removed user is refused everywhere, and
 * the server's options are checked by name. Clients come from distinct loopback addresses
 * (127.0.0.1, 127.0.0.2, ...: all loopback on Linux), so the server sees distinct peers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { createHandler } from '../../../server/http/app.ts';
import { hashPassword } from '../../../server/login/password.ts';
import { UserStore } from '../../../server/login/user-store.ts';
import { MemoryCounterStore } from '../../../server/login/counter-store.ts';
import { MemoryRevocationStore, type RevocationCheck, type RevocationStore } from '../../../lib/index.ts';
import { FAST_SCRYPT, TEST_SECRET, call, startTestServer, tokensFor, withTestServer } from '../server-helpers.ts';

interface Reply {
  status: number;
  retryAfter: string | undefined;
  body: Record<string, unknown>;
}

/** POST /login from the given local address. */
function loginFrom(port: number, localAddress: string, username: string, password: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ username, password });
    const req = request(
      { host: '127.0.0.1', port, localAddress, method: 'POST', path: '/login', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          const retryAfter = res.headers['retry-after'];
          resolve({ status: res.statusCode ?? 0, retryAfter, body: JSON.parse(text) as Record<string, unknown> });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const bearer = (token: string): RequestInit => ({ method: 'POST', headers: { authorization: `Bearer ${token}` } });

test('a thief who used up /refresh cannot stop the owner revoking the refresh token (defect #2)', async () => {
  await withTestServer(
    async ({ url }) => {
      const stolen = await tokensFor(url);
      // The thief refreshes (following the rotation) until the per-subject limit answers 429.
      let thiefRefresh = stolen.refresh;
      let minted = 0;
      for (;;) {
        const answer = await call(`${url}/refresh`, bearer(thiefRefresh));
        if (answer.status !== 200) {
          assert.equal(answer.status, 429, 'minting is limited');
          break;
        }
        thiefRefresh = answer.body.refresh_token;
        minted++;
      }
      assert.equal(minted, 3);
      // The owner logs out the access token and the refresh token it holds: both work.
      const out = await call(`${url}/logout`, bearer(stolen.access));
      assert.equal(out.status, 200, JSON.stringify(out.body));
      assert.deepEqual(out.body, { message: 'Token revoked' });
      const outRefresh = await call(`${url}/logout`, bearer(stolen.refresh));
      assert.equal(outRefresh.status, 200, JSON.stringify(outRefresh.body));
      assert.equal((await call(`${url}/protected`, { headers: { authorization: `Bearer ${stolen.access}` } })).status, 401);
      // Logging out the refresh token ended its session: the thief's newest refresh token is dead too.
      assert.equal((await call(`${url}/refresh`, bearer(thiefRefresh))).status, 401);
    },
    { refreshLimit: { maxFailures: 3, windowSeconds: 900 } },
  );
});

test('/logout is never rate-limited: every token a user holds can be revoked, even with /refresh used up', async () => {
  await withTestServer(
    async ({ url }) => {
      const sessions = [];
      for (let i = 0; i < 8; i++) sessions.push(await tokensFor(url));
      assert.equal((await call(`${url}/refresh`, bearer(sessions[0]!.refresh))).status, 200);
      assert.equal((await call(`${url}/refresh`, bearer(sessions[0]!.refresh))).status, 429);
      for (const { access, refresh } of sessions) {
        assert.equal((await call(`${url}/logout`, bearer(access))).status, 200);
        assert.equal((await call(`${url}/logout`, bearer(refresh))).status, 200);
        assert.equal((await call(`${url}/protected`, { headers: { authorization: `Bearer ${access}` } })).status, 401);
      }
    },
    { refreshLimit: { maxFailures: 1, windowSeconds: 900 } },
  );
});

test('/refresh is limited per subject with Retry-After; other users are not affected', async () => {
  await withTestServer(
    async ({ url }) => {
      const { refresh } = await tokensFor(url);
      assert.equal((await call(`${url}/refresh`, bearer(refresh))).status, 200);
      assert.equal((await call(`${url}/refresh`, bearer(refresh))).status, 200);
      const refused = await call(`${url}/refresh`, bearer(refresh));
      assert.equal(refused.status, 429);
      assert.equal(refused.headers.get('retry-after'), '900');
      assert.deepEqual(refused.body, { detail: 'Too many token refreshes; try again later' });
      const other = await tokensFor(url, 'user2', 'password2');
      assert.equal((await call(`${url}/refresh`, bearer(other.refresh))).status, 200);
    },
    { refreshLimit: { maxFailures: 2, windowSeconds: 900 } },
  );
});

test('/refresh on a store that answers later: the budget is read with the revocation check and counted with the rotation, so a refused token never counts, however many are in flight', async () => {
  // A revocation store whose check answers like a shared one's (a Promise, 20 ms later), over a memory store.
  const laterStore = (now: () => number): RevocationStore => {
    const inner = new MemoryRevocationStore({ clock: now });
    return {
      isRevoked: (check: RevocationCheck) => new Promise((resolve) => setTimeout(() => resolve(inner.isRevoked(check)), 20)),
      revoke: (jti, expiresAt, owner) => inner.revoke(jti, expiresAt, owner),
      revokeFamily: (fid, expiresAt, owner) => inner.revokeFamily(fid, expiresAt, owner),
      revokeSubject: (subject, cutoffMs, expiresAt) => inner.revokeSubject(subject, cutoffMs, expiresAt),
      retire: (retirement) => inner.retire(retirement),
      recordSession: (session) => inner.recordSession(session),
      listSessions: (subject) => inner.listSessions(subject),
    };
  };
  const counts = new MemoryCounterStore();
  const events: string[] = [];
  const counterStore = {
    increment: (key: string, windowMs: number) => (events.push('hit'), counts.increment(key, windowMs)),
    reset: (key: string) => counts.reset(key),
    exists: (key: string) => counts.exists(key),
    read: (key: string) => (events.push('read'), counts.read(key)),
  };
  await withTestServer(
    async ({ url }) => {
      const stolen = await tokensFor(url);
      assert.equal((await call(`${url}/logout`, bearer(stolen.refresh))).status, 200);
      events.length = 0;
      for (let i = 0; i < 3; i++) assert.equal((await call(`${url}/refresh`, bearer(stolen.refresh))).status, 401);
      assert.deepEqual(events, ['read', 'read', 'read'], 'a revoked token reads the budget and never counts');
      events.length = 0;
      assert.equal((await call(`${url}/refresh`, bearer(`${stolen.refresh.slice(0, -4)}AAAA`))).status, 401);
      assert.deepEqual(events, [], 'a token whose signature fails never reaches the limit');
      assert.equal((await call(`${url}/refresh`, bearer(stolen.access))).status, 401, 'an access token');
      assert.ok(!(events as string[]).includes('hit'), 'a token of the wrong type never counts');
      // The owner refreshes while a thief keeps 30 requests with the revoked copy in flight.
      const { refresh } = await tokensFor(url);
      let flooding = true;
      const flood = Promise.all(Array.from({ length: 30 }, async () => {
        while (flooding) assert.equal((await call(`${url}/refresh`, bearer(stolen.refresh))).status, 401);
      }));
      const first = await call(`${url}/refresh`, bearer(refresh));
      const second = await call(`${url}/refresh`, bearer(String(first.body.refresh_token)));
      flooding = false;
      await flood;
      assert.deepEqual([first.status, second.status], [200, 200], 'the owner\'s budget (2) is whole');
      const third = await call(`${url}/refresh`, bearer(String(second.body.refresh_token)));
      assert.equal(third.status, 429, 'spent by the owner\'s own two');
      assert.equal(third.headers.get('retry-after'), '900');
    },
    (clock) => ({ refreshLimit: { maxFailures: 2, windowSeconds: 900 }, revocationStore: laterStore(clock.now), counterStore }),
  );
});

test('wrong passwords for user1 from one address do not lock the owner out at another (defect #3)', async () => {
  await withTestServer(async ({ port }) => {
    for (let i = 0; i < 5; i++) assert.equal((await loginFrom(port, '127.0.0.1', 'user1', 'guess')).status, 401);
    for (let i = 0; i < 5; i++) {
      const refused = await loginFrom(port, '127.0.0.1', 'user1', i === 4 ? 'password1' : 'guess');
      assert.equal(refused.status, 429, 'the attacking address stays throttled, even with the right password');
      assert.equal(refused.retryAfter, '900');
    }
    assert.equal((await loginFrom(port, '127.0.0.2', 'user1', 'password1')).status, 200);
  });
});

test('guessing one username from many addresses stops at the per-username limit, except where the owner logged in before', async () => {
  await withTestServer(async ({ port }) => {
    assert.equal((await loginFrom(port, '127.0.0.9', 'user1', 'password1')).status, 200, 'the owner\'s usual address');
    // Strangers: 5 guesses each from two addresses use up the looser per-username budget (10).
    for (const address of ['127.0.0.1', '127.0.0.2']) {
      for (let i = 0; i < 5; i++) assert.equal((await loginFrom(port, address, 'user1', 'guess')).status, 401);
    }
    const fresh = await loginFrom(port, '127.0.0.3', 'user1', 'guess');
    assert.equal(fresh.status, 429, 'a third address gets no more guesses');
    assert.ok(Number(fresh.retryAfter) > 0);
    assert.equal((await loginFrom(port, '127.0.0.4', 'user1', 'password1')).status, 429, 'nor does an unknown address');
    assert.equal((await loginFrom(port, '127.0.0.9', 'user1', 'password1')).status, 200, 'the known address still logs in');
    assert.equal((await loginFrom(port, '127.0.0.3', 'user2', 'password2')).status, 200, 'other users are not affected');
  });
});

test('a known address still gets only the strict per-address budget for guessing', async () => {
  await withTestServer(async ({ port }) => {
    assert.equal((await loginFrom(port, '127.0.0.9', 'user1', 'password1')).status, 200);
    for (let i = 0; i < 5; i++) assert.equal((await loginFrom(port, '127.0.0.9', 'user1', 'guess')).status, 401);
    assert.equal((await loginFrom(port, '127.0.0.9', 'user1', 'guess')).status, 429);
  });
});

test('a removed user gets 401 on /protected, /refresh and /logout (defect #4)', async () => {
  const before = await startTestServer();
  let tokens: { access: string; refresh: string };
  try {
    tokens = await tokensFor(before.url);
  } finally {
    await before.close();
  }
  // The same secret and clock, with user1 removed from the users (a restart after editing the file).
  const users = new UserStore({ user2: { password_hash: await hashPassword('password2', { parameters: FAST_SCRYPT }), email: 'user2@example.com' } });
  await withTestServer(
    async ({ url }) => {
      for (const [path, token, method] of [['/protected', tokens.access, 'GET'], ['/refresh', tokens.refresh, 'POST'], ['/logout', tokens.access, 'POST'], ['/logout', tokens.refresh, 'POST']] as const) {
        const answer = await call(`${url}${path}`, { method, headers: { authorization: `Bearer ${token}` } });
        assert.equal(answer.status, 401, `${method} ${path}`);
        assert.deepEqual(answer.body, { detail: 'Token subject is not a known user' });
        assert.match(answer.headers.get('www-authenticate') ?? '', /^Bearer /);
      }
      const other = await tokensFor(url, 'user2', 'password2');
      assert.equal((await call(`${url}/protected`, { headers: { authorization: `Bearer ${other.access}` } })).status, 200);
    },
    { users },
  );
});

test('the server refuses an unknown option, naming it and the option it probably meant', () => {
  assert.throws(() => createHandler({ secretKey: TEST_SECRET, subjectLimit: { maxFailures: 1, windowSeconds: 1 } } as never), {
    name: 'TypeError',
    message: /^server options: unknown option "subjectLimit"; /,
  });
  assert.throws(() => createHandler({ secretKey: TEST_SECRET, trustProxies: true } as never), {
    name: 'TypeError',
    message: 'server options: unknown option "trustProxies"; did you mean "trustProxy"?',
  });
  assert.throws(() => createHandler({ secretKey: TEST_SECRET, usernameLimit: { maxFailure: 3, windowSeconds: 60 } } as never), {
    name: 'TypeError',
    message: 'usernameLimit: unknown option "maxFailure"; did you mean "maxFailures"?',
  });
  assert.throws(() => createHandler({ secretKey: TEST_SECRET, knownAddressDays: 0 }), { name: 'RangeError', message: /knownAddressDays/ });
});
