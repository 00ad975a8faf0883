/**
 * lib/core/claims.ts and the guards around it, at their exact boundaries: each limit tried at the
 * value itself and one step past it, each guard's message asserted (not just its class, which an
 * incidental TypeError could satisfy), and each guard tested on its own so none masks another.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileVerifyOptions, MAX_CLOCK_TOLERANCE, validateClaims, DEFAULT_MAX_TOKEN_LENGTH } from '../../lib/core/claims.ts';
import { decodeJwt, signJwt, verifyCompiled, verifyJwt } from '../../lib/core/jwt.ts';
import { prepareHmacKey } from '../../lib/core/hmac.ts';
import { ClaimInvalidError, MalformedTokenError, TokenExpiredError, TokenTooLongError } from '../../lib/core/errors.ts';
import { NOW, NOW_DATE, SECRET, tokenFor } from './jwt-helpers.ts';

const at = { currentDate: NOW_DATE };

test('a token of exactly maxTokenLength characters is accepted; one more is refused', () => {
  const token = tokenFor({ sub: 'u', pad: 'x'.repeat(100) });
  assert.equal(verifyJwt(token, SECRET, { ...at, maxTokenLength: token.length }).sub, 'u');
  assert.throws(() => verifyJwt(token, SECRET, { ...at, maxTokenLength: token.length - 1 }), {
    name: 'TokenTooLongError',
    message: 'Token is longer than the allowed maximum',
  });
  assert.equal(decodeJwt(token, { maxTokenLength: token.length }).payload.sub, 'u');
  assert.throws(() => decodeJwt(token, { maxTokenLength: token.length - 1 }), TokenTooLongError);
  // The default is 8192 exactly.
  assert.equal(DEFAULT_MAX_TOKEN_LENGTH, 8192);
  assert.throws(() => verifyJwt('a'.repeat(8193), SECRET, at), TokenTooLongError);
  assert.throws(() => verifyJwt('a'.repeat(8192), SECRET, at), MalformedTokenError);
});

test('maxTokenLength must be an integer of at least 16, with the message saying so', () => {
  assert.equal(compileVerifyOptions({ maxTokenLength: 16 }).maxTokenLength, 16);
  for (const maxTokenLength of [15, 16.5, 0, -1, Number.NaN, '100' as unknown as number]) {
    assert.throws(() => compileVerifyOptions({ maxTokenLength }), { name: 'RangeError', message: 'maxTokenLength must be an integer >= 16' });
  }
});

test('clockTolerance of exactly 300 is accepted and applied; anything above is refused', () => {
  assert.equal(MAX_CLOCK_TOLERANCE, 300);
  assert.equal(compileVerifyOptions({ clockTolerance: 300 }).tolerance, 300);
  assert.equal(compileVerifyOptions({ clockTolerance: 0 }).tolerance, 0);
  assert.equal(compileVerifyOptions().tolerance, 0);
  for (const clockTolerance of [300.001, 301, -0.001, Number.NaN, Number.POSITIVE_INFINITY, '5' as unknown as number]) {
    assert.throws(() => compileVerifyOptions({ clockTolerance }), {
      name: 'RangeError',
      message: 'clockTolerance must be a finite number of seconds from 0 to 300',
    });
  }
  // exp 299 s ago is within 300 s of tolerance; 300 s ago is not (exp === now - tolerance is expired).
  assert.ok(verifyJwt(tokenFor({ exp: NOW - 299 }), SECRET, { ...at, clockTolerance: 300 }));
  assert.throws(() => verifyJwt(tokenFor({ exp: NOW - 300 }), SECRET, { ...at, clockTolerance: 300 }), TokenExpiredError);
  assert.throws(() => verifyJwt(tokenFor({ exp: NOW - 299 }), SECRET, { ...at, clockTolerance: 299 }), TokenExpiredError);
  // nbf and iat: at most the tolerance in the future.
  assert.ok(verifyJwt(tokenFor({ nbf: NOW + 300, iat: NOW + 300 }), SECRET, { ...at, clockTolerance: 300 }));
  assert.throws(() => verifyJwt(tokenFor({ nbf: NOW + 301 }), SECRET, { ...at, clockTolerance: 300 }), { claim: 'nbf', reason: 'in_future' });
  assert.throws(() => verifyJwt(tokenFor({ iat: NOW + 301 }), SECRET, { ...at, clockTolerance: 300 }), { claim: 'iat', reason: 'in_future' });
});

test('maxTokenAge counts from iat and is widened by clockTolerance, boundary included', () => {
  const token = (age: number): string => tokenFor({ iat: NOW - age });
  assert.ok(verifyJwt(token(90), SECRET, { ...at, maxTokenAge: 90 }));
  assert.throws(() => verifyJwt(token(91), SECRET, { ...at, maxTokenAge: 90 }), {
    name: 'TokenExpiredError',
    message: 'Token is older than the maximum age',
    claim: 'iat',
    reason: 'too_old',
  });
  assert.ok(verifyJwt(token(100), SECRET, { ...at, maxTokenAge: 90, clockTolerance: 10 }));
  assert.throws(() => verifyJwt(token(101), SECRET, { ...at, maxTokenAge: 90, clockTolerance: 10 }), { reason: 'too_old' });
  assert.ok(verifyJwt(token(0), SECRET, { ...at, maxTokenAge: 0 }));
  assert.throws(() => verifyJwt(tokenFor({ exp: NOW + 10 }), SECRET, { ...at, maxTokenAge: 60 }), { claim: 'iat', reason: 'missing' });
});

test('the NaN clock is refused by each of its two guards on its own', () => {
  // Guard 1 (claims.ts): a currentDate option that is not a valid Date.
  for (const currentDate of [new Date(Number.NaN), 'now', 0, null]) {
    assert.throws(() => compileVerifyOptions({ currentDate: currentDate as Date }), { name: 'TypeError', message: 'currentDate must be a valid Date' });
  }
  // Guard 2 (jwt.ts): a clock reading (the AuthX clock arrives as fixedNowMs) that is not finite.
  const key = prepareHmacKey(SECRET);
  const token = tokenFor({ sub: 'u', exp: NOW - 1000 });
  for (const fixedNowMs of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
    assert.throws(() => verifyCompiled(token, key, { ...compileVerifyOptions(), fixedNowMs }), {
      name: 'TypeError',
      message: 'the clock returned a time that is not a finite number',
    });
  }
  assert.throws(() => verifyCompiled(token, key, { ...compileVerifyOptions(), fixedNowMs: NOW * 1000 }), TokenExpiredError);
});

test('a string aud is checked against a string or list audience option', () => {
  const token = tokenFor({ aud: 'api' });
  assert.equal(verifyJwt(token, SECRET, { ...at, audience: 'api' }).aud, 'api');
  assert.equal(verifyJwt(token, SECRET, { ...at, audience: ['web', 'api'] }).aud, 'api');
  assert.throws(() => verifyJwt(token, SECRET, { ...at, audience: 'web' }), { name: 'ClaimInvalidError', claim: 'aud', reason: 'mismatch' });
  assert.throws(() => verifyJwt(token, SECRET, { ...at, audience: ['apis', 'ap'] }), { claim: 'aud', reason: 'mismatch' });
  assert.ok(verifyJwt(tokenFor({ aud: ['x', 'api'] }), SECRET, { ...at, audience: 'api' }));
  assert.throws(() => verifyJwt(tokenFor({ aud: [] }), SECRET, { ...at, audience: 'api' }), { claim: 'aud', reason: 'mismatch' });
});

test('requiredClaims: present claims pass, each missing one is named', () => {
  const token = tokenFor({ sub: 'u', jti: 'j', custom: 0 });
  assert.equal(verifyJwt(token, SECRET, { ...at, requiredClaims: ['sub', 'jti', 'custom'] }).custom, 0);
  assert.ok(verifyJwt(token, SECRET, { ...at, requiredClaims: [] }));
  assert.throws(() => verifyJwt(token, SECRET, { ...at, requiredClaims: ['sub', 'nbf'] }), { name: 'ClaimInvalidError', claim: 'nbf', reason: 'missing' });
  // Inherited names are not present claims.
  assert.throws(() => verifyJwt(token, SECRET, { ...at, requiredClaims: ['toString'] }), { claim: 'toString', reason: 'missing' });
  for (const requiredClaims of ['sub', [1], [null]]) {
    assert.throws(() => compileVerifyOptions({ requiredClaims: requiredClaims as unknown as string[] }), { name: 'TypeError', message: 'requiredClaims must be an array of strings' });
  }
});

test('issuer and subject options: matches, mismatches and missing claims, each named', () => {
  const token = tokenFor({ iss: 'me', sub: 'u' });
  assert.ok(verifyJwt(token, SECRET, { ...at, issuer: 'me', subject: 'u' }));
  assert.throws(() => verifyJwt(tokenFor({ sub: 'u' }), SECRET, { ...at, issuer: 'me' }), { claim: 'iss', reason: 'missing' });
  assert.throws(() => verifyJwt(tokenFor({ iss: 'me' }), SECRET, { ...at, subject: 'u' }), { claim: 'sub', reason: 'missing' });
  assert.throws(() => verifyJwt(token, SECRET, { ...at, subject: 'v' }), { claim: 'sub', reason: 'mismatch' });
  assert.throws(() => compileVerifyOptions({ subject: 5 as unknown as string }), { name: 'TypeError', message: 'subject must be a string' });
  assert.throws(() => compileVerifyOptions({ typ: '' }), { name: 'TypeError', message: 'typ must be a non-empty string' });
  assert.throws(() => compileVerifyOptions({ issuer: [] }), { name: 'TypeError', message: 'issuer must be a non-empty string or a non-empty array of non-empty strings' });
  assert.throws(() => compileVerifyOptions({ audience: [''] }), { name: 'TypeError', message: 'audience must be a non-empty string or a non-empty array of non-empty strings' });
});

test('validateClaims: exp and numeric dates at their edges', () => {
  const options = compileVerifyOptions();
  validateClaims({ exp: NOW + 1 }, options, NOW);
  assert.throws(() => validateClaims({ exp: NOW }, options, NOW), TokenExpiredError);
  validateClaims({ nbf: NOW, iat: NOW }, options, NOW);
  assert.throws(() => validateClaims({ exp: '1' as unknown as number }, options, NOW), { name: 'ClaimInvalidError', claim: 'exp' });
  assert.throws(() => validateClaims({ iat: Number.NaN }, options, NOW), ClaimInvalidError);
  validateClaims({}, options, NOW);
});

test('decodeJwt guards: type, length and segments, with their messages', () => {
  const token = signJwt({ sub: 'u' }, SECRET, { expiresIn: 60 });
  assert.equal(decodeJwt(token).payload.sub, 'u');
  assert.equal(decodeJwt(token).header.alg, 'HS256');
  assert.throws(() => decodeJwt(42 as unknown as string), { name: 'MalformedTokenError', message: 'Token must be a string' });
  for (const bad of ['a.b', 'a.b.c.d', '.b.c', 'a..c', '']) {
    assert.throws(() => decodeJwt(bad), { name: 'MalformedTokenError', message: 'Token must have three segments' });
  }
  // An empty signature is fine for decoding (nothing is verified).
  assert.equal(decodeJwt(`${token.slice(0, token.lastIndexOf('.'))}.`).payload.sub, 'u');
  assert.throws(() => decodeJwt('e30.e30.x', { maxTokenLength: 15 }), { name: 'RangeError', message: 'maxTokenLength must be an integer >= 16' });
  assert.throws(() => decodeJwt('a'.repeat(8193)), TokenTooLongError);
  assert.throws(() => verifyJwt(42 as unknown as string, SECRET), { name: 'MalformedTokenError', message: 'Token must be a string' });
});

test('every claim error names its claim in a stable message', () => {
  const refused = (payload: Record<string, unknown>, options: object, message: string): void => {
    assert.throws(() => verifyJwt(tokenFor(payload), SECRET, { ...at, ...options }), { message });
  };
  refused({ nbf: NOW + 1 }, {}, 'Token is not valid yet (nbf)');
  refused({ iat: NOW + 1 }, {}, 'Token was issued in the future (iat)');
  refused({ iss: 'them' }, { issuer: 'me' }, 'Claim "iss" does not have the expected value');
  refused({ exp: '1' }, {}, 'Claim "exp" must be a finite number');
  refused({ sub: 1 }, {}, 'Claim "sub" must be a string');
  refused({ aud: 1 }, {}, 'Claim "aud" must be a string or an array of strings');
  refused({}, { requiredClaims: ['jti'] }, 'Claim "jti" is required');
  assert.throws(() => verifyJwt(tokenFor({ aud: 1 }), SECRET, at), { claim: 'aud', reason: 'invalid_type' });
  assert.throws(() => verifyJwt(tokenFor({ exp: '1' }), SECRET, at), { claim: 'exp', reason: 'not_a_number' });
});

test('the algorithms option: a non-empty list of known algorithms, kept as given', () => {
  assert.deepEqual([...(compileVerifyOptions({ algorithms: ['HS384', 'HS256'] }).algorithms ?? [])], ['HS384', 'HS256']);
  assert.equal(compileVerifyOptions().algorithms, undefined);
  for (const algorithms of [[], 'HS256', null]) {
    assert.throws(() => compileVerifyOptions({ algorithms: algorithms as never }), { name: 'TypeError', message: /^algorithms must be a non-empty array/ });
  }
  assert.throws(() => compileVerifyOptions({ algorithms: ['HS256', 'none' as never] }), { message: /algorithms\[1\]/ });
  assert.throws(() => verifyJwt(signJwt({}, SECRET, { expiresIn: 60 }), SECRET, { algorithms: ['HS384'] }), /HS384 needs at least 48/);
});

test('string-or-strings options and typ: each wrong shape refused, each right one kept', () => {
  assert.deepEqual([...(compileVerifyOptions({ audience: 'x' }).audiences ?? [])], ['x']);
  assert.deepEqual([...(compileVerifyOptions({ issuer: ['a', 'b'] }).issuers ?? [])], ['a', 'b']);
  for (const audience of ['', ['a', ''], ['a', 5], 5]) {
    assert.throws(() => compileVerifyOptions({ audience: audience as never }), { message: 'audience must be a non-empty string or a non-empty array of non-empty strings' });
  }
  assert.throws(() => compileVerifyOptions({ typ: 5 as never }), { name: 'TypeError', message: 'typ must be a non-empty string' });
  assert.equal(compileVerifyOptions({ typ: 'application/JWT' }).typ, 'jwt');
  assert.throws(() => compileVerifyOptions({ maxTokenAge: -1 }), { name: 'RangeError', message: 'maxTokenAge must be a finite number of seconds >= 0, got -1' });
  assert.throws(() => compileVerifyOptions({ maxTokenAge: '1 minute' as never }), { name: 'TypeError', message: /^maxTokenAge must be a number of seconds or a string such as "30s"/ });
  assert.equal(compileVerifyOptions({ maxTokenAge: '15 m' }).maxTokenAge, 900);
  assert.throws(() => compileVerifyOptions({ maxTokenAge: '15xm' as never }), TypeError);
});

test('JSON segments: not JSON and not an object are told apart by message', () => {
  const [h, , s] = signJwt({}, SECRET, { expiresIn: 60 }).split('.') as [string, string, string];
  const b = (text: string): string => Buffer.from(text).toString('base64url');
  assert.throws(() => decodeJwt(`${h}.${b('{nope')}.${s}`), { name: 'MalformedTokenError', message: 'Token payload is not valid JSON' });
  assert.throws(() => decodeJwt(`${h}.${b('[1]')}.${s}`), { name: 'MalformedTokenError', message: 'Token payload is not a JSON object' });
  assert.throws(() => decodeJwt(`${h}.${b('null')}.${s}`), { message: 'Token payload is not a JSON object' });
});
