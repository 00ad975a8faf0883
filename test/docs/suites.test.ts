/**
 * `npm test` runs test/suites/*.ts, each a list of static imports of test files (docs/testing.md).
 * A test file missing from every suite would silently never run under `npm test`, and one listed
 * twice would run twice: every test file under `test/<folder>/` (its room folders included) except the `*.process.test.ts` ones must
 * be imported by exactly one suite, and nothing else.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

const testDir = new URL('../', import.meta.url);
const FOLDERS = ['core', 'authx', 'server', 'docs'];

test('every in-process test file is imported by exactly one suite, and the suites import nothing else', () => {
  const onDisk = FOLDERS.flatMap((folder) =>
    (readdirSync(new URL(`${folder}/`, testDir), { recursive: true }) as string[])
      .filter((name) => name.endsWith('.test.ts') && !name.endsWith('.process.test.ts'))
      .map((name) => join(folder, name)),
  ).sort();
  const imported: string[] = [];
  for (const suite of readdirSync(new URL('suites/', testDir)).filter((name) => name.endsWith('.ts'))) {
    const text = readFileSync(new URL(`suites/${suite}`, testDir), 'utf8');
    for (const match of text.matchAll(/^import '\.\.\/([\w-]+(?:\/[\w-]+)*\/[\w.-]+)';$/gm)) imported.push(match[1]!);
    // Only static imports of test files: a dynamic import would let tests start before a file's
    // later lines have run.
    assert.doesNotMatch(text, /await|import\(/, `${suite} imports its files statically`);
  }
  assert.ok(onDisk.length > 50, 'the test files were found');
  assert.deepEqual([...imported].sort(), onDisk);
});

test('every test file sits where the commands of docs/testing.md find it', () => {
  // `npm test` reaches files through the suites; `npm run test:processes` globs
  // test/*/*/*.process.test.ts and CI's native runs glob test/*/*.test.ts test/*/*/*.test.ts.
  const all = FOLDERS.flatMap((folder) =>
    (readdirSync(new URL(`${folder}/`, testDir), { recursive: true }) as string[])
      .filter((name) => name.endsWith('.test.ts'))
      .map((name) => join(folder, name)),
  );
  for (const file of all) {
    const depth = file.split('/').length;
    assert.ok(depth === 2 || depth === 3, `${file}: test files live at test/<folder>/ or test/<folder>/<room>/`);
    if (file.endsWith('.process.test.ts')) assert.equal(depth, 3, `${file}: process tests live in a room folder`);
  }
});
