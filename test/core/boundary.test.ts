/**
 * The layer boundaries of docs/core.md, checked on the source text: a file in `lib/core/` imports
 * only `./<file>.ts` beside it and `node:crypto` (so an auditor reads the core alone), and nothing
 * under `lib/` imports the example server (`server/`, `server.ts`), which the package does not ship.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
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

/**
 * The source with comments removed, template and regular-expression literals blanked, and each
 * string literal replaced by `'#<n>'` where `strings[n]` is its text: specifiers are string
 * literals, and neither prose in comments nor code quoted in a string must count.
 */
function codeOnly(source: string): { code: string; strings: string[] } {
  const strings: string[] = [];
  let out = '';
  let lastSignificant = '';
  for (let i = 0; i < source.length; ) {
    const c = source[i]!;
    const next = source[i + 1];
    if (c === '/' && next === '/') {
      while (i < source.length && source[i] !== '\n') i++;
    } else if (c === '/' && next === '*') {
      const end = source.indexOf('*/', i + 2);
      i = end < 0 ? source.length : end + 2;
      out += ' ';
    } else if (c === "'" || c === '"' || c === '`') {
      let j = i + 1;
      while (j < source.length && source[j] !== c) j += source[j] === '\\' ? 2 : 1;
      // Templates may hold `${import('x')}`; blank them all: a specifier must be a plain string.
      if (c === '`') out += '``';
      else out += `'#${strings.push(source.slice(i + 1, j)) - 1}'`;
      i = j + 1;
      lastSignificant = c;
    } else if (c === '/' && (lastSignificant === '' || '(,=:[!&|?{};+-*%<>~^'.includes(lastSignificant))) {
      let j = i + 1;
      let inClass = false;
      while (j < source.length && (inClass || source[j] !== '/') && source[j] !== '\n') {
        if (source[j] === '\\') j++;
        else if (source[j] === '[') inClass = true;
        else if (source[j] === ']') inClass = false;
        j++;
      }
      out += '/regex/';
      i = j + 1;
      lastSignificant = '/';
    } else {
      out += c;
      if (!/\s/.test(c)) lastSignificant = c;
      i++;
    }
  }
  return { code: out, strings };
}

const STATIC_FROM = /\b(?:import|export)\b[^;'"`]*?\bfrom\s*'#(\d+)'/g;
const BARE_IMPORT = /\bimport\s*'#(\d+)'/g;
const CALLS = /\b(?:import|require)\s*\(\s*([^)]*?)\s*\)/g;

/** Every module specifier in a TypeScript source; a dynamic `import()` of a non-literal is `<dynamic>`. */
function importSpecifiers(source: string): string[] {
  const { code, strings } = codeOnly(source);
  const found: string[] = [];
  for (const match of code.matchAll(STATIC_FROM)) found.push(strings[Number(match[1])]!);
  for (const match of code.matchAll(BARE_IMPORT)) found.push(strings[Number(match[1])]!);
  for (const match of code.matchAll(CALLS)) {
    const literal = /^'#(\d+)'$/.exec(match[1]!);
    found.push(literal === null ? '<dynamic>' : strings[Number(literal[1])]!);
  }
  return found;
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
