/**
 * The error classes of the core (lib/core/errors.ts) on their own: every class's `code`,
 * `status`, `name`, RFC 6750 `bearerError`, `cause` and default message, so a caller can branch
 * on them and an HTTP adapter can answer with them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AlgorithmNotAllowedError,
  AuthError,
  Base64urlError,
  ClaimInvalidError,
  JWTDecodeError,
  MalformedTokenError,
  SignatureInvalidError,
  TokenExpiredError,
  TokenNotYetValidError,
  TokenTooLongError,
  UnknownKeyError,
  UnsupportedTokenError,
} from '../../lib/core/errors.ts';

test('every token error has its stable code, status 401, invalid_token, its class name and the cause', () => {
  const cause = new Error('underlying');
  const cases: [new (message: string, options?: { cause?: unknown }) => AuthError, string][] = [
    [AuthError, 'ERR_AUTH'],
    [JWTDecodeError, 'ERR_JWT_INVALID'],
    [MalformedTokenError, 'ERR_JWT_MALFORMED'],
    [TokenTooLongError, 'ERR_JWT_TOO_LONG'],
    [AlgorithmNotAllowedError, 'ERR_JWT_ALG_NOT_ALLOWED'],
    [UnsupportedTokenError, 'ERR_JWT_UNSUPPORTED'],
    [UnknownKeyError, 'ERR_JWT_KEY_UNKNOWN'],
    [SignatureInvalidError, 'ERR_JWT_SIGNATURE_INVALID'],
  ];
  for (const [ErrorClass, code] of cases) {
    const error = new ErrorClass('the message', { cause });
    assert.ok(error instanceof Error);
    assert.ok(error instanceof AuthError);
    assert.equal(error.code, code);
    assert.equal(error.status, 401);
    assert.equal(error.bearerError, 'invalid_token');
    assert.equal(error.retryAfterSeconds, undefined);
    assert.equal(error.name, ErrorClass.name);
    assert.equal(error.message, 'the message');
    assert.equal(error.cause, cause);
    assert.equal(Object.hasOwn(new ErrorClass('no cause'), 'cause'), false);
    if (ErrorClass !== AuthError) assert.ok(error instanceof JWTDecodeError);
  }
  assert.equal(new AuthError('x').name, 'AuthError');
  assert.equal(new MalformedTokenError('x').name, 'MalformedTokenError');
});

test('a subclass written by a caller is named after itself', () => {
  class CustomError extends JWTDecodeError {}
  const error = new CustomError('custom');
  assert.equal(error.name, 'CustomError');
  assert.equal(error.code, 'ERR_JWT_INVALID');
  assert.equal(error.bearerError, 'invalid_token');
});

test('claim errors carry the claim and the reason next to their code', () => {
  const cause = new RangeError('r');
  const invalid = new ClaimInvalidError('Token audience does not match', { claim: 'aud', reason: 'mismatch', cause });
  assert.equal(invalid.code, 'ERR_JWT_CLAIM_INVALID');
  assert.equal(invalid.name, 'ClaimInvalidError');
  assert.equal(invalid.message, 'Token audience does not match');
  assert.equal(invalid.claim, 'aud');
  assert.equal(invalid.reason, 'mismatch');
  assert.equal(invalid.cause, cause);
  assert.equal(invalid.status, 401);
  assert.equal(invalid.bearerError, 'invalid_token');
  assert.ok(invalid instanceof JWTDecodeError);

  const early = new TokenNotYetValidError('Token is not valid yet', { claim: 'nbf', reason: 'not_yet_valid' });
  assert.equal(early.code, 'ERR_JWT_NOT_YET_VALID');
  assert.equal(early.name, 'TokenNotYetValidError');
  assert.deepEqual([early.claim, early.reason], ['nbf', 'not_yet_valid']);
  assert.ok(early instanceof ClaimInvalidError);
});

test('TokenExpiredError defaults to "Token has expired" for exp, and keeps what it is given', () => {
  const expired = new TokenExpiredError();
  assert.equal(expired.message, 'Token has expired');
  assert.equal(expired.code, 'ERR_JWT_EXPIRED');
  assert.equal(expired.name, 'TokenExpiredError');
  assert.equal(expired.claim, 'exp');
  assert.equal(expired.reason, 'expired');
  assert.equal(expired.status, 401);
  assert.equal(expired.bearerError, 'invalid_token');
  assert.ok(expired instanceof ClaimInvalidError);

  const old = new TokenExpiredError('Token is too old', { claim: 'iat', reason: 'too_old' });
  assert.deepEqual([old.message, old.claim, old.reason, old.code], ['Token is too old', 'iat', 'too_old', 'ERR_JWT_EXPIRED']);
});

test('Base64urlError is a plain Error with its code, name and the reason in its message', () => {
  const error = new Base64urlError('non-zero trailing bits');
  assert.ok(error instanceof Error);
  assert.equal(error instanceof AuthError, false);
  assert.equal(error.code, 'ERR_BASE64URL_INVALID');
  assert.equal(error.name, 'Base64urlError');
  assert.equal(error.message, 'Invalid base64url: non-zero trailing bits');
  assert.equal(String(error), 'Base64urlError: Invalid base64url: non-zero trailing bits');
});
