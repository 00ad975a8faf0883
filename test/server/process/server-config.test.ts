import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readServerConfig, ServerConfigError } from '../../../server/process/server-config.ts';

const SECRET = 'config-test-secret-0123456789-abcdefghijk';

test('defaults: port 8000, host 0.0.0.0, demo users, no proxy trust', () => {
  const config = readServerConfig({ JWT_SECRET_KEY: SECRET });
  assert.deepEqual(config, { port: 8000, host: '0.0.0.0', algorithm: 'HS256', secretKey: SECRET, jwks: undefined, secretGenerated: false, usersFile: undefined, trustProxy: false });
});

test('an unset JWT_SECRET_KEY yields 32 random bytes, different every time, flagged as generated', () => {
  const a = readServerConfig({});
  const b = readServerConfig({});
  assert.equal(a.secretGenerated, true);
  assert.ok(a.secretKey instanceof Uint8Array && a.secretKey.length === 32);
  assert.notDeepEqual(a.secretKey, b.secretKey);
});

test('a short, empty or PEM-looking JWT_SECRET_KEY is refused with how to make one, never quoting it', () => {
  for (const secret of ['short-secret', '', `-----BEGIN PUBLIC KEY-----${'A'.repeat(64)}`]) {
    assert.throws(() => readServerConfig({ JWT_SECRET_KEY: secret }), (error: unknown) => {
      assert.ok(error instanceof ServerConfigError);
      assert.match(error.message, /JWT_SECRET_KEY/);
      assert.match(error.message, /randomBytes\(32\)/);
      if (secret !== '') assert.ok(!error.message.includes(secret));
      return true;
    });
  }
});

test('PORT, HOST and TRUST_PROXY are validated', () => {
  assert.equal(readServerConfig({ JWT_SECRET_KEY: SECRET, PORT: '0' }).port, 0);
  assert.equal(readServerConfig({ JWT_SECRET_KEY: SECRET, PORT: '65535', HOST: '::1' }).host, '::1');
  for (const port of ['-1', '65536', '80a', '8e3', ' 80']) {
    assert.throws(() => readServerConfig({ JWT_SECRET_KEY: SECRET, PORT: port }), /PORT must be/, port);
  }
  assert.throws(() => readServerConfig({ JWT_SECRET_KEY: SECRET, HOST: 'a b' }), /HOST/);
  assert.equal(readServerConfig({ JWT_SECRET_KEY: SECRET, TRUST_PROXY: 'true' }).trustProxy, true);
  assert.equal(readServerConfig({ JWT_SECRET_KEY: SECRET, TRUST_PROXY: '0' }).trustProxy, false);
  assert.throws(() => readServerConfig({ JWT_SECRET_KEY: SECRET, TRUST_PROXY: 'yes' }), /TRUST_PROXY/);
});
