/**
 * Module specifiers read from TypeScript source text, for the tests that enforce which file may
 * import which (test/core/boundary.test.ts, test/docs/architecture.test.ts).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { lex } from './source-text.ts';

/** Every `.ts` or `.mjs` file under `dir`, recursively, as absolute paths. */
export function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(ts|mjs)$/.test(entry.name) ? [path] : [];
  });
}

const STATIC_FROM = /\b(?:import|export)\b[^;'"`]*?\bfrom\s*'#(\d+)'/g;
const BARE_IMPORT = /\bimport\s*'#(\d+)'/g;
const CALLS = /\b(?:import|require)\s*\(\s*([^)]*?)\s*\)/g;

/** Every module specifier in a TypeScript source; a dynamic `import()` of a non-literal is `<dynamic>`. */
export function importSpecifiers(source: string): string[] {
  // One lexer for the repository's tests (source-text.ts): a template literal is several pieces,
  // and a specifier must be one plain string.
  const { code, literals } = lex(source);
  const strings = literals.map((pieces) => (pieces.length === 1 ? pieces[0]! : '<dynamic>'));
  const found: string[] = [];
  for (const match of code.matchAll(STATIC_FROM)) found.push(strings[Number(match[1])]!);
  for (const match of code.matchAll(BARE_IMPORT)) found.push(strings[Number(match[1])]!);
  for (const match of code.matchAll(CALLS)) {
    const literal = /^'#(\d+)'$/.exec(match[1]!);
    found.push(literal === null ? '<dynamic>' : strings[Number(literal[1])]!);
  }
  return found;
}

