/**
 * A quiet, stable install (issue #24): `npm install` in a fresh clone prints no EBADENGINE warning
 * on any Node that package.json's `engines` admits, and leaves package-lock.json as it is. npm
 * records every package's `engines` in the lockfile, so this reads them there: each must admit
 * the lowest and a late version of every Node major our own range admits (20.19, 22.12, 23, 24,
 * 25, 26). The lockfile's root `engines` must be package.json's (else `npm install` rewrites it),
 * every package with an install script must be approved in `allowScripts` (npm 11.16+ lists the
 * others after every install), and the mutation runner, which needs a newer Node, must stay out
 * of the main install (.ci/stryker/, installed by .ci/mutate). `.ci/run` proves the same by
 * running `npm install` on Node 20, 22, 24 and 26.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

const root = new URL('../../', import.meta.url);
const readJson = (path: string): Record<string, unknown> => JSON.parse(readFileSync(new URL(path, root), 'utf8')) as Record<string, unknown>;

interface LockPackage {
  version?: string;
  engines?: { node?: string } | string[];
  hasInstallScript?: boolean;
  dev?: boolean;
}
interface Lock {
  packages: Record<string, LockPackage>;
}

type Version = readonly [number, number, number];

function parseVersion(text: string): Version {
  const parts = text.replace(/^v/, '').split('.').map(Number);
  return [parts[0] ?? 0, parts[1] ?? 0, parts[2] ?? 0];
}

function compare(a: Version, b: Version): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/**
 * Whether `version` satisfies the semver range `range`, for the forms `engines` fields use:
 * `||` alternatives of space-separated comparators (`>=`, `>`, `<=`, `<`, `=`), caret and
 * tilde ranges, x-ranges and partial versions (`20`, `20.x`, `>= 0.6`), hyphen ranges and `*`.
 * Pre-release tags are not used by any engines field here and are refused.
 */
function satisfies(version: string, range: string): boolean {
  const v = parseVersion(version);
  return range.split('||').some((alternative) => {
    const text = alternative.trim().replace(/(>=|<=|>|<|=|\^|~)\s+/g, '$1');
    const hyphen = /^(\S+)\s+-\s+(\S+)$/.exec(text);
    if (hyphen !== null) return comparator(v, `>=${hyphen[1]}`) && upperInclusive(v, hyphen[2]!);
    return text === '' || text.split(/\s+/).every((part) => comparator(v, part));
  });
}

function upperInclusive(v: Version, partial: string): boolean {
  const pieces = partial.split('.').filter((p) => p !== 'x' && p !== '*');
  if (pieces.length === 3) return compare(v, parseVersion(partial)) <= 0;
  return comparator(v, `<${bump(pieces)}`);
}

/** The first version above a partial version: `20` -> `21.0.0`, `20.1` -> `20.2.0`. */
function bump(pieces: string[]): string {
  const numbers = pieces.map(Number);
  numbers[numbers.length - 1]! += 1;
  return [...numbers, 0, 0].slice(0, 3).join('.');
}

function comparator(v: Version, part: string): boolean {
  const match = /^(>=|<=|>|<|=|\^|~)?v?([\dx*]+(?:\.[\dx*]+){0,2})$/.exec(part);
  assert.ok(match !== null, `engines range part "${part}" is not understood by this test`);
  const op = match[1] ?? '=';
  const pieces = match[2]!.split('.').filter((p) => p !== 'x' && p !== '*');
  if (pieces.length === 0) return true; // `*`, `x`
  const low = parseVersion(pieces.join('.'));
  const partial = pieces.length < 3;
  switch (op) {
    case '>=': return compare(v, low) >= 0;
    case '>': return partial ? compare(v, parseVersion(bump(pieces))) >= 0 : compare(v, low) > 0;
    case '<': return compare(v, low) < 0;
    case '<=': return partial ? compare(v, parseVersion(bump(pieces))) < 0 : compare(v, low) <= 0;
    case '=': return compare(v, low) >= 0 && (partial ? compare(v, parseVersion(bump(pieces))) < 0 : compare(v, low) === 0);
    case '^': {
      // ^0.x.y stays within 0.x; ^a.b.c within a.
      const upper = low[0] > 0 || pieces.length === 1 ? [low[0] + 1, 0, 0] as const : [0, low[1] + 1, 0] as const;
      return compare(v, low) >= 0 && compare(v, upper) < 0;
    }
    default: { // '~': within the minor when one is given, else within the major
      const upper = pieces.length >= 2 ? [low[0], low[1] + 1, 0] as const : [low[0] + 1, 0, 0] as const;
      return compare(v, low) >= 0 && compare(v, upper) < 0;
    }
  }
}

const pkg = readJson('package.json') as { engines: { node: string }; devDependencies: Record<string, string>; allowScripts?: Record<string, boolean> };
const ENGINES = pkg.engines.node;

/** The lowest and a late version of every Node major `engines` admits, up to 26. */
function nodesInEngines(): string[] {
  const found: string[] = [];
  for (let major = 18; major <= 26; major++) {
    const inRange = [];
    for (let minor = 0; minor <= 99; minor++) if (satisfies(`${major}.${minor}.0`, ENGINES)) inRange.push(`${major}.${minor}.0`);
    if (inRange.length > 0) found.push(inRange[0]!, inRange.at(-1)!);
  }
  return found;
}

