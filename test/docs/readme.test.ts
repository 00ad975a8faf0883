/**
 * README's quick start (issue #24): its examples are ES modules, and a new user whose
 * `npm init -y` wrote `"type": "commonjs"` must learn so before the top-level `await` fails. The
 * section says it is ESM, how to run it as such (`.mjs` or `"type": "module"`), and shows the
 * CommonJS form in one line. That line must work as written: .ci/check-package runs it, taken
 * from README.md, against the packed tarball on every Node of CI; here its names must be
 * functions the package root exports.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import * as root from '../../lib/index.ts';
import { root as repository } from '../helpers/markdown.ts';

const readme = readFileSync(join(repository, 'README.md'), 'utf8');
/** The grep pattern .ci/check-package uses to take the line from README.md. */
const CJS_LINE = /const \{ [A-Za-z, ]* \} = require\('authx-node'\);/;

/** The quick start's words before its first example. */
function quickStartIntro(text: string): string {
  const start = text.indexOf('## Quick start: the library');
  assert.ok(start >= 0, 'README.md has a "Quick start: the library" section');
  return text.slice(start, text.indexOf('```', start));
}

test('README\'s quick start says it is ESM, how to run it as ESM, and the CommonJS form in one line', () => {
  const intro = quickStartIntro(readme);
  assert.match(intro, /\bESM\b/);
  assert.match(intro, /`"type": "module"`/);
  assert.match(intro, /`\.mjs`/);
  assert.match(intro, /`npm init -y` writes `"type": "commonjs"`/);
  const line = CJS_LINE.exec(intro)?.[0];
  assert.ok(line !== undefined, 'the intro shows `const { ... } = require(\'authx-node\');`');
  const names = /\{ ([^}]*) \}/.exec(line)![1]!.split(',').map((name) => name.trim());
  for (const name of names) assert.equal(typeof (root as Record<string, unknown>)[name], 'function', `authx-node exports ${name}`);
});

test('.ci/check-package runs README\'s CommonJS line on every Node it checks', () => {
  const script = readFileSync(join(repository, '.ci/check-package'), 'utf8');
  assert.ok(script.includes(`grep -o "${CJS_LINE.source.replace(/\\/g, '')}" "$repo/README.md"`), 'check-package takes the line with the same pattern');
  assert.match(script, /for node in "\$\{nodes\[@\]\}"; do[^]*?"\$node" readme\.cjs\ndone/);
});

test('the checks fail on a quick start without the ESM note or the CommonJS line', () => {
  const without = readme.replace(/The examples are ES modules[^]*?require\('authx-node'\);`\n/, '');
  assert.notEqual(without, readme);
  assert.doesNotMatch(quickStartIntro(without), CJS_LINE);
  assert.doesNotMatch(quickStartIntro(without), /\bESM\b/);
});
