/**
 * HMAC (RFC 2104, FIPS 198-1) over `node:crypto`'s SHA-256, SHA-384 and SHA-512: the MACs of
 * JWS HS256, HS384 and HS512 (RFC 7518 section 3.2). Exported by `authx-node/core`.
 *
 *   HMAC(K, m) = H((K0 xor opad) || H((K0 xor ipad) || m))
 *
 * where K0 is the key hashed first if it is longer than a block (B bytes), then zero-padded to
 * a block. B is 64 for SHA-256 and 128 for SHA-384/512 (FIPS 180-4 section 1); L, the output
 * size, is 32, 48 or 64 bytes.
 *
 * The key schedule (the two padded key blocks) is computed once per key. Each MAC is then two
 * one-shot `crypto.hash()` calls over buffers that already start with those blocks: cheaper
 * than resuming absorbed pad states with `Hash#copy()`, which builds a new `Hash` object per
 * call, at the price of one extra compression of each pad block (figures in docs/performance.md).
 */
import { createHash, hash } from 'node:crypto';
import { timingSafeEqualBytes } from './constant-time.ts';

/** The hash functions HMAC runs over here, by their `node:crypto` names. */
export type HmacHash = 'sha256' | 'sha384' | 'sha512';

/** RFC 2104 "B" (block size) and "L" (output size) in bytes, per hash (FIPS 180-4). */
export const HMAC_SIZES: Readonly<Record<HmacHash, { readonly B: number; readonly L: number }>> = Object.freeze({
  sha256: Object.freeze({ B: 64, L: 32 }),
  sha384: Object.freeze({ B: 128, L: 48 }),
  sha512: Object.freeze({ B: 128, L: 64 }),
});

/** SHA-256 block size in bytes (RFC 2104 "B"). */
export const BLOCK_SIZE = 64;
/** SHA-256 output size in bytes (RFC 2104 "L"). */
export const HASH_SIZE = 32;
/** Inner pad byte (RFC 2104 section 2). */
export const IPAD = 0x36;
/** Outer pad byte (RFC 2104 section 2). */
export const OPAD = 0x5c;

/** Room for a message of this many bytes after the inner pad block before the buffer grows. */
const INITIAL_MESSAGE_ROOM = 1024;

/**
 * An HMAC key over one hash whose padded key blocks are computed once. Reuse one instance per
 * secret. The key bytes themselves are not kept; the pad blocks derived from them are.
 */
export class HmacKey {
  /** Length in bytes of the key as given (before any hashing), for strength checks. */
  readonly keyLength: number;
  /** The hash this key's MACs use. */
  readonly hash: HmacHash;
  /** The MAC length in bytes (RFC 2104 "L"). */
  readonly macLength: number;
  readonly #B: number;
  /** `K0 xor ipad` followed by room for the message. Reused by every call (all calls are synchronous). */
  #inner: Buffer;
  /** `K0 xor opad` followed by the L-byte inner hash. */
  readonly #outer: Buffer;

  /**
   * @param key The secret, as bytes or as a string taken as UTF-8.
   * @param hashName The hash; default `sha256`.
   * @throws {TypeError} When `key` is neither a string nor a `Uint8Array`, or the hash is unknown.
   */
  constructor(key: Uint8Array | string, hashName: HmacHash = 'sha256') {
    if (typeof key !== 'string' && !(key instanceof Uint8Array)) {
      throw new TypeError('HMAC key must be a string or a Uint8Array');
    }
    if (!Object.hasOwn(HMAC_SIZES, hashName)) throw new TypeError('HMAC hash must be sha256, sha384 or sha512');
    const { B, L } = HMAC_SIZES[hashName];
    this.hash = hashName;
    this.macLength = L;
    this.#B = B;
    const bytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
    this.keyLength = bytes.length;
    // RFC 2104 section 2, step 1: a key longer than B is replaced by its hash.
    const k0 = Buffer.alloc(B);
    k0.set(bytes.length > B ? createHash(hashName).update(bytes).digest() : bytes);
    this.#inner = Buffer.alloc(B + INITIAL_MESSAGE_ROOM);
    this.#outer = Buffer.alloc(B + L);
    for (let i = 0; i < B; i++) {
      this.#inner[i] = k0[i]! ^ IPAD;
      this.#outer[i] = k0[i]! ^ OPAD;
    }
    k0.fill(0);
  }

