/**
 * lib/core/jwk.ts on its own: RFC 7638 thumbprints of EC, OKP and RSA keys recomputed here from
 * their required members (section 3.2), and how exportPublicJwk picks and checks the kid.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { exportPublicJwk, jwkThumbprint } from '../../lib/core/jwk.ts';
import { importKey } from '../../lib/core/asymmetric-key.ts';
import { PAIRS } from './asymmetric-helpers.ts';

/** RFC 7638 section 3.3 by hand: the JSON text is written out member by member, in order. */
function expectedThumbprint(json: string): string {
  return createHash('sha256').update(json).digest('base64url');
}

test('RFC 7638 thumbprints: EC crv,kty,x,y; OKP crv,kty,x; RSA e,kty,n; the same for the private key, a JWK and an imported key', () => {
  const ec = PAIRS.p384.publicKey.export({ format: 'jwk' });
  const okp = PAIRS.ed25519.publicKey.export({ format: 'jwk' });
  const rsa = PAIRS.rsa.publicKey.export({ format: 'jwk' });
  const cases = [
    [PAIRS.p384, `{"crv":"P-384","kty":"EC","x":"${ec.x}","y":"${ec.y}"}`],
    [PAIRS.ed25519, `{"crv":"Ed25519","kty":"OKP","x":"${okp.x}"}`],
    [PAIRS.rsa, `{"e":"${rsa.e}","kty":"RSA","n":"${rsa.n}"}`],
  ] as const;
  for (const [pair, json] of cases) {
    const expected = expectedThumbprint(json);
    assert.equal(expected.length, 43);
    assert.equal(jwkThumbprint(pair.publicKey), expected, json.slice(0, 20));
    assert.equal(jwkThumbprint(pair.privateKey), expected);
    assert.equal(jwkThumbprint(pair.privateKey.export({ format: 'jwk' }) as never), expected);
    assert.equal(jwkThumbprint(importKey(pair.privateKey, { kid: 'ignored', algorithm: importKey(pair.publicKey).algorithms[0]! })), expected);
  }
  // RFC 7638 section 3.1's example key: the thumbprint the RFC gives.
  assert.equal(jwkThumbprint({ kty: 'RSA', e: 'AQAB', n: RFC7638_N, alg: 'RS256', kid: '2011-04-29' }), 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs');
});

const RFC7638_N =
  '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw';

test('jwkThumbprint refuses what is not an asymmetric key with the import message', () => {
  assert.throws(() => jwkThumbprint('secret' as never), { name: 'TypeError', message: 'key string must be PEM (-----BEGIN ...); HMAC secrets are not keys here' });
  assert.throws(() => jwkThumbprint({ kty: 'oct', k: 'AAAA' }), { name: 'TypeError', message: 'a JWK of kty "oct" is an HMAC secret, not an asymmetric key' });
});

test('exportPublicJwk: kid from the option, else the key, else the thumbprint; an empty or non-string kid is refused', () => {
  const named = importKey(PAIRS.p256.privateKey, { kid: 'key-1' });
  assert.equal(exportPublicJwk(named).kid, 'key-1');
  assert.equal(exportPublicJwk(named, { kid: 'opt' }).kid, 'opt');
  assert.equal(exportPublicJwk(PAIRS.p256.privateKey).kid, jwkThumbprint(PAIRS.p256.publicKey));
  for (const kid of ['', 5]) {
    assert.throws(() => exportPublicJwk(PAIRS.p256.publicKey, { kid } as never), { name: 'TypeError', message: 'kid must be a non-empty string' });
  }
  assert.throws(() => exportPublicJwk(PAIRS.p256.publicKey, { kdi: 'x' } as never), { name: 'TypeError', message: 'exportPublicJwk options: unknown option "kdi"; did you mean "kid"?' });
  const jwk = exportPublicJwk(named);
  assert.deepEqual(Object.keys(jwk).sort(), ['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
  assert.deepEqual({ kty: jwk.kty, crv: jwk.crv, use: jwk.use, alg: jwk.alg }, { kty: 'EC', crv: 'P-256', use: 'sig', alg: 'ES256' });
  // An RSA key narrowed to one algorithm exports it; unnarrowed, no alg.
  assert.equal(exportPublicJwk(importKey(PAIRS.rsa.publicKey, { algorithm: 'PS512' })).alg, 'PS512');
  assert.ok(!('alg' in exportPublicJwk(PAIRS.rsa.publicKey)));
});
