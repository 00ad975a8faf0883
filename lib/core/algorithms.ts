/**
 * The JWS algorithms this library signs and verifies (RFC 7518 section 3.1, RFC 8037 section
 * 3.1) and what each one needs of its key. Exported by `authx-node/core`.
 *
 * The key decides: an HMAC secret serves only HS*, an Ed25519 key only EdDSA, a P-256 key only
 * ES256, and so on (RFC 8725 section 3.1). `none` is not an algorithm here.
 */
import type { HmacHash } from './hmac.ts';

/** The JWS `alg` values supported. */
export type Algorithm =
  | 'HS256' | 'HS384' | 'HS512'
  | 'RS256' | 'RS384' | 'RS512'
  | 'PS256' | 'PS384' | 'PS512'
  | 'ES256' | 'ES384' | 'ES512'
  | 'EdDSA';

/** An HMAC `alg`. */
export type HmacAlgorithm = 'HS256' | 'HS384' | 'HS512';

/** Every supported `alg`, in a fixed order. */
export const ALGORITHMS: readonly Algorithm[] = Object.freeze([
  'HS256', 'HS384', 'HS512',
  'RS256', 'RS384', 'RS512',
  'PS256', 'PS384', 'PS512',
  'ES256', 'ES384', 'ES512',
  'EdDSA',
] as const);

/** HMAC algorithms and their hash (RFC 7518 section 3.2). */
export const HMAC_HASHES: Readonly<Record<HmacAlgorithm, HmacHash>> = Object.freeze({ HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' });

/**
 * Minimum HMAC key length in bytes: the hash output size (RFC 7518 section 3.2, "a key of the
 * same size as the hash output ... or larger MUST be used").
 */
export const HMAC_MIN_KEY_BYTES: Readonly<Record<HmacAlgorithm, number>> = Object.freeze({ HS256: 32, HS384: 48, HS512: 64 });

/** Smallest RSA modulus accepted, in bits (RFC 7518 sections 3.3 and 3.5: 2048 or larger). */
export const MIN_RSA_MODULUS_BITS = 2048;

/** ECDSA curves by algorithm and the JOSE signature length `r || s` (RFC 7518 section 3.4). */
export const ECDSA_CURVES: Readonly<Record<'ES256' | 'ES384' | 'ES512', { readonly curve: string; readonly crv: string; readonly signatureBytes: number }>> = Object.freeze({
  ES256: Object.freeze({ curve: 'prime256v1', crv: 'P-256', signatureBytes: 64 }),
  ES384: Object.freeze({ curve: 'secp384r1', crv: 'P-384', signatureBytes: 96 }),
  ES512: Object.freeze({ curve: 'secp521r1', crv: 'P-521', signatureBytes: 132 }),
});

/** Ed25519 signature length in bytes (RFC 8032 section 5.1.6). */
export const ED25519_SIGNATURE_BYTES = 64;

/**
 * Whether a value is a supported `alg`. Own keys only, so `__proto__` or `toString` is none.
 *
 * @example isAlgorithm("HS512") // true
 */
export function isAlgorithm(value: unknown): value is Algorithm {
  return typeof value === 'string' && (ALGORITHMS as readonly string[]).includes(value);
}

/**
 * Whether `alg` is an HMAC algorithm.
 *
 * @example isHmacAlgorithm("HS384") // true
 */
export function isHmacAlgorithm(value: unknown): value is HmacAlgorithm {
  return value === 'HS256' || value === 'HS384' || value === 'HS512';
}

/**
 * The `node:crypto` digest for an RSA or ECDSA algorithm (the number in its name).
 *
 * @example digestOf("PS384") // "sha384"
 */
export function digestOf(alg: Algorithm): 'sha256' | 'sha384' | 'sha512' {
  return alg.endsWith('256') ? 'sha256' : alg.endsWith('384') ? 'sha384' : 'sha512';
}

/**
 * Checks an algorithm option: a supported `alg` or a `TypeError` naming the option. An
 * unsupported algorithm is refused, never replaced by another.
 *
 * @example assertAlgorithm(options.algorithm, "algorithm")
 * @throws {TypeError} When `value` is not a supported algorithm.
 */
export function assertAlgorithm(value: unknown, name: string): Algorithm {
  if (!isAlgorithm(value)) {
    throw new TypeError(`${name} must be one of ${ALGORITHMS.join(', ')}`);
  }
  return value;
}
