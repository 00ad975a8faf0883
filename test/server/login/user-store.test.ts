import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hashPassword } from '../../../server/login/password.ts';
import { DEMO_USERS, UserStore, UsersFileError } from '../../../server/login/user-store.ts';

const FAST = { N: 1024, r: 8, p: 1 };

test('the demo users are the seed\'s, stored as OWASP-cost scrypt hashes, never as plain text', () => {
  assert.deepEqual(Object.keys(DEMO_USERS), ['user1', 'user2']);
  for (const entry of Object.values(DEMO_USERS)) {
    assert.match(entry.password_hash, /^scrypt\$N=131072,r=8,p=1\$/);
    assert.ok(!JSON.stringify(entry).includes('password1') && !JSON.stringify(entry).includes('password2'));
  }
  const users = new UserStore(DEMO_USERS);
  assert.equal(users.emailOf('user2'), 'user2@example.com');
  assert.equal(users.emailOf('nobody'), null);
});

test('checkCredentials accepts the right password only, and never an unknown user', async () => {
  const users = new UserStore({ alice: { password_hash: await hashPassword('pw', { parameters: FAST }), email: null } });
  assert.equal(await users.checkCredentials('alice', 'pw'), true);
  assert.equal(await users.checkCredentials('alice', 'pW'), false);
  assert.equal(await users.checkCredentials('bob', 'pw'), false);
  assert.equal(await users.checkCredentials('__proto__', 'pw'), false);
});

test('a "__proto__" username in a users file is an ordinary user', async () => {
  const hash = await hashPassword('pw', { parameters: FAST });
  const users = UserStore.fromJson(`{"__proto__": {"password_hash": "${hash}", "email": "p@example.com"}}`);
  assert.equal(users.size, 1);
  assert.equal(users.emailOf('__proto__'), 'p@example.com');
  assert.equal(await users.checkCredentials('__proto__', 'pw'), true);
  assert.equal(({} as Record<string, unknown>).password_hash, undefined);
});

test('a broken users file is refused with a message naming the user, never the hash', () => {
  const cases: Array<[string, RegExp]> = [
    ['not json', /not valid JSON/],
    ['[]', /must be a JSON object/],
    ['{"a": "scrypt$..."}', /user "a": entry must be an object/],
    ['{"a": {"email": "x"}}', /user "a": "password_hash" must be a string/],
    ['{"a": {"password_hash": "plain-text-password"}}', /user "a": password hash must look like/],
    ['{"a": {"password_hash": "scrypt$N=1024,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "email": 5}}', /"email" must be a string or null/],
  ];
  for (const [text, message] of cases) {
    assert.throws(() => UserStore.fromJson(text), (error: unknown) => {
      assert.ok(error instanceof UsersFileError, text);
      assert.match(error.message, message);
      assert.ok(!error.message.includes('plain-text-password'));
      return true;
    });
  }
});

test('weakHashUsers names the users below a cost rule', async () => {
  const users = new UserStore({ ...DEMO_USERS, weak: { password_hash: await hashPassword('x', { parameters: FAST }) } });
  assert.deepEqual(users.weakHashUsers((parameters) => parameters.N < 2 ** 17), ['weak']);
});
