/**
 * Option tables against the code's own option lists, so a documented option always exists and
 * an accepted one is always documented.
 *
 * - **One table per component.** Each component of {@link COMPONENTS} has exactly one table,
 *   marked `<!-- options: <component> -->` on the line above it, on its page. The backticked
 *   names that open the cells of its option column (`option`, `variable`, or `ours` for AuthX)
 *   are exactly the names the code accepts, each once. The code's list is read from the source
 *   (`optionList`: the list the code checks names against, so a new option shows up here), and
 *   a probe calls the component with every listed name (none may be refused as unknown) and
 *   with a made-up one (refused), so the list read is the list in force.
 * - **Every option table.** In every table of README.md and docs/ with a column named `option` or
 *   `variable`, each name in that column is one the code accepts somewhere (an option-name list
 *   or an inline list given to `assertKnownOptions`/`checkOptionNames`) or a variable the server
 *   reads (`env.NAME` in server/). Where such a table gives a default for a name that exactly one
 *   marked table lists, the two defaults are the same text.
 * - **AuthX config**: the `AuthX (Python)` column lists every `JWT_*` name the code maps
 *   (lib/authx/config/config-names.ts, `JWT_IMPLICIT_REFRESH_*` standing for its group), and a
 *   default that is a literal (`900`, `"20d"`, `true`, `POST PUT`, none) equals `auth.config`'s.
 * - **Prose lists.** Option lists the pages give as a sentence (adapters, WebSocket, implicit
 *   refresh, in docs/frameworks.md) must name every option of the code's list.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { AUTHX_CONFIG_NAMES, AUTHX_PYTHON_NAMES } from '../../lib/authx/config/config-names.ts';
import { AuthX, createRemoteJWKSet, FileRevocationStore, MemoryRevocationStore, RedisRevocationStore } from '../../lib/index.ts';
import { durationToSeconds } from '../../lib/core/duration.ts';
import { signJwt, verifyJwt } from '../../lib/core/jwt.ts';
import { createHandler } from '../../server/http/app.ts';
import { docPages, leadingNames, prose, slug, tables, type Page, type Table } from '../helpers/markdown.ts';
import { everyOptionName, inlineOptionList, optionList, serverEnvironment } from '../helpers/source-text.ts';

const SECRET = 'docs-options-secret-0123456789-abcdefghij';
const UNKNOWN = /unknown (?:[\w ]+ )?option/i;

interface Component {
  /** The marker name: `<!-- options: <name> -->`. */
  name: string;
  page: string;
  /** The table column holding the names. */
  column: string;
  names: () => string[];
  /** Calls the component with `options`; must throw an "unknown option" error for an unknown name only. */
  probe: (options: Record<string, unknown>) => unknown;
}

const auth = new AuthX({ secretKey: SECRET });
const token = auth.createAccessToken('u');
const fileStores: string[] = [];

const COMPONENTS: Component[] = [
  {
    name: 'AuthX config', page: 'docs/authx.md', column: 'ours', names: () => [...AUTHX_CONFIG_NAMES],
    probe: (o) => new AuthX({ secretKey: SECRET, ...o }),
  },
  {
    name: 'CreateTokenOptions', page: 'docs/authx.md', column: 'option', names: () => optionList('lib/authx/authx.ts', 'PAIR_OPTION_NAMES'),
    probe: (o) => auth.createTokenPair('u', o),
  },
  {
    name: 'VerifyTokenOptions', page: 'docs/authx.md', column: 'option', names: () => optionList('lib/authx/tokens/token-verifier.ts'),
    probe: (o) => auth.verifyTokenSync(token, o),
  },
  {
    name: 'RevokeTokenOptions', page: 'docs/authx.md', column: 'option', names: () => inlineOptionList('lib/authx/authx.ts', 'revokeToken'),
    probe: (o) => new AuthX({ secretKey: SECRET }).revokeToken(auth.verifyTokenSync(token), o),
  },
  {
    name: 'MemoryRevocationStore', page: 'docs/authx.md', column: 'option', names: () => optionList('lib/authx/state/memory-revocation-store.ts'),
    probe: (o) => new MemoryRevocationStore(o),
  },
  {
    name: 'FileRevocationStore', page: 'docs/authx.md', column: 'option', names: () => optionList('lib/authx/state/file-revocation-store.ts'),
    probe: async (o) => {
      const directory = mkdtempSync(join(tmpdir(), 'authx-docs-options-'));
      fileStores.push(directory);
      await (await FileRevocationStore.open({ directory, ...o } as { directory: string })).close();
    },
  },
  {
    name: 'RedisRevocationStore', page: 'docs/authx.md', column: 'option', names: () => optionList('lib/authx/state/redis-revocation-store.ts'),
    probe: (o) => new RedisRevocationStore({ client: async () => null, ...o }),
  },
  {
    name: 'createRemoteJWKSet', page: 'docs/algorithms.md', column: 'option', names: () => optionList('lib/authx/keys/remote-jwks.ts'),
    probe: (o) => createRemoteJWKSet('https://issuer.example/jwks.json', o),
  },
  {
    name: 'signJwt', page: 'docs/core.md', column: 'option', names: () => optionList('lib/core/jwt.ts', 'SIGN_OPTION_NAMES'),
    probe: (o) => signJwt({}, SECRET, o),
  },
  {
    name: 'VerifyOptions', page: 'docs/core.md', column: 'option', names: () => optionList('lib/core/claims.ts', 'VERIFY_OPTION_NAMES'),
    probe: (o) => verifyJwt(signJwt({ sub: 'u' }, SECRET, { expiresIn: 60 }), SECRET, o),
  },
  {
    name: 'createServer', page: 'docs/server.md', column: 'option',
    names: () => [...optionList('server/http/app.ts', 'HANDLER_OPTION_NAMES'), ...optionList('server/http/app.ts', 'TIMEOUT_OPTION_NAMES')],
    probe: (o) => createHandler({ secretKey: SECRET, log: false, ...o }),
  },
  {
    // Read from the code (`env.NAME`); nothing to probe without starting the server.
    name: 'server environment', page: 'docs/server.md', column: 'variable', names: () => [...serverEnvironment()],
    probe: () => undefined,
  },
];

