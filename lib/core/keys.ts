/**
 * One view of every key kind the JWT functions take: HMAC secrets (RFC 7518 section 3.2) and
 * asymmetric keys (sections 3.3-3.5, RFC 8037), with the rule that the key decides the
 * algorithm (RFC 8725 section 3.1). Internal to the core, except the types `authx-node/core`
 * re-exports (`KeyInput`, `KeySet`).
 */
import { KeyObject } from 'node:crypto';
import { isHmacAlgorithm, type Algorithm, type HmacAlgorithm } from './algorithms.ts';
import { AsymmetricKey, importKey, type AsymmetricKeyInput, type Jwk } from './asymmetric-key.ts';
import { encodeBase64url } from './base64url.ts';
import { timingSafeEqualText } from './constant-time.ts';
import { HmacKey } from './hmac.ts';
import { cachedSecretKey } from './secret-cache.ts';
import { hmacAlgorithmOf, prepareSecret, type SecretInput } from './secret.ts';

/** A prepared key: an HMAC key or an imported asymmetric key. */
export type JwtKey = HmacKey | AsymmetricKey;

/** A single key in any accepted form: an HMAC secret, a `KeyObject`, a JWK or a prepared key. */
export type KeyInput = SecretInput | AsymmetricKeyInput;

/** A set of keys that picks the candidates for a token by its `kid` and `alg`. */
export interface KeySet {
  /**
   * The keys to try for a token with this `kid` and `alg`.
   * @throws {UnknownKeyError} When no key matches the `kid`.
   */
  candidates(kid: string | undefined, alg: Algorithm): readonly JwtKey[];
}

/**
 * The algorithms a prepared key serves.
 *
 * @example keyAlgorithms(prepareHmacKey(secret, "sha512")) // ["HS512"]
 */
export function keyAlgorithms(key: JwtKey): readonly Algorithm[] {
  return key instanceof HmacKey ? [hmacAlgorithmOf(key)] : key.algorithms;
}

/**
 * Whether a prepared key serves `alg`.
 *
 * @example keySupports(key, "HS256")
 */
export function keySupports(key: JwtKey, alg: Algorithm): boolean {
  return key instanceof HmacKey ? hmacAlgorithmOf(key) === alg : key.supports(alg);
}

/**
 * The base64url JWS signature of `signingInput` with a prepared key.
 *
 * @example signWithKey(key, "HS256", `${header}.${payload}`)
 * @throws {TypeError} When the key does not serve `alg` or cannot sign.
 */
export function signWithKey(key: JwtKey, alg: Algorithm, signingInput: string): string {
  if (key instanceof HmacKey) {
    if (hmacAlgorithmOf(key) !== alg) throw new TypeError(`this HMAC key is prepared for ${hmacAlgorithmOf(key)}, not ${alg}`);
    return encodeBase64url(key.sign(signingInput));
  }
  return key.sign(alg, signingInput);
}

/**
 * Checks a JWS signature segment with a key that serves `alg`. HMAC compares the received text
 * with the canonical encoding of the expected MAC in constant time, so every non-canonical
 * spelling of a valid MAC is refused too.
 *
 * @example verifyWithKey(key, "ES256", signingInput, signature)
 * @throws {TypeError} When the asymmetric key does not serve `alg`.
 */
export function verifyWithKey(key: JwtKey, alg: Algorithm, signingInput: string, signature: string): boolean {
  if (key instanceof HmacKey) {
    // L bytes encode to exactly ceil(4L/3) characters: anything else fails before any MAC.
    if (signature.length !== Math.ceil((key.macLength * 4) / 3)) return false;
    return timingSafeEqualText(encodeBase64url(key.sign(signingInput)), signature);
  }
  return key.verify(alg, signingInput, signature);
}

/** Imported `KeyObject`s, so passing the same `KeyObject` on every call costs one import. */
const importedKeyObjects = new WeakMap<KeyObject, AsymmetricKey>();

/**
 * Turns a key input into prepared keys for the given algorithms. Strings, bytes and prepared
 * HMAC keys are HMAC secrets (string secrets come from a small cache); `KeyObject`s and JWK
 * objects are asymmetric keys (a secret `KeyObject` or an `oct` JWK counts as an HMAC secret).
 *
 * @param hmacAlgorithm The HMAC algorithm a secret is prepared for.
 * @example resolveKey(process.env.JWT_SECRET_KEY!, "HS256", "secret")
 * @throws {TypeError | RangeError} When the key is invalid or too weak.
 */
export function resolveKey(input: KeyInput, hmacAlgorithm: HmacAlgorithm, name: string): JwtKey {
  if (input instanceof HmacKey || input instanceof AsymmetricKey) return input instanceof HmacKey ? prepareSecret(input, name) : input;
  if (typeof input === 'string') return cachedSecretKey(input, hmacAlgorithm, name);
  if (input instanceof Uint8Array) return prepareSecret(input, name, hmacAlgorithm);
  if (input instanceof KeyObject) {
    if (input.type === 'secret') return prepareSecret(input.export(), name, hmacAlgorithm);
    let key = importedKeyObjects.get(input);
    if (key === undefined) {
      key = importKey(input);
      importedKeyObjects.set(input, key);
    }
    return key;
  }
  // Anything that is not an object (a missing environment variable, a number) gets the secret's
  // message, which says how to make one.
  if (typeof input !== 'object' || input === null) return prepareSecret(input as never, name, hmacAlgorithm);
  if ((input as Jwk).kty === 'oct') {
    throw new TypeError(`${name}: pass an HMAC secret as bytes or a string, not as an "oct" JWK`);
  }
  return importKey(input);
}

/**
 * Whether an input is an HMAC secret (as opposed to an asymmetric key).
 *
 * @example isSecretInput("a string") // true
 */
export function isSecretInput(input: unknown): boolean {
  return typeof input === 'string' || input instanceof Uint8Array || input instanceof HmacKey || (input instanceof KeyObject && input.type === 'secret');
}

/**
 * The algorithm a key signs with when none is asked for: HS256 for a secret (today's default),
 * the key's own for an asymmetric key (EdDSA, ES256/384/512 by curve, RS256 for RSA).
 *
 * @example defaultAlgorithm(key)
 */
export function defaultAlgorithm(key: JwtKey): Algorithm {
  return keyAlgorithms(key)[0]!;
}

/**
 * Resolves a signing key and algorithm: the algorithm must suit the key, never replaced.
 *
 * @example resolveSigningKey(secret, "HS512")
 * @throws {TypeError} When the algorithm does not suit the key or the key cannot sign.
 * @throws {RangeError} When a secret is too short for the algorithm.
 */
export function resolveSigningKey(input: KeyInput, algorithm: Algorithm | undefined, name: string): { key: JwtKey; alg: Algorithm } {
  if (isSecretInput(input)) {
    const alg = algorithm ?? (input instanceof HmacKey ? hmacAlgorithmOf(input) : 'HS256');
    if (!isHmacAlgorithm(alg)) throw new TypeError(`algorithm ${alg} needs a private key, but ${name} is an HMAC secret`);
    return { key: resolveKey(input instanceof HmacKey ? prepareSecret(input, name, alg) : input, alg, name), alg };
  }
  const key = resolveKey(input, 'HS256', name);
  const alg = algorithm ?? defaultAlgorithm(key);
  if (!keySupports(key, alg)) throw new TypeError(`algorithm ${alg} does not suit ${name}; it serves ${keyAlgorithms(key).join(', ')}`);
  if (key instanceof AsymmetricKey && key.privateKey === undefined) throw new TypeError(`${name} is a public key; signing needs the private key`);
  return { key, alg };
}
