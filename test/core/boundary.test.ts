/**
 * The layer boundaries of docs/core.md, checked on the source text: a file in `lib/core/` imports
 * only `./<file>.ts` beside it and `node:crypto` (so an auditor reads the core alone), and nothing
 * under `lib/` imports the example server (`server/`, `server.ts`), which the package does not ship.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { importSpecifiers } from '../helpers/imports.ts';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Every `.ts` file under `dir`, recursively, as absolute paths. */
function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return tsFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

test('the specifier reader finds static, type-only, side-effect, re-export and dynamic imports, and ignores comments and strings', () => {
  const sample = [
    "import { a } from './a.ts';",
    "import type { B } from './b.ts';",
    "import './side-effect.ts';",
    "import * as c from\n  'node:fs';",
    "export { d } from './d.ts';",
    "export * from './e.ts';",
    "export type { F } from './f.ts';",
    "const g = await import('./g.ts');",
    'const h = await import(name);',
    "const i = require('node:os');",
    "// import { x } from './comment.ts';",
    "/* export * from './block.ts'; */",
    "const text = 'import y from \"./string.ts\"';",
    'const pattern = /import z from "regex"/;',
    "const t = `${await import('./template.ts')}`;",
  ].join('\n');
  assert.deepEqual(importSpecifiers(sample).sort(), [
    './a.ts', './b.ts', './d.ts', './e.ts', './f.ts', './g.ts', './side-effect.ts', '<dynamic>', 'node:fs', 'node:os',
  ]);
});

test('a file in lib/core/ imports only ./<file>.ts beside it and node:crypto', () => {
  const files = tsFiles(join(root, 'lib/core'));
  assert.ok(files.length >= 11, `expected the core's files, found ${files.length}`);
  const offending: string[] = [];
  for (const file of files) {
    for (const specifier of importSpecifiers(readFileSync(file, 'utf8'))) {
      if (specifier === 'node:crypto') continue;
      if (/^\.\/[a-z0-9-]+\.ts$/.test(specifier) && files.includes(join(dirname(file), specifier))) continue;
      offending.push(`${relative(root, file)}: ${specifier}`);
    }
  }
  assert.deepEqual(offending, []);
});

test('nothing under lib/ imports the example server (server/ or server.ts)', () => {
  const serverDir = join(root, 'server');
  const offending: string[] = [];
  for (const file of tsFiles(join(root, 'lib'))) {
    for (const specifier of importSpecifiers(readFileSync(file, 'utf8'))) {
      if (specifier === '<dynamic>') {
        offending.push(`${relative(root, file)}: import() of a computed specifier`);
        continue;
      }
      if (!specifier.startsWith('.')) continue;
      const target = resolve(dirname(file), specifier);
      if (target === join(root, 'server.ts') || target === serverDir || target.startsWith(serverDir + '/')) {
        offending.push(`${relative(root, file)}: ${specifier}`);
      }
    }
  }
  assert.deepEqual(offending, []);
});