/** Option lists given as prose: each name must appear in backticks in that section. */
const PROSE_LISTS = [
  { name: 'adapter guards (required)', page: 'docs/frameworks.md', section: 'What every adapter does', names: () => optionList('lib/authx/adapters/guard.ts', 'GUARD_OPTIONS') },
  { name: 'adapter logout', page: 'docs/frameworks.md', section: 'A cookie session in each framework', names: () => optionList('lib/authx/adapters/guard.ts', 'LOGOUT_OPTIONS') },
  { name: 'adapter refresh', page: 'docs/frameworks.md', section: 'A cookie session in each framework', names: () => optionList('lib/authx/adapters/guard.ts', 'REFRESH_OPTIONS') },
  { name: 'websocketAuth', page: 'docs/frameworks.md', section: 'WebSocket (`ws`)', names: () => optionList('lib/authx/adapters/websocket.ts') },
  { name: 'ImplicitRefresh', page: 'docs/frameworks.md', section: 'Implicit refresh', names: () => optionList('lib/authx/http/implicit-refresh.ts') },
];

const pages = docPages();
const pageByPath = new Map(pages.map((page) => [page.path, page]));

/** The cells of `column` in `table`, with the names that open each. */
function namesIn(table: Table, column: string): { names: string[]; row: string[] }[] {
  const index = table.header.findIndex((cell) => cell.toLowerCase() === column.toLowerCase());
  assert.ok(index >= 0, `table at line ${table.line} has no column "${column}"`);
  return table.rows.map((row) => ({ names: leadingNames(row[index] ?? '').filter((name) => /^[A-Za-z_][\w]*$/.test(name)), row }));
}

/** What is wrong with the marked tables of `docs` for `components` (empty when all is well). */
function tableProblems(docs: readonly Page[], components: readonly Component[] = COMPONENTS): string[] {
  const problems: string[] = [];
  const marked = docs.flatMap((page) => tables(page.text).filter((t) => t.marker !== undefined).map((table) => ({ page: page.path, table })));
  for (const { page, table } of marked) {
    if (!COMPONENTS.some((c) => c.name === table.marker)) problems.push(`${page}:${table.line}: the marker names "${table.marker}", which is no component of test/docs/docs-options.test.ts`);
  }
  for (const component of components) {
    const found = marked.filter((m) => m.table.marker === component.name);
    if (found.length !== 1 || found[0]!.page !== component.page) {
      problems.push(`${component.name}: expected one table marked <!-- options: ${component.name} --> in ${component.page}, found ${found.map((m) => `${m.page}:${m.table.line}`).join(', ') || 'none'}`);
      continue;
    }
    const { table } = found[0]!;
    const listed = namesIn(table, component.column).flatMap((cell) => cell.names);
    const expected = component.names();
    for (const name of new Set(listed.filter((name, i) => listed.indexOf(name) !== i))) problems.push(`${component.page}:${table.line} (${component.name}): \`${name}\` is listed more than once`);
    for (const name of listed.filter((name) => !expected.includes(name))) problems.push(`${component.page}:${table.line} (${component.name}): \`${name}\` is not an option the code accepts`);
    for (const name of expected.filter((name) => !listed.includes(name))) problems.push(`${component.page}:${table.line} (${component.name}): the code accepts \`${name}\`, which the table does not list`);
  }
  return problems;
}

