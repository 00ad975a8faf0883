/**
 * The guards of lib/core/jwt.ts on odd inputs, with the exact error class, message, `code` and
 * details each one throws: written for the mutants Stryker left alive there (docs/testing.md).
 * Each test asserts what a caller sees, never how the library computes it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJwt, signJwt, verifyJwt } from '../../lib/core/jwt.ts';
import { importKey, type Jwk } from '../../lib/core/asymmetric-key.ts';
import { prepareSecret } from '../../lib/core/secret.ts';
import type { JwtKey, KeySet } from '../../lib/core/keys.ts';
import type { JwtPayload } from '../../lib/core/claims.ts';
import { AlgorithmNotAllowedError, Base64urlError, ClaimInvalidError, MalformedTokenError, SignatureInvalidError, TokenTooLongError } from '../../lib/core/errors.ts';
import { loadFixture } from './fixtures.ts';
import { NOW, NOW_DATE, SECRET, b64, referenceVerify, signSegments, signWith, tokenFor } from './jwt-helpers.ts';

const at = { currentDate: NOW_DATE };
const valid = { sub: 'user1', iat: NOW - 10, exp: NOW + 900 };
/** A payload with members set to undefined, which the JwtPayload type does not allow. */
const loose = (payload: Record<string, unknown>): JwtPayload => payload as JwtPayload;
const HOW = /^secret must be a string, a Uint8Array or an HmacKey; /;

/** RFC 7515 A.2 (RSA, 2048 bits) and A.3 (EC P-256) public keys: no key generation needed. */
const [rsaJwk, ecJwk] = loadFixture<{ tests: { publicJwk: Jwk }[] }>('rfc7515-asymmetric-examples.json').tests.map((t) => t.publicJwk) as [Jwk, Jwk];

/** Asserts that `fn` throws exactly this class with exactly this message (a string or a pattern). */
function throwsExactly(fn: () => unknown, type: new (...args: never[]) => Error, message: string | RegExp, extra: Record<string, unknown> = {}): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof type, `expected ${type.name}, got ${String(error)}`);
    assert.equal(error.constructor, type, `expected exactly ${type.name}, got ${error.constructor.name}`);
    if (typeof message === 'string') assert.equal(error.message, message);
    else assert.match(error.message, message);
    for (const [name, value] of Object.entries(extra)) assert.deepEqual((error as unknown as Record<string, unknown>)[name], value, name);
    return true;
  });
}

// --- signJwt ------------------------------------------------------------------------------

test('signJwt names itself and the option in option errors', () => {
  throwsExactly(() => signJwt({}, SECRET, { algorithim: 'HS256' } as never), TypeError, 'signJwt options: unknown option "algorithim"; did you mean "algorithm"?');
  throwsExactly(() => signJwt({}, SECRET, { algorithm: 'none' as never }), TypeError, /^algorithm must be one of HS256, /);
  throwsExactly(() => signJwt({}, SECRET, { algorithm: 'RS256' }), TypeError, 'algorithm RS256 needs a private key, but secret is an HMAC secret');
  throwsExactly(() => signJwt({}, SECRET, { expiresIn: 'soon' }), TypeError, 'expiresIn must be a number of seconds or a string such as "30s", "15m", "2h", "30d", "1w"');
  throwsExactly(() => signJwt({}, SECRET, { notBefore: -1 }), RangeError, 'notBefore must be a finite number of seconds >= 0, got -1');
  throwsExactly(() => signJwt({}, SECRET, { audience: [] }), TypeError, 'audience must be a non-empty string or a non-empty array of non-empty strings');
});

test('signJwt refuses subject, issuer and jwtId that are empty or not strings', () => {
  for (const name of ['subject', 'issuer', 'jwtId'] as const) {
    for (const value of ['', 42, null, ['a'], { a: 1 }]) {
      throwsExactly(() => signJwt({}, SECRET, { ...at, [name]: value as never }), TypeError, `${name} must be a non-empty string`);
    }
    assert.ok(signJwt({}, SECRET, { ...at, expiresIn: 60, [name]: 'x' }));
  }
});

test('signJwt refuses a payload that is not a plain object, with one message', () => {
  for (const payload of [null, undefined, [], [{ sub: 'a' }], 'x', '{}', 42, true, Symbol('p')]) {
    throwsExactly(() => signJwt(payload as never, SECRET, at), TypeError, 'payload must be a plain object');
  }
});

