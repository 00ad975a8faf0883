import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertKnownOptions, closestName, unknownOptionMessage } from '../../lib/core/option-names.ts';
import { decodeJwt, signJwt, verifyJwt, verifyJwtComplete } from '../../lib/core/jwt.ts';
import { Keyring } from '../../lib/core/keyring.ts';

const KNOWN = ['audience', 'issuer', 'tokenLocation', 'requiredScopes'];

test('accepts an object whose keys are all known, an empty one, and undefined', () => {
  assertKnownOptions({ audience: 'api', issuer: 'me' }, KNOWN, 'x');
  assertKnownOptions({}, KNOWN, 'x');
  assertKnownOptions(undefined, KNOWN, 'x');
});

test('refuses options that are not an object, naming the context', () => {
  for (const options of [null, 5, 'audience', true]) {
    assert.throws(() => assertKnownOptions(options as never, KNOWN, 'verifyJwt options'), { name: 'TypeError', message: 'verifyJwt options must be an object' });
  }
});

test('refuses an unknown key with a TypeError naming it and the closest known option', () => {
  assert.throws(() => assertKnownOptions({ audiance: 'api' }, KNOWN, 'verifyJwt options'), {
    name: 'TypeError',
    message: 'verifyJwt options: unknown option "audiance"; did you mean "audience"?',
  });
  assert.throws(() => assertKnownOptions({ requiredScope: ['a'] }, KNOWN, 'c'), { message: /"requiredScope"; did you mean "requiredScopes"\?$/ });
  assert.throws(() => assertKnownOptions({ tokenLocations: [] }, KNOWN, 'c'), { message: /did you mean "tokenLocation"\?$/ });
});

test('refuses an unknown key even when its value is undefined', () => {
  assert.throws(() => assertKnownOptions({ audience: 'a', isuser: undefined }, KNOWN, 'c'), { message: /"isuser"; did you mean "issuer"/ });
});

test('suggests across case, snake_case and a JWT_ prefix', () => {
  assert.equal(closestName('TokenLocation', KNOWN), 'tokenLocation');
  assert.equal(closestName('token_location', KNOWN), 'tokenLocation');
  assert.equal(closestName('JWT_TOKEN_LOCATION', KNOWN), 'tokenLocation');
  assert.equal(closestName('required-scopes', KNOWN), 'requiredScopes');
});

test('suggests within two edits and not at three', () => {
  assert.equal(closestName('audienc', KNOWN), 'audience'); // one deletion
  assert.equal(closestName('adiense', KNOWN), 'audience'); // two edits
  assert.equal(closestName('adienxx', KNOWN), undefined); // three edits
  assert.equal(closestName('issuerxx', KNOWN), 'issuer'); // two insertions
  assert.equal(closestName('ixssuexrx', KNOWN), undefined); // three insertions, no name inside the other
  assert.equal(closestName('x', ['y']), 'y'); // one substitution
  assert.equal(closestName('xyz', ['abc']), undefined);
});

test('allows three edits when either name has ten or more characters (plurals of long names)', () => {
  assert.equal(closestName('trustProxies', ['trustProxy']), 'trustProxy');
  assert.equal(closestName('maxEntry', ['maxEntries']), 'maxEntries'); // 10 characters
  assert.equal(closestName('maxEntr', ['maxEntrie']), 'maxEntrie'); // 2 edits, 9 characters
  assert.equal(closestName('maxEqtr', ['maxEntrie']), undefined); // 3 edits, 9 characters
  assert.equal(closestName('abcdefghij', ['abcdefgxyz']), 'abcdefgxyz');
  assert.equal(closestName('abcdefghij', ['abcdefwxyz']), undefined); // 4 edits
  assert.equal(closestName('trustProxies', ['trustProxy', 'trustProxie']), 'trustProxie', 'a nearer name wins');
});

test('picks the nearest of several close names, the first on a tie', () => {
  assert.equal(closestName('issuez', ['issues', 'issuer']), 'issues');
  assert.equal(closestName('issuerr', ['issue', 'issuer']), 'issuer');
  assert.equal(closestName('abcd', ['abce', 'abcf']), 'abce');
});

