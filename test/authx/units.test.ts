/**
 * Units caught (#24): every lifetime or delta measured in seconds refuses a number that is
 * plainly milliseconds with a RangeError that says "milliseconds?" and shows the fix; cookie
 * Max-Age refuses more than 400 days; a token of the other kind is refused by the cookie setters.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AuthX, ImplicitRefresh, verifyJwt } from '../../lib/index.ts';
import { makeAuth, SECRET } from './authx-helpers.ts';

const MILLISECONDS = /milliseconds\?/;

function refusedAsMilliseconds(run: () => unknown, name: string, fix: RegExp): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof RangeError, String(error));
    assert.match(error.message, new RegExp(`^${name} is \\d+: milliseconds\\? Durations are seconds here`));
    assert.match(error.message, fix);
    return true;
  });
}

describe('lifetimes and deltas in milliseconds', () => {
  test('accessTokenExpires: 900000 (15 minutes in milliseconds) is refused, with the fix', () => {
    refusedAsMilliseconds(() => makeAuth({ accessTokenExpires: 900000 }), 'accessTokenExpires', /for 15 minutes write 900 or "15m"/);
    refusedAsMilliseconds(() => makeAuth({ refreshTokenExpires: 1_728_000_000 }), 'refreshTokenExpires', /for 20 days write 1728000 or "20d"/);
    assert.equal(makeAuth({ accessTokenExpires: 900, refreshTokenExpires: '20d' }).config.accessTokenExpires, 900);
  });

  test('expiresIn and refreshExpiresIn on the create calls', () => {
    const auth = makeAuth();
    refusedAsMilliseconds(() => auth.createAccessToken('u', { expiresIn: 3_600_000 }), 'expiresIn', /for 1 hour write 3600 or "1h"/);
    refusedAsMilliseconds(() => auth.createRefreshToken('u', { expiresIn: 86_400_000 }), 'expiresIn', /for 1 day write 86400 or "1d"/);
    refusedAsMilliseconds(() => auth.createTokenPair('u', { refreshExpiresIn: 604_800_000 }), 'expiresIn', /for 7 days write 604800 or "1w"/);
  });

  test('implicit refresh delta: 300000 (5 minutes in milliseconds) is refused, with the fix', () => {
    const auth = makeAuth({ tokenLocation: ['cookies'] });
    refusedAsMilliseconds(() => new ImplicitRefresh(auth, { delta: 300000 }), 'delta', /for 5 minutes write 300 or "5m"/);
    assert.ok(new ImplicitRefresh(auth, { delta: 300 }));
  });

  test("verifyJwt's maxTokenAge and signJwt's expiresIn (the core's durations)", () => {
    const token = makeAuth().createAccessToken('u');
    refusedAsMilliseconds(() => verifyJwt(token, SECRET, { maxTokenAge: 900000 }), 'maxTokenAge', /"15m"/);
  });

  test('cookie Max-Age above 400 days is refused as milliseconds', () => {
    assert.throws(() => makeAuth({ cookieMaxAge: 2_592_000_000 }), {
      name: 'RangeError',
      message: 'cookieMaxAge is 2592000000: milliseconds? Max-Age is in seconds, and browsers cap it at 400 days (34560000); for 2592000 seconds write 2592000',
    });
    assert.equal(makeAuth({ cookieMaxAge: 400 * 86400 }).config.cookieMaxAge, 34560000);
    const auth = makeAuth({ tokenLocation: ['cookies'] });
    assert.throws(() => auth.cookieHeaderValues('access', auth.createAccessToken('u'), { maxAge: 86_400_000 }), { name: 'RangeError', message: MILLISECONDS });
    assert.match(auth.cookieHeaderValues('access', auth.createAccessToken('u'), { maxAge: 86_400 })[0]!, /Max-Age=86400/);
  });
});

describe('a token of the other kind in a cookie setter', () => {
  const auth = new AuthX({ secretKey: SECRET, tokenLocation: ['cookies'] });
  const fake = { getHeader: () => undefined, setHeader: () => undefined } as never;

  test('a refresh token passed to setAccessCookies is a TypeError naming the right setter', () => {
    assert.throws(() => auth.setAccessCookies(fake, auth.createRefreshToken('u')), {
      name: 'TypeError',
      message: 'a refresh token does not belong in the access token cookie; use setRefreshCookies (or cookieHeaderValues("refresh", token)) for it',
    });
    assert.throws(() => auth.cookieHeaderValues('access', auth.createRefreshToken('u')), TypeError);
  });

  test('an access token passed to setRefreshCookies is one too', () => {
    assert.throws(() => auth.setRefreshCookies(fake, auth.createAccessToken('u')), {
      name: 'TypeError',
      message: 'an access token does not belong in the refresh token cookie; use setAccessCookies (or cookieHeaderValues("access", token)) for it',
    });
  });

  test('without CSRF cookies too, and any other value still goes in as before', () => {
    const plain = new AuthX({ secretKey: SECRET, tokenLocation: ['cookies'], cookieCsrfProtect: false });
    assert.throws(() => plain.cookieHeaderValues('access', plain.createRefreshToken('u')), TypeError);
    assert.equal(plain.cookieHeaderValues('access', 'opaque-session-id').length, 1);
    assert.equal(plain.cookieHeaderValues('refresh', plain.createRefreshToken('u')).length, 1);
  });
});
