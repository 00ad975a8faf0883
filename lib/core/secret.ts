/**
 * Validation of HMAC secrets (HS256, HS384, HS512). RFC 7518 section 3.2 requires a key at
 * least as long as the hash output (32, 48 or 64 bytes); an HMAC secret is random bytes, never a
 * PEM or JWK public key (the algorithm-confusion family of CVEs starts there). Exported by
 * `authx-node/core`.
 */
import { HMAC_HASHES, HMAC_MIN_KEY_BYTES, type HmacAlgorithm } from './algorithms.ts';
import { HmacKey, type HmacHash } from './hmac.ts';

/** A secret as accepted by the signing and verifying functions. */
export type SecretInput = string | Uint8Array | HmacKey;

/** Minimum HS256 key length in bytes (RFC 7518 section 3.2). */
export const MIN_SECRET_BYTES = 32;

const HOW_TO_MAKE_ONE =
  'make one with: node -e "console.log(require(\'node:crypto\').randomBytes(32).toString(\'base64url\'))"';

/**
 * The HMAC algorithm a prepared key serves (its hash decides).
 *
 * @example hmacAlgorithmOf(prepareHmacKey(secret, "sha384")) // "HS384"
 */
export function hmacAlgorithmOf(key: HmacKey): HmacAlgorithm {
  return HASH_TO_ALGORITHM[key.hash];
}

const HASH_TO_ALGORITHM: Readonly<Record<HmacHash, HmacAlgorithm>> = { sha256: 'HS256', sha384: 'HS384', sha512: 'HS512' };

/**
 * Checks a secret and returns its prepared HMAC key (the same instance when one is given).
 *
 * @param secret The secret: a string (UTF-8), bytes, or a prepared {@link HmacKey}.
 * @param name How to call the secret in error messages (an option name, for example).
 * @param algorithm HS256 (default), HS384 or HS512; a prepared key must be over its hash.
 * @example const key = prepareSecret(process.env.JWT_SECRET_KEY ?? '')
 * @throws {TypeError} When the secret is missing, of the wrong type, looks like a PEM or JWK, or
 *   is a prepared key over another hash.
 * @throws {RangeError} When the secret is shorter than the algorithm's hash output.
 */
export function prepareSecret(secret: SecretInput, name = 'secret', algorithm?: HmacAlgorithm): HmacKey {
  if (secret instanceof HmacKey) {
    const keyAlgorithm = hmacAlgorithmOf(secret);
    if (algorithm !== undefined && keyAlgorithm !== algorithm) {
      throw new TypeError(`${name} is prepared for ${keyAlgorithm}, not ${algorithm}; prepare it with prepareHmacKey(secret, "${HMAC_HASHES[algorithm]}")`);
    }
    assertLongEnough(secret.keyLength, name, keyAlgorithm);
    return secret;
  }
  const alg = algorithm ?? 'HS256';
  if (!Object.hasOwn(HMAC_HASHES, alg)) throw new TypeError(`${name}: HMAC algorithm must be HS256, HS384 or HS512`);
  if (typeof secret !== 'string' && !(secret instanceof Uint8Array)) {
    throw new TypeError(`${name} must be a string, a Uint8Array or an HmacKey; ${HOW_TO_MAKE_ONE}`);
  }
  const key = new HmacKey(secret, HMAC_HASHES[alg]);
  assertLongEnough(key.keyLength, name, alg);
  const text = typeof secret === 'string' ? secret : Buffer.from(secret).toString('latin1');
  if (looksLikePublicKeyMaterial(text)) {
    key.destroy();
    throw new TypeError(
      `${name} looks like a PEM or JWK key; ${alg} needs a random shared secret, ${HOW_TO_MAKE_ONE} (for a public or private key, use importKey())`,
    );
  }
  return key;
}

function assertLongEnough(length: number, name: string, alg: HmacAlgorithm): void {
  if (length === 0) throw new RangeError(`${name} is empty; ${HOW_TO_MAKE_ONE}`);
  const min = HMAC_MIN_KEY_BYTES[alg];
  if (length < min) {
    throw new RangeError(
      `${name} is ${length} bytes; ${alg} needs at least ${min} (RFC 7518 section 3.2), ${HOW_TO_MAKE_ONE.replace('randomBytes(32)', `randomBytes(${min})`)}`,
    );
  }
}

function looksLikePublicKeyMaterial(text: string): boolean {
  // A byte-order mark may lead, as U+FEFF in a string or as its UTF-8 bytes read as latin1.
  const start = text.replace(/^(\ufeff|\u00ef\u00bb\u00bf)/, '').trimStart();
  if (start.startsWith('-----BEGIN')) return true;
  if (!start.startsWith('{')) return false;
  try {
    const parsed: unknown = JSON.parse(start);
    return typeof parsed === 'object' && parsed !== null && (Object.hasOwn(parsed, 'kty') || Object.hasOwn(parsed, 'keys'));
  } catch {
    return false;
  }
}
