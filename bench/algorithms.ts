/**
 * Micro-benchmarks for the algorithms of issue #13 and the string-secret cache of issue #14
 * item 1, each against the platform floor in the same run: HS384/HS512 against `createHmac` with
 * the same hash; EdDSA and ES256 verification against a raw `crypto.verify` and against fast-jwt
 * on the same keys; string-secret sign/verify against the prepared-key figures.
 * Part of `npm run bench`; alone: `node --import tsx bench/algorithms.ts`.
 */
import { createHmac, generateKeyPairSync, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { createVerifier } from 'fast-jwt';
import { importKey } from '../lib/core/asymmetric-key.ts';
import { prepareHmacKey } from '../lib/core/hmac.ts';
import { signJwt, verifyJwt } from '../lib/core/jwt.ts';
import type { JwtPayload } from '../lib/core/claims.ts';
import { resultsTable, runCases, type BenchCase } from './stats.ts';

/** A 64-byte secret (the HS512 minimum), used for every HMAC case. */
const SECRET = 'bench-algorithms-secret-4f1c9a7e2b6d8c0e5a3f7b9d1c4e6a8f0b2d4c6e8a';

function payloadNow(): JwtPayload {
  const now = Math.floor(Date.now() / 1000);
  return { sub: 'user1', iat: now, exp: now + 365 * 86400, jti: '8b5c1f8e-4a61-4a7e-9c35-0d3b2f8f6a11', type: 'access', fresh: false };
}

function hmacCases(payload: JwtPayload): BenchCase[] {
  const cases: BenchCase[] = [];
  for (const [alg, hash] of [['HS384', 'sha384'], ['HS512', 'sha512']] as const) {
    const key = prepareHmacKey(SECRET, hash);
    const token = signJwt(payload, key);
    const input = token.slice(0, token.lastIndexOf('.'));
    const baseline = `createHmac ${hash} (baseline)`;
    cases.push(
      { name: baseline, run: (n) => { let out: Buffer | undefined; for (let i = 0; i < n; i++) out = createHmac(hash, SECRET).update(input).digest(); return out; } },
      { name: `HmacKey#sign ${hash}`, baseline, run: (n) => { let out: Uint8Array | undefined; for (let i = 0; i < n; i++) out = key.sign(input); return out; } },
      { name: `signJwt ${alg} (prepared key)`, baseline, run: (n) => { let out = ''; for (let i = 0; i < n; i++) out = signJwt(payload, key); return out; } },
      {
        name: `verifyJwt ${alg} (prepared key)`,
        baseline,
        target: { minRatio: 0.6, label: '>= 0.60 x (HS256 is about 0.7 x)' },
        run: (n) => { let out: JwtPayload | undefined; for (let i = 0; i < n; i++) out = verifyJwt(token, key); return out; },
      },
    );
  }
  return cases;
}

function stringSecretCases(payload: JwtPayload): BenchCase[] {
  const key = prepareHmacKey(SECRET);
  const token = signJwt(payload, key);
  const signPrepared = 'signJwt HS256 (prepared key, reference)';
  const verifyPrepared = 'verifyJwt HS256 (prepared key, reference)';
  return [
    { name: signPrepared, run: (n) => { let out = ''; for (let i = 0; i < n; i++) out = signJwt(payload, key); return out; } },
    {
      name: 'signJwt HS256 (secret string each call)',
      baseline: signPrepared,
      target: { minRatio: 0.9, label: '>= 0.90 x the prepared key' },
      run: (n) => { let out = ''; for (let i = 0; i < n; i++) out = signJwt(payload, SECRET); return out; },
    },
    { name: verifyPrepared, run: (n) => { let out: JwtPayload | undefined; for (let i = 0; i < n; i++) out = verifyJwt(token, key); return out; } },
    {
      name: 'verifyJwt HS256 (secret string each call)',
      baseline: verifyPrepared,
      target: { minRatio: 0.9, label: '>= 0.90 x the prepared key' },
      run: (n) => { let out: JwtPayload | undefined; for (let i = 0; i < n; i++) out = verifyJwt(token, SECRET); return out; },
    },
  ];
}

function asymmetricCases(payload: JwtPayload): BenchCase[] {
  const cases: BenchCase[] = [];
  const pairs: [string, 'EdDSA' | 'ES256', { privateKey: KeyObject; publicKey: KeyObject }][] = [
    ['ed25519', 'EdDSA', generateKeyPairSync('ed25519')],
    ['P-256', 'ES256', generateKeyPairSync('ec', { namedCurve: 'P-256' })],
  ];
  for (const [curve, alg, pair] of pairs) {
    const token = signJwt(payload, pair.privateKey);
    const input = Buffer.from(token.slice(0, token.lastIndexOf('.')));
    const signature = Buffer.from(token.slice(token.lastIndexOf('.') + 1), 'base64url');
    const publicKey = importKey(pair.publicKey);
    const rawOptions = alg === 'EdDSA' ? pair.publicKey : { key: pair.publicKey, dsaEncoding: 'ieee-p1363' as const };
    const digest = alg === 'EdDSA' ? null : 'sha256';
    const fastJwt = createVerifier({ key: pair.publicKey.export({ format: 'pem', type: 'spki' }) as string, algorithms: [alg] });
    const baseline = `crypto.verify ${curve} (baseline)`;
    cases.push(
      { name: baseline, run: (n) => { let ok = false; for (let i = 0; i < n; i++) ok = cryptoVerify(digest, input, rawOptions, signature); return ok; } },
      {
        name: `verifyJwt ${alg} (imported key)`,
        baseline,
        target: { minRatio: 0.85, label: '>= 0.85 x' },
        run: (n) => { let out: JwtPayload | undefined; for (let i = 0; i < n; i++) out = verifyJwt(token, publicKey); return out; },
      },
      { name: `verifyJwt ${alg} (KeyObject each call)`, baseline, run: (n) => { let out: JwtPayload | undefined; for (let i = 0; i < n; i++) out = verifyJwt(token, pair.publicKey); return out; } },
      { name: `fast-jwt verify ${alg} (same key)`, baseline, run: (n) => { let out: unknown; for (let i = 0; i < n; i++) out = fastJwt(token); return out; } },
    );
  }
  return cases;
}

/**
 * Every case of this file, baselines first.
 *
 * @example await runCases(algorithmCases(), settings)
 */
export function algorithmCases(): BenchCase[] {
  const payload = payloadNow();
  return [...hmacCases(payload), ...stringSecretCases(payload), ...asymmetricCases(payload)];
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const quick = process.env.BENCH_QUICK === '1';
  const results = await runCases(algorithmCases(), quick ? { warmupMs: 100, rounds: 7, roundMs: 25 } : { warmupMs: 300, rounds: 21, roundMs: 50 });
  console.log(resultsTable(results));
}