  /**
   * Computes the HMAC of `message` (a string is taken as UTF-8).
   *
   * @example key.sign("header.payload") // L bytes
   * @throws {TypeError} When `message` is neither a string nor a `Uint8Array`.
   */
  sign(message: Uint8Array | string): Uint8Array {
    const inner = this.#absorb(message);
    // Digests travel as strings, which `crypto.hash` returns far cheaper than a Buffer: the
    // inner one as hex written straight into the outer buffer, the outer one as latin1.
    this.#outer.write(hash(this.hash, inner), this.#B, 'hex');
    const digest = hash(this.hash, this.#outer, 'binary');
    // A fresh array (not a slice of Buffer's shared pool, whose `.buffer` would expose other
    // pooled data); arrays this small live on V8's heap and cost next to nothing.
    const L = this.macLength;
    const tag = new Uint8Array(L);
    for (let i = 0; i < L; i++) tag[i] = digest.charCodeAt(i);
    return tag;
  }

  /** Writes the message after the inner pad block and returns the view to hash. */
  #absorb(message: Uint8Array | string): Uint8Array {
    const B = this.#B;
    if (typeof message === 'string') {
      // UTF-8 takes at most 3 bytes per UTF-16 code unit.
      this.#ensureRoom(message.length * 3);
      const written = this.#inner.write(message, B, 'utf8');
      return this.#inner.subarray(0, B + written);
    }
    if (!(message instanceof Uint8Array)) throw new TypeError('HMAC message must be a string or a Uint8Array');
    this.#ensureRoom(message.length);
    this.#inner.set(message, B);
    return this.#inner.subarray(0, B + message.length);
  }

  #ensureRoom(messageBytes: number): void {
    const B = this.#B;
    if (B + messageBytes <= this.#inner.length) return;
    const grown = Buffer.alloc(B + messageBytes);
    this.#inner.copy(grown, 0, 0, B);
    this.#inner.fill(0);
    this.#inner = grown;
  }

  /**
   * Checks a full-length (L-byte) tag in constant time. Truncated tags are refused.
   *
   * @example key.verify("message", tag) // true or false
   * @throws {TypeError} When `message` is neither a string nor a `Uint8Array`.
   */
  verify(message: Uint8Array | string, tag: Uint8Array): boolean {
    return timingSafeEqualBytes(this.sign(message), tag);
  }

  /**
   * Overwrites the pad blocks with zeros; the key signs nothing meaningful afterwards. Used when
   * a cached key is evicted.
   *
   * @example key.destroy()
   */
  destroy(): void {
    this.#inner.fill(0);
    this.#outer.fill(0);
  }
}

/** The HMAC-SHA-256 key class under its historical name (the same class as {@link HmacKey}). */
export { HmacKey as HmacSha256Key };

/**
 * Prepares a key for repeated HMAC use (key schedule done once).
 *
 * @example const key = prepareHmacKey(secretBytes, "sha512"); key.sign("data")
 * @throws {TypeError} When `key` is neither a string nor a `Uint8Array`, or the hash is unknown.
 */
export function prepareHmacKey(key: Uint8Array | string, hashName: HmacHash = 'sha256'): HmacKey {
  return new HmacKey(key, hashName);
}

/**
 * One-shot HMAC-SHA-256. Prefer {@link prepareHmacKey} when one key signs many messages.
 *
 * @example hmacSha256("key", "The quick brown fox jumps over the lazy dog")
 * @throws {TypeError} When `key` or `message` is neither a string nor a `Uint8Array`.
 */
export function hmacSha256(key: Uint8Array | string, message: Uint8Array | string): Uint8Array {
  return new HmacKey(key).sign(message);
}
