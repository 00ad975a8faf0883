/**
 * A local JSON Web Key Set (RFC 7517 section 5) for verification: a token's `kid` selects the
 * key (RFC 7515 section 4.1.4), and each key's `alg`, `use` and `key_ops` (RFC 7517 sections
 * 4.2-4.4) are honoured. Exported by `authx-node/core`.
 *
 * Only public asymmetric keys verify here: `oct` members are skipped, so a key set can never turn
 * a token into an HMAC check (RFC 8725 section 2.1); private members are dropped.
 */
import { isAlgorithm, type Algorithm } from './algorithms.ts';
import { AsymmetricKey, importKey, type Jwk } from './asymmetric-key.ts';
import { UnknownKeyError } from './errors.ts';
import type { KeySet } from './keys.ts';

/** A JWK Set document. */
export interface JwkSetDocument {
  keys: readonly Jwk[];
}

/** Private and symmetric members, never used to verify (RFC 7518 section 6). */
const PRIVATE_MEMBERS: readonly string[] = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

/**
 * A verification key set built from a JWK Set. Make one with {@link createLocalJWKSet}.
 */
export class LocalJWKSet implements KeySet {
  /** The usable keys, in document order. */
  readonly keys: readonly AsymmetricKey[];
  /** How many members of the document were skipped (unsupported, not for signatures, invalid). */
  readonly skipped: number;
  /** The keys by `kid`, in document order: one lookup per token, no array made per token. */
  readonly #byKid = new Map<string, readonly AsymmetricKey[]>();

  /**
   * Use {@link createLocalJWKSet}.
   * @throws {TypeError} When the document is not a JWK Set.
   */
  constructor(jwks: JwkSetDocument) {
    if (typeof jwks !== 'object' || jwks === null || !Array.isArray(jwks.keys)) {
      throw new TypeError('a JWK Set must be an object with a "keys" array');
    }
    const keys: AsymmetricKey[] = [];
    let skipped = 0;
    for (const member of jwks.keys) {
      const key = usableKey(member);
      if (key === undefined) skipped++;
      else keys.push(key);
    }
    this.keys = Object.freeze(keys);
    this.skipped = skipped;
    const byKid = new Map<string, AsymmetricKey[]>();
    for (const key of keys) {
      if (key.kid === undefined) continue;
      const named = byKid.get(key.kid);
      if (named === undefined) byKid.set(key.kid, [key]);
      else named.push(key);
    }
    for (const [kid, named] of byKid) this.#byKid.set(kid, Object.freeze(named));
  }

  /**
   * The keys for a token: those whose `kid` matches, or, for a token without `kid`, the one key
   * that serves its `alg`.
   *
   * @example set.candidates(header.kid, header.alg)
   * @throws {UnknownKeyError} `ERR_JWT_KEY_UNKNOWN` when no key has that `kid`, or the token
   *   has no `kid` and not exactly one key serves its algorithm.
   */
  candidates(kid: string | undefined, alg: Algorithm): readonly AsymmetricKey[] {
    if (kid !== undefined) {
      const named = this.#byKid.get(kid);
      if (named === undefined) throw new UnknownKeyError('Token key id (kid) is unknown');
      return named;
    }
    const serving = this.keys.filter((key) => key.supports(alg));
    if (serving.length !== 1) throw new UnknownKeyError('Token has no key id (kid) and the key set does not have exactly one key for its algorithm');
    return serving;
  }

  /**
   * Whether a key with this `kid` is in the set.
   *
   * @example set.has("2026-11")
   */
  has(kid: string): boolean {
    return this.#byKid.has(kid);
  }
}

function usableKey(member: unknown): AsymmetricKey | undefined {
  if (typeof member !== 'object' || member === null || Array.isArray(member)) return undefined;
  const jwk = member as Jwk;
  if (jwk.kty !== 'EC' && jwk.kty !== 'OKP' && jwk.kty !== 'RSA') return undefined;
  if (jwk.use !== undefined && jwk.use !== 'sig') return undefined;
  if (jwk.key_ops !== undefined && !(Array.isArray(jwk.key_ops) && jwk.key_ops.includes('verify'))) return undefined;
  if (jwk.kid !== undefined && (typeof jwk.kid !== 'string' || jwk.kid === '')) return undefined;
  if (jwk.alg !== undefined && !isAlgorithm(jwk.alg)) return undefined;
  const publicJwk: Jwk = { ...jwk };
  for (const name of PRIVATE_MEMBERS) delete publicJwk[name];
  try {
    return importKey(publicJwk);
  } catch {
    // An unsupported curve, a short RSA key or an `alg` that does not suit the key: the key is
    // unusable, the rest of the set still serves.
    return undefined;
  }
}

/**
 * Builds a synchronous verification key set from a JWK Set, for `verifyJwt(token, set)`.
 * Unusable members are skipped (counted in `skipped`); a set with no usable key is refused.
 *
 * @example verifyJwt(token, createLocalJWKSet({ keys: [publicJwk] }))
 * @throws {TypeError} When the document is not a JWK Set or has no usable signature key.
 */
export function createLocalJWKSet(jwks: JwkSetDocument): LocalJWKSet {
  const set = new LocalJWKSet(jwks);
  if (set.keys.length === 0) throw new TypeError('the JWK Set has no usable signature key (EC P-256/384/521, OKP Ed25519, RSA >= 2048 bits)');
  return set;
}
