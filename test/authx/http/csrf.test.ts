/**
 * lib/authx/http/csrf.ts: the double-submit check compares the header with the token's claim in
 * constant time, reading every character even when the first one differs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkCsrf, createCsrfValue } from '../../../lib/authx/http/csrf.ts';
import { CSRFError } from '../../../lib/index.ts';

test('checkCsrf reads the whole header value, wherever it first differs from the claim', () => {
  const claim = createCsrfValue();
  for (const position of [0, claim.length - 1]) {
    const header = claim.slice(0, position) + (claim[position] === 'a' ? 'b' : 'a') + claim.slice(position + 1);
    const reads: number[] = [];
    const original = String.prototype.charCodeAt;
    String.prototype.charCodeAt = function (this: string, index: number): number {
      if (String(this) === header) reads.push(index);
      return original.call(this, index);
    };
    try {
      assert.throws(() => checkCsrf(claim, header), (error: unknown) => error instanceof CSRFError && error.reason === 'mismatch');
    } finally {
      String.prototype.charCodeAt = original;
    }
    assert.deepEqual(reads.sort((a, b) => a - b), Array.from({ length: header.length }, (_, i) => i), `difference at ${position}`);
  }
});

test('checkCsrf accepts the same value and refuses a missing header, an empty or non-string claim', () => {
  const claim = createCsrfValue();
  checkCsrf(claim, `${claim}`);
  assert.throws(() => checkCsrf(claim, undefined), (error: unknown) => error instanceof CSRFError && error.reason === 'missing');
  assert.throws(() => checkCsrf(claim, ''), (error: unknown) => error instanceof CSRFError && error.reason === 'missing');
  assert.throws(() => checkCsrf('', ''), (error: unknown) => error instanceof CSRFError && error.reason === 'missing');
  assert.throws(() => checkCsrf('', 'x'), (error: unknown) => error instanceof CSRFError && error.reason === 'mismatch');
  assert.throws(() => checkCsrf(42, '42'), (error: unknown) => error instanceof CSRFError && error.reason === 'mismatch');
  assert.throws(() => checkCsrf(claim, claim.slice(1)), (error: unknown) => error instanceof CSRFError && error.reason === 'mismatch');
});