test('suggests a known name that contains the unknown one, or that it contains, from four characters on', () => {
  const known = ['previousSecretKeys', 'secretKey', 'cookieMaxAge', 'keys', 'accessTokenExpires', 'refreshTokenExpires'];
  assert.equal(closestName('secret', known), 'secretKey', 'the nearest of the names containing it');
  assert.equal(closestName('maxAge', known), 'cookieMaxAge');
  assert.equal(closestName('expires', known), 'accessTokenExpires', 'the first on a tie of distance or the nearer');
  assert.equal(closestName('mySecretKeyValue', known), 'secretKey', 'a known name inside the unknown one');
  assert.equal(closestName('xxsecxx', ['sec']), undefined, 'three characters are not enough');
  assert.equal(closestName('xxsecrxx', ['secr']), 'secr', 'four are');
  assert.equal(closestName('Max_Age', ['cookieMaxAge']), 'cookieMaxAge', 'compared normalized');
  assert.equal(closestName('ageMax', ['cookieMaxAge']), undefined);
  assert.throws(() => assertKnownOptions({ secret: 'x' }, known, 'AuthX config'), {
    name: 'TypeError',
    message: 'AuthX config: unknown option "secret"; did you mean "secretKey"?',
  });
});

test('an alias that is no Python AuthX setting is suggested as a plain "did you mean"', () => {
  assert.equal(unknownOptionMessage('leeway', ['clockTolerance'], 'c', { leeway: 'clockTolerance' }), 'c: unknown option "leeway"; did you mean "clockTolerance"?');
  assert.equal(unknownOptionMessage('JWT_DECODE_LEEWAY', ['clockTolerance'], 'c', { JWT_DECODE_LEEWAY: 'clockTolerance' }), 'c: unknown option "JWT_DECODE_LEEWAY"; AuthX\'s JWT_DECODE_LEEWAY is "clockTolerance" here');
});

test('lists the known options when nothing is close', () => {
  assert.throws(() => assertKnownOptions({ zzzzzzzz: 1 }, ['alpha', 'beta'], 'ctx'), {
    message: 'ctx: unknown option "zzzzzzzz"; known options: alpha, beta',
  });
});

test('gives the camelCase name for a name in the alias table, or the table\'s sentence', () => {
  const aliases = { JWT_TOKEN_LOCATION: 'tokenLocation', JWT_DECODE_ALGORITHMS: 'the verifier never lets a token pick its algorithm' };
  assert.throws(() => assertKnownOptions({ JWT_TOKEN_LOCATION: ['cookies'] }, KNOWN, 'AuthX config', aliases), {
    message: 'AuthX config: unknown option "JWT_TOKEN_LOCATION"; AuthX\'s JWT_TOKEN_LOCATION is "tokenLocation" here',
  });
  assert.throws(() => assertKnownOptions({ JWT_DECODE_ALGORITHMS: [] }, KNOWN, 'AuthX config', aliases), {
    message: 'AuthX config: unknown option "JWT_DECODE_ALGORITHMS"; the verifier never lets a token pick its algorithm',
  });
  // Inherited names of the table (toString) are not aliases.
  assert.match(unknownOptionMessage('toString', KNOWN, 'c', aliases), /known options/);
});

test('quotes a huge unknown key cut short, and computes no suggestion for it', () => {
  const key = 'a'.repeat(10_000);
  const message = unknownOptionMessage(key, ['b'], 'c');
  assert.ok(message.length < 200, message);
  assert.match(message, /"a{64}\.\.\."; known options/);
  assert.equal(closestName('a'.repeat(65), ['a'.repeat(65)]), undefined);
  assert.equal(closestName('a'.repeat(64), ['a'.repeat(64)]), 'a'.repeat(64));
});

test('ignores symbol keys and inherited keys', () => {
  const options = Object.create({ inherited: 1 }) as Record<string | symbol, unknown>;
  options[Symbol('s')] = 1;
  options.audience = 'a';
  assertKnownOptions(options, KNOWN, 'c');
});

