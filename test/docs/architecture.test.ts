/**
 * The map of the house (docs/architecture.md) against the code. Every folder of `lib/` and
 * `server/` is a room; its main file opens with `Room \`<path>\`: ... May import: ...`, and:
 * - every import that leaves a room lands in a room its header lists;
 * - nothing under `lib/` lists or reaches `server/`; `lib/core/` lists only `node:crypto`
 *   (test/core/boundary.test.ts checks its files); `lib/authx/state/` neither lists nor reaches,
 *   through any chain of imports, `lib/authx/http/` or the adapters;
 * - no room but `lib/core/` holds more than 14 source files;
 * - docs/architecture.md names every room by its path from the repository root.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { importSpecifiers, sourceFiles } from '../helpers/imports.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const files = [...sourceFiles(join(root, 'lib')), ...sourceFiles(join(root, 'server'))].map((file) => relative(root, file));
const roomOf = (file: string): string => `${dirname(file)}/`;
const rooms = [...new Set(files.map(roomOf))].sort();
const HEADER = /^\/\*\*\n((?: \*.*\n)*?) \*\//;

/** Each room's declared imports, read from the header of its main file. */
function declarations(): Map<string, { main: string; imports: string[] }> {
  const found = new Map<string, { main: string; imports: string[] }>();
  for (const file of files) {
    const header = HEADER.exec(readFileSync(join(root, file), 'utf8'))?.[1]?.replace(/\n \*/g, '');
    const room = header === undefined ? null : /Room `([^`]+)`:/.exec(header);
    if (room === null || header === undefined) continue;
    assert.equal(room[1], roomOf(file), `${file} declares room ${room[1]}`);
    assert.ok(!found.has(room[1]!), `${room[1]} has two main files (${found.get(room[1]!)?.main} and ${file})`);
    const list = /May import: ((?:`[^`]+`(?:, )?)+)\./.exec(header);
    assert.ok(list !== null, `${file}: the room header says what the room may import`);
    found.set(room[1]!, { main: file, imports: [...list[1]!.matchAll(/`([^`]+)`/g)].map((m) => m[1]!) });
  }
  return found;
}

/** The files a file imports by relative specifier, as repository paths. */
function localImports(file: string): string[] {
  return importSpecifiers(readFileSync(join(root, file), 'utf8'))
    .filter((specifier) => specifier.startsWith('.'))
    .map((specifier) => relative(root, resolve(root, dirname(file), specifier)));
}

test('every room has one main file whose header says what the room holds and may import', () => {
  const declared = declarations();
  assert.deepEqual([...declared.keys()].sort(), rooms);
});

test('every import that leaves a room lands in a room its header lists', () => {
  const declared = declarations();
  const offending: string[] = [];
  for (const file of files) {
    for (const target of localImports(file)) {
      const from = roomOf(file);
      const to = target === 'server.ts' ? 'server.ts' : roomOf(target);
      if (from !== to && !declared.get(from)!.imports.includes(to)) offending.push(`${file} -> ${target}`);
    }
  }
  assert.deepEqual(offending, []);
});

test('the direction rules: lib/ never reaches server/, the core lists only node:crypto, state never reaches HTTP', () => {
  const declared = declarations();
  for (const [room, { imports }] of declared) {
    if (room.startsWith('lib/')) assert.ok(imports.every((i) => !i.startsWith('server')), `${room} lists the server`);
  }
  assert.deepEqual(declared.get('lib/core/')!.imports, ['node:crypto']);
  const forbidden = ['lib/authx/http/', 'lib/authx/adapters/', 'lib/authx/tokens/'];
  assert.ok(declared.get('lib/authx/state/')!.imports.every((i) => !forbidden.includes(i)));
  // Transitively, file by file: what a store loads must not pull in request handling.
  const seen = new Set<string>();
  const queue = files.filter((file) => file.startsWith('lib/authx/state/'));
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    assert.ok(!forbidden.some((room) => file.startsWith(room)), `lib/authx/state/ reaches ${file}`);
    queue.push(...localImports(file));
  }
  assert.ok(seen.size > 6, 'the walk found the state room');
});

test('no room but lib/core/ holds more than 14 source files', () => {
  for (const room of rooms) {
    const count = files.filter((file) => roomOf(file) === room).length;
    if (room !== 'lib/core/') assert.ok(count <= 14, `${room} holds ${count} source files`);
  }
  assert.ok(rooms.length >= 12, `found ${rooms.length} rooms`);
});

test('docs/architecture.md names every room by its path from the repository root', () => {
  const page = readFileSync(join(root, 'docs/architecture.md'), 'utf8');
  for (const room of rooms) assert.ok(page.includes(`\`${room}\``), `docs/architecture.md does not name ${room}`);
  for (const [, path] of page.matchAll(/`((?:lib|server|test)\/[\w./-]*)`/g)) {
    assert.ok(files.includes(path!) || rooms.includes(path!) || path === 'server/' || existsSync(join(root, path!)), `docs/architecture.md names ${path}, which is not in the code`);
  }
});
