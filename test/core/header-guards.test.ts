/**
 * The JOSE header on its own (lib/core/header.ts): the segments written for each algorithm, the
 * `kid` guard, the plain-header lookups (each result a fresh, writable object), and the exact
 * error of every refusal, with its class, code, status and cause.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ALGORITHMS } from '../../lib/core/algorithms.ts';
import { AlgorithmNotAllowedError, Base64urlError, MalformedTokenError, UnsupportedTokenError } from '../../lib/core/errors.ts';
import { ALGORITHM, STANDARD_HEADER, STANDARD_HEADER_SEGMENT, decodeHeaderSegment, encodeHeader, parseHeader } from '../../lib/core/header.ts';

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

test('the default algorithm is HS256 and the standard header is {"alg":"HS256","typ":"JWT"}', () => {
  assert.equal(ALGORITHM, 'HS256');
  assert.deepEqual(STANDARD_HEADER, { alg: 'HS256', typ: 'JWT' });
  assert.equal(STANDARD_HEADER_SEGMENT, b64({ alg: 'HS256', typ: 'JWT' }));
  assert.equal(encodeHeader(), b64({ alg: 'HS256', typ: 'JWT' }));
  assert.equal(encodeHeader(undefined, 'HS256'), STANDARD_HEADER_SEGMENT);
});

test('encodeHeader writes {"alg":...,"typ":"JWT"} for every algorithm, with the kid when given', () => {
  for (const alg of ALGORITHMS) {
    assert.equal(encodeHeader(undefined, alg), b64({ alg, typ: 'JWT' }), alg);
    assert.equal(encodeHeader('k-1', alg), b64({ alg, typ: 'JWT', kid: 'k-1' }), alg);
  }
  assert.equal(encodeHeader('2026-11'), b64({ alg: 'HS256', typ: 'JWT', kid: '2026-11' }));
});

test('encodeHeader refuses an unsupported algorithm and a kid that is not a non-empty string', () => {
  for (const alg of ['none', 'hs256', '', 'toString', '__proto__']) {
    assert.throws(() => encodeHeader(undefined, alg as never), { name: 'TypeError', message: `unsupported algorithm: ${alg}` });
  }
  assert.throws(() => encodeHeader(undefined, null as never), { name: 'TypeError', message: 'unsupported algorithm: null' });
  for (const kid of ['', 5, null, {}, ['k']]) {
    assert.throws(() => encodeHeader(kid as never), { name: 'TypeError', message: 'kid must be a non-empty string' });
  }
});

test('a plain header segment parses to a fresh, writable copy every time, for every algorithm', () => {
  for (const alg of ALGORITHMS) {
    const segment = encodeHeader(undefined, alg);
    for (const parse of [parseHeader, decodeHeaderSegment]) {
      const first = parse(segment);
      assert.deepEqual(first, { alg, typ: 'JWT' }, alg);
      assert.equal(Object.isFrozen(first), false, alg);
      (first as Record<string, unknown>)['kid'] = 'changed';
      const second = parse(segment);
      assert.deepEqual(second, { alg, typ: 'JWT' }, alg);
      assert.notEqual(first, second);
    }
  }
  assert.deepEqual(STANDARD_HEADER, { alg: 'HS256', typ: 'JWT' });
});

test('a header segment that is not base64url is malformed, with the decoder error as cause', () => {
  for (const segment of ['!!!!', 'e', 'eyJ=', 'eyJhbGciOiJIUzI1NiJ9\u00e9']) {
    for (const parse of [parseHeader, decodeHeaderSegment]) {
      assert.throws(() => parse(segment), (error: unknown) => {
        assert.ok(error instanceof MalformedTokenError);
        assert.equal(error.message, 'Token header is not valid base64url');
        assert.equal(error.code, 'ERR_JWT_MALFORMED');
        assert.equal(error.status, 401);
        assert.equal(error.bearerError, 'invalid_token');
        assert.ok(error.cause instanceof Base64urlError);
        return true;
      });
    }
  }
});

test('a header that is not a JSON object names the header in its message', () => {
  const cases: [string, string][] = [
    [Buffer.from('{"alg":').toString('base64url'), 'Token header is not valid JSON'],
    [b64(['HS256']), 'Token header is not a JSON object'],
    [b64('HS256'), 'Token header is not a JSON object'],
    [b64(null), 'Token header is not a JSON object'],
  ];
  for (const [segment, message] of cases) {
    for (const parse of [parseHeader, decodeHeaderSegment]) {
      assert.throws(() => parse(segment), (error: unknown) => error instanceof MalformedTokenError && error.message === message && error.code === 'ERR_JWT_MALFORMED');
    }
  }
});

test('decodeHeaderSegment leaves alg unchecked; parseHeader refuses an alg that is not supported', () => {
  for (const alg of ['none', 'hs256', 'HS256 ', null, 256, 'toString']) {
    const segment = b64({ alg, typ: 'JWT', kid: 'k' });
    assert.deepEqual(decodeHeaderSegment(segment), { alg, typ: 'JWT', kid: 'k' });
    assert.throws(() => parseHeader(segment), (error: unknown) => {
      assert.ok(error instanceof AlgorithmNotAllowedError, String(alg));
      assert.equal(error.message, 'Token algorithm is not allowed');
      assert.equal(error.code, 'ERR_JWT_ALG_NOT_ALLOWED');
      assert.equal(error.status, 401);
      return true;
    });
  }
  // The plain segment of every algorithm is the only shortcut: the same header with its members
  // in another order is decoded and checked, and accepted.
  assert.deepEqual(parseHeader(b64({ typ: 'JWT', alg: 'ES256' })), { typ: 'JWT', alg: 'ES256' });
});

test('crit, b64, a nested token and non-string typ or kid are refused with their own message', () => {
  const unsupported: [object, string][] = [
    [{ alg: 'HS256', crit: [] }, 'Token header "crit" is not supported'],
    [{ alg: 'HS256', b64: true }, 'Token header "b64" is not supported'],
    [{ alg: 'HS256', cty: 'JWT' }, 'Nested tokens (cty: JWT) are not supported'],
    [{ alg: 'HS256', cty: ' application/JWT ' }, 'Nested tokens (cty: JWT) are not supported'],
    [{ alg: 'HS256', cty: 1 }, 'Nested tokens (cty: JWT) are not supported'],
  ];
  for (const [header, message] of unsupported) {
    assert.throws(() => parseHeader(b64(header)), (error: unknown) => error instanceof UnsupportedTokenError && error.message === message && error.code === 'ERR_JWT_UNSUPPORTED');
  }
  const malformed: [object, string][] = [
    [{ alg: 'HS256', typ: 1 }, 'Token header "typ" must be a string'],
    [{ alg: 'HS256', kid: null }, 'Token header "kid" must be a string'],
    [{ alg: 'HS256', kid: 7 }, 'Token header "kid" must be a string'],
  ];
  for (const [header, message] of malformed) {
    assert.throws(() => parseHeader(b64(header)), (error: unknown) => error instanceof MalformedTokenError && error.message === message && error.code === 'ERR_JWT_MALFORMED');
  }
  assert.deepEqual(parseHeader(b64({ alg: 'HS384', cty: 'json', typ: 'at+jwt', kid: 'k' })), { alg: 'HS384', cty: 'json', typ: 'at+jwt', kid: 'k' });
});