// The core's own entry points, each refusing a misspelt option that would otherwise turn a check off.
const SECRET = 'core-option-names-secret-0123456789abcdef';

test('signJwt refuses an unknown option and an unsupported algorithm instead of ignoring them', () => {
  assert.throws(() => signJwt({}, SECRET, { expiresin: 60 } as never), {
    name: 'TypeError',
    message: 'signJwt options: unknown option "expiresin"; did you mean "expiresIn"?',
  });
  assert.throws(() => signJwt({}, SECRET, { algoritm: 'HS512' } as never), {
    name: 'TypeError',
    message: 'signJwt options: unknown option "algoritm"; did you mean "algorithm"?',
  });
  // An algorithm that is not supported is refused, never replaced by HS256.
  assert.throws(() => signJwt({}, SECRET, { algorithm: 'HS1024' } as never), /algorithm/);
  assert.throws(() => signJwt({}, SECRET, { algorithm: 'none' } as never), /algorithm/);
  assert.throws(() => signJwt({}, SECRET, null as never), { name: 'TypeError', message: 'signJwt options must be an object' });
});

test('verifyJwt and verifyJwtComplete refuse an unknown option instead of skipping its check', () => {
  const token = signJwt({ aud: 'other' }, SECRET, { expiresIn: 60 });
  assert.throws(() => verifyJwt(token, SECRET, { audiance: 'api' } as never), {
    name: 'TypeError',
    message: 'verifyJwt options: unknown option "audiance"; did you mean "audience"?',
  });
  assert.throws(() => verifyJwtComplete(token, SECRET, { requiredClaim: ['sub'] } as never), { message: /"requiredClaim"; did you mean "requiredClaims"\?$/ });
  assert.throws(() => verifyJwt(token, SECRET, { leeway: 5 } as never), { message: /unknown option "leeway"; known options: currentDate, clockTolerance/ });
});

test('decodeJwt and Keyring refuse an unknown option, naming it', () => {
  const token = signJwt({}, SECRET, { expiresIn: 60 });
  assert.throws(() => decodeJwt(token, { maxLength: 10 } as never), { name: 'TypeError', message: /^decodeJwt options: unknown option "maxLength"/ });
  assert.throws(() => decodeJwt(token, { audience: 'a' } as never), { name: 'TypeError', message: /^decodeJwt options: unknown option "audience"/ });
  assert.throws(() => new Keyring({ current: SECRET, previos: [] } as never), { name: 'TypeError', message: 'Keyring options: unknown option "previos"; did you mean "previous"?' });
});

test('a key of exactly 64 characters is quoted whole; 65 are cut', () => {
  const at = 'k'.repeat(64);
  assert.equal(unknownOptionMessage(at, ['b'], 'c'), `c: unknown option "${at}"; known options: b`);
  assert.equal(unknownOptionMessage(`${at}x`, ['b'], 'c'), `c: unknown option "${at}..."; known options: b`);
});

test('a JWT_ prefix is ignored only at the start, and a short name gets no three-edit suggestion', () => {
  assert.equal(closestName('JWT_ISSUER', ['issuer']), 'issuer');
  assert.equal(closestName('jwt_audience', ['audience']), 'audience');
  assert.equal(closestName('ajwt_b', ['ab']), undefined); // "ajwtb" is three edits from "ab"
  assert.equal(closestName('a_jwt_b', ['ab']), undefined);
  // A short name: only the stripped prefix brings it within reach (neither edits nor containment would).
  assert.equal(closestName('JWT_ALG', ['alg']), 'alg');
  assert.equal(closestName('jwt_typ', ['typ']), 'typ');
});

test('counts every edit from the first character: two-letter names three edits apart are not close', () => {
  assert.equal(closestName('ab', ['cde']), undefined); // two substitutions and an insertion
  assert.equal(closestName('abyy', ['xxab']), undefined); // two deletions at the start, two insertions at the end
  assert.equal(closestName('ab', ['cd']), 'cd'); // two substitutions
  assert.equal(closestName('', ['a']), 'a');
});
