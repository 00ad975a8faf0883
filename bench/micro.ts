/**
 * The micro-benchmark cases of `npm run bench`: platform baselines (`createHmac`, `Buffer`'s
 * base64url) and the library's hot paths measured against them.
 */
import { createHmac } from 'node:crypto';
import { decodeBase64url, encodeBase64url } from '../lib/core/base64url.ts';
import { AuthX } from '../lib/authx/authx.ts';
import { prepareHmacKey } from '../lib/core/hmac.ts';
import { signJwt, verifyJwt } from '../lib/core/jwt.ts';
import type { JwtPayload } from '../lib/core/claims.ts';
import type { BenchCase } from './stats.ts';

/** The secret every benchmark signs with (48 random-looking ASCII bytes). */
export const BENCH_SECRET = 'bench-secret-8f0c1e6a5b7d4c2e9a3f1b0d6e8c7a5f4b2d';

/** The payload AuthX puts in an access token, with fixed values so every call signs the same. */
export function fixedAccessPayload(nowSeconds: number): JwtPayload {
  return {
    sub: 'user1',
    iat: nowSeconds,
    exp: nowSeconds + 900,
    jti: '8b5c1f8e-4a61-4a7e-9c35-0d3b2f8f6a11',
    type: 'access',
    fresh: false,
  };
}

function bytes(length: number): Buffer {
  return Buffer.from(Array.from({ length }, (_, i) => (i * 151 + 7) & 0xff));
}

/** The name of the HMAC baseline every JWT case is compared with. */
export const HMAC_BASELINE = 'createHmac sha256 (baseline)';

/** `Buffer`'s base64url against `lib/core/base64url.ts`, each case right after its baseline. */
export function base64urlCases(): BenchCase[] {
  const cases: BenchCase[] = [];
  for (const size of [32, 40, 150]) {
    const input = bytes(size);
    const text = input.toString('base64url');
    const encodeBaseline = `Buffer base64url encode ${size} B (baseline)`;
    const decodeBaseline = `Buffer base64url decode ${size} B (baseline)`;
    // Issue 5: "within 2 x of Buffer at 150 bytes and within 1.5 x at 32 bytes", as ops/s ratios.
    const target = size === 32 ? { minRatio: 1 / 1.5, label: '>= 0.67 x (1.5 x time)' } : size === 150 ? { minRatio: 0.5, label: '>= 0.50 x (2 x time)' } : undefined;
    cases.push(
      {
        name: encodeBaseline,
        run: (n) => {
          let out = '';
          for (let i = 0; i < n; i++) out = input.toString('base64url');
          return out;
        },
      },
      {
        name: `encodeBase64url ${size} B`,
        baseline: encodeBaseline,
        ...(target && { target }),
        run: (n) => {
          let out = '';
          for (let i = 0; i < n; i++) out = encodeBase64url(input);
          return out;
        },
      },
      {
        name: decodeBaseline,
        run: (n) => {
          let out: Buffer | undefined;
          for (let i = 0; i < n; i++) out = Buffer.from(text, 'base64url');
          return out;
        },
      },
      {
        name: `decodeBase64url ${size} B`,
        baseline: decodeBaseline,
        ...(target && { target }),
        run: (n) => {
          let out: Uint8Array | undefined;
          for (let i = 0; i < n; i++) out = decodeBase64url(text);
          return out;
        },
      },
    );
  }

  return cases;
}