test('signJwt refuses a payload that does not serialize to a JSON object', () => {
  // Boxed numbers and booleans are objects without a toJSON method, but serialize to 42 or true.
  for (const payload of [Object(42), Object(true), Object(Number.NaN)]) {
    throwsExactly(() => signJwt(payload as JwtPayload, SECRET, at), TypeError, 'payload must serialize to a JSON object');
  }
  // A toJSON getter that hides itself from the toJSON check, then serializes to a non-object.
  for (const result of [undefined, 'x', [1], 42]) {
    let reads = 0;
    const payload = { sub: 'a', get toJSON() { return reads++ === 0 ? undefined : () => result; } };
    throwsExactly(() => signJwt(payload as JwtPayload, SECRET, at), TypeError, 'payload must serialize to a JSON object');
  }
});

test('signJwt checks the type of each registered claim in the payload, naming it', () => {
  for (const claim of ['exp', 'nbf', 'iat']) {
    for (const value of ['1767225600', null, true, Number.NaN, Number.POSITIVE_INFINITY, [1]]) {
      throwsExactly(() => signJwt({ [claim]: value }, SECRET, at), TypeError, `payload claim "${claim}" must be a finite number of seconds`);
    }
  }
  for (const claim of ['sub', 'iss', 'jti']) {
    for (const value of [42, null, true, ['a']]) {
      throwsExactly(() => signJwt({ [claim]: value }, SECRET, at), TypeError, `payload claim "${claim}" must be a string`);
    }
  }
  for (const aud of [42, '', [], [1], ['a', '']]) {
    throwsExactly(() => signJwt({ aud } as JwtPayload, SECRET, at), TypeError, 'audience must be a non-empty string or a non-empty array of non-empty strings');
  }
  // Present but undefined is absent, for the expiry rule too.
  const absent = loose({ exp: undefined, sub: undefined, aud: undefined });
  assert.deepEqual(referenceVerify(signJwt(absent, SECRET, { ...at, expiresIn: null }), SECRET).payload, { iat: NOW });
  throwsExactly(() => signJwt(absent, SECRET, at), TypeError, /^signJwt: the token would never expire;/);
});

test('signJwt sets iat unless the payload has its own defined iat; an undefined or inherited iat does not count', () => {
  assert.deepEqual(referenceVerify(signJwt(loose({ iat: undefined }), SECRET, { ...at, expiresIn: 60 }), SECRET).payload, { iat: NOW, exp: NOW + 60 });
  const inherited = Object.create({ iat: NOW - 100 }) as JwtPayload;
  assert.deepEqual(referenceVerify(signJwt(inherited, SECRET, { ...at, expiresIn: 60 }), SECRET).payload, { iat: NOW, exp: NOW + 60 });
  assert.deepEqual(referenceVerify(signJwt({ iat: NOW - 100 }, SECRET, { ...at, expiresIn: 60, noTimestamp: true }), SECRET).payload, { iat: NOW - 100, exp: NOW - 40 });
  assert.deepEqual(referenceVerify(signJwt(loose({ iat: undefined }), SECRET, { ...at, noTimestamp: true, expiresIn: null }), SECRET).payload, {});
  assert.deepEqual(referenceVerify(signJwt({}, SECRET, { ...at, noTimestamp: true, subject: 'u', expiresIn: null }), SECRET).payload, { sub: 'u' });
});

// --- verifyJwt: the key -------------------------------------------------------------------

test('a key set other than a Keyring is asked for candidates with the kid and alg', () => {
  const calls: [string | undefined, string][] = [];
  const keySet: KeySet = {
    candidates(kid, alg) {
      calls.push([kid, alg]);
      return [prepareSecret(SECRET)] as readonly JwtKey[];
    },
  };
  assert.deepEqual(verifyJwt(signWith({ alg: 'HS256', kid: 'k1' }, valid), keySet, at), valid);
  assert.deepEqual(verifyJwt(tokenFor(valid), keySet, { ...at, algorithms: ['HS256'] }), valid);
  assert.deepEqual(calls, [['k1', 'HS256'], [undefined, 'HS256']]);
});

test('a missing or non-object key gets the secret message, with or without algorithms', () => {
  for (const key of [null, undefined, 42, true]) {
    throwsExactly(() => verifyJwt(tokenFor(valid), key as never, at), TypeError, HOW);
    throwsExactly(() => verifyJwt(tokenFor(valid), key as never, { ...at, algorithms: ['HS256'] }), TypeError, HOW);
  }
  const oct = { kty: 'oct', k: Buffer.from(SECRET).toString('base64url') } as unknown as Jwk;
  const octMessage = 'secret: pass an HMAC secret as bytes or a string, not as an "oct" JWK';
  throwsExactly(() => verifyJwt(tokenFor(valid), oct, at), TypeError, octMessage);
  throwsExactly(() => verifyJwt(tokenFor(valid), oct, { ...at, algorithms: ['HS256'] }), TypeError, octMessage);
});