/** What is wrong with the option and variable tables of `docs` that no marker ties to a component. */
function looseTableProblems(docs: readonly Page[]): string[] {
  const problems: string[] = [];
  const known = everyOptionName();
  const variables = serverEnvironment();
  const defaults = new Map<string, string[]>();
  for (const page of docs) {
    for (const table of tables(page.text).filter((t) => t.marker !== undefined)) {
      const component = COMPONENTS.find((c) => c.name === table.marker);
      if (component === undefined) continue;
      const at = table.header.findIndex((cell) => cell.toLowerCase() === 'default');
      for (const { names, row } of namesIn(table, component.column)) for (const name of names) defaults.set(name, [...(defaults.get(name) ?? []), row[at] ?? '']);
    }
  }
  for (const page of docs) {
    for (const table of tables(page.text)) {
      for (const column of ['option', 'variable']) {
        if (!table.header.some((cell) => cell.toLowerCase() === column)) continue;
        const at = table.header.findIndex((cell) => cell.toLowerCase() === 'default');
        for (const { names, row } of namesIn(table, column)) {
          for (const name of names) {
            if (!(column === 'option' ? known : variables).has(name)) problems.push(`${page.path}:${table.line}: \`${name}\` is not ${column === 'option' ? 'an option the code accepts' : 'a variable the server reads'}`);
            const marked = defaults.get(name);
            if (table.marker === undefined && at >= 0 && marked?.length === 1 && norm(marked[0]!) !== norm(row[at] ?? '')) {
              problems.push(`${page.path}:${table.line}: \`${name}\` defaults to "${row[at]}" here but to "${marked[0]}" in its component's table`);
            }
          }
        }
      }
    }
  }
  return problems;
}

const norm = (text: string): string => text.replace(/\s+/g, ' ').trim();

test('each component has one marked table listing exactly the option names its code accepts', () => {
  assert.deepEqual(tableProblems(pages), []);
});

/** What the probes say against `component`'s list: an own option refused, or a made-up one accepted. */
async function probeProblems(component: Component): Promise<string[]> {
  const problems: string[] = [];
  const names = component.names();
  if (names.length === 0) problems.push(`${component.name}: no option names read`);
  for (const name of names) {
    try {
      await component.probe({ [name]: undefined });
    } catch (error) {
      if (UNKNOWN.test(String(error))) problems.push(`${component.name} refuses \`${name}\` as unknown: ${String(error)}`);
    }
  }
  try {
    await component.probe({ notAnOption: 1 });
    problems.push(`${component.name} accepts a made-up option`);
  } catch (error) {
    if (!UNKNOWN.test(String(error))) problems.push(`${component.name} refuses a made-up option, but not as unknown: ${String(error)}`);
  }
  return problems;
}

test('the option lists read from the code are the ones in force: each name is accepted, a made-up one refused', async () => {
  const problems: string[] = [];
  try {
    for (const component of COMPONENTS) if (component.name !== 'server environment') problems.push(...(await probeProblems(component)));
    // A list read wrongly (here: one name too many) is caught by the probe.
    const memory = COMPONENTS.find((c) => c.name === 'MemoryRevocationStore')!;
    assert.match((await probeProblems({ ...memory, names: () => [...memory.names(), 'sweepEvery'] })).join(), /refuses `sweepEvery` as unknown/);
  } finally {
    for (const directory of fileStores) rmSync(directory, { recursive: true, force: true });
  }
  assert.deepEqual(problems, []);
  assert.ok(serverEnvironment().size >= 10 && serverEnvironment().has('JWT_SECRET_KEY'), 'the server environment was read');
});

test('every name in an option or variable column is accepted by the code, with the same default everywhere', () => {
  assert.deepEqual(looseTableProblems(pages), []);
});

