/**
 * Every options object of the AuthX layer is checked by name: an unknown key is a TypeError that
 * names it and the option it probably meant, so a typo never silently turns a check off.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AuthX, InsufficientScopeError } from '../../lib/index.ts';
import { AUTHX_CONFIG_NAMES, AUTHX_OTHER_LIBRARY_NAMES, AUTHX_PYTHON_NAMES } from '../../lib/authx/config/config-names.ts';
import { makeAuth, SECRET } from './authx-helpers.ts';

function refused(run: () => unknown, message: string | RegExp): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof TypeError, String(error));
    if (typeof message === 'string') assert.equal(error.message, message);
    else assert.match(error.message, message);
    return true;
  });
}

test('AuthX config: a Python AuthX name is refused with the camelCase name to use', () => {
  refused(() => new AuthX({ secretKey: SECRET, JWT_TOKEN_LOCATION: ['cookies'] } as never),
    'AuthX config: unknown option "JWT_TOKEN_LOCATION"; AuthX\'s JWT_TOKEN_LOCATION is "tokenLocation" here');
  refused(() => new AuthX({ secretKey: SECRET, JWT_DECODE_LEEWAY: 10 } as never), /AuthX's JWT_DECODE_LEEWAY is "clockTolerance" here$/);
  refused(() => new AuthX({ secretKey: SECRET, JWT_CSRF_CHECK_FORM: true } as never), /"JWT_CSRF_CHECK_FORM"; AuthX for Node reads the CSRF value from the header only$/);
});

test('AuthX config: a misspelt name is refused with the option it probably meant', () => {
  refused(() => new AuthX({ secretKey: SECRET, tokenLocations: ['cookies'] } as never),
    'AuthX config: unknown option "tokenLocations"; did you mean "tokenLocation"?');
  refused(() => new AuthX({ secretKey: SECRET, audiance: 'api' } as never), /"audiance"; did you mean "audience"\?$/);
  refused(() => new AuthX({ secret_key: SECRET } as never), /"secret_key"; did you mean "secretKey"\?$/);
  refused(() => new AuthX({ secretKey: SECRET, JWT_UNHEARD_OF: 1 } as never), /"JWT_UNHEARD_OF"; known options: secretKey, /);
});

test('AuthX config: a near miss is answered with the closest option first, not a list of all of them', () => {
  refused(() => new AuthX({ secret: SECRET } as never), 'AuthX config: unknown option "secret"; did you mean "secretKey"?');
  refused(() => new AuthX({ key: SECRET } as never), 'AuthX config: unknown option "key"; did you mean "secretKey"?');
  refused(() => new AuthX({ secretKey: SECRET, expiresIn: '15m' } as never), 'AuthX config: unknown option "expiresIn"; did you mean "accessTokenExpires"?');
  refused(() => new AuthX({ secretKey: SECRET, leeway: 5 } as never), 'AuthX config: unknown option "leeway"; did you mean "clockTolerance"?');
  refused(() => new AuthX({ secretKey: SECRET, maxAge: 60 } as never), 'AuthX config: unknown option "maxAge"; did you mean "cookieMaxAge"?');
  refused(() => new AuthX({ secretKey: SECRET, sameSite: 'lax' } as never), 'AuthX config: unknown option "sameSite"; did you mean "cookieSameSite"?');
  for (const [other, ours] of Object.entries(AUTHX_OTHER_LIBRARY_NAMES)) assert.ok(AUTHX_CONFIG_NAMES.includes(ours), `${other} -> ${ours}`);
});

test('AuthX config: the Python table maps only to real option names or to sentences', () => {
  for (const [python, ours] of Object.entries(AUTHX_PYTHON_NAMES)) {
    assert.match(python, /^JWT_[A-Z_]+$/);
    assert.ok(AUTHX_CONFIG_NAMES.includes(ours) || ours.includes(' '), `${python} -> ${ours}`);
  }
  // Every documented option is accepted (the list is what the check trusts).
  for (const name of AUTHX_CONFIG_NAMES) assert.ok(/^[a-z][A-Za-z]+$/.test(name), name);
});

test('verifyToken: a misspelt requiredScopes is refused instead of skipping the scope check', async () => {
  const auth = makeAuth();
  const token = auth.createAccessToken('user1', { scopes: ['read'] });
  await assert.rejects(auth.verifyToken(token, { requiredScope: ['admin'] } as never), {
    name: 'TypeError',
    message: 'verifyToken options: unknown option "requiredScope"; did you mean "requiredScopes"?',
  });
  await assert.rejects(auth.verifyToken(token, { requiredScopes: ['admin'] }), InsufficientScopeError);
  refused(() => auth.verifyTokenSync(token, { verify_fresh: true } as never), /^verifyTokenSync options: unknown option "verify_fresh"; did you mean "verifyFresh"\?$/);
  refused(() => auth.verifyTokenSync(token, null as never), 'verifyTokenSync options must be an object');
  assert.equal(auth.verifyTokenSync(token, undefined).sub, 'user1');
});

test('token creation: unknown options are refused, naming them', () => {
  const auth = makeAuth();
  refused(() => auth.createAccessToken('u', { scope: ['a'] } as never), /^createAccessToken options: unknown option "scope"; did you mean "scopes"\?$/);
  refused(() => auth.createRefreshToken('u', { expiresin: 60 } as never), /^createRefreshToken options: unknown option "expiresin"; did you mean "expiresIn"\?$/);
  refused(() => auth.createTokenPair('u', { refreshExpires: 60 } as never), /^createTokenPair options: unknown option "refreshExpires"; did you mean "refreshExpiresIn"\?$/);
  refused(() => auth.createAccessToken('u', { refreshExpiresIn: 60 } as never), /createAccessToken options: unknown option "refreshExpiresIn"/);
  assert.equal(typeof auth.createTokenPair('u', { refreshExpiresIn: 60, fresh: true }).refresh_token, 'string');
});

test('cookies: unknown options are refused, naming them', () => {
  const auth = makeAuth({ tokenLocation: ['cookies'] });
  const token = auth.createAccessToken('u');
  refused(() => auth.cookieHeaderValues('access', token, { maxage: 5 } as never), /^cookieHeaderValues options: unknown option "maxage"; did you mean "maxAge"\?$/);
  const res = { getHeader: () => undefined, setHeader: () => undefined } as never;
  refused(() => auth.setAccessCookies(res, token, { max_age: 5 } as never), /^setAccessCookies options: unknown option "max_age"; did you mean "maxAge"\?$/);
  refused(() => auth.setRefreshCookies(res, token, { expires: 5 } as never), /^setRefreshCookies options: unknown option "expires"/);
  assert.match(auth.cookieHeaderValues('access', token, { maxAge: 5 })[0] ?? '', /Max-Age=5/);
});

test('request extraction and handleErrors: unknown options are refused, naming them', () => {
  const auth = makeAuth();
  const req = new Request('http://localhost/');
  refused(() => auth.getAccessTokenFromRequest(req, { location: ['headers'] } as never), /^getAccessTokenFromRequest options: unknown option "location"; did you mean "locations"\?$/);
  refused(() => auth.getRefreshTokenFromRequest(req, { tokenLocation: ['headers'] } as never), /^getRefreshTokenFromRequest options: unknown option "tokenLocation"/);
  refused(() => auth.handleErrors(() => undefined, { onError: () => undefined } as never), /^handleErrors options: unknown option "onError"/);
});
