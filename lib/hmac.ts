/**
 * HMAC-SHA-256 (RFC 2104, FIPS 198-1) built from `node:crypto`'s SHA-256.
 *
 *   HMAC(K, m) = H((K0 xor opad) || H((K0 xor ipad) || m))
 *
 * where K0 is the key hashed first if it is longer than a block, then zero-padded to a block.
 * The two pad blocks are absorbed once per key; each MAC then starts from copies of those two
 * hash states (`Hash#copy()`), so a server signing many tokens with one key does no key work.
 */
import { createHash, type Hash } from 'node:crypto';
import { timingSafeEqualBytes } from './constant-time.ts';

/** SHA-256 block size in bytes (RFC 2104 "B"). */
export const BLOCK_SIZE = 64;
/** SHA-256 output size in bytes (RFC 2104 "L"). */
export const HASH_SIZE = 32;
/** Inner pad byte (RFC 2104 section 2). */
export const IPAD = 0x36;
/** Outer pad byte (RFC 2104 section 2). */
export const OPAD = 0x5c;

const utf8 = new TextEncoder();

/** Bytes of a key or message given as a `Uint8Array` or as a string (encoded as UTF-8). */
function toBytes(input: Uint8Array | string): Uint8Array {
  return typeof input === 'string' ? utf8.encode(input) : input;
}

/**
 * An HMAC-SHA-256 key whose pad blocks have been absorbed once. Reuse one instance per secret.
 * The key bytes themselves are not kept.
 */
export class HmacSha256Key {
  /** Length in bytes of the key as given (before any hashing), for strength checks. */
  readonly keyLength: number;
  readonly #inner: Hash;
  readonly #outer: Hash;

  /**
   * @param key The secret, as bytes or as a string taken as UTF-8.
   * @throws {TypeError} When `key` is neither a string nor a `Uint8Array`.
   */
  constructor(key: Uint8Array | string) {
    if (typeof key !== 'string' && !(key instanceof Uint8Array)) {
      throw new TypeError('HMAC key must be a string or a Uint8Array');
    }
    const bytes = toBytes(key);
    this.keyLength = bytes.length;
    // RFC 2104 section 2, step 1: a key longer than B is replaced by its hash.
    const k0 = new Uint8Array(BLOCK_SIZE);
    k0.set(bytes.length > BLOCK_SIZE ? createHash('sha256').update(bytes).digest() : bytes);
    const innerPad = new Uint8Array(BLOCK_SIZE);
    const outerPad = new Uint8Array(BLOCK_SIZE);
    for (let i = 0; i < BLOCK_SIZE; i++) {
      innerPad[i] = k0[i]! ^ IPAD;
      outerPad[i] = k0[i]! ^ OPAD;
    }
    this.#inner = createHash('sha256').update(innerPad);
    this.#outer = createHash('sha256').update(outerPad);
    k0.fill(0);
    innerPad.fill(0);
    outerPad.fill(0);
  }

  /**
   * Computes HMAC-SHA-256 of `message` (a string is taken as UTF-8).
   *
   * @example key.sign("header.payload") // 32 bytes
   * @throws {TypeError} When `message` is neither a string nor a `Uint8Array`.
   */
  sign(message: Uint8Array | string): Uint8Array {
    const innerHash = this.#inner.copy().update(message).digest();
    return this.#outer.copy().update(innerHash).digest();
  }

  /**
   * Checks a full-length (32-byte) tag in constant time. Truncated tags are refused.
   *
   * @example key.verify("message", tag) // true or false
   * @throws {TypeError} When `message` is neither a string nor a `Uint8Array`.
   */
  verify(message: Uint8Array | string, tag: Uint8Array): boolean {
    return timingSafeEqualBytes(this.sign(message), tag);
  }
}

/**
 * Prepares a key for repeated HMAC-SHA-256 use (key schedule done once).
 *
 * @example const key = prepareHmacKey(secretBytes); key.sign("data")
 * @throws {TypeError} When `key` is neither a string nor a `Uint8Array`.
 */
export function prepareHmacKey(key: Uint8Array | string): HmacSha256Key {
  return new HmacSha256Key(key);
}

/**
 * One-shot HMAC-SHA-256. Prefer {@link prepareHmacKey} when one key signs many messages.
 *
 * @example hmacSha256("key", "The quick brown fox jumps over the lazy dog")
 * @throws {TypeError} When `key` or `message` is neither a string nor a `Uint8Array`.
 */
export function hmacSha256(key: Uint8Array | string, message: Uint8Array | string): Uint8Array {
  return new HmacSha256Key(key).sign(message);
}
