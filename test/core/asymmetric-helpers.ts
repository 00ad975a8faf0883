/**
 * Key pairs for every asymmetric algorithm, generated once per test process with node:crypto
 * (real keys, real signatures), and an independent JWS signer built on crypto.sign directly.
 */
import { constants, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import type { Algorithm } from '../../lib/core/algorithms.ts';

/** A generated key pair. */
export interface Pair {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

const rsa: Pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pairs: Record<'ed25519' | 'p256' | 'p384' | 'p521' | 'rsa', Pair> = {
  ed25519: generateKeyPairSync('ed25519'),
  p256: generateKeyPairSync('ec', { namedCurve: 'P-256' }),
  p384: generateKeyPairSync('ec', { namedCurve: 'P-384' }),
  p521: generateKeyPairSync('ec', { namedCurve: 'P-521' }),
  rsa: rsa,
};

/** Every asymmetric algorithm with the key pair that serves it. */
export const ASYMMETRIC: readonly (readonly [Algorithm, Pair])[] = [
  ['EdDSA', pairs.ed25519],
  ['ES256', pairs.p256],
  ['ES384', pairs.p384],
  ['ES512', pairs.p521],
  ['RS256', rsa],
  ['RS384', rsa],
  ['RS512', rsa],
  ['PS256', rsa],
  ['PS384', rsa],
  ['PS512', rsa],
];

/** The pairs by name. */
export const PAIRS: typeof pairs = pairs;

/**
 * Signs `header.payload` (JSON objects) with crypto.sign directly, as RFC 7518 says, so a
 * rejection in a test comes from the property under test.
 *
 * @throws Never for a valid key.
 */
export function signAsymmetric(alg: string, header: object, payload: object, privateKey: KeyObject): string {
  const input = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  const hash = alg === 'EdDSA' ? null : `sha${alg.slice(2)}`;
  const options = alg.startsWith('PS')
    ? { key: privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: Number(alg.slice(2)) / 8 }
    : alg.startsWith('ES')
      ? { key: privateKey, dsaEncoding: 'ieee-p1363' as const }
      : privateKey;
  return `${input}.${sign(hash, Buffer.from(input), options).toString('base64url')}`;
}
