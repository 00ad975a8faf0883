/**
 * Runs every ```ts example of docs/algorithms.md as written, with `authx-node` and
 * `authx-node/core` pointed at the unbuilt sources; an example that throws or fails an assertion
 * fails its test.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');

function tsBlocks(markdown: string): string[] {
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

describe('docs/algorithms.md examples run', () => {
  const dir = mkdtempSync(join(here, '.run-algorithms-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const examples = tsBlocks(readFileSync(join(root, 'docs/algorithms.md'), 'utf8'));

  test('the page has its examples', () => {
    assert.ok(examples.length >= 4);
  });

  for (const [n, code] of examples.entries()) {
    test(`example ${n + 1}`, { timeout: 20_000 }, async () => {
      const file = join(dir, `example-${n + 1}.ts`);
      const pointed = code
        .replace(/from 'authx-node\/core'/g, `from '${pathToFileURL(join(root, 'lib/core/index.ts')).href}'`)
        .replace(/from 'authx-node'/g, `from '${pathToFileURL(join(root, 'lib/index.ts')).href}'`);
      writeFileSync(file, `${pointed}\nexport {};\n`);
      await import(pathToFileURL(file).href);
    });
  }
});
