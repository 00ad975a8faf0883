/**
 * Token creation: the exact claims and header, options, refused collisions. Tokens are decoded
 * with Buffer and their signatures checked with createHmac, independently of the library.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AuthX } from '../../lib/index.ts';
import { inspect, makeAuth, SECRET, START_MS, testClock } from './authx-helpers.ts';

/** jti: a UUIDv7, carrying the issue millisecond. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const NOW = START_MS / 1000;

describe('createAccessToken', () => {
  const auth = makeAuth({ clock: testClock() });

  test('has the header {"alg":"HS256","typ":"JWT"} and the claims AuthX writes, in integer seconds', () => {
    const { header, payload } = inspect(auth.createAccessToken('user1'));
    assert.deepEqual(header, { alg: 'HS256', typ: 'JWT' });
    assert.deepEqual(Object.keys(payload), ['sub', 'iat', 'exp', 'jti', 'type', 'fresh']);
    assert.equal(payload.sub, 'user1');
    assert.equal(payload.iat, NOW);
    assert.equal(payload.exp, NOW + 900);
    assert.match(payload.jti as string, UUID);
    assert.equal(payload.type, 'access');
    assert.equal(payload.fresh, false);
  });

  test('iat and exp are integers even when the clock has milliseconds', () => {
    const { payload } = inspect(makeAuth({ clock: () => START_MS + 999 }).createAccessToken('u', { expiresIn: 10.7 }));
    assert.equal(payload.iat, NOW);
    assert.equal(payload.exp, NOW + 10);
  });

  test('every token gets its own jti', () => {
    const ids = new Set(Array.from({ length: 50 }, () => inspect(auth.createAccessToken('u')).payload.jti));
    assert.equal(ids.size, 50);
  });

  test('fresh, expiresIn, scopes, audience and data are written', () => {
    const { payload } = inspect(
      auth.createAccessToken('user1', { fresh: true, expiresIn: '1h', scopes: ['read'], audience: 'api', data: { role: 'admin', n: 1 } }),
    );
    assert.equal(payload.fresh, true);
    assert.equal(payload.exp, NOW + 3600);
    assert.deepEqual(payload.scopes, ['read']);
    assert.equal(payload.aud, 'api');
    assert.equal(payload.role, 'admin');
    assert.equal(payload.n, 1);
  });

  test('configured lifetimes, issuer and audience apply', () => {
    const configured = makeAuth({ clock: testClock(), accessTokenExpires: '15m', refreshTokenExpires: '1d', issuer: 'me', audience: 'api' });
    assert.equal(inspect(configured.createAccessToken('u')).payload.exp, NOW + 900);
    const refresh = inspect(configured.createRefreshToken('u')).payload;
    assert.equal(refresh.exp, NOW + 86400);
    assert.equal(refresh.iss, 'me');
    assert.equal(refresh.aud, 'api');
  });

  for (const claim of ['sub', 'iat', 'exp', 'nbf', 'jti', 'iss', 'aud', 'type', 'fresh', 'csrf', 'scopes']) {
    test(`data may not set the registered claim "${claim}"`, () => {
      assert.throws(() => auth.createAccessToken('u', { data: { [claim]: 'x' } }), { name: 'TypeError', message: new RegExp(`"${claim}"`) });
    });
  }

  test('data with a __proto__ key is refused and no prototype changes', () => {
    const data = JSON.parse('{"__proto__": {"admin": true}}') as Record<string, unknown>;
    assert.throws(() => auth.createAccessToken('u', { data }), TypeError);
    assert.equal(({} as Record<string, unknown>).admin, undefined);
  });

  test('extra header parameters are written; registered ones are refused', () => {
    assert.deepEqual(inspect(auth.createAccessToken('u', { headers: { foo: 'bar' } })).header, { alg: 'HS256', typ: 'JWT', foo: 'bar' });
    for (const name of ['alg', 'typ', 'kid', 'crit', 'b64', 'cty', 'jku', 'jwk', 'x5u']) {
      assert.throws(() => auth.createAccessToken('u', { headers: { [name]: 'x' } }), TypeError, name);
    }
  });

  test('a token with an extra header parameter still verifies', () => {
    assert.equal(auth.verifyTokenSync(auth.createAccessToken('u', { headers: { foo: 'bar' } })).sub, 'u');
  });

  test('bad subjects and options are TypeErrors or RangeErrors', () => {
    for (const subject of ['', 42, null, undefined]) assert.throws(() => auth.createAccessToken(subject as string), TypeError);
    assert.throws(() => auth.createAccessToken('u', { expiresIn: -1 }), RangeError);
    assert.throws(() => auth.createAccessToken('u', { expiresIn: Number.NaN }), RangeError);
    assert.throws(() => auth.createAccessToken('u', { expiresIn: '10' }), TypeError);
    assert.throws(() => auth.createAccessToken('u', { fresh: 'yes' as unknown as boolean }), TypeError);
    assert.throws(() => auth.createAccessToken('u', { audience: [] }), TypeError);
    assert.throws(() => auth.createAccessToken('u', { data: [] as unknown as Record<string, unknown> }), TypeError);
  });
});

describe('createRefreshToken and createTokenPair', () => {
  const auth = makeAuth({ clock: testClock() });

  test('a refresh token has type "refresh", no fresh claim and the 20-day lifetime', () => {
    const { payload } = inspect(auth.createRefreshToken('user1'));
    assert.deepEqual(Object.keys(payload), ['sub', 'iat', 'exp', 'jti', 'type']);
    assert.equal(payload.type, 'refresh');
    assert.equal(payload.exp, NOW + 20 * 86400);
    assert.throws(() => auth.createRefreshToken('u', { fresh: true }), TypeError);
  });

  test('createTokenPair returns access_token, refresh_token and token_type "bearer"', () => {
    const pair = auth.createTokenPair('user1', { fresh: true, expiresIn: 60, refreshExpiresIn: '2d', scopes: ['read'] });
    assert.deepEqual(Object.keys(pair), ['access_token', 'refresh_token', 'token_type']);
    assert.equal(pair.token_type, 'bearer');
    const access = inspect(pair.access_token).payload;
    const refresh = inspect(pair.refresh_token).payload;
    assert.deepEqual([access.type, access.fresh, access.exp, access.scopes], ['access', true, NOW + 60, ['read']]);
    assert.deepEqual([refresh.type, refresh.fresh, refresh.exp, refresh.scopes], ['refresh', undefined, NOW + 2 * 86400, ['read']]);
    assert.notEqual(access.jti, refresh.jti);
  });
});

describe('csrf claim', () => {
  test('present when cookies are a location and CSRF protection is on', () => {
    const csrf = inspect(makeAuth({ tokenLocation: ['headers', 'cookies'] }).createAccessToken('u')).payload.csrf;
    assert.match(csrf as string, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  test('absent with header-only locations or with CSRF protection off', () => {
    assert.equal(inspect(makeAuth().createAccessToken('u')).payload.csrf, undefined);
    assert.equal(inspect(makeAuth({ tokenLocation: ['cookies'], cookieCsrfProtect: false }).createAccessToken('u')).payload.csrf, undefined);
  });
});

describe('named keys', () => {
  test('new tokens carry the kid of the current key', () => {
    const auth = new AuthX({ keys: new Map([['k1', SECRET]]), currentKeyId: 'k1' });
    assert.equal(inspect(auth.createAccessToken('u')).header.kid, 'k1');
    assert.equal(inspect(auth.createAccessToken('u', { headers: { x: 1 } })).header.kid, 'k1');
  });
});
