/**
 * The SQL store of docs/state.md (node:sqlite) passes the conformance suite of
 * `authx-node/testing`, and the page shows its source verbatim. node:sqlite exists from Node
 * 22.13: CI runs this file natively on Node 22, 24 and 26; on Node 20 the test asserts that the
 * store refuses to start with a message naming the Node it needs (it never skips).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { describeRevocationStore } from '../../../lib/testing.ts';
import { SqliteRevocationStore } from './sqlite-revocation-store.ts';

const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
const hasSqlite = major > 22 || (major === 22 && minor >= 13);

test('docs/state.md shows the SQL store exactly as it is tested', () => {
  const page = readFileSync(new URL('../../../docs/state.md', import.meta.url), 'utf8');
  const source = readFileSync(new URL('./sqlite-revocation-store.ts', import.meta.url), 'utf8');
  const listing = /<!-- sqlite-store -->\n```typescript\n([^]*?)```/.exec(page)?.[1];
  assert.ok(listing !== undefined, 'docs/state.md has the SQL store listing');
  assert.match(listing, /from 'authx-node'/, 'the listing imports the package, as a user would');
  assert.equal(listing.replace("'authx-node'", "'../../../lib/index.ts'"), source);
});

if (hasSqlite) {
  describeRevocationStore('SqliteRevocationStore (docs/state.md)', ({ maxEntriesPerSubject }) => new SqliteRevocationStore(':memory:', { maxEntriesPerSubject }));
} else {
  test(`Node ${process.versions.node} has no node:sqlite: the SQL store says which Node it needs`, () => {
    assert.throws(() => new SqliteRevocationStore(), /needs node:sqlite \(Node 22\.13 or later\)/);
  });
}
