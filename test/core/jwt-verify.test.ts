/**
 * The token table of shared/SECURITY.md, one named test per row, plus the verification order.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { verifyJwt, verifyJwtComplete, signJwt } from '../../lib/core/jwt.ts';
import { Keyring } from '../../lib/core/keyring.ts';
import { JWTDecodeError } from '../../lib/core/errors.ts';
import { NOW, NOW_DATE, SECRET, b64, signRaw, signSegments, signWith, tokenFor } from './jwt-helpers.ts';

const at = { currentDate: NOW_DATE };
const valid = { sub: 'user1', iat: NOW - 10, exp: NOW + 900 };

function rejects(token: string, code: string, options: Parameters<typeof verifyJwt>[2] = at): void {
  assert.throws(() => verifyJwt(token, SECRET, options), (error: unknown) => {
    assert.ok(error instanceof JWTDecodeError, `expected a JWTDecodeError, got ${String(error)}`);
    assert.equal(error.code, code);
    assert.equal(error.status, 401);
    if (token.length > 8) assert.ok(!error.message.includes(token), 'message must not echo the token');
    assert.ok(!error.message.includes(SECRET), 'message must not contain the secret');
    return true;
  });
}

test('accepts a well-formed token signed with the secret', () => {
  assert.deepEqual(verifyJwt(tokenFor(valid), SECRET, at), valid);
});

test('alg none/None/NONE/empty/missing/HS512/RS256/ES256/non-string is refused before any claim is read', () => {
  // Expired and with a mistyped claim: if claims were read first, the code would differ.
  const hostile = { sub: 42, exp: 'never' };
  const algs: unknown[] = ['none', 'None', 'NONE', '', 'HS512', 'RS256', 'ES256', 'hs256', 'HS256 ', null, 256, ['HS256'], { HS256: true }];
  for (const alg of algs) rejects(signWith({ alg, typ: 'JWT' }, hostile), 'ERR_JWT_ALG_NOT_ALLOWED');
  rejects(signWith({ typ: 'JWT' }, hostile), 'ERR_JWT_ALG_NOT_ALLOWED');
  // alg none with an empty signature, the classic form.
  rejects(`${b64('{"alg":"none","typ":"JWT"}')}.${b64(JSON.stringify(valid))}.`, 'ERR_JWT_ALG_NOT_ALLOWED');
});

test('signature segment empty, shorter or longer than 32 bytes is refused', () => {
  const token = tokenFor(valid);
  const [h, p, s] = token.split('.') as [string, string, string];
  rejects(`${h}.${p}.`, 'ERR_JWT_SIGNATURE_INVALID');
  rejects(`${h}.${p}.${s.slice(0, 42)}`, 'ERR_JWT_SIGNATURE_INVALID');
  rejects(`${h}.${p}.${s.slice(0, 22)}`, 'ERR_JWT_SIGNATURE_INVALID'); // 16-byte truncated MAC
  rejects(`${h}.${p}.${s}A`, 'ERR_JWT_SIGNATURE_INVALID');
  rejects(`${h}.${p}.${s}AAAA`, 'ERR_JWT_SIGNATURE_INVALID');
});

test('one bit flipped anywhere in the signature is refused', () => {
  const token = tokenFor(valid);
  const [h, p, s] = token.split('.') as [string, string, string];
  const mac = Buffer.from(s, 'base64url');
  for (let bit = 0; bit < 256; bit++) {
    const flipped = Buffer.from(mac);
    flipped[bit >> 3]! ^= 1 << (bit & 7);
    rejects(`${h}.${p}.${flipped.toString('base64url')}`, 'ERR_JWT_SIGNATURE_INVALID');
  }
});

test('one bit flipped in the header or payload bytes is refused', () => {
  const token = tokenFor(valid);
  for (let i = 0; i < token.lastIndexOf('.'); i++) {
    if (token[i] === '.') continue;
    const swapped = token[i] === 'A' ? 'B' : 'A';
    const tampered = token.slice(0, i) + swapped + token.slice(i + 1);
    assert.throws(() => verifyJwt(tampered, SECRET, at), JWTDecodeError);
  }
});

test('non-canonical base64url is refused: padding, +, /, white space, foreign characters, length 1 mod 4, trailing bits', () => {
  const token = tokenFor(valid);
  const [h, p, s] = token.split('.') as [string, string, string];
  // Signature spelled differently but decoding to the same bytes under a lenient decoder.
  const last = s.at(-1)!;
  const sibling = String.fromCharCode(last.charCodeAt(0) + 1); // k -> l style: same bytes leniently
  rejects(`${h}.${p}.${s.slice(0, -1)}${sibling}`, 'ERR_JWT_SIGNATURE_INVALID');
  rejects(`${h}.${p}.${s}=`, 'ERR_JWT_SIGNATURE_INVALID');
  rejects(`${h}.${p}.${Buffer.from(s, 'base64url').toString('base64')}`, 'ERR_JWT_SIGNATURE_INVALID');
  // Header and payload segments signed as sent, so only the decoding can refuse them.
  const bad = ['=', '==', ' ', '\n', '\t', '!', '+', '/'];
  for (const junk of bad) {
    rejects(signSegments(`${h}${junk}`, p), 'ERR_JWT_MALFORMED');
    rejects(signSegments(h, `${p}${junk}`), 'ERR_JWT_MALFORMED');
  }
  // Length 1 mod 4: "e30" is "{}", "e30AA" has five characters.
  rejects(signSegments(h, 'e30AA'), 'ERR_JWT_MALFORMED');
  // "e30" is "{}"; "e31" carries the same bytes with non-zero trailing bits.
  rejects(signSegments(h, 'e31'), 'ERR_JWT_MALFORMED');
  assert.deepEqual(verifyJwt(signSegments(h, 'e30'), SECRET, at), {});
  // A header with + or / in place of - or _.
  const plusHeader = b64('{"alg":"HS256","typ":"JWT","x":">>>?"}');
  assert.ok(/[-_]/.test(plusHeader));
  rejects(signSegments(plusHeader.replace(/-/g, '+').replace(/_/g, '/'), p), 'ERR_JWT_MALFORMED');
});

test('not exactly three segments, or an empty header or payload segment, is malformed', () => {
  const token = tokenFor(valid);
  const [h, p, s] = token.split('.') as [string, string, string];
  for (const candidate of ['', 'abc', `${h}.${p}`, `${h}.${p}.${s}.${s}`, `${h}.${p}.${s}.${s}.${s}`, `.${p}.${s}`, `${h}..${s}`, '..', '...']) {
    rejects(candidate, 'ERR_JWT_MALFORMED');
  }
  rejects(signSegments('', p), 'ERR_JWT_MALFORMED');
  rejects(signSegments(h, ''), 'ERR_JWT_MALFORMED');
});

test('header or payload that is not UTF-8, not JSON, or not a JSON object is malformed', () => {
  const header = '{"alg":"HS256","typ":"JWT"}';
  const invalidUtf8 = Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]).toString('base64url');
  rejects(signSegments(b64(header), invalidUtf8), 'ERR_JWT_MALFORMED');
  rejects(signSegments(invalidUtf8, b64('{}')), 'ERR_JWT_MALFORMED');
  for (const payload of ['not json', '{"sub":', '[]', '[{"sub":"a"}]', '"a string"', '42', 'null', 'true', '\ufeff{}']) {
    rejects(signRaw(header, payload), 'ERR_JWT_MALFORMED');
  }
  for (const headerText of ['not json', '[]', '"HS256"', 'null', '1']) {
    rejects(signRaw(headerText, '{}'), 'ERR_JWT_MALFORMED');
  }
});

test('crit (any value), b64 and cty JWT are refused as unsupported', () => {
  const nested = [{ cty: 'JWT' }, { cty: 'jwt' }, { cty: 'application/jwt' }, { cty: 'Application/JWT' }, { cty: 'JWT ' }, { cty: 42 }];
  for (const extra of [{ crit: ['exp'] }, { crit: [] }, { crit: null }, { b64: false }, { b64: true }, ...nested]) {
    rejects(signWith({ alg: 'HS256', typ: 'JWT', ...extra }, valid), 'ERR_JWT_UNSUPPORTED');
  }
  assert.deepEqual(verifyJwt(signWith({ alg: 'HS256', cty: 'example' }, valid), SECRET, at), valid);
});

test('exp, nbf or iat that is not a finite number is an invalid claim, never "no expiry"', () => {
  for (const claim of ['exp', 'nbf', 'iat']) {
    for (const value of ['1767225600', null, true, [], {}]) {
      rejects(tokenFor({ ...valid, [claim]: value }), 'ERR_JWT_CLAIM_INVALID');
    }
    rejects(signRaw('{"alg":"HS256","typ":"JWT"}', `{"sub":"user1","${claim}":1e400}`), 'ERR_JWT_CLAIM_INVALID');
    rejects(signRaw('{"alg":"HS256","typ":"JWT"}', `{"sub":"user1","${claim}":-1e400}`), 'ERR_JWT_CLAIM_INVALID');
  }
  rejects(signRaw('{"alg":"HS256","typ":"JWT"}', '{"exp":NaN}'), 'ERR_JWT_MALFORMED');
});

test('exp equal to now is expired; one second later is not', () => {
  rejects(tokenFor({ exp: NOW }), 'ERR_JWT_EXPIRED');
  rejects(tokenFor({ exp: NOW - 1 }), 'ERR_JWT_EXPIRED');
  assert.deepEqual(verifyJwt(tokenFor({ exp: NOW + 1 }), SECRET, at), { exp: NOW + 1 });
});

test('clock tolerance is applied, bounded and finite', () => {
  const token = tokenFor({ exp: NOW - 5 });
  rejects(token, 'ERR_JWT_EXPIRED');
  assert.ok(verifyJwt(token, SECRET, { ...at, clockTolerance: 6 }));
  rejects(token, 'ERR_JWT_EXPIRED', { ...at, clockTolerance: 5 });
  for (const clockTolerance of [-1, Number.NaN, Number.POSITIVE_INFINITY, 301]) {
    assert.throws(() => verifyJwt(token, SECRET, { clockTolerance }), RangeError);
  }
});

test('nbf or iat in the future beyond the tolerance is refused', () => {
  rejects(tokenFor({ nbf: NOW + 1 }), 'ERR_JWT_NOT_YET_VALID');
  rejects(tokenFor({ iat: NOW + 1 }), 'ERR_JWT_NOT_YET_VALID');
  assert.ok(verifyJwt(tokenFor({ nbf: NOW }), SECRET, at));
  assert.ok(verifyJwt(tokenFor({ nbf: NOW + 30, iat: NOW + 30 }), SECRET, { ...at, clockTolerance: 30 }));
  rejects(tokenFor({ nbf: NOW + 31 }), 'ERR_JWT_NOT_YET_VALID', { ...at, clockTolerance: 30 });
});

test('sub, iss and jti that are not strings, and aud that is neither a string nor strings, are refused', () => {
  for (const claim of ['sub', 'iss', 'jti']) {
    for (const value of [42, null, true, ['user1'], { a: 1 }]) rejects(tokenFor({ [claim]: value }), 'ERR_JWT_CLAIM_INVALID');
  }
  for (const aud of [42, null, [1], ['a', 2], { a: 'b' }, [['a']]]) rejects(tokenFor({ aud }), 'ERR_JWT_CLAIM_INVALID');
});

test('an array iss does not match any of its elements', () => {
  rejects(tokenFor({ iss: ['evil', 'https://issuer.example'] }), 'ERR_JWT_CLAIM_INVALID', { ...at, issuer: 'https://issuer.example' });
  assert.ok(verifyJwt(tokenFor({ iss: 'https://issuer.example' }), SECRET, { ...at, issuer: 'https://issuer.example' }));
});

test('a token longer than the maximum is refused before anything is decoded', () => {
  // Not even base64url: if it were decoded first the code would be ERR_JWT_MALFORMED.
  rejects('!'.repeat(8193), 'ERR_JWT_TOO_LONG');
  rejects(tokenFor({ ...valid, pad: 'x'.repeat(200) }), 'ERR_JWT_TOO_LONG', { ...at, maxTokenLength: 100 });
  const justUnder = tokenFor({ pad: 'x'.repeat(6000) });
  assert.ok(justUnder.length <= 8192);
  assert.ok(verifyJwt(justUnder, SECRET, at));
});

test('payload keys __proto__, constructor and prototype change no prototype', () => {
  const token = signRaw('{"alg":"HS256","typ":"JWT"}', '{"sub":"u","__proto__":{"admin":true},"constructor":{"prototype":{"polluted":true}},"prototype":1}');
  const payload = verifyJwt(token, SECRET, at);
  assert.equal(Object.getPrototypeOf(payload), Object.prototype);
  assert.equal((payload as { admin?: unknown }).admin, undefined);
  assert.equal(({} as { polluted?: unknown }).polluted, undefined);
  assert.ok(Object.hasOwn(payload, '__proto__'));
  // A __proto__ key cannot supply claims either.
  rejects(signRaw('{"alg":"HS256","typ":"JWT"}', '{"__proto__":{"exp":"never"},"exp":1}'), 'ERR_JWT_EXPIRED');
});

test('duplicate keys: the last one wins, and the signature binds the exact bytes', () => {
  rejects(signRaw('{"alg":"HS256","alg":"none"}', JSON.stringify(valid)), 'ERR_JWT_ALG_NOT_ALLOWED');
  assert.ok(verifyJwt(signRaw('{"alg":"none","alg":"HS256"}', JSON.stringify(valid)), SECRET, at));
  const token = signRaw('{"alg":"HS256"}', '{"sub":"a","sub":"b"}');
  assert.equal(verifyJwt(token, SECRET, at).sub, 'b');
  // Re-encoding the parsed header changes the bytes, and the signature no longer matches.
  const [, p, s] = token.split('.') as [string, string, string];
  rejects(`${b64('{"alg":"HS256"}')}.${b64('{"sub":"b"}')}.${s}`, 'ERR_JWT_SIGNATURE_INVALID');
  assert.ok(p);
});

test('an expired token signed with the wrong key is a signature error, not an expiry error', () => {
  rejects(tokenFor({ exp: NOW - 3600 }, 'another-secret-0123456789-abcdefghijk'), 'ERR_JWT_SIGNATURE_INVALID');
  rejects(tokenFor({ exp: 'garbage' }, 'another-secret-0123456789-abcdefghijk'), 'ERR_JWT_SIGNATURE_INVALID');
});

test('kid naming no key, or __proto__ / constructor, is refused when keys are named', () => {
  const keyring = new Keyring({ current: 'k1', keys: new Map([['k1', SECRET]]) });
  for (const kid of ['k2', '__proto__', 'constructor', 'toString', '']) {
    assert.throws(() => verifyJwt(signWith({ alg: 'HS256', kid }, valid), keyring, at), { code: 'ERR_JWT_KEY_UNKNOWN' });
  }
  assert.throws(() => verifyJwt(tokenFor(valid), keyring, at), { code: 'ERR_JWT_KEY_UNKNOWN' });
  assert.deepEqual(verifyJwt(signWith({ alg: 'HS256', kid: 'k1' }, valid), keyring, at), valid);
  rejects(signWith({ alg: 'HS256', kid: 7 }, valid), 'ERR_JWT_MALFORMED');
});

test('typ, when required, must match case-insensitively with an optional application/ prefix', () => {
  const options = { ...at, typ: 'at+jwt' };
  assert.ok(verifyJwt(signWith({ alg: 'HS256', typ: 'at+JWT' }, valid), SECRET, options));
  assert.ok(verifyJwt(signWith({ alg: 'HS256', typ: 'application/at+jwt' }, valid), SECRET, options));
  rejects(tokenFor(valid), 'ERR_JWT_CLAIM_INVALID', options);
  rejects(signWith({ alg: 'HS256' }, valid), 'ERR_JWT_CLAIM_INVALID', options);
  rejects(signWith({ alg: 'HS256', typ: 1 }, valid), 'ERR_JWT_MALFORMED');
});

test('audience, issuer, subject, required claims and maximum age are checked when configured', () => {
  const token = tokenFor({ ...valid, aud: ['a', 'b'], iss: 'me' });
  assert.ok(verifyJwt(token, SECRET, { ...at, audience: 'b', issuer: ['x', 'me'], subject: 'user1' }));
  rejects(token, 'ERR_JWT_CLAIM_INVALID', { ...at, audience: 'c' });
  rejects(tokenFor(valid), 'ERR_JWT_CLAIM_INVALID', { ...at, audience: 'a' });
  rejects(token, 'ERR_JWT_CLAIM_INVALID', { ...at, issuer: 'you' });
  rejects(token, 'ERR_JWT_CLAIM_INVALID', { ...at, subject: 'user2' });
  rejects(token, 'ERR_JWT_CLAIM_INVALID', { ...at, requiredClaims: ['nbf'] });
  assert.ok(verifyJwt(token, SECRET, { ...at, maxTokenAge: '10s' }));
  rejects(token, 'ERR_JWT_EXPIRED', { ...at, maxTokenAge: 9 });
  rejects(tokenFor({ exp: NOW + 10 }), 'ERR_JWT_CLAIM_INVALID', { ...at, maxTokenAge: 60 });
});

test('claim errors carry the claim and the reason', () => {
  assert.throws(() => verifyJwt(tokenFor({ sub: 1 }), SECRET, at), { claim: 'sub', reason: 'not_a_string' });
  assert.throws(() => verifyJwt(tokenFor({ exp: NOW }), SECRET, at), { claim: 'exp', reason: 'expired' });
  assert.throws(() => verifyJwt(tokenFor({}), SECRET, { ...at, audience: 'a' }), { claim: 'aud', reason: 'missing' });
});

test('options that are negative, NaN or Infinity are refused before any token is read', () => {
  const token = tokenFor(valid);
  assert.throws(() => verifyJwt(token, SECRET, { maxTokenAge: -1 }), RangeError);
  assert.throws(() => verifyJwt(token, SECRET, { maxTokenAge: Number.NaN }), RangeError);
  assert.throws(() => verifyJwt(token, SECRET, { maxTokenAge: Number.POSITIVE_INFINITY }), RangeError);
  assert.throws(() => verifyJwt(token, SECRET, { maxTokenAge: '120' }), TypeError);
  assert.throws(() => verifyJwt(token, SECRET, { maxTokenLength: 0 }), RangeError);
  assert.throws(() => verifyJwt(token, SECRET, { currentDate: new Date('nope') }), TypeError);
  assert.throws(() => verifyJwt(token, SECRET, { audience: [] }), TypeError);
});

test('a header with kid and other members verifies through the full parser', () => {
  const token = signWith({ typ: 'JWT', alg: 'HS256', kid: 'x', extra: { a: 1 } }, valid);
  const { header, payload } = verifyJwtComplete(token, SECRET, at);
  assert.deepEqual(header, { typ: 'JWT', alg: 'HS256', kid: 'x', extra: { a: 1 } });
  assert.deepEqual(payload, valid);
});

test('verifies tokens from signJwt, and refuses them under another secret', () => {
  const token = signJwt({ sub: 'user1' }, SECRET, { currentDate: NOW_DATE, expiresIn: 60 });
  assert.deepEqual(verifyJwt(token, SECRET, at), { sub: 'user1', iat: NOW, exp: NOW + 60 });
  assert.throws(() => verifyJwt(token, 'x'.repeat(32), at), { code: 'ERR_JWT_SIGNATURE_INVALID' });
});

test('a non-string token is malformed, not a crash', () => {
  for (const value of [undefined, null, 42, {}, ['a.b.c']]) {
    assert.throws(() => verifyJwt(value as unknown as string, SECRET, at), { code: 'ERR_JWT_MALFORMED' });
  }
});

test('the header of a verified token is a fresh object, even in the standard form', () => {
  const { header } = verifyJwtComplete(tokenFor(valid), SECRET, at);
  header.x = 1;
  assert.deepEqual(verifyJwtComplete(tokenFor(valid), SECRET, at).header, { alg: 'HS256', typ: 'JWT' });
});

test('a malformed JSON error carries no cause that could quote the token', () => {
  assert.throws(() => verifyJwt(signRaw('{"alg":"HS256"}', '{"secret":hunter2}'), SECRET, at), (error: unknown) => {
    assert.ok(error instanceof JWTDecodeError);
    assert.equal(error.cause, undefined);
    assert.ok(!String(error.stack).includes('hunter2'));
    return true;
  });
});

test('token errors carry no stack frames, and the stack trace limit is restored either way', () => {
  // A limit no other code sets, so the test cannot pass by reading a 0 left over from elsewhere.
  const original = Error.stackTraceLimit;
  Error.stackTraceLimit = 17;
  try {
    assert.throws(() => verifyJwt(tokenFor(valid, 'another-secret-0123456789-abcdefghijk'), SECRET, at), (error: unknown) => {
      assert.ok(error instanceof JWTDecodeError);
      assert.equal(String(error.stack).split('\n').filter((line) => line.trimStart().startsWith('at ')).length, 0);
      return true;
    });
    assert.equal(Error.stackTraceLimit, 17, 'restored after a refused token');
    verifyJwt(tokenFor(valid), SECRET, at);
    assert.equal(Error.stackTraceLimit, 17, 'restored after an accepted token');
    assert.throws(() => verifyJwt(tokenFor({ exp: NOW - 1 }), SECRET, at), JWTDecodeError);
    assert.equal(Error.stackTraceLimit, 17, 'restored after a claim error');
  } finally {
    Error.stackTraceLimit = original;
  }
});
