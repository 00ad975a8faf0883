/**
 * README.md and docs/*.md against the repository: nothing they point at may be missing.
 *
 * - **Links.** Every relative link target resolves from the page's folder to a file or folder,
 *   and a `#fragment` names a heading of the target page (GitHub's anchors). `http:`, `https:`
 *   and `mailto:` links are not fetched.
 * - **Paths in backticks.** Inline code outside fenced blocks is a repository path when
 *   - it starts with a top-level folder (`lib/`, `server/`, `test/`, `docs/`, `bench/`, `.ci/`)
 *     or is a top-level file (`server.ts`, `package.json`, ...): it must exist from the root.
 *     `*` stands for any characters but `/`, `**` for any folders, `<name>` for one path
 *     segment (`test/<folder>/`); a trailing `:70-110` line range is ignored. At least one file
 *     must match a pattern.
 *   - it is a bare file name with a source or docs extension (`jwt.ts`, `rotation.md`): it must
 *     exist in one of the folders the page is about ({@link PAGE_FOLDERS}: `docs/core.md` ->
 *     `lib/core/`, `test/core/`, ...), searched recursively; a page not listed there is about
 *     the whole repository. Folders next to a doc page are not guessed: a file of another folder
 *     is named with its path.
 *   Other inline code (`authx-node/core`, `application/json`, `DATA_DIR/lock`) is not a path.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { test } from 'node:test';
import { anchors, codeSpans, docPages, links, root, type Page } from '../helpers/markdown.ts';

const TOP_FOLDERS = ['lib', 'server', 'test', 'docs', 'bench', '.ci'];
const TOP_FILES = ['server.ts', 'package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'stryker.config.json', 'README.md', 'LICENSE', '.gitignore'];
const FILE_NAME = /^[\w-][\w.-]*\.(ts|mts|mjs|cjs|js|json|md)$/;

/** Paths in backticks that are not this repository's, each with the reason. */
const NOT_OURS: Record<string, string> = {
  'lib/internal/cluster/round_robin_handle.js': "docs/performance.md names a file of Node.js's own source (\"Node's `lib/internal/...`\")",
};

/** The folders each page is about, where its bare file names are looked up (default: everywhere). */
const PAGE_FOLDERS: Record<string, string[]> = {
  'docs/core.md': ['lib/core', 'test/core'],
  'docs/server.md': ['server', 'test/server'],
  'docs/testing.md': ['lib/core', 'test', '.ci'],
};

/** Every file and folder of the repository (no node_modules, no dot folders but `.ci`; top-level dot files), as paths from the root. */
function repositoryEntries(): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
      if (entry.name === 'node_modules' || (entry.name.startsWith('.') && entry.name !== '.ci' && (dir !== '' || entry.isDirectory()))) continue;
      const path = dir === '' ? entry.name : `${dir}/${entry.name}`;
      if (entry.isDirectory()) {
        found.push(`${path}/`);
        if (dir !== '' || TOP_FOLDERS.includes(entry.name)) walk(path);
      } else found.push(path);
    }
  };
  walk('');
  return found;
}

const entries = repositoryEntries();
const pages = docPages();

