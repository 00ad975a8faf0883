/**
 * Runs every ```ts example of README.md and docs/*.md, so no example can rot. Imports of
 * `authx-node` and `authx-node/<subpath>` are pointed at the lib/ source that package.json's
 * `exports` names for them (`./dist/lib/X.js` -> `lib/X.ts`); each example is written to its own
 * module file inside the repository (so node_modules resolves) and imported by this process, one
 * after another (through tsx on Node 20, with native type stripping elsewhere). Whatever it
 * prints is kept and shown if it fails. A rejection or a run past the timeout fails the
 * example's test, named `<file>:<line>`. An example must leave nothing running (servers closed,
 * timers cleared), as a program that exits by itself would.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const TIMEOUT_MS = 30_000;

/** `authx-node` specifier -> absolute path of the lib/ source behind it, from package.json `exports`. */
function entryPoints(): Map<string, string> {
  const { exports } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { exports: Record<string, unknown> };
  const entries = new Map<string, string>();
  for (const [key, target] of Object.entries(exports)) {
    const path = typeof target === 'string' ? target : (target as { default?: string }).default;
    const match = path === undefined ? null : /^\.\/dist\/(lib\/.+)\.js$/.exec(path);
    if (match === null) continue; // ./package.json and anything not built from lib/
    entries.set(`authx-node${key.slice(1)}`, join(root, `${match[1]}.ts`));
  }
  return entries;
}

/** Every ```ts block of a Markdown text, with the line its code starts on (1-based). */
function examples(markdown: string): { line: number; code: string }[] {
  const lines = markdown.split('\n');
  const found: { line: number; code: string }[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.trimEnd() !== '```ts') continue;
    const end = lines.findIndex((l, j) => j > i && l.trimEnd() === '```');
    assert.ok(end > i, `unclosed \`\`\`ts block at line ${i + 1}`);
    found.push({ line: i + 1, code: lines.slice(i + 1, end).join('\n') });
    i = end;
  }
  return found;
}

/** The example with each `authx-node` specifier replaced by the file URL of its lib/ source. */
function pointAtSources(code: string, entries: Map<string, string>): string {
  return code.replace(/(['"])(authx-node(?:\/[\w./-]+)?)\1/g, (_whole: string, _quote: string, specifier: string) => {
    const source = entries.get(specifier);
    assert.ok(source !== undefined, `the example imports ${specifier}, which package.json does not export`);
    return JSON.stringify(pathToFileURL(source).href);
  });
}

/** Console methods an example may print with; their output is kept while it runs. */
const CONSOLE_METHODS = ['log', 'info', 'warn', 'error', 'debug'] as const;

/** Imports one example module; resolves with what it printed, rejects with what it threw. */
async function run(file: string): Promise<string> {
  let output = '';
  const saved = CONSOLE_METHODS.map((name) => console[name]);
  for (const name of CONSOLE_METHODS) console[name] = (...args: unknown[]) => void (output += `${args.map(String).join(' ')}\n`);
  try {
    await import(pathToFileURL(file).href);
    return output;
  } catch (error) {
    throw Object.assign(new Error(`the example failed: ${error instanceof Error ? error.stack : String(error)}\nit printed:\n${output}`), { cause: error });
  } finally {
    CONSOLE_METHODS.forEach((name, i) => (console[name] = saved[i]!));
  }
}

const pages = ['README.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];
const entries = entryPoints();
const workDir = mkdtempSync(join(here, '.run-examples-'));
after(() => rmSync(workDir, { recursive: true, force: true }));

async function runExample(name: string, code: string): Promise<void> {
  const file = join(workDir, `${name.replace(/[^\w]+/g, '-')}.ts`);
  writeFileSync(file, pointAtSources(code, entries));
  await run(file);
}

test('the runner fails an example that throws, and maps every exported subpath to a lib/ source', async () => {
  await assert.rejects(run(writeThrowing()), /an example that fails/);
  assert.equal(entries.get('authx-node'), join(root, 'lib/index.ts'));
  assert.equal(entries.get('authx-node/core'), join(root, 'lib/core/index.ts'));
  for (const source of entries.values()) assert.ok(existsSync(source), `${source} is exported but missing`);
});

function writeThrowing(): string {
  const file = join(workDir, 'throws.ts');
  writeFileSync(file, "const n: number = 1;\nif (n === 1) throw new Error('an example that fails');\n");
  return file;
}

// The examples read their secret from the environment, as a user's program would.
process.env.JWT_SECRET_KEY ??= 'docs-example-secret-0123456789-abcdefghij';

describe('docs examples', () => {
  for (const page of pages) {
    for (const { line, code } of examples(readFileSync(join(root, page), 'utf8'))) {
      test(`${page}:${line}`, { timeout: TIMEOUT_MS }, () => runExample(`${page}-${line}`, code));
    }
  }
});
