/**
 * Validation of HS256 secrets. RFC 7518 section 3.2 requires a key at least as long as the hash
 * output (32 bytes); an HS256 secret is random bytes, never a PEM or JWK public key (the
 * algorithm-confusion family of CVEs starts there).
 */
import { HmacSha256Key } from './hmac.ts';

/** A secret as accepted by the signing and verifying functions. */
export type SecretInput = string | Uint8Array | HmacSha256Key;

/** Minimum HS256 key length in bytes (RFC 7518 section 3.2). */
export const MIN_SECRET_BYTES = 32;

const HOW_TO_MAKE_ONE =
  'make one with: node -e "console.log(require(\'node:crypto\').randomBytes(32).toString(\'base64url\'))"';

/**
 * Checks a secret and returns its prepared HMAC key (the same instance when one is given).
 *
 * @param secret The HS256 secret: a string (UTF-8), bytes, or a prepared {@link HmacSha256Key}.
 * @param name How to call the secret in error messages (an option name, for example).
 * @example const key = prepareSecret(process.env.JWT_SECRET_KEY ?? '')
 * @throws {TypeError} When the secret is missing, of the wrong type, or looks like a PEM or JWK.
 * @throws {RangeError} When the secret is shorter than 32 bytes.
 */
export function prepareSecret(secret: SecretInput, name = 'secret'): HmacSha256Key {
  if (secret instanceof HmacSha256Key) {
    assertLongEnough(secret.keyLength, name);
    return secret;
  }
  if (typeof secret !== 'string' && !(secret instanceof Uint8Array)) {
    throw new TypeError(`${name} must be a string, a Uint8Array or an HmacSha256Key; ${HOW_TO_MAKE_ONE}`);
  }
  const key = new HmacSha256Key(secret);
  assertLongEnough(key.keyLength, name);
  const text = typeof secret === 'string' ? secret : Buffer.from(secret).toString('latin1');
  if (looksLikePublicKeyMaterial(text)) {
    throw new TypeError(
      `${name} looks like a PEM or JWK key; HS256 needs a random shared secret, ${HOW_TO_MAKE_ONE}`,
    );
  }
  return key;
}

function assertLongEnough(length: number, name: string): void {
  if (length === 0) throw new RangeError(`${name} is empty; ${HOW_TO_MAKE_ONE}`);
  if (length < MIN_SECRET_BYTES) {
    throw new RangeError(
      `${name} is ${length} bytes; HS256 needs at least ${MIN_SECRET_BYTES} (RFC 7518 section 3.2), ${HOW_TO_MAKE_ONE}`,
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