/** A path pattern as a regular expression over repository paths (folders end in `/`). */
function patternOf(path: string): RegExp {
  const source = path
    .split(/(\*\*\/?|\*|<[^>]+>)/)
    .map((part) => {
      if (part.startsWith('**')) return '(?:.*/)?';
      if (part === '*' || part.startsWith('<')) return '[^/]*';
      return part.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('');
  return new RegExp(`^${source}/?$`);
}

/** The repository path a code span names, or undefined when it is not one. */
function repositoryPath(code: string): string | undefined {
  const path = code.replace(/:\d+(-\d+)?$/, '');
  if (!/^[\w.@<>*/-]+$/.test(path)) return undefined;
  if (TOP_FILES.includes(path)) return path;
  return TOP_FOLDERS.some((folder) => path.startsWith(`${folder}/`)) ? path : undefined;
}

/** The problems of one page: links that resolve to nothing, paths that do not exist. */
function missingTargets(page: Page, listing: readonly string[] = entries): string[] {
  const problems: string[] = [];
  const here = dirname(page.path);
  const exists = (path: string): boolean => listing.includes(path) || listing.includes(`${path}/`);
  for (const { target, line } of links(page.text)) {
    if (/^(https?|mailto):/.test(target)) continue;
    const [file = '', fragment] = target.split('#');
    const path = file === '' ? page.path : normalize(join(here, file)).replace(/\/$/, '');
    if (!exists(path)) {
      problems.push(`${page.path}:${line}: link ${target} resolves to ${path}, which does not exist`);
      continue;
    }
    if (fragment !== undefined) {
      const text = path === page.path ? page.text : path.endsWith('.md') && existsSync(join(root, path)) ? readFileSync(join(root, path), 'utf8') : '';
      if (!anchors(text).has(fragment)) problems.push(`${page.path}:${line}: link ${target}: ${path} has no heading #${fragment}`);
    }
  }
  const folders = PAGE_FOLDERS[page.path] ?? [''];
  for (const { code, line } of codeSpans(page.text)) {
    const path = repositoryPath(code);
    if (path !== undefined && Object.hasOwn(NOT_OURS, path)) continue;
    if (path !== undefined) {
      const pattern = patternOf(path.replace(/\/$/, ''));
      if (!listing.some((entry) => pattern.test(entry))) problems.push(`${page.path}:${line}: \`${code}\` names a path that does not exist`);
    } else if (FILE_NAME.test(code)) {
      const found = listing.some((entry) => (entry === code || entry.endsWith(`/${code}`)) && folders.some((folder) => folder === '' || entry.startsWith(`${folder}/`)));
      if (!found) problems.push(`${page.path}:${line}: \`${code}\` is in none of ${folders.map((f) => (f === '' ? 'the repository' : `${f}/`)).join(', ')}`);
    }
  }
  return problems;
}

test('every relative link of README.md and docs/ resolves, and every #fragment names a heading', () => {
  assert.ok(pages.length > 10 && pages.some((page) => links(page.text).length > 5), 'the pages and their links were found');
  const problems = pages.flatMap((page) => missingTargets(page).filter((problem) => problem.includes(': link ')));
  assert.deepEqual(problems, []);
});

test('every repository path and file name in backticks exists', () => {
  const problems = pages.flatMap((page) => missingTargets(page).filter((problem) => !problem.includes(': link ')));
  assert.deepEqual(problems, []);
});

test('the checks fail on a broken link, a missing path, an unknown file name and a wrong anchor', () => {
  const page = (text: string): Page => ({ path: 'docs/example.md', text });
  assert.deepEqual(missingTargets(page('See [core](core.md), [server](../server/), [a](authx.md#errors-over-http) and `lib/core/jwt.ts:70-110`.')), []);
  assert.match(missingTargets(page('See [frameworks](docs/frameworks.md).')).join(), /resolves to docs\/docs\/frameworks\.md/);
  assert.match(missingTargets(page('See [x](authx.md#no-such-heading).')).join(), /has no heading #no-such-heading/);
  assert.match(missingTargets(page('Run by `test/docs/frameworks-docs.test.ts`.')).join(), /frameworks-docs\.test\.ts` names a path/);
  assert.match(missingTargets(page('`revocation-quota.ts` bounds it.')).join(), /is in none of the repository/);
  assert.deepEqual(missingTargets(page('Each room: `test/<folder>/`, `lib/core/**/*.ts`, `test/*/*/*.process.test.ts`; not paths: `authx-node/core`, `application/json`, `DATA_DIR/lock`.')), []);
  assert.match(missingTargets(page('`test/*/*/*.nothing.ts`')).join(), /names a path/);
  // A bare name is looked up only in the folders the page is about.
  assert.match(missingTargets({ path: 'docs/core.md', text: '`password.ts` is not in the core.' }).join(), /is in none of lib\/core\/, test\/core\//);
  assert.deepEqual(missingTargets({ path: 'docs/core.md', text: '`jwt.ts` and `jwt-verify.test.ts`' }), []);
});