test('a secret with algorithms serves the HMAC ones listed: one, several, or none', () => {
  const long = 'x'.repeat(64);
  const hs384 = signJwt(valid, long, { algorithm: 'HS384' });
  const hs256 = signJwt(valid, long, { algorithm: 'HS256' });
  assert.deepEqual(verifyJwt(hs384, long, { ...at, algorithms: ['HS384'] }), valid);
  assert.deepEqual(verifyJwt(hs384, long, { ...at, algorithms: ['HS256', 'HS384', 'RS256'] }), valid);
  assert.deepEqual(verifyJwt(hs256, long, { ...at, algorithms: ['HS256', 'HS384'] }), valid);
  throwsExactly(() => verifyJwt(hs384, long, { ...at, algorithms: ['HS256'] }), AlgorithmNotAllowedError, 'Token algorithm is not allowed', { code: 'ERR_JWT_ALG_NOT_ALLOWED' });
  // Each listed algorithm prepares the secret, so its length rule and the name "secret" apply.
  throwsExactly(() => verifyJwt(hs256, 'short-secret', { ...at, algorithms: ['HS256'] }), RangeError, /^secret is 12 bytes; HS256 needs at least 32 /);
  throwsExactly(() => verifyJwt(hs256, SECRET, { ...at, algorithms: ['HS256', 'HS512'] }), RangeError, /^secret is 39 bytes; HS512 needs at least 64 /);
  throwsExactly(() => verifyJwt(hs256, SECRET, { ...at, algorithms: ['RS256', 'ES256'] }), TypeError, 'algorithms lists no HMAC algorithm (HS256, HS384, HS512), but the key is an HMAC secret');
});

test('a prepared or asymmetric key that serves none of the algorithms is a TypeError listing what it serves', () => {
  throwsExactly(() => verifyJwt(tokenFor(valid), prepareSecret(SECRET), { ...at, algorithms: ['RS256'] }), TypeError, 'algorithms lists none that the key serves (HS256)');
  throwsExactly(() => verifyJwt(tokenFor(valid), importKey(ecJwk), { ...at, algorithms: ['HS256', 'RS256'] }), TypeError, 'algorithms lists none that the key serves (ES256)');
  throwsExactly(() => verifyJwt(tokenFor(valid), importKey(rsaJwk), { ...at, algorithms: ['ES256'] }), TypeError, 'algorithms lists none that the key serves (RS256, RS384, RS512, PS256, PS384, PS512)');
  assert.deepEqual(verifyJwt(tokenFor(valid), prepareSecret(SECRET), { ...at, algorithms: ['HS256', 'RS256'] }), valid);
});

test('an HMAC token verified with a public key is refused as an algorithm the key does not serve', () => {
  for (const key of [importKey(ecJwk), ecJwk, importKey(rsaJwk)]) {
    throwsExactly(() => verifyJwt(tokenFor(valid), key, at), AlgorithmNotAllowedError, 'Token algorithm is not allowed for the configured key', { code: 'ERR_JWT_ALG_NOT_ALLOWED' });
  }
});

// --- verifyJwt: the token -----------------------------------------------------------------

test('tokens of 1, 2, 4 or 5 segments are malformed with the segment message', () => {
  const [h, p, s] = tokenFor(valid).split('.') as [string, string, string];
  for (const token of ['', 'abc', h, `${h}.${p}`, `${h}.`, `.${h}`, `${h}.${p}.${s}.${s}`, `${h}.${p}.${s}.`, `${h}.${p}.${s}.${s}.${s}`, '...']) {
    throwsExactly(() => verifyJwt(token, SECRET, at), MalformedTokenError, 'Token must have three segments', { code: 'ERR_JWT_MALFORMED' });
  }
});

test('an empty header or payload segment, or a leading dot, is malformed with the empty-segment message', () => {
  const [h, p, s] = tokenFor(valid).split('.') as [string, string, string];
  for (const token of [`.${p}.${s}`, `${h}..${s}`, '..', '..x', `.${p}.`, signSegments('', p), signSegments(h, '')]) {
    throwsExactly(() => verifyJwt(token, SECRET, at), MalformedTokenError, 'Token header or payload segment is empty', { code: 'ERR_JWT_MALFORMED' });
  }
});

