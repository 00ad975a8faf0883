/**
 * The server process on a failing DATA_DIR (issue #22): a 1 MiB tmpfs made full under a running
 * server (logouts answered 200 survive a SIGKILL and a restart; /readyz follows the disk within
 * 5 s; the failures are counted in /metrics); a damaged journal stops the start with the file, the
 * offset and the remedy, and `npm run state -- repair` mends it; a newer journal format is
 * refused; a torn last write is cut off and said. The tmpfs tests need root and fail without it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { hashPassword } from '../../../server/login/password.ts';
import { expectStartFailure, startServerProcess as start } from '../../helpers/server-process.ts';
import { mountTmpfs, type SmallDisk } from '../../helpers/small-disk.ts';
import { FAST_SCRYPT } from '../server-helpers.ts';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const dirs: string[] = [];
const disks: SmallDisk[] = [];
const tempDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'authx-faults-'));
  dirs.push(dir);
  return dir;
};
after(() => {
  for (const d of disks) d.unmount();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

// Ten users, so 150 logouts stay within each user's share (20) and are each kept as a jti.
const USERS = 10;
let USERS_FILE: string | undefined;
async function startServerProcess(env: Record<string, string>): ReturnType<typeof start> {
  if (USERS_FILE === undefined) {
    USERS_FILE = join(tempDir(), 'users.json');
    const hash = await hashPassword('password1', { parameters: FAST_SCRYPT });
    const users = Object.fromEntries(Array.from({ length: USERS }, (_, i) => [`user${i + 1}`, { password_hash: hash, email: `user${i + 1}@example.com` }]));
    writeFileSync(USERS_FILE, JSON.stringify(users));
  }
  return start({ USERS_FILE, SHUTDOWN_DELAY_MS: '0', ...env });
}

async function login(url: string, user = 1): Promise<string> {
  const response = await fetch(`${url}/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: `user${user}`, password: 'password1' }) });
  assert.equal(response.status, 200);
  return ((await response.json()) as { access_token: string }).access_token;
}
const logout = async (url: string, token: string): Promise<number> => (await fetch(`${url}/logout`, { method: 'POST', headers: { authorization: `Bearer ${token}` } })).status;
const protectedStatus = async (url: string, token: string): Promise<number> => (await fetch(`${url}/protected`, { headers: { authorization: `Bearer ${token}` } })).status;
const readyz = async (url: string): Promise<number> => (await fetch(`${url}/readyz`)).status;

async function until(condition: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const started = performance.now();
  while (!(await condition())) {
    if (performance.now() - started > ms) assert.fail(`${what} not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

test('150 logouts, the last 50 on a full DATA_DIR, SIGKILL, restart on a nearly full one: every logout answered 200 stays refused', async () => {
  const disk = mountTmpfs();
  disks.push(disk);
  const DATA_DIR = join(disk.dir, 'data');
  const first = await startServerProcess({ DATA_DIR });
  const sessions: string[] = [];
  const statuses: number[] = [];
  let notReady = false;
  let metrics = '';
  try {
    for (let i = 0; i < 150; i++) sessions.push(await login(first.url, 1 + (i % USERS)));
    assert.equal(await readyz(first.url), 200);
    for (const token of sessions.slice(0, 100)) statuses.push(await logout(first.url, token));
    disk.fill(0); // only the room left in the journal's last page, then short writes and ENOSPC
    for (const token of sessions.slice(100)) statuses.push(await logout(first.url, token));
    assert.ok(statuses.every((s) => s === 200 || s === 503), statuses.join(' '));
    assert.ok(statuses.filter((s) => s === 503).length >= 10, `${statuses.filter((s) => s === 503).length} logouts refused on a full disk`);
    // Asserted after the restart, so that what matters most fails first.
    notReady = await until(async () => (await readyz(first.url)) === 503, 5_000, '/readyz 503 on a full disk').then(() => true, () => false);
    metrics = await (await fetch(`${first.url}/metrics`)).text();
  } finally {
    await first.kill();
  }
  disk.unfill();
  disk.fill(2 * 4096); // a nearly full disk at the restart: a page for the lock, one to spare
  const second = await startServerProcess({ DATA_DIR });
  try {
    const lost = sessions.filter((_, i) => statuses[i] === 200).map((token) => protectedStatus(second.url, token));
    assert.deepEqual((await Promise.all(lost)).filter((s) => s !== 401).length, 0, 'logouts answered 200 were lost');
    disk.unfill();
    await until(async () => (await readyz(second.url)) === 200, 5_000, '/readyz 200 with space again');
  } finally {
    await second.kill();
  }
  assert.ok(notReady, '/readyz 503 on a full disk within 5 s');
  assert.match(metrics, /^authx_state_write_failures_total\{kind="commit"\} [1-9]/m);
  assert.match(metrics, /^authx_revocation_store_capacity 100000$/m);
});

test('/readyz turns 503 within 5 s of the DATA_DIR filling up and 200 within 5 s of space coming back', async () => {
  const disk = mountTmpfs();
  disks.push(disk);
  const server = await startServerProcess({ DATA_DIR: join(disk.dir, 'data') });
  try {
    assert.equal(await readyz(server.url), 200);
    disk.fill(0);
    await until(async () => (await readyz(server.url)) === 503, 5_000, '/readyz 503');
    disk.unfill();
    await until(async () => (await readyz(server.url)) === 200, 5_000, '/readyz 200');
  } finally {
    await server.kill();
  }
});

test('a damaged journal stops the start naming the file, the byte and the remedy; npm run state -- repair mends it', async () => {
  const DATA_DIR = tempDir();
  const first = await startServerProcess({ DATA_DIR });
  const tokens = [await login(first.url), await login(first.url), await login(first.url)];
  for (const token of tokens) assert.equal(await logout(first.url, token), 200);
  await first.stop();
  const path = join(DATA_DIR, 'revocations.journal');
  const lines = readFileSync(path, 'utf8').split('\n');
  const damagedLine = lines.map((line, i) => (line.includes('[["j",') ? i : -1)).filter((i) => i >= 0)[1]!; // the second logout's line, mid-file
  const offset = Buffer.byteLength(`${lines.slice(0, damagedLine).join('\n')}\n`);
  lines[damagedLine] = lines[damagedLine]!.replace('[["j",', '[["J",');
  writeFileSync(path, lines.join('\n'));
  const refused = await expectStartFailure({ DATA_DIR });
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, new RegExp(`DATA_DIR ${DATA_DIR}: revocation journal ${path} is damaged at byte ${offset} \\(checksum mismatch\\)`));
  assert.match(refused.stderr, /npm run state -- repair <dir>/);
  const npm = (command: string): ReturnType<typeof spawnSync> => spawnSync('npm', ['run', '-s', 'state', '--', command, DATA_DIR], { cwd: root, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
  const check = npm('check');
  assert.equal(check.status, 1, String(check.stderr));
  assert.match(String(check.stdout), new RegExp(`damaged line at byte ${offset} \\(\\d+ bytes\\): checksum mismatch`));
  const repair = npm('repair');
  assert.equal(repair.status, 0, String(repair.stderr));
  assert.match(String(repair.stdout), /dropped 1 damaged line\(s\)/);
  assert.match(String(repair.stdout), /the old journal is kept as .*revocations\.journal\.damaged-/);
  assert.equal(npm('check').status, 0);
  const second = await startServerProcess({ DATA_DIR });
  try {
    assert.equal(await protectedStatus(second.url, tokens[0]!), 401);
    assert.equal(await protectedStatus(second.url, tokens[2]!), 401);
  } finally {
    await second.kill();
  }
});

test('a journal of a newer format stops the start with a message saying what to do', async () => {
  const DATA_DIR = tempDir();
  writeFileSync(join(DATA_DIR, 'revocations.journal'), 'authx-journal 7\n');
  const refused = await expectStartFailure({ DATA_DIR });
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /revocations\.journal is format 7, newer than this version of authx-node reads \(2\): run the version that wrote it/);
});

test('a torn last write is cut off at start and said on stderr; the logouts before it hold', async () => {
  const DATA_DIR = tempDir();
  const first = await startServerProcess({ DATA_DIR });
  const token = await login(first.url);
  assert.equal(await logout(first.url, token), 200);
  await first.kill();
  appendFileSync(join(DATA_DIR, 'revocations.journal'), '1234abcd [["j","half');
  const second = await startServerProcess({ DATA_DIR });
  try {
    assert.equal(await protectedStatus(second.url, token), 401);
    assert.match(second.stderr(), /cut off a torn last write of 20 byte\(s\)/);
  } finally {
    await second.kill();
  }
});
