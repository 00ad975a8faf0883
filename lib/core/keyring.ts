/**
 * Sets of HS256 keys for rotation: one current key signs, older keys still verify, and keys may
 * be named by `kid`.
 */
import type { HmacSha256Key } from './hmac.ts';
import { UnknownKeyError } from './errors.ts';
import { prepareSecret, type SecretInput } from './secret.ts';

/** Options of {@link Keyring}. */
export interface KeyringOptions {
  /** The signing key; with `keys`, the `kid` of the signing key instead. */
  current: SecretInput | string;
  /** Keys that still verify but no longer sign (tried after the current key; no `kid` needed). */
  previous?: readonly SecretInput[];
  /** Named keys: a token's `kid` selects exactly one; an unknown `kid` is refused. */
  keys?: ReadonlyMap<string, SecretInput>;
}

/**
 * The keys a verifier accepts and the one a signer uses.
 */
export class Keyring {
  /** The key new tokens are signed with. */
  readonly signingKey: HmacSha256Key;
  /** The `kid` written into new tokens, when keys are named. */
  readonly signingKid: string | undefined;
  readonly #unnamed: readonly HmacSha256Key[];
  readonly #named: ReadonlyMap<string, HmacSha256Key> | undefined;

  /**
   * @example new Keyring({ current: "2026-11", keys: new Map([["2026-11", secretA], ["2026-10", secretB]]) })
   * @throws {TypeError} When a secret is invalid or `current` names no key of `keys`.
   * @throws {RangeError} When a secret is shorter than 32 bytes.
   */
  constructor(options: KeyringOptions) {
    if (options.keys !== undefined) {
      if (options.previous !== undefined) throw new TypeError('give either keys (named) or previous (unnamed), not both');
      if (!(options.keys instanceof Map) || options.keys.size === 0) throw new TypeError('keys must be a non-empty Map of kid to secret');
      const named = new Map<string, HmacSha256Key>();
      for (const [kid, secret] of options.keys) {
        if (typeof kid !== 'string' || kid === '') throw new TypeError('every kid in keys must be a non-empty string');
        named.set(kid, prepareSecret(secret, `keys.get(${JSON.stringify(kid)})`));
      }
      const current = options.current;
      if (typeof current !== 'string' || !named.has(current)) throw new TypeError('with keys, current must be the kid of one of them');
      this.#named = named;
      this.signingKid = current;
      this.signingKey = named.get(current)!;
      this.#unnamed = [];
    } else {
      this.#named = undefined;
      this.signingKid = undefined;
      this.signingKey = prepareSecret(options.current, 'secret');
      this.#unnamed = [this.signingKey, ...(options.previous ?? []).map((s, i) => prepareSecret(s, `previous[${i}]`))];
    }
  }

  /**
   * The keys to try for a token with this `kid`. With named keys, the `kid` must name one of
   * them (own entries of a `Map` only, so `__proto__` names nothing); without, `kid` is ignored.
   *
   * @example keyring.candidates(header.kid)
   * @throws {UnknownKeyError} `ERR_JWT_KEY_UNKNOWN` when named keys are configured and `kid` is missing or unknown.
   */
  candidates(kid: string | undefined): readonly HmacSha256Key[] {
    if (this.#named === undefined) return this.#unnamed;
    const key = kid === undefined ? undefined : this.#named.get(kid);
    if (key === undefined) throw new UnknownKeyError('Token key id (kid) is missing or unknown');
    return [key];
  }
}
