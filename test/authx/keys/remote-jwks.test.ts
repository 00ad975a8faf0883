/**
 * The remote JWK Set (lib/authx/keys/remote-jwks.ts) against a real loopback node:http server:
 * verification through it, caching with floor and ceiling, the unknown-kid cooldown, the size
 * cap, the timeout, redirects, and the https-only rule.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRemoteJWKSet, exportPublicJwk, importKey, signJwt, verifyJwt, verifyJwtAsync } from '../../../lib/index.ts';

const first = generateKeyPairSync('ed25519');
const second = generateKeyPairSync('ed25519');
const firstJwk = exportPublicJwk(first.publicKey, { kid: 'one' });
const secondJwk = exportPublicJwk(second.publicKey, { kid: 'two' });
const signer = importKey(first.privateKey, { kid: 'one' });

interface Issuer {
  url: string;
  requests: number;
  respond: (req: IncomingMessage, res: ServerResponse) => void;
  close: () => Promise<void>;
}

async function issuer(respond: Issuer['respond']): Promise<Issuer> {
  const state = { requests: 0, respond } as Issuer;
  const server = createServer((req, res) => {
    state.requests++;
    state.respond(req, res);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
  state.close = async () => {
    server.closeAllConnections();
    server.close();
    await once(server, 'close');
  };
  return state;
}

function serve(keys: object[], cacheControl?: string): Issuer['respond'] {
  return (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', ...(cacheControl === undefined ? {} : { 'cache-control': cacheControl }) });
    res.end(JSON.stringify({ keys }));
  };
}

test('verifyJwtAsync verifies through the remote set, fetching once, then verifyJwt works from the cache', async () => {
  const server = await issuer(serve([firstJwk, secondJwk], 'max-age=300'));
  try {
    const keys = createRemoteJWKSet(server.url);
    const token = signJwt({ sub: 'user1' }, signer, { expiresIn: 60 });
    const results = await Promise.all([verifyJwtAsync(token, keys), verifyJwtAsync(token, keys), verifyJwtAsync(token, keys)]);
    for (const { payload } of results) assert.equal(payload.sub, 'user1');
    assert.equal(server.requests, 1, 'concurrent verifications share one fetch');
    assert.equal(verifyJwt(token, keys).sub, 'user1');
    const hmac = signJwt({ sub: 'x' }, 'k'.repeat(32), { kid: 'one', expiresIn: 60 });
    await assert.rejects(verifyJwtAsync(hmac, keys), { code: 'ERR_JWT_ALG_NOT_ALLOWED' });
  } finally {
    await server.close();
  }
});

test('Cache-Control max-age is honoured between the floor and the ceiling', async () => {
  for (const [cacheControl, expectedSeconds] of [['max-age=300', 300], ['max-age=1', 60], ['no-store', 60], [undefined, 60], ['max-age=999999', 3600]] as const) {
    const server = await issuer(serve([firstJwk], cacheControl));
    try {
      let now = 1_000_000;
      const keys = createRemoteJWKSet(server.url, { clock: () => now, minCacheSeconds: 60, maxCacheSeconds: 3600, cooldownSeconds: 1 });
      await keys.ready();
      now += expectedSeconds * 1000 - 1;
      await keys.ready();
      assert.equal(server.requests, 1, `${cacheControl}: still cached just before ${expectedSeconds}s`);
      now += 1;
      await keys.ready();
      assert.equal(server.requests, 2, `${cacheControl}: fetched again at ${expectedSeconds}s`);
    } finally {
      await server.close();
    }
  }
});

test('a flood of unknown kids causes at most one fetch per cooldown, and a new key is picked up after it', async () => {
  const server = await issuer(serve([firstJwk], 'max-age=3600'));
  try {
    let now = 1_000_000;
    const keys = createRemoteJWKSet(server.url, { clock: () => now, cooldownSeconds: 30 });
    await keys.ready();
    const forged = (kid: string) => signJwt({ sub: 'x' }, second.privateKey, { kid, expiresIn: 60 });
    for (let i = 0; i < 50; i++) await assert.rejects(verifyJwtAsync(forged(`kid-${i}`), keys), { code: 'ERR_JWT_KEY_UNKNOWN' });
    assert.equal(server.requests, 1, 'the initial fetch started the cooldown: no fetch for any unknown kid');
    now += 30_000;
    for (let i = 0; i < 50; i++) await assert.rejects(verifyJwtAsync(forged(`again-${i}`), keys), { code: 'ERR_JWT_KEY_UNKNOWN' });
    assert.equal(server.requests, 2, 'after the cooldown, one fetch for the first unknown kid only');
    // The issuer publishes a second key; within the cooldown it is not seen, after it it is.
    server.respond = serve([firstJwk, secondJwk], 'max-age=3600');
    await assert.rejects(verifyJwtAsync(forged('two'), keys), { code: 'ERR_JWT_KEY_UNKNOWN' });
    now += 30_000;
    assert.equal((await verifyJwtAsync(forged('two'), keys)).payload.sub, 'x');
    assert.equal(server.requests, 3);
    assert.equal(keys.fetches, 3);
  } finally {
    await server.close();
  }
});

test('a response over maxBytes, a non-200, a redirect, and a timeout fail without a set, and keep a previous set', async () => {
  const big = await issuer(serve(Array.from({ length: 200 }, () => firstJwk)));
  const status = await issuer((_req, res) => res.writeHead(500).end());
  const redirect = await issuer((_req, res) => res.writeHead(302, { location: 'http://127.0.0.1:1/' }).end());
  const silent = await issuer(() => {});
  try {
    for (const [server, options] of [[big, { maxBytes: 4096 }], [status, {}], [redirect, {}], [silent, { timeoutMs: 200 }]] as const) {
      const keys = createRemoteJWKSet(server.url, options);
      // The issuer's outage, not a bad token: 503 with Retry-After (the cooldown), never 401.
      await assert.rejects(keys.ready(), { code: 'ERR_JWKS_UNAVAILABLE', status: 503, retryAfterSeconds: 30 });
      // Within the cooldown, no second fetch.
      await assert.rejects(keys.ready(), { code: 'ERR_JWKS_UNAVAILABLE', status: 503 });
      assert.equal(server.requests, 1);
    }
    // Chunked (no content-length) over the cap is refused too.
    const chunked = await issuer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"keys":[');
      res.end(`${'{"kty":"oct"},'.repeat(1000)}{}]}`);
    });
    await assert.rejects(createRemoteJWKSet(chunked.url, { maxBytes: 1024 }).ready(), { code: 'ERR_JWKS_UNAVAILABLE' });
    await chunked.close();
    // A set fetched once survives a failing refresh.
    const flaky = await issuer(serve([firstJwk], 'max-age=60'));
    let now = 0;
    const keys = createRemoteJWKSet(flaky.url, { clock: () => now });
    await keys.ready();
    flaky.respond = (_req, res) => res.writeHead(503).end();
    now += 61_000;
    await keys.ready();
    assert.equal(flaky.requests, 2);
    assert.equal(verifyJwt(signJwt({ sub: 'a' }, signer, { expiresIn: 60 }), keys).sub, 'a');
    await flaky.close();
  } finally {
    await Promise.all([big.close(), status.close(), redirect.close(), silent.close()]);
  }
});

test('an expired set stands in for maxStaleSeconds while the issuer is down, then verification is a 503 until it is back', async () => {
  const server = await issuer(serve([firstJwk], 'max-age=60'));
  try {
    const token = signJwt({ sub: 'a' }, signer, { expiresIn: 60 });
    const expired = 1_000_000 + 60_000;
    for (const [maxStaleSeconds, standsIn] of [[undefined, 3600], [120, 120], [0, 0]] as const) {
      server.respond = serve([firstJwk], 'max-age=60');
      const before = server.requests;
      let now = 1_000_000;
      const keys = createRemoteJWKSet(server.url, { clock: () => now, cooldownSeconds: 30, ...(maxStaleSeconds === undefined ? {} : { maxStaleSeconds }) });
      await keys.ready();
      server.respond = (_req, res) => res.writeHead(503).end();
      if (standsIn > 0) {
        now = expired + standsIn * 1000 - 1;
        assert.equal((await verifyJwtAsync(token, keys)).payload.sub, 'a', `${maxStaleSeconds}: still used just before the bound`);
        assert.equal(verifyJwt(token, keys).sub, 'a');
      }
      now = expired + standsIn * 1000;
      // A fetch was tried (and failed) just before, if the set stood in: this one is within the cooldown.
      await assert.rejects(verifyJwtAsync(token, keys), { code: 'ERR_JWKS_UNAVAILABLE', status: 503 }, `${maxStaleSeconds}: async`);
      assert.throws(() => verifyJwt(token, keys), { code: 'ERR_JWKS_UNAVAILABLE', status: 503 }, `${maxStaleSeconds}: sync`);
      // The issuer is back: after the cooldown the next verification fetches a fresh set.
      server.respond = serve([firstJwk], 'max-age=60');
      now += 30_000;
      assert.equal((await verifyJwtAsync(token, keys)).payload.sub, 'a');
      assert.equal(server.requests - before, 3, `${maxStaleSeconds}: the first fetch, one failed try, the fetch after the cooldown`);
    }
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.throws(() => createRemoteJWKSet(server.url, { maxStaleSeconds: bad }), RangeError, String(bad));
    }
    assert.throws(() => createRemoteJWKSet(server.url, { maxStaleSeconds: '60' as never }), TypeError);
    assert.throws(() => createRemoteJWKSet(server.url, { cooldownSeconds: '30' as never }), TypeError);
  } finally {
    await server.close();
  }
});

test('verifyJwt alone refreshes an expired set in the background, and Retry-After never exceeds the cooldown', async () => {
  const server = await issuer(serve([firstJwk], 'max-age=60'));
  try {
    const token = signJwt({ sub: 'a' }, signer, { expiresIn: 60 });
    let now = 1_000_000;
    const keys = createRemoteJWKSet(server.url, { clock: () => now, cooldownSeconds: 30, maxStaleSeconds: 0 });
    await keys.ready();
    now += 60_000;
    // Expired with no stale allowance: refused, but the refusal starts a fetch...
    assert.throws(() => verifyJwt(token, keys), { code: 'ERR_JWKS_UNAVAILABLE' });
    assert.equal(keys.fetches, 2);
    // ...which ready() joins rather than repeats; then the synchronous path works again.
    await keys.ready();
    assert.equal(server.requests, 2);
    assert.equal(verifyJwt(token, keys).sub, 'a');
    // Within the fresh set's life, no background fetch.
    verifyJwt(token, keys);
    assert.equal(keys.fetches, 2);

    // A clock that goes back (a test clock here; the default is monotonic) cannot stretch Retry-After.
    const down = await issuer((_req, res) => res.writeHead(503).end());
    try {
      let t = 5_000_000;
      const none = createRemoteJWKSet(down.url, { clock: () => t, cooldownSeconds: 30 });
      await assert.rejects(none.ready(), { code: 'ERR_JWKS_UNAVAILABLE', retryAfterSeconds: 30 });
      t -= 3_600_000;
      await assert.rejects(none.ready(), { code: 'ERR_JWKS_UNAVAILABLE', retryAfterSeconds: 30 });
      assert.throws(() => verifyJwt(token, none), { code: 'ERR_JWKS_UNAVAILABLE', retryAfterSeconds: 30 });
    } finally {
      await down.close();
    }
  } finally {
    await server.close();
  }
});

test('a body that is not JSON, or not a key set, fails without a set, and no remote text reaches the error', async () => {
  const secretLooking = 'remote-body-0123456789';
  for (const body of [`${secretLooking} <html>`, `{"keys":null,"x":"${secretLooking}"}`, `["${secretLooking}"]`]) {
    const server = await issuer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(body));
    try {
      const error = await createRemoteJWKSet(server.url).ready().then(() => undefined, (caught: unknown) => caught);
      assert.equal((error as { code?: string }).code, 'ERR_JWKS_UNAVAILABLE');
      let text = '';
      for (let e: unknown = error; e instanceof Error; e = e.cause) text += `${e.message}\n`;
      assert.doesNotMatch(text, /remote-bo/, body); // JSON.parse quotes the first ten characters
    } finally {
      await server.close();
    }
  }
});

test('only https: URLs, or http: to a loopback address; options are checked by name', () => {
  for (const url of ['http://example.com/jwks.json', 'http://10.0.0.1/jwks', 'ftp://127.0.0.1/x', 'file:///etc/passwd', 'not a url', 'http://127.0.0.1.evil.com/']) {
    assert.throws(() => createRemoteJWKSet(url), TypeError, url);
  }
  for (const url of ['https://issuer.example/.well-known/jwks.json', 'http://127.0.0.1:8000/x', 'http://localhost/x', 'http://[::1]:9/x']) {
    assert.ok(createRemoteJWKSet(url));
  }
  assert.throws(() => createRemoteJWKSet('https://a.example/', { timeout: 5 } as never), /did you mean "timeoutMs"/);
  assert.throws(() => createRemoteJWKSet('https://a.example/', { maxBytes: -1 }), RangeError);
  assert.throws(() => createRemoteJWKSet('https://a.example/', { minCacheSeconds: 100, maxCacheSeconds: 10 }), RangeError);
});
