/**
 * `npm test` runs each test folder as one process (test/suites/*.ts) rather than one process per
 * file: on Node 20 every process pays for loading tsx, which cost more than the tests of most
 * files. A suite imports the folder's `*.test.ts` files in name order; their tests then run one
 * file after another, as `node --test` runs a single file. The `*.process.test.ts` files, which
 * start the example server as its own process (and kill it), are left to `npm run
 * test:processes`; CI runs both, and `node --test test/` (every file in its own process) on
 * Node 22, 24 and 26.
 */
import { readdirSync } from 'node:fs';

/** Test files of `test/<folder>/` that `npm test` runs in one process. */
export function inProcessTestFiles(folder: string): URL[] {
  const dir = new URL(`../${folder}/`, import.meta.url);
  return readdirSync(dir)
    .filter((name) => name.endsWith('.test.ts') && !name.endsWith('.process.test.ts'))
    .sort()
    .map((name) => new URL(name, dir));
}

/**
 * Imports the in-process test files of `test/<folder>/` into this process; with `part` and
 * `parts`, only every `parts`-th file starting at `part`, so one folder can be split over
 * several processes that run side by side.
 *
 * @example await importTestFiles('server', { part: 1, parts: 2 })
 */
export async function importTestFiles(folder: string, { part = 0, parts = 1 }: { part?: number; parts?: number } = {}): Promise<void> {
  const files = inProcessTestFiles(folder).filter((_file, index) => index % parts === part);
  for (const file of files) await import(file.href);
}
