import { test } from 'node:test';
import assert from 'node:assert/strict';
import { invalidJson, missingBody, REDACTED, validateStringFields } from '../../../server/http/fastapi-validation.ts';

test('returns the string fields of a valid object and ignores extra fields', () => {
  assert.deepEqual(validateStringFields({ username: 'a', password: 'b', extra: 1 }, ['username', 'password']), {
    ok: true,
    values: { username: 'a', password: 'b' },
  });
});

test('reports every problem in field order, like Pydantic', () => {
  const result = validateStringFields({ password: ['x'] }, ['username', 'password']);
  assert.deepEqual(result, {
    ok: false,
    answer: {
      detail: [
        { type: 'missing', loc: ['body', 'username'], msg: 'Field required', input: { password: REDACTED } },
        { type: 'string_type', loc: ['body', 'password'], msg: 'Input should be a valid string', input: REDACTED },
      ],
    },
  });
});

test('echoes only null, booleans, numbers and the username string; redacts the rest', () => {
  const result = validateStringFields({ username: 'bob', note: 'my pin is 1234', n: 7, t: true, z: null, o: { a: 1 } }, ['username', 'password']);
  assert.equal(result.ok, false);
  if (!result.ok) {
    assert.deepEqual(result.answer.detail[0]?.input, { username: 'bob', note: REDACTED, n: 7, t: true, z: null, o: REDACTED });
  }
});

test('inherited properties do not count as fields, and "__proto__" stays a plain key when echoed', () => {
  const body = JSON.parse('{"__proto__": {"username": "x"}, "password": "p"}') as unknown;
  const result = validateStringFields(body, ['username', 'password']);
  assert.equal(result.ok, false);
  if (!result.ok) {
    const input = result.answer.detail[0]?.input as Record<string, unknown>;
    assert.deepEqual(Object.keys(input), ['__proto__', 'password']);
    assert.equal(Object.getPrototypeOf(input), Object.prototype);
  }
});

test('builds FastAPI\'s missing-body and json_invalid answers', () => {
  assert.deepEqual(missingBody(), { detail: [{ type: 'missing', loc: ['body'], msg: 'Field required', input: null }] });
  assert.deepEqual(invalidJson(3, 'Expecting value'), {
    detail: [{ type: 'json_invalid', loc: ['body', 3], msg: 'JSON decode error', input: {}, ctx: { error: 'Expecting value' } }],
  });
});