test('a one-character header is decoded (and refused) as a header, not counted as a missing segment', () => {
  throwsExactly(() => verifyJwt('a.bb.cc', SECRET, at), MalformedTokenError, 'Token header is not valid base64url', { code: 'ERR_JWT_MALFORMED' });
  throwsExactly(() => verifyJwt(`e.${b64('{}')}.x`, SECRET, at), MalformedTokenError, 'Token header is not valid base64url');
});

test('typ mismatch is a ClaimInvalidError naming typ and the reason', () => {
  const details = { code: 'ERR_JWT_CLAIM_INVALID', claim: 'typ', reason: 'mismatch' };
  const message = 'Token type header (typ) does not have the expected value';
  throwsExactly(() => verifyJwt(tokenFor(valid), SECRET, { ...at, typ: 'at+jwt' }), ClaimInvalidError, message, details);
  throwsExactly(() => verifyJwt(signWith({ alg: 'HS256' }, valid), SECRET, { ...at, typ: 'JWT' }), ClaimInvalidError, message, details);
  assert.deepEqual(verifyJwt(tokenFor(valid), SECRET, { ...at, typ: 'application/JWT' }), valid);
});

test('algorithm, signature and payload errors carry their exact messages', () => {
  throwsExactly(() => verifyJwt(signWith({ alg: 'HS512' }, valid), SECRET, { ...at, algorithms: ['HS256'] }), AlgorithmNotAllowedError, 'Token algorithm is not allowed', { code: 'ERR_JWT_ALG_NOT_ALLOWED' });
  throwsExactly(() => verifyJwt(tokenFor(valid, 'another-secret-0123456789-abcdefghijk'), SECRET, at), SignatureInvalidError, 'Token signature is invalid', { code: 'ERR_JWT_SIGNATURE_INVALID' });
  throwsExactly(() => verifyJwt('!'.repeat(8193), SECRET, at), TokenTooLongError, 'Token is longer than the allowed maximum', { code: 'ERR_JWT_TOO_LONG' });
  const [h] = tokenFor(valid).split('.') as [string];
  for (const segment of ['e30AA', 'e31', 'e30=', 'e3+']) {
    assert.throws(() => verifyJwt(signSegments(h, segment), SECRET, at), (error: unknown) => {
      assert.equal((error as Error).constructor, MalformedTokenError);
      assert.equal((error as MalformedTokenError).message, 'Token payload is not valid base64url');
      assert.equal((error as MalformedTokenError).code, 'ERR_JWT_MALFORMED');
      assert.ok((error as Error).cause instanceof Base64urlError, 'the base64url error is the cause');
      return true;
    });
  }
});

// --- decodeJwt ----------------------------------------------------------------------------

test('decodeJwt names itself in option errors and checks its guards', () => {
  throwsExactly(() => decodeJwt(tokenFor(valid), { maxLength: 10 } as never), TypeError, /^decodeJwt options: unknown option "maxLength"/);
  throwsExactly(() => decodeJwt(tokenFor(valid), { maxTokenLength: 10 }), RangeError, 'maxTokenLength must be an integer >= 16');
  throwsExactly(() => decodeJwt(tokenFor({ pad: 'x'.repeat(100) }), { maxTokenLength: 64 }), TokenTooLongError, 'Token is longer than the allowed maximum', { code: 'ERR_JWT_TOO_LONG' });
  throwsExactly(() => decodeJwt('!'.repeat(8193)), TokenTooLongError, 'Token is longer than the allowed maximum');
  for (const value of [undefined, null, 42, ['a.b.c']]) {
    throwsExactly(() => decodeJwt(value as never), MalformedTokenError, 'Token must be a string', { code: 'ERR_JWT_MALFORMED' });
  }
  const [h, p, s] = tokenFor(valid).split('.') as [string, string, string];
  for (const token of ['', 'abc', `${h}.${p}`, `${h}.${p}.${s}.${s}`, `.${p}.${s}`, `${h}..${s}`]) {
    throwsExactly(() => decodeJwt(token), MalformedTokenError, 'Token must have three segments', { code: 'ERR_JWT_MALFORMED' });
  }
  throwsExactly(() => decodeJwt(`${h}.e31.${s}`), MalformedTokenError, 'Token payload is not valid base64url');
  // Nothing is verified: an empty signature decodes.
  assert.deepEqual(decodeJwt(`${h}.${p}.`), { header: { alg: 'HS256', typ: 'JWT' }, payload: valid });
});
