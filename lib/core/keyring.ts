/**
 * Sets of keys for rotation: one current key signs, older keys still verify, and keys may be
 * named by `kid` (RFC 7515 section 4.1.4). Exported by `authx-node/core`.
 *
 * A ring holds HMAC secrets or asymmetric keys, never both: a verifier that mixes them is one
 * configuration slip away from the algorithm-confusion attack (RFC 8725 section 2.1).
 */
import { assertKnownOptions } from './option-names.ts';
import { KeyObject } from 'node:crypto';
import { isHmacAlgorithm, type Algorithm } from './algorithms.ts';
import { AsymmetricKey, importKey } from './asymmetric-key.ts';
import { UnknownKeyError } from './errors.ts';
import { defaultAlgorithm, keyAlgorithms, keySupports, type JwtKey, type KeyInput, type KeySet } from './keys.ts';
import { HmacKey } from './hmac.ts';
import { prepareSecret } from './secret.ts';

/** Options of {@link Keyring}. */
export interface KeyringOptions {
  /** The signing key; with `keys`, the `kid` of the signing key instead. */
  current: KeyInput | string;
  /** Keys that still verify but no longer sign (tried after the current key; no `kid` needed). */
  previous?: readonly KeyInput[];
  /** Named keys: a token's `kid` selects exactly one; an unknown `kid` is refused. */
  keys?: ReadonlyMap<string, KeyInput>;
  /** The algorithm new tokens are signed with; default HS256 for secrets, the key's own otherwise. Secrets are prepared for it. */
  algorithm?: Algorithm;
}

/**
 * The keys a verifier accepts and the one a signer uses.
 */
export class Keyring implements KeySet {
  /** The key new tokens are signed with. */
  readonly signingKey: JwtKey;
  /** The `kid` written into new tokens, when keys are named (or the current key has its own). */
  readonly signingKid: string | undefined;
  /** The algorithm new tokens are signed with. */
  readonly signingAlgorithm: Algorithm;
  /** Every algorithm some key of the ring serves. */
  readonly algorithms: readonly Algorithm[];
  readonly #unnamed: readonly JwtKey[];
  readonly #named: ReadonlyMap<string, JwtKey> | undefined;

  /**
   * @example new Keyring({ current: "2026-11", keys: new Map([["2026-11", secretA], ["2026-10", secretB]]) })
   * @throws {TypeError} When a key is invalid, secrets and asymmetric keys are mixed, the
   *   algorithm does not suit the current key, or `current` names no key of `keys`.
   * @throws {RangeError} When a secret is shorter than the algorithm requires.
   */
  constructor(options: KeyringOptions) {
    assertKnownOptions(options, ['current', 'previous', 'keys', 'algorithm'], 'Keyring options');
    const algorithm = options.algorithm;
    const hmacAlgorithm = algorithm !== undefined && isHmacAlgorithm(algorithm) ? algorithm : 'HS256';
    // Not the string-secret cache: a ring's keys live as long as the ring.
    const prepare = (input: KeyInput, name: string): JwtKey => {
      if (input instanceof HmacKey) return prepareSecret(input, name);
      if (typeof input === 'string' || input instanceof Uint8Array) return prepareSecret(input, name, hmacAlgorithm);
      if (input instanceof KeyObject && input.type === 'secret') return prepareSecret(input.export(), name, hmacAlgorithm);
      return withName(name, () => importKey(input));
    };
    let all: JwtKey[];
    if (options.keys !== undefined) {
      if (options.previous !== undefined) throw new TypeError('give either keys (named) or previous (unnamed), not both');
      if (!(options.keys instanceof Map) || options.keys.size === 0) throw new TypeError('keys must be a non-empty Map of kid to key');
      const named = new Map<string, JwtKey>();
      for (const [kid, input] of options.keys) {
        if (typeof kid !== 'string' || kid === '') throw new TypeError('every kid in keys must be a non-empty string');
        named.set(kid, prepare(input, `keys.get(${JSON.stringify(kid)})`));
      }
      const current = options.current;
      if (typeof current !== 'string' || !named.has(current)) throw new TypeError('with keys, current must be the kid of one of them');
      this.#named = named;
      this.signingKid = current;
      this.signingKey = named.get(current)!;
      this.#unnamed = [];
      all = [...named.values()];
    } else {
      this.#named = undefined;
      this.signingKey = prepare(options.current as KeyInput, 'secret');
      this.signingKid = this.signingKey instanceof AsymmetricKey ? this.signingKey.kid : undefined;
      this.#unnamed = [this.signingKey, ...(options.previous ?? []).map((k, i) => prepare(k, `previous[${i}]`))];
      all = [...this.#unnamed];
    }
    const hmacCount = all.filter((k) => k instanceof HmacKey).length;
    if (hmacCount !== 0 && hmacCount !== all.length) {
      throw new TypeError('a keyring holds HMAC secrets or asymmetric keys, not both (algorithm confusion)');
    }
    this.signingAlgorithm = algorithm ?? defaultAlgorithm(this.signingKey);
    if (!keySupports(this.signingKey, this.signingAlgorithm)) {
      throw new TypeError(`algorithm ${this.signingAlgorithm} does not suit the current key; it serves ${keyAlgorithms(this.signingKey).join(', ')}`);
    }
    this.algorithms = Object.freeze([...new Set(all.flatMap(keyAlgorithms))]);
  }

  /**
   * The keys to try for a token with this `kid`. With named keys, the `kid` must name one of
   * them (own entries of a `Map` only, so `__proto__` names nothing); without, `kid` is ignored.
   *
   * @example keyring.candidates(header.kid, header.alg)
   * @throws {UnknownKeyError} `ERR_JWT_KEY_UNKNOWN` when named keys are configured and `kid` is missing or unknown.
   */
  candidates(kid: string | undefined, _alg?: Algorithm): readonly JwtKey[] {
    if (this.#named === undefined) return this.#unnamed;
    const key = kid === undefined ? undefined : this.#named.get(kid);
    if (key === undefined) throw new UnknownKeyError('Token key id (kid) is missing or unknown');
    return [key];
  }
}

/** Runs an import and prefixes its configuration error with the key's name. */
function withName(name: string, run: () => AsymmetricKey): AsymmetricKey {
  try {
    return run();
  } catch (error) {
    if (error instanceof TypeError) throw new TypeError(`${name}: ${error.message}`);
    if (error instanceof RangeError) throw new RangeError(`${name}: ${error.message}`);
    throw error;
  }
}
