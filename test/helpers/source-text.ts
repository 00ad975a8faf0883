/**
 * The string literals of TypeScript and JavaScript sources, for the docs tests that hold the
 * pages to the code (test/docs/docs-options.test.ts, test/docs/docs-messages.test.ts): a small
 * lexer that skips comments and regular-expression literals, decodes escapes, splits template
 * literals at their `${...}` holes (their inner code is lexed too), and joins literals that `+`
 * concatenates, with a hole where an expression comes between. Not a parser: enough for this
 * repository's sources, and the tests that use it fail loudly when it finds nothing.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sourceFiles } from './imports.ts';
import { root } from './markdown.ts';

/** A literal as its text pieces: a plain string has one; a template has one more than holes. */
export type Pieces = string[];

/** The source read as literals and the code between them (comments dropped). */
export interface Lexed {
  /** Code with every literal replaced by `'#<n>'` (its index in `literals`) and comments removed. */
  code: string;
  literals: Pieces[];
}

const KEYWORDS_BEFORE_REGEX = new Set(['return', 'typeof', 'case', 'in', 'of', 'void', 'delete', 'throw', 'new', 'else', 'do', 'yield', 'await']);

function decode(raw: string): string {
  return raw.replace(/\\(u\{[0-9a-fA-F]+\}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|\r?\n|.)/g, (_whole, escape: string) => {
    if (escape.startsWith('u{')) return String.fromCodePoint(parseInt(escape.slice(2, -1), 16));
    if (escape.startsWith('u') || escape.startsWith('x')) return String.fromCharCode(parseInt(escape.slice(1), 16));
    if (escape.endsWith('\n')) return '';
    return ({ n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', v: '\v', 0: '\0' } as Record<string, string>)[escape] ?? escape;
  });
}

/** Lexes `source` from `start` until the end, or until an unmatched `}` when `inHole`. */
function lexFrom(source: string, start: number, literals: Pieces[], inHole: boolean): { code: string; end: number } {
  let code = '';
  let depth = 0;
  let i = start;
  while (i < source.length) {
    const c = source[i]!;
    const next = source[i + 1];
    if (c === '/' && next === '/') {
      while (i < source.length && source[i] !== '\n') i++;
    } else if (c === '/' && next === '*') {
      const end = source.indexOf('*/', i + 2);
      i = end < 0 ? source.length : end + 2;
      code += ' ';
    } else if (c === "'" || c === '"') {
      let j = i + 1;
      while (j < source.length && source[j] !== c && source[j] !== '\n') j += source[j] === '\\' ? 2 : 1;
      code += `'#${literals.push([decode(source.slice(i + 1, j))]) - 1}'`;
      i = j + 1;
    } else if (c === '`') {
      const pieces: Pieces = [];
      let piece = '';
      let j = i + 1;
      while (j < source.length && source[j] !== '`') {
        if (source[j] === '\\') {
          piece += source.slice(j, j + 2);
          j += 2;
        } else if (source[j] === '$' && source[j + 1] === '{') {
          pieces.push(decode(piece));
          piece = '';
          j = lexFrom(source, j + 2, literals, true).end;
        } else piece += source[j++];
      }
      pieces.push(decode(piece));
      code += `'#${literals.push(pieces) - 1}'`;
      i = j + 1;
    } else if (c === '/' && regexAllowedAfter(code)) {
      let j = i + 1;
      let inClass = false;
      while (j < source.length && (inClass || source[j] !== '/') && source[j] !== '\n') {
        if (source[j] === '\\') j++;
        else if (source[j] === '[') inClass = true;
        else if (source[j] === ']') inClass = false;
        j++;
      }
      while (/[a-z]/.test(source[j + 1] ?? '')) j++;
      code += '/regex/';
      i = j + 1;
    } else {
      if (inHole && c === '{') depth++;
      if (inHole && c === '}') {
        if (depth === 0) return { code, end: i + 1 };
        depth--;
      }
      code += c;
      i++;
    }
  }
  return { code, end: i };
}

function regexAllowedAfter(code: string): boolean {
  const trimmed = code.trimEnd();
  const last = trimmed.at(-1);
  if (last === undefined || '(,=:[!&|?{};+-*%<>~^'.includes(last)) return true;
  return KEYWORDS_BEFORE_REGEX.has(/[\w$]+$/.exec(trimmed)?.[0] ?? '');
}

/** Lexes one source text. */
export function lex(source: string): Lexed {
  const literals: Pieces[] = [];
  return { code: lexFrom(source, 0, literals, false).code, literals };
}

/**
 * Every string the source can produce as a whole literal: each literal, plus the chains that `+`
 * joins (`'a' + 'b'`, `'a ' + name + ' b'`, `prefix + 'b'`), each as pieces with a hole where
 * an expression stands.
 */
export function literalTexts(source: string): Pieces[] {
  const { code, literals } = lex(source);
  const found: Pieces[] = [...literals];
  const operand = String.raw`[\w$.?!()[\]]+`;
  const literal = String.raw`'#(\d+)'`;
  const chain = new RegExp(String.raw`(?:(${operand})\s*\+\s*)?${literal}(?:\s*\+\s*(?:${literal}|${operand}))+|(${operand})\s*\+\s*${literal}`, 'g');
  for (const match of code.matchAll(chain)) {
    const parts = match[0].split(/\s*\+\s*/);
    const pieces: Pieces = [''];
    for (const part of parts) {
      const index = /^'#(\d+)'$/.exec(part)?.[1];
      if (index === undefined) {
        pieces.push('');
        continue;
      }
      const [first = '', ...rest] = literals[Number(index)]!;
      pieces[pieces.length - 1] += first;
      pieces.push(...rest);
    }
    found.push(pieces);
  }
  return found;
}

/** The source files whose strings are the code's words: lib/, server/ and server.ts. */
export function codeFiles(): string[] {
  return [...sourceFiles(join(root, 'lib')), ...sourceFiles(join(root, 'server')), join(root, 'server.ts')];
}

/**
 * The names in the option-name list of a source file: the constant `name`, or else the one
 * constant whose name has OPTION or KNOWN in it, written as `[...]`, `new Set([...])` or
 * `Object.freeze([...])`; a spread of another such constant of the file is followed.
 */
export function optionList(file: string, name?: string): string[] {
  const source = readFileSync(join(root, file), 'utf8');
  const { code, literals } = lex(source);
  const lists = new Map<string, string>();
  for (const m of code.matchAll(/\bconst ([A-Z_]+)(?:\s*:[^=]+)?\s*=\s*(?:new Set\(|Object\.freeze\()?\[([^\]]*)\]/g)) lists.set(m[1]!, m[2]!);
  const candidates = name !== undefined ? [name] : [...lists.keys()].filter((key) => /OPTION|KNOWN/.test(key));
  if (candidates.length !== 1 || !lists.has(candidates[0]!)) {
    throw new Error(`${file}: expected one option-name list${name === undefined ? '' : ` named ${name}`}, found ${candidates.join(', ') || 'none'}; point test/docs/docs-options.test.ts at the list the code checks option names against`);
  }
  const expand = (body: string): string[] =>
    body.split(',').map((item) => item.trim()).filter((item) => item !== '').flatMap((item) => {
      const spread = /^\.\.\.([A-Z_]+)$/.exec(item)?.[1];
      if (spread !== undefined) return expand(lists.get(spread) ?? '');
      const index = /^'#(\d+)'$/.exec(item)?.[1];
      if (index === undefined) throw new Error(`${file}: option list item ${item} is not a string`);
      return literals[Number(index)]!;
    });
  return expand(lists.get(candidates[0]!)!);
}

/** The option names given inline to a checking call that names `label`: `[...], 'label'`. */
export function inlineOptionList(file: string, label: string): string[] {
  const { code, literals } = lex(readFileSync(join(root, file), 'utf8'));
  const labelIndex = literals.findIndex((pieces) => pieces.length === 1 && pieces[0] === label);
  const m = labelIndex < 0 ? null : new RegExp(String.raw`\[([^\]]*)\],\s*'#${labelIndex}'`).exec(code);
  if (m === null) throw new Error(`${file}: no option list given with the label '${label}'`);
  return [...m[1]!.matchAll(/'#(\d+)'/g)].map((x) => literals[Number(x[1])]![0]!);
}

/**
 * Every option name the code checks anywhere: every option-name constant (OPTION, KNOWN or
 * NAMES in its name) and every list given inline to `assertKnownOptions` or `checkOptionNames`.
 */
export function everyOptionName(): Set<string> {
  const names = new Set<string>();
  for (const file of codeFiles()) {
    const { code, literals } = lex(readFileSync(file, 'utf8'));
    const lists = [
      ...[...code.matchAll(/\bconst [A-Z_]*(?:OPTION|KNOWN|NAMES)[A-Z_]*(?:\s*:[^=]+)?\s*=\s*(?:new Set\(|Object\.freeze\()?\[([^\]]*)\]/g)].map((m) => m[1]!),
      ...[...code.matchAll(/\b(?:assertKnownOptions|checkOptionNames)\(\s*[\w.]+,\s*\[([^\]]*)\]/g)].map((m) => m[1]!),
    ];
    for (const body of lists) for (const m of body.matchAll(/'#(\d+)'/g)) names.add(literals[Number(m[1])]![0]!);
  }
  return names;
}

/** The environment variables the example server reads (`env.NAME`, `env['NAME']`), from its code, comments excluded. */
export function serverEnvironment(): Set<string> {
  const names = new Set<string>();
  for (const file of [...sourceFiles(join(root, 'server')), join(root, 'server.ts')]) {
    const { code, literals } = lex(readFileSync(file, 'utf8'));
    for (const m of code.matchAll(/\benv\.([A-Z][A-Z0-9_]*)\b/g)) names.add(m[1]!);
    for (const m of code.matchAll(/\benv\['#(\d+)'\]/g)) names.add(literals[Number(m[1])]![0]!);
  }
  return names;
}
