/**
 * Configuration: AuthX's defaults, and every bad value refused at construction with an error
 * that names the option.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AuthX, type AuthXConfig } from '../../../lib/index.ts';
import { makeAuth, SECRET } from '../authx-helpers.ts';

describe('defaults', () => {
  test('are AuthX defaults', () => {
    const { config } = makeAuth();
    assert.deepEqual(
      {
        tokenLocation: config.tokenLocation, headerName: config.headerName, headerType: config.headerType,
        queryStringName: config.queryStringName, jsonKey: config.jsonKey, refreshJsonKey: config.refreshJsonKey,
        accessTokenExpires: config.accessTokenExpires, refreshTokenExpires: config.refreshTokenExpires,
        clockTolerance: config.clockTolerance, accessCookieName: config.accessCookieName, refreshCookieName: config.refreshCookieName,
        accessCookiePath: config.accessCookiePath, refreshCookiePath: config.refreshCookiePath, cookieDomain: config.cookieDomain,
        cookieMaxAge: config.cookieMaxAge, cookieSameSite: config.cookieSameSite, cookieSecure: config.cookieSecure,
        cookieHttpOnly: config.cookieHttpOnly, cookieCsrfProtect: config.cookieCsrfProtect, csrfInCookies: config.csrfInCookies,
        csrfMethods: config.csrfMethods, accessCsrfCookieName: config.accessCsrfCookieName, refreshCsrfCookieName: config.refreshCsrfCookieName,
        accessCsrfHeaderName: config.accessCsrfHeaderName, refreshCsrfHeaderName: config.refreshCsrfHeaderName,
        maxTokenLength: config.maxTokenLength, algorithm: config.algorithm,
      },
      {
        tokenLocation: ['headers'], headerName: 'Authorization', headerType: 'Bearer',
        queryStringName: 'token', jsonKey: 'access_token', refreshJsonKey: 'refresh_token',
        accessTokenExpires: 900, refreshTokenExpires: 20 * 86400,
        clockTolerance: 0, accessCookieName: 'access_token_cookie', refreshCookieName: 'refresh_token_cookie',
        accessCookiePath: '/', refreshCookiePath: '/', cookieDomain: undefined,
        cookieMaxAge: undefined, cookieSameSite: 'lax', cookieSecure: true,
        cookieHttpOnly: true, cookieCsrfProtect: true, csrfInCookies: true,
        csrfMethods: ['POST', 'PUT', 'PATCH', 'DELETE'], accessCsrfCookieName: 'csrf_access_token', refreshCsrfCookieName: 'csrf_refresh_token',
        accessCsrfHeaderName: 'X-CSRF-TOKEN', refreshCsrfHeaderName: 'X-CSRF-TOKEN',
        maxTokenLength: 8192, algorithm: 'HS256',
      },
    );
  });

  test('the resolved config is frozen and holds no secret', () => {
    const auth = makeAuth({ previousSecretKeys: ['p'.repeat(40)] });
    assert.ok(Object.isFrozen(auth.config));
    assert.ok(Object.isFrozen(auth.config.tokenLocation));
    const dump = JSON.stringify(auth.config) + JSON.stringify(auth);
    assert.ok(!dump.includes(SECRET) && !dump.includes('pppp'));
  });

  test('durations accept seconds and strings; csrfMethods are upper-cased', () => {
    const { config } = makeAuth({ accessTokenExpires: '2h', refreshTokenExpires: 3600, csrfMethods: ['post', 'Delete'] });
    assert.equal(config.accessTokenExpires, 7200);
    assert.equal(config.refreshTokenExpires, 3600);
    assert.deepEqual(config.csrfMethods, ['POST', 'DELETE']);
  });
});

describe('bad values are refused at construction, naming the option', () => {
  const cases: Array<[string, Partial<AuthXConfig> & Record<string, unknown>, typeof TypeError | typeof RangeError, RegExp]> = [
    ['missing secretKey', { secretKey: undefined as unknown as string }, TypeError, /secretKey is required/],
    ['short secretKey', { secretKey: 'short' }, RangeError, /secretKey is 5 bytes.*32/],
    ['empty secretKey', { secretKey: '' }, RangeError, /secretKey is empty/],
    ['PEM secretKey', { secretKey: `-----BEGIN PUBLIC KEY-----${'A'.repeat(64)}` }, TypeError, /secretKey looks like a PEM/],
    ['short previous key', { previousSecretKeys: ['short'] }, RangeError, /previousSecretKeys\[0\]/],
    ['algorithm HS512 with a 39-byte secret', { algorithm: 'HS512' }, RangeError, /secretKey is \d+ bytes; HS512 needs at least 64/],
    ['algorithm RS256 with a secret', { algorithm: 'RS256' }, TypeError, /algorithm RS256 does not suit the current key/],
    ['algorithm none', { algorithm: 'none' as 'HS256' }, TypeError, /algorithm must be one of/],
    ['empty tokenLocation', { tokenLocation: [] }, TypeError, /tokenLocation/],
    ['unknown tokenLocation', { tokenLocation: ['body' as 'json'] }, TypeError, /tokenLocation\[0\]/],
    ['repeated tokenLocation', { tokenLocation: ['headers', 'headers'] }, TypeError, /tokenLocation lists "headers" twice/],
    ['string tokenLocation', { tokenLocation: 'headers' as unknown as ['headers'] }, TypeError, /tokenLocation/],
    ['headerName with a space', { headerName: 'X Token' }, TypeError, /headerName/],
    ['headerType with a space', { headerType: 'Bear er' }, TypeError, /headerType/],
    ['empty queryStringName', { queryStringName: '' }, TypeError, /queryStringName/],
    ['empty jsonKey', { jsonKey: '' }, TypeError, /jsonKey/],
    ['zero jsonBodyLimit', { jsonBodyLimit: 0 }, RangeError, /jsonBodyLimit/],
    ['negative accessTokenExpires', { accessTokenExpires: -1 }, RangeError, /accessTokenExpires/],
    ['zero accessTokenExpires', { accessTokenExpires: 0 }, RangeError, /accessTokenExpires/],
    ['NaN refreshTokenExpires', { refreshTokenExpires: Number.NaN }, RangeError, /refreshTokenExpires/],
    ['Infinity refreshTokenExpires', { refreshTokenExpires: Number.POSITIVE_INFINITY }, RangeError, /refreshTokenExpires/],
    ['unitless string lifetime', { accessTokenExpires: '900' }, TypeError, /accessTokenExpires/],
    ['negative clockTolerance', { clockTolerance: -1 }, RangeError, /clockTolerance/],
    ['NaN clockTolerance', { clockTolerance: Number.NaN }, RangeError, /clockTolerance/],
    ['Infinity clockTolerance', { clockTolerance: Number.POSITIVE_INFINITY }, RangeError, /clockTolerance/],
    ['huge clockTolerance', { clockTolerance: 301 }, RangeError, /clockTolerance/],
    ['empty issuer', { issuer: '' }, TypeError, /issuer/],
    ['empty audience list', { audience: [] }, TypeError, /audience/],
    ['tiny maxTokenLength', { maxTokenLength: 8 }, RangeError, /maxTokenLength/],
    ['cookie name with ;', { accessCookieName: 'a;b' }, TypeError, /accessCookieName/],
    ['cookie path with ;', { accessCookiePath: '/; Domain=evil.example' }, TypeError, /accessCookiePath/],
    ['cookie path with CR LF', { refreshCookiePath: '/\r\nSet-Cookie: x=1' }, TypeError, /refreshCookiePath/],
    ['relative cookie path', { accessCsrfCookiePath: 'api' }, TypeError, /accessCsrfCookiePath/],
    ['cookie domain with ;', { cookieDomain: 'example.com; Secure' }, TypeError, /cookieDomain/],
    ['cookie domain with LF', { cookieDomain: 'example.com\n' }, TypeError, /cookieDomain/],
    ['negative cookieMaxAge', { cookieMaxAge: -5 }, RangeError, /cookieMaxAge/],
    ['fractional cookieMaxAge', { cookieMaxAge: 1.5 }, RangeError, /cookieMaxAge/],
    ['unknown SameSite', { cookieSameSite: 'loose' as 'lax' }, TypeError, /cookieSameSite/],
    ['SameSite none without Secure', { cookieSameSite: 'none', cookieSecure: false }, TypeError, /cookieSameSite "none" requires cookieSecure/],
    ['non-boolean cookieSecure', { cookieSecure: 'yes' as unknown as boolean }, TypeError, /cookieSecure/],
    ['__Host- cookie with a path', { accessCookieName: '__Host-access', accessCookiePath: '/api' }, TypeError, /__Host-.*path "\/"/],
    ['__Host- cookie with a domain', { accessCookieName: '__Host-access', cookieDomain: 'example.com' }, TypeError, /__Host-/],
    ['__Host- cookie without Secure', { refreshCsrfCookieName: '__host-csrf', cookieSecure: false }, TypeError, /refreshCsrfCookieName/],
    ['__Secure- cookie without Secure', { accessCookieName: '__Secure-access', cookieSecure: false }, TypeError, /cookieSecure: true/],
    ['bad csrf method', { csrfMethods: ['PO ST'] }, TypeError, /csrfMethods\[0\]/],
    ['bad csrf header name', { accessCsrfHeaderName: 'X CSRF' }, TypeError, /accessCsrfHeaderName/],
    ['keys and secretKey together', { keys: new Map([['k', SECRET]]), currentKeyId: 'k' }, TypeError, /either keys/],
    ['currentKeyId without keys', { currentKeyId: 'k' }, TypeError, /currentKeyId needs keys/],
    ['clock that is not a function', { clock: 5 as unknown as () => number }, TypeError, /clock/],
    ['revocationStore without methods', { revocationStore: {} as never }, TypeError, /revocationStore/],
  ];
  for (const [name, options, ErrorClass, message] of cases) {
    test(name, () => {
      assert.throws(() => new AuthX({ secretKey: SECRET, ...options } as AuthXConfig), (error: unknown) => {
        assert.ok(error instanceof ErrorClass, `${String(error)} is not a ${ErrorClass.name}`);
        assert.match((error as Error).message, message);
        assert.ok(!(error as Error).message.includes(SECRET));
        return true;
      });
    });
  }

  test('named keys need a currentKeyId among them and a Map', () => {
    assert.throws(() => new AuthX({ keys: new Map([['k1', SECRET]]), currentKeyId: 'k2' }), /currentKeyId/);
    assert.throws(() => new AuthX({ keys: new Map([['k1', 'short']]), currentKeyId: 'k1' }), RangeError);
    assert.throws(() => new AuthX({ keys: { k1: SECRET } as never, currentKeyId: 'k1' }), /Map/);
    assert.throws(() => new AuthX({ keys: new Map(), currentKeyId: 'k1' }), /non-empty Map/);
  });

  test('valid prefixed cookie names are accepted', () => {
    assert.doesNotThrow(() => makeAuth({ accessCookieName: '__Host-access', accessCsrfCookieName: '__Secure-csrf', accessCsrfCookiePath: '/api' }));
  });
});