test('the AuthX config table maps every JWT_* name of Python AuthX, and its literal defaults are auth.config\'s', () => {
  const table = tables(pageByPath.get('docs/authx.md')!.text).find((t) => t.marker === 'AuthX config')!;
  const python = table.rows.flatMap((row) => leadingNames(row[0] ?? ''));
  const expanded = python.flatMap((name) => (name.endsWith('*') ? Object.keys(AUTHX_PYTHON_NAMES).filter((key) => key.startsWith(name.slice(0, -1))) : [name]));
  assert.deepEqual([...expanded].sort(), Object.keys(AUTHX_PYTHON_NAMES).sort());
  const config = new AuthX({ secretKey: SECRET }).config as unknown as Record<string, unknown>;
  let compared = 0;
  for (const { names, row } of namesIn(table, 'ours')) {
    if (names.length !== 1 || !Object.hasOwn(config, names[0]!)) continue;
    const expected = literalDefault(row[2] ?? '', config[names[0]!]);
    if (expected === SKIP) continue;
    compared++;
    assert.deepEqual(config[names[0]!], expected, `default of ${names[0]} in docs/authx.md`);
  }
  assert.ok(compared > 25, `only ${compared} defaults compared`);
});

const SKIP = Symbol('not a literal');

/** The value a default cell states: `none`, a JSON literal in backticks, a duration, a list of words. */
function literalDefault(cell: string, actual: unknown): unknown {
  if (cell === 'none') return undefined;
  const code = /^`([^`]+)`/.exec(cell)?.[1];
  if (code === undefined) return SKIP;
  try {
    const value: unknown = JSON.parse(code);
    return typeof value === 'string' && typeof actual === 'number' ? durationToSeconds(value, 'default') : value;
  } catch {
    return Array.isArray(actual) && /^[A-Z]+( [A-Z]+)+$/.test(code) ? code.split(' ') : SKIP;
  }
}

test('option lists given as prose name every option of the code', () => {
  for (const list of PROSE_LISTS) {
    const text = prose(pageByPath.get(list.page)!.text);
    const start = text.split('\n').findIndex((line) => /^#+ /.test(line) && slug(line.replace(/^#+ /, '')) === slug(list.section));
    assert.ok(start >= 0, `${list.page} has no section "${list.section}"`);
    const rest = text.split('\n').slice(start + 1);
    const end = rest.findIndex((line) => /^#{1,2} /.test(line));
    const section = rest.slice(0, end < 0 ? undefined : end).join('\n');
    for (const name of list.names()) assert.ok(section.includes(`\`${name}\``), `${list.page}, "${list.section}": ${list.name} option \`${name}\` is not named`);
  }
});

test('the checks fail on an undocumented, a made-up, a duplicated or a misplaced option, and on a default that differs', () => {
  const authx = pageByPath.get('docs/authx.md')!;
  const withPage = (path: string, text: string): Page[] => pages.map((page) => (page.path === path ? { path, text } : page));
  const memory = COMPONENTS.filter((c) => c.name === 'MemoryRevocationStore');
  assert.deepEqual(tableProblems(pages, memory), []);
  // The lead's rewrite of the stores adds an option: the table must follow.
  const grown = [{ ...memory[0]!, names: () => [...memory[0]!.names(), 'maxSubjects'] }];
  assert.match(tableProblems(pages, grown).join(), /the code accepts `maxSubjects`, which the table does not list/);
  const server = COMPONENTS.filter((c) => c.name === 'createServer');
  const page = pageByPath.get('docs/server.md')!;
  const renamed = withPage('docs/server.md', page.text.replace('| `refreshLimit` |', '| `subjectLimit` |'));
  assert.match(tableProblems(renamed, server).join('\n'), /`subjectLimit` is not an option the code accepts[^]*accepts `refreshLimit`, which the table does not list/);
  const twice = withPage('docs/server.md', page.text.replace('| `trustProxy` |', '| `clock` |'));
  assert.match(tableProblems(twice, server).join(), /`clock` is listed more than once/);
  const unmarked = withPage('docs/authx.md', authx.text.replace('<!-- options: VerifyTokenOptions -->', ''));
  assert.match(tableProblems(unmarked, COMPONENTS.filter((c) => c.name === 'VerifyTokenOptions')).join(), /found none/);
  const throttling = pageByPath.get('docs/throttling.md')!;
  const loose = withPage('docs/throttling.md', throttling.text.replace('| `refreshLimit` | 60 / 15 min per subject |', '| `subjectLimit` | 60 / 15 min per subject |'));
  assert.match(looseTableProblems(loose).join(), /docs\/throttling\.md:\d+: `subjectLimit` is not an option the code accepts/);
  const drift = withPage('docs/throttling.md', throttling.text.replace('| `addressLimit` | 20 failures / 15 min |', '| `addressLimit` | 30 failures / 15 min |'));
  assert.match(looseTableProblems(drift).join(), /`addressLimit` defaults to "30 failures \/ 15 min" here but to "20 failures \/ 15 min"/);
});
