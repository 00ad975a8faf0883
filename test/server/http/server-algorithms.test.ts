/**
 * The example server with JWT_ALGORITHM and JWT_PRIVATE_KEY_FILE (server/process/server-config.ts,
 * server/process/signing-key.ts, server/http/app.ts): kid in every token, the JWKS endpoint with
 * Cache-Control, jose's createRemoteJWKSet verifying the server's tokens, and start-up refusals.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { readServerConfig, ServerConfigError } from '../../../server/process/server-config.ts';
import { call, decodeSegment, tokensFor, withTestServer } from '../server-helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'authx-keys-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

function keyFile(name: string, contents: string): string {
  const file = join(dir, name);
  writeFileSync(file, contents);
  return file;
}

const ed25519Pem = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
const p256Pem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;

for (const [algorithm, pem] of [['EdDSA', ed25519Pem], ['ES256', p256Pem]] as const) {
  test(`JWT_ALGORITHM=${algorithm}: tokens carry the kid, the JWKS endpoint serves it, jose's remote key set verifies`, async () => {
    const config = readServerConfig({ JWT_ALGORITHM: algorithm, JWT_PRIVATE_KEY_FILE: keyFile(`${algorithm}.pem`, pem) });
    assert.equal(config.algorithm, algorithm);
    await withTestServer(async ({ url, clock }) => {
      const { access, refresh } = await tokensFor(url);
      const jwks = await call(`${url}/.well-known/jwks.json`);
      assert.equal(jwks.status, 200);
      assert.match(jwks.headers.get('cache-control') ?? '', /max-age=\d+/);
      assert.equal(jwks.headers.get('content-type'), 'application/jwk-set+json');
      assert.equal(jwks.body.keys.length, 1);
      const [jwk] = jwks.body.keys;
      assert.equal(jwk.d, undefined, 'no private member is published');
      assert.equal(jwk.alg, algorithm);
      for (const token of [access, refresh]) {
        assert.deepEqual(decodeSegment(token, 0), { alg: algorithm, typ: 'JWT', kid: jwk.kid });
        const { payload } = await jwtVerify(token, createRemoteJWKSet(new URL(`${url}/.well-known/jwks.json`)), { currentDate: new Date(clock.now()), algorithms: [algorithm] });
        assert.equal(payload.sub, 'user1');
      }
      const answer = await call(`${url}/protected`, { headers: { authorization: `Bearer ${access}` } });
      assert.equal(answer.status, 200);
    }, { secretKey: config.secretKey, algorithm: config.algorithm, ...(config.jwks === undefined ? {} : { jwks: config.jwks }) });
  });
}

test('with HS256 (the default) there is no JWKS endpoint', async () => {
  await withTestServer(async ({ url }) => {
    assert.equal((await call(`${url}/.well-known/jwks.json`)).status, 404);
  });
});

test('JWT_ALGORITHM=HS512 needs a 64-byte JWT_SECRET_KEY and signs HS512', async () => {
  assert.throws(() => readServerConfig({ JWT_ALGORITHM: 'HS512', JWT_SECRET_KEY: 'x'.repeat(40) }), /HS512 needs at least 64/);
  const config = readServerConfig({ JWT_ALGORITHM: 'HS512', JWT_SECRET_KEY: 'x'.repeat(64) });
  await withTestServer(async ({ url }) => {
    assert.equal(decodeSegment((await tokensFor(url)).access, 0).alg, 'HS512');
  }, { secretKey: config.secretKey, algorithm: config.algorithm });
});

test('bad keys and algorithms are refused at configuration, saying what is wrong', () => {
  const rsa1024 = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
  const publicPem = generateKeyPairSync('ed25519').publicKey.export({ format: 'pem', type: 'spki' }) as string;
  const cases: [Record<string, string>, RegExp][] = [
    [{ JWT_ALGORITHM: 'none' }, /JWT_ALGORITHM must be one of/],
    [{ JWT_ALGORITHM: 'hs256' }, /JWT_ALGORITHM must be one of/],
    [{ JWT_ALGORITHM: 'EdDSA' }, /needs JWT_PRIVATE_KEY_FILE/],
    [{ JWT_ALGORITHM: 'EdDSA', JWT_PRIVATE_KEY_FILE: join(dir, 'missing.pem') }, /cannot be read \(ENOENT\)/],
    [{ JWT_ALGORITHM: 'EdDSA', JWT_PRIVATE_KEY_FILE: keyFile('pub.pem', publicPem) }, /PKCS#8 PEM private key/],
    [{ JWT_ALGORITHM: 'EdDSA', JWT_PRIVATE_KEY_FILE: keyFile('junk.pem', '-----BEGIN PRIVATE KEY-----\nSECRETJUNK\n-----END PRIVATE KEY-----\n') }, /not a valid PEM private key/],
    [{ JWT_ALGORITHM: 'ES256', JWT_PRIVATE_KEY_FILE: keyFile('ed.pem', ed25519Pem) }, /does not suit this key; it serves EdDSA/],
    [{ JWT_ALGORITHM: 'RS256', JWT_PRIVATE_KEY_FILE: keyFile('rsa1024.pem', rsa1024) }, /1024 bits/],
    [{ JWT_ALGORITHM: 'EdDSA', JWT_PRIVATE_KEY_FILE: keyFile('ok.pem', ed25519Pem), JWT_SECRET_KEY: 'x'.repeat(40) }, /JWT_SECRET_KEY is for HS256/],
    [{ JWT_PRIVATE_KEY_FILE: keyFile('ok2.pem', ed25519Pem) }, /JWT_PRIVATE_KEY_FILE is for asymmetric/],
  ];
  for (const [env, message] of cases) {
    assert.throws(() => readServerConfig(env), (error: Error) => {
      assert.ok(error instanceof ServerConfigError);
      assert.match(error.message, message);
      assert.ok(!error.message.includes('SECRETJUNK'));
      return true;
    });
  }
});

test('the server process stops at start with the message when the private key is wrong', async () => {
  const root = fileURLToPath(new URL('../../..', import.meta.url));
  // Node with type stripping runs server.ts as it is; older Node through tsx.
  const nodeStripsTypes = Boolean((process.features as { typescript?: string | false }).typescript);
  const child = spawn(process.execPath, nodeStripsTypes ? ['server.ts'] : ['--import', 'tsx', 'server.ts'], {
    cwd: root,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', DATA_DIR: ':memory:', JWT_SECRET_KEY: undefined, JWT_ALGORITHM: 'ES256', JWT_PRIVATE_KEY_FILE: keyFile('ed2.pem', ed25519Pem) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let stdout = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 1);
  assert.doesNotMatch(stdout, /listening/);
  assert.match(stderr, /JWT_PRIVATE_KEY_FILE: algorithm ES256 does not suit this key; it serves EdDSA/);
});
