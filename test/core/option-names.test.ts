import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertKnownOptions, closestName, unknownOptionMessage } from '../../lib/core/option-names.ts';

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
  assert.equal(closestName('issuerxxx', KNOWN), undefined); // three insertions
  assert.equal(closestName('x', ['y']), 'y'); // one substitution
  assert.equal(closestName('xyz', ['abc']), undefined);
});

test('picks the nearest of several close names, the first on a tie', () => {
  assert.equal(closestName('issuez', ['issues', 'issuer']), 'issues');
  assert.equal(closestName('issuerr', ['issue', 'issuer']), 'issuer');
  assert.equal(closestName('abcd', ['abce', 'abcf']), 'abce');
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
