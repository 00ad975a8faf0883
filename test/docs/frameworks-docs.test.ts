/**
 * Runs every ```ts example of docs/frameworks.md as it is written: `authx-node` specifiers are
 * pointed at lib/ (the package's own entry points, unbuilt), each block is written to a module
 * under test/docs/ (so the frameworks resolve from node_modules) and imported; an example that
 * throws, fails an assertion or does not finish in time fails its test.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const ENTRY: Record<string, string> = {
  'authx-node': 'lib/index.ts',
  'authx-node/core': 'lib/core/index.ts',
  'authx-node/express': 'lib/authx/adapters/express.ts',
  'authx-node/fastify': 'lib/authx/adapters/fastify.ts',
  'authx-node/hono': 'lib/authx/adapters/hono.ts',
  'authx-node/fetch': 'lib/authx/adapters/fetch.ts',
  'authx-node/websocket': 'lib/authx/adapters/websocket.ts',
};

function examples(markdown: string): { heading: string; code: string }[] {
  const found: { heading: string; code: string }[] = [];
  let heading = '';
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.startsWith('## ')) heading = line.slice(3);
    if (line === '```ts') {
      const end = lines.indexOf('```', i + 1);
      found.push({ heading, code: lines.slice(i + 1, end).join('\n') });
      i = end;
    }
  }
  return found;
}

function pointAtLib(code: string): string {
  return code.replace(/from '(authx-node(?:\/[a-z]+)?)'/g, (_whole, name: string) => {
    const entry = ENTRY[name];
    if (entry === undefined) throw new Error(`docs import an entry point the package does not have: ${name}`);
    return `from '${pathToFileURL(join(root, entry)).href}'`;
  });
}

describe('docs/frameworks.md examples run', () => {
  const dir = mkdtempSync(join(here, '.run-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const blocks = examples(readFileSync(join(root, 'docs/frameworks.md'), 'utf8'));

  test('the page has an example per framework', () => {
    assert.ok(blocks.length >= 5, `found ${blocks.length} examples`);
  });

  for (const [n, block] of blocks.entries()) {
    test(`example ${n + 1} (${block.heading})`, { timeout: 10_000 }, async () => {
      const file = join(dir, `example-${n + 1}.ts`);
      writeFileSync(file, `${pointAtLib(block.code)}\nexport {};\n`);
      await import(pathToFileURL(file).href);
    });
  }
});
