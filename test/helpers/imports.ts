/**
 * Module specifiers read from TypeScript source text, for the tests that enforce which file may
 * import which (test/core/boundary.test.ts, test/docs/architecture.test.ts).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Every `.ts` or `.mjs` file under `dir`, recursively, as absolute paths. */
export function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(ts|mjs)$/.test(entry.name) ? [path] : [];
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
export function importSpecifiers(source: string): string[] {
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

