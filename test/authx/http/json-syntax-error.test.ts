import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeJsonSyntaxError } from '../../../lib/authx/http/json-syntax-error.ts';

// Expected values were produced with CPython's json.loads (JSONDecodeError.pos and .msg), which
// is what FastAPI puts into a json_invalid 422.
const PYTHON_CASES: ReadonlyArray<[string, number, string]> = [
  ['{"a":}', 5, 'Expecting value'],
  ['', 0, 'Expecting value'],
  ['{"a":1', 6, "Expecting ',' delimiter"],
  ['{"a" 1}', 5, "Expecting ':' delimiter"],
  ['{a:1}', 1, 'Expecting property name enclosed in double quotes'],
  ['"abc', 0, 'Unterminated string starting at'],
  ['1 2', 2, 'Extra data'],
  ['[1,]', 3, 'Expecting value'],
  ['{"a":1,}', 7, 'Expecting property name enclosed in double quotes'],
  ['"a\\x"', 2, 'Invalid \\escape'],
  ['"\\u12"', 2, 'Invalid \\uXXXX escape'],
  ['["é", x]', 6, 'Expecting value'],
  ['"a\u0001"', 2, 'Invalid control character at'],
  ['-', 0, 'Expecting value'],
  ['01', 1, 'Extra data'],
  ['{"a":1}}', 7, 'Extra data'],
];

for (const [text, position, reason] of PYTHON_CASES) {
  test(`reports ${JSON.stringify(reason)} at ${position} for ${JSON.stringify(text)} like Python's json`, () => {
    assert.throws(() => JSON.parse(text), SyntaxError);
    assert.deepEqual(describeJsonSyntaxError(text), { position, reason });
  });
}

test('counts the position in code points, not UTF-16 units', () => {
  assert.deepEqual(describeJsonSyntaxError('["😀", x]'), { position: 6, reason: 'Expecting value' });
});

test('never quotes the input in its reason', () => {
  const secret = 'hunter2-password';
  const { reason } = describeJsonSyntaxError(`{"password": ${secret}}`);
  assert.ok(!reason.includes('hunter2'));
});

test('survives deep nesting without overflowing the stack', () => {
  const deep = '['.repeat(100_000);
  const { reason } = describeJsonSyntaxError(deep);
  assert.equal(typeof reason, 'string');
});
