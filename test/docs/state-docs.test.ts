/**
 * Runs every ```ts example of docs/state.md as written: `authx-node` is pointed at lib/index.ts
 * (unbuilt), each block is written to a module under test/docs/ and imported; an example that
 * throws, fails an assertion or does not finish in time fails its test.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');

function blocks(markdown: string): string[] {
  const found: string[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] !== '```ts') continue;
    const end = lines.indexOf('```', i + 1);
    found.push(lines.slice(i + 1, end).join('\n'));
    i = end;
  }
  return found;
}

describe('docs/state.md examples run', () => {
  const dir = mkdtempSync(join(here, '.run-state-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const examples = blocks(readFileSync(join(root, 'docs/state.md'), 'utf8'));

  test('the page has an example', () => {
    assert.ok(examples.length >= 1);
  });

  for (const [n, code] of examples.entries()) {
    test(`example ${n + 1}`, { timeout: 10_000 }, async () => {
      const file = join(dir, `example-${n + 1}.ts`);
      const pointed = code.replace(/from 'authx-node'/g, `from '${pathToFileURL(join(root, 'lib/index.ts')).href}'`);
      assert.ok(!/from 'authx-node\//.test(pointed), 'only the root entry is used on this page');
      writeFileSync(file, `${pointed}\nexport {};\n`);
      await import(pathToFileURL(file).href);
    });
  }
});