test('the semver reading of this test agrees with npm on the forms engines fields use', () => {
  const cases: Array<[string, string, boolean]> = [
    ['20.19.0', '>=20.19.0 <21 || >=22.12.0', true], ['20.18.9', '>=20.19.0 <21 || >=22.12.0', false],
    ['21.0.0', '>=20.19.0 <21 || >=22.12.0', false], ['22.12.0', '>=20.19.0 <21 || >=22.12.0', true],
    ['22.12.0', '^22.18.0 || >=24.11.0', false], ['24.10.0', '^22.18.0 || >=24.11.0', false], ['24.11.0', '^22.18.0 || >=24.11.0', true],
    ['20.19.0', '>=22', false], ['22.0.0', '>=22', true], ['20.19.0', '>= 0.6', true], ['20.19.0', '20 || >=22', true],
    ['21.5.0', '18 || 20 || >=22', false], ['20.19.0', '^20.17.0 || >=22.9.0', true], ['22.12.0', '>=23.5.0 || ^22.13.0 || ^20.17.0', false],
    ['20.19.0', '>= 10.x', true], ['20.19.0', '>=0.6.11 <=0.7.0 || >=0.7.3', true], ['0.7.1', '>=0.6.11 <=0.7.0 || >=0.7.3', false],
    ['20.19.0', '^8.16.0 || ^10.6.0 || >=11.0.0', true], ['20.19.0', '16 - 20', true], ['21.0.0', '16 - 20', false], ['20.1.0', '~20.0.1', false],
  ];
  for (const [version, range, expected] of cases) assert.equal(satisfies(version, range), expected, `${version} in "${range}"`);
  assert.deepEqual(nodesInEngines(), ['20.19.0', '20.99.0', '22.12.0', '22.99.0', '23.0.0', '23.99.0', '24.0.0', '24.99.0', '25.0.0', '25.99.0', '26.0.0', '26.99.0']);
});

test('package-lock.json records package.json\'s engines, so npm install does not rewrite it', () => {
  const lock = readJson('package-lock.json') as unknown as Lock;
  const rootEntry = lock.packages[''] as LockPackage & { devDependencies?: Record<string, string> };
  assert.deepEqual(rootEntry.engines, pkg.engines);
  assert.deepEqual(rootEntry.devDependencies, pkg.devDependencies);
});

test('every locked package supports every Node that engines admits (no EBADENGINE on npm install)', () => {
  const lock = readJson('package-lock.json') as unknown as Lock;
  const nodes = nodesInEngines();
  const refused: string[] = [];
  let checked = 0;
  for (const [path, entry] of Object.entries(lock.packages)) {
    const range = Array.isArray(entry.engines) ? undefined : entry.engines?.node;
    if (path === '' || range === undefined) continue;
    checked++;
    const bad = nodes.filter((node) => !satisfies(node, range));
    if (bad.length > 0) refused.push(`${path.replace(/^.*node_modules\//, '')}@${entry.version} (engines "${range}") refuses Node ${bad.join(', ')}`);
  }
  assert.ok(checked > 50, 'the lockfile records engines');
  assert.deepEqual(refused, []);
});

test('every locked package with an install script is approved in allowScripts (no npm install-scripts warning)', () => {
  const lock = readJson('package-lock.json') as unknown as Lock;
  const withScripts = Object.entries(lock.packages)
    .filter(([path, entry]) => path !== '' && entry.hasInstallScript === true)
    .map(([path]) => path.replace(/^.*node_modules\//, ''));
  const approved = Object.entries(pkg.allowScripts ?? {}).filter(([, allowed]) => allowed).map(([name]) => name.replace(/(.)@.*$/, '$1'));
  for (const name of withScripts) assert.ok(approved.includes(name), `${name} has an install script that allowScripts does not approve`);
});

test('the mutation runner stays out of the main install: .ci/stryker/ holds it, .ci/mutate installs it on Node 24', () => {
  for (const name of Object.keys(pkg.devDependencies)) assert.doesNotMatch(name, /^@stryker-mutator\//, `${name} would bring its engines into every npm install`);
  const tools = readJson('.ci/stryker/package.json') as { dependencies: Record<string, string> };
  assert.match(tools.dependencies['@stryker-mutator/core'] ?? '', /^\d+\.\d+\.\d+$/, 'Stryker is pinned');
  const toolsLock = readJson('.ci/stryker/package-lock.json') as unknown as Lock;
  assert.ok(toolsLock.packages['node_modules/@stryker-mutator/core'] !== undefined, '.ci/stryker/package-lock.json locks Stryker');
  const mutate = readFileSync(new URL('.ci/mutate', root), 'utf8');
  assert.match(mutate, /npm ci --prefix "\$tools"/);
  assert.match(mutate, /\$tools\/node_modules\/@stryker-mutator\/core\/bin\/stryker\.js/);
  const config = readJson('stryker.config.json') as { $schema: string; ignorePatterns: string[] };
  assert.match(config.$schema, /^\.\/\.ci\/stryker\/node_modules\//);
  assert.ok(config.ignorePatterns.includes('.ci/stryker'), 'the sandbox does not copy the tool install');
});

test('CI runs npm install after npm ci and fails on EBADENGINE or a changed lockfile, on Node 20, 22, 24 and 26', () => {
  const run = readFileSync(new URL('.ci/run', root), 'utf8');
  const afterCi = run.slice(run.indexOf('npm ci --no-audit --no-fund'));
  assert.ok(afterCi.length < run.length, '.ci/run runs npm ci');
  assert.match(afterCi, /grep -q EBADENGINE/);
  assert.match(afterCi, /cmp -s "\$manifests\/\$f" "\$dir\/\$f"/);
  assert.match(afterCi, /check_install "Node \$\(node --version\)" \. npm install --no-audit --no-fund/);
  assert.match(afterCi, /for node in "\$node22" "\$node24" "\$node26"; do\n[^]*?check_install [^\n]*npm install --package-lock-only/);
});