/** The HMAC baseline, then `lib/core/hmac.ts` and `lib/core/jwt.ts`. */
export function jwtCases(): BenchCase[] {
  const secretBytes = Buffer.from(BENCH_SECRET, 'utf8');
  const key = prepareHmacKey(secretBytes);
  const nowSeconds = Math.floor(Date.now() / 1000);
  const payload = fixedAccessPayload(nowSeconds);
  // A year of validity: the token stays valid for the whole run and for repeated runs.
  const token = signJwt({ ...payload, exp: nowSeconds + 365 * 86400 }, key);
  const signingInput = token.slice(0, token.lastIndexOf('.'));
  const lastChar = token.at(-1) === 'A' ? 'B' : 'A';
  const badSignatureToken = token.slice(0, -1) + lastChar;

  const cases: BenchCase[] = [
    {
      name: HMAC_BASELINE,
      run: (n) => {
        let out: Buffer | undefined;
        for (let i = 0; i < n; i++) out = createHmac('sha256', secretBytes).update(signingInput).digest();
        return out;
      },
    },
    {
      name: 'HmacSha256Key#sign',
      baseline: HMAC_BASELINE,
      run: (n) => {
        let out: Uint8Array | undefined;
        for (let i = 0; i < n; i++) out = key.sign(signingInput);
        return out;
      },
    },
  ];

  const hmacBaseline = HMAC_BASELINE;
  cases.push(
    {
      name: 'signJwt (fixed payload, prepared key)',
      baseline: hmacBaseline,
      run: (n) => {
        let out = '';
        for (let i = 0; i < n; i++) out = signJwt(payload, key);
        return out;
      },
    },
    {
      // The README's quick start passes the secret string on every call (issue #14's target).
      name: 'signJwt (fixed payload, secret string each call)',
      baseline: hmacBaseline,
      target: { minRatio: 0.8, label: '>= 0.80 x' },
      run: (n) => {
        let out = '';
        for (let i = 0; i < n; i++) out = signJwt(payload, BENCH_SECRET);
        return out;
      },
    },
    {
      name: 'verifyJwt (prepared key)',
      baseline: hmacBaseline,
      run: (n) => {
        let out: JwtPayload | undefined;
        for (let i = 0; i < n; i++) out = verifyJwt(token, key);
        return out;
      },
    },
    {
      // What a caller pays for passing the secret string on every call instead of a prepared key.
      name: 'verifyJwt, secret string each call',
      baseline: hmacBaseline,
      target: { minRatio: 0.65, label: '>= 0.65 x' },
      run: (n) => {
        let out: JwtPayload | undefined;
        for (let i = 0; i < n; i++) out = verifyJwt(token, BENCH_SECRET);
        return out;
      },
    },
    {
      name: 'verifyJwt, bad signature (throws)',
      baseline: hmacBaseline,
      run: (n) => {
        let failures = 0;
        for (let i = 0; i < n; i++) {
          try {
            verifyJwt(badSignatureToken, key);
          } catch {
            failures++;
          }
        }
        if (failures !== n) throw new Error('a token with a bad signature was accepted');
        return failures;
      },
    },
  );
  return cases;
}

/** The AuthX layer (`lib/authx/authx.ts`) with its defaults, against the same `createHmac` baseline. */
export function authxCases(): BenchCase[] {
  const auth = new AuthX({ secretKey: BENCH_SECRET });
  const token = auth.createAccessToken('user1');
  const hmacBaseline = HMAC_BASELINE;
  return [
    {
      name: 'AuthX#createAccessToken (new jti, iat)',
      baseline: hmacBaseline,
      target: { minRatio: 0.55, label: '>= 0.55 x' },
      run: (n) => {
        let out = '';
        for (let i = 0; i < n; i++) out = auth.createAccessToken('user1');
        return out;
      },
    },
    {
      name: 'AuthX#verifyToken (await)',
      baseline: hmacBaseline,
      target: { minRatio: 0.55, label: '>= 0.55 x' },
      run: async (n) => {
        let out: unknown;
        for (let i = 0; i < n; i++) out = await auth.verifyToken(token);
        return out;
      },
    },
    {
      name: 'AuthX#verifyTokenSync',
      baseline: hmacBaseline,
      run: (n) => {
        let out: unknown;
        for (let i = 0; i < n; i++) out = auth.verifyTokenSync(token);
        return out;
      },
    },
  ];
}

/** A valid token and the prepared key, for the memory check. */
export function verificationFixture(): { token: string; verify: (token: string) => JwtPayload } {
  const key = prepareHmacKey(BENCH_SECRET);
  const nowSeconds = Math.floor(Date.now() / 1000);
  const token = signJwt({ ...fixedAccessPayload(nowSeconds), exp: nowSeconds + 365 * 86400 }, key);
  return { token, verify: (t) => verifyJwt(t, key) };
}
