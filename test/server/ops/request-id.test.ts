/** Request ids (server/ops/request-id.ts): a well-formed incoming id is kept, anything else replaced. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RequestIds } from '../../../server/ops/request-id.ts';

test('a well-formed X-Request-Id is kept as sent', () => {
  const ids = new RequestIds();
  for (const id of ['abc', '0f8fad5b-d9cb-469f-a165-70867728950e', 'lb:1234_abcd', 'x'.repeat(64)]) {
    assert.equal(ids.forRequest({ 'x-request-id': id }), id);
  }
});

test('a malformed, over-long, doubled or token-shaped X-Request-Id is replaced by a fresh id', () => {
  const ids = new RequestIds();
  const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1In0.c2ln';
  for (const id of ['', 'x'.repeat(65), 'a b', 'a"b', 'a\nb', 'é', 'a, b', jwt, 'a.b', '{"x":1}']) {
    const chosen = ids.forRequest({ 'x-request-id': id });
    assert.notEqual(chosen, id);
    assert.match(chosen, /^[A-Za-z0-9_-]{12}-[0-9a-z]+$/);
  }
  assert.match(ids.forRequest({}), /^[A-Za-z0-9_-]{12}-[0-9a-z]+$/);
});

test('generated ids are unique within a process and differ between generators', () => {
  const ids = new RequestIds();
  const seen = new Set(Array.from({ length: 1000 }, () => ids.generate()));
  assert.equal(seen.size, 1000);
  assert.notEqual(new RequestIds().generate(), new RequestIds().generate());
});
