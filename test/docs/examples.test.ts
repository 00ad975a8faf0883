/**
 * Runs every ```ts example of README.md and docs/*.md, each as its own child process, so no
 * example can rot. Imports of `authx-node` and `authx-node/<subpath>` are pointed at the lib/
 * source that package.json's `exports` names for them (`./dist/lib/X.js` -> `lib/X.ts`); the
 * example is written to a temporary file inside the repository (so node_modules resolves) and
 * run with native type stripping where Node has it, through tsx on Node 20. A non-zero exit or
 * a run past the timeout fails the example's test, named `<file>:<line>`.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const TIMEOUT_MS = 30_000;
const nodeStripsTypes = Boolean((process.features as { typescript?: string | false }).typescript);

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

/** Runs one file in a child process; resolves with its exit code and output. */
function run(file: string): Promise<{ code: number | null; output: string }> {
  const args = nodeStripsTypes ? [file] : ['--import', 'tsx', file];
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { ...process.env, NODE_OPTIONS: '', JWT_SECRET_KEY: 'docs-example-secret-0123456789-abcdefghij' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  return new Promise((resolvePromise) => {
    const timer = setTimeout(() => {
      output += `\n(killed after ${TIMEOUT_MS} ms)`;
      child.kill('SIGKILL');
    }, TIMEOUT_MS);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, output });
    });
  });
}

const pages = ['README.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];
const entries = entryPoints();
const workDir = mkdtempSync(join(here, '.run-examples-'));
after(() => rmSync(workDir, { recursive: true, force: true }));

async function runExample(name: string, code: string): Promise<void> {
  const file = join(workDir, `${name.replace(/[^\w]+/g, '-')}.ts`);
  writeFileSync(file, pointAtSources(code, entries));
  const { code: exit, output } = await run(file);
  assert.equal(exit, 0, `${name} exited with ${exit}:\n${output}`);
}

test('the runner fails an example that throws, and maps every exported subpath to a lib/ source', async () => {
  const { code } = await run(writeThrowing());
  assert.notEqual(code, 0);
  assert.equal(entries.get('authx-node'), join(root, 'lib/index.ts'));
  assert.equal(entries.get('authx-node/core'), join(root, 'lib/core/index.ts'));
  for (const source of entries.values()) assert.ok(existsSync(source), `${source} is exported but missing`);
});

function writeThrowing(): string {
  const file = join(workDir, 'throws.ts');
  writeFileSync(file, "const n: number = 1;\nif (n === 1) throw new Error('an example that fails');\n");
  return file;
}

// Each example is a child process that mostly waits for its start-up: three at a time.
describe('docs examples', { concurrency: 3 }, () => {
  for (const page of pages) {
    for (const { line, code } of examples(readFileSync(join(root, page), 'utf8'))) {
      test(`${page}:${line}`, () => runExample(`${page}-${line}`, code));
    }
  }
});
