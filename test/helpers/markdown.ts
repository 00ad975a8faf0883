/**
 * The Markdown pages (README.md and docs/*.md) read the way the docs tests need them: prose with
 * fenced blocks blanked, inline code spans, links, tables and headings, each with its line. Just
 * enough CommonMark for these pages (backtick runs of any length, `\|` in table cells), not a
 * general parser.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const root: string = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** One page: its path from the root and its text. */
export interface Page {
  path: string;
  text: string;
}

/** README.md and every docs/*.md, read now. */
export function docPages(): Page[] {
  const paths = ['README.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];
  return paths.map((path) => ({ path, text: readFileSync(join(root, path), 'utf8') }));
}

/** The text with every fenced block's lines blanked (line numbers kept), so only prose is left. */
export function prose(text: string): string {
  const lines = text.split('\n');
  let fence: string | undefined;
  return lines
    .map((line) => {
      const open = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
      if (fence === undefined && open !== undefined) {
        fence = open;
        return '';
      }
      if (fence !== undefined) {
        if (line.trim().startsWith(fence) && line.trim().replace(/[`~]/g, '') === '') fence = undefined;
        return '';
      }
      return line;
    })
    .join('\n');
}

/** The fenced blocks of one language, with the line their code starts on. */
export function fencedBlocks(text: string, language: string): { line: number; code: string }[] {
  const lines = text.split('\n');
  const found: { line: number; code: string }[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.trimEnd() !== `\`\`\`${language}`) continue;
    const end = lines.findIndex((l, j) => j > i && l.trimEnd() === '```');
    if (end < 0) break;
    found.push({ line: i + 2, code: lines.slice(i + 1, end).join('\n') });
    i = end;
  }
  return found;
}

const lineOf = (text: string, index: number): number => text.slice(0, index).split('\n').length;

/** An inline code span: its content, its line, and the prose just before it in its paragraph. */
export interface CodeSpan {
  code: string;
  line: number;
  before: string;
  start: number;
  end: number;
}

/**
 * Every inline code span of the prose. A span opens with a run of backticks and closes with a
 * run of the same length, possibly on the next line of its paragraph; its content is trimmed of
 * one space on each side and line breaks become spaces, as CommonMark says. In table rows `\|`
 * is a literal `|`. `start` and `end` are offsets in the text, backticks included.
 */
export function codeSpans(text: string): CodeSpan[] {
  const plain = prose(text);
  const spans: CodeSpan[] = [];
  let paragraphStart = 0;
  for (let i = 0; i < plain.length; ) {
    if (plain.startsWith('\n\n', i)) paragraphStart = i + 2;
    if (plain[i] !== '`') {
      i++;
      continue;
    }
    let n = 0;
    while (plain[i + n] === '`') n++;
    const run = '`'.repeat(n);
    let close = i + n;
    for (;;) {
      close = plain.indexOf(run, close);
      if (close < 0 || plain[close + n] !== '`') break;
      while (plain[close] === '`') close++;
    }
    const blankLine = plain.indexOf('\n\n', i);
    if (close < 0 || (blankLine >= 0 && blankLine < close)) {
      i += n;
      continue;
    }
    let code = plain.slice(i + n, close).replace(/\n/g, ' ');
    if (code.startsWith(' ') && code.endsWith(' ') && code.trim() !== '') code = code.slice(1, -1);
    const lineStart = plain.lastIndexOf('\n', i) + 1;
    if (plain[lineStart] === '|') code = code.replace(/\\\|/g, '|');
    spans.push({ code, line: lineOf(plain, i), before: plain.slice(paragraphStart, i).replace(/\s+/g, ' '), start: i, end: close + n });
    i = close + n;
  }
  return spans;
}

/** A Markdown link outside code: its target as written and its line. */
export function links(text: string): { target: string; line: number }[] {
  // Code spans are blanked first: a `[x](y)` inside backticks is code, not a link.
  let plain = prose(text);
  for (const span of codeSpans(text)) plain = plain.slice(0, span.start) + plain.slice(span.start, span.end).replace(/[^\n]/g, ' ') + plain.slice(span.end);
  return [...plain.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => ({ target: m[1]!, line: lineOf(plain, m.index) }));
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
export function slug(heading: string): string {
  return heading.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
}

/** The anchors of a page's headings (a repeated heading gets `-1`, `-2`, ... as on GitHub). */
export function anchors(text: string): Set<string> {
  const found = new Set<string>();
  for (const m of prose(text).matchAll(/^#{1,6}\s+(.+?)\s*#*$/gm)) {
    const base = slug(m[1]!);
    let name = base;
    for (let k = 1; found.has(name); k++) name = `${base}-${k}`;
    found.add(name);
  }
  return found;
}

/** A table: its header cells, its rows of cells, its first line, and the marker comment above it. */
export interface Table {
  line: number;
  header: string[];
  rows: string[][];
  marker: string | undefined;
}

/** Splits a table row into trimmed cells at every `|` that is not escaped. */
function cells(row: string): string[] {
  return row.trim().replace(/^\|/, '').replace(/\|$/, '').split(/(?<!\\)\|/).map((cell) => cell.trim());
}

/**
 * Every table of the prose. A table may be marked by `<!-- options: <name> -->` on the line
 * just above it (a blank line between is allowed): that table is the one place the option names
 * of the component `<name>` are listed.
 */
export function tables(text: string): Table[] {
  const lines = prose(text).split('\n');
  const found: Table[] = [];
  for (let i = 0; i + 1 < lines.length; i++) {
    if (!lines[i]!.startsWith('|') || !/^\|[\s:|-]+\|$/.test(lines[i + 1]!.trim())) continue;
    const above = (lines[i - 1]?.trim() === '' ? lines[i - 2] : lines[i - 1]) ?? '';
    const marker = /^<!-- options: (.+?) -->$/.exec(above.trim())?.[1];
    let end = i + 2;
    while (end < lines.length && lines[end]!.startsWith('|')) end++;
    found.push({ line: i + 1, header: cells(lines[i]!), rows: lines.slice(i + 2, end).map(cells), marker });
    i = end - 1;
  }
  return found;
}

/** The backticked names at the start of a cell: `a`, `a` / `b`, `a` + `b`, `a`, `b` (plain words end the list). */
export function leadingNames(cell: string): string[] {
  const list = /^((?:`[^`]+`(?:\s*(?:,|\/|\+|or|and)\s*)?)+)/.exec(cell)?.[1] ?? '';
  return [...list.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
}
