/**
 * A small bounded cache of prepared HMAC keys for string secrets, so `signJwt(payload,
 * process.env.JWT_SECRET_KEY)` does not redo the key schedule on every call. Internal to
 * `lib/core/` (not exported).
 *
 * Strings only: a caller can change a `Uint8Array`'s bytes after the call, a string cannot
 * change. Only secrets that passed validation are stored. An evicted key's pad blocks are zeroed
 * (the secret string itself belongs to the caller and cannot be wiped).
 */
import type { HmacAlgorithm } from './algorithms.ts';
import type { HmacKey } from './hmac.ts';
import { prepareSecret } from './secret.ts';

/** Most string secrets kept per algorithm; an application has one or two. */
export const SECRET_CACHE_SIZE = 8;

const caches: Record<HmacAlgorithm, Map<string, HmacKey>> = { HS256: new Map(), HS384: new Map(), HS512: new Map() };

/**
 * The prepared key for a string secret, validated as {@link prepareSecret} does (errors are
 * never cached). Never hand the result to a caller: it is shared and may be zeroed on eviction.
 *
 * @example cachedSecretKey(process.env.JWT_SECRET_KEY!, "HS256", "secret")
 * @throws {TypeError | RangeError} As {@link prepareSecret}.
 */
export function cachedSecretKey(secret: string, algorithm: HmacAlgorithm, name: string): HmacKey {
  const cache = caches[algorithm];
  const hit = cache.get(secret);
  if (hit !== undefined) return hit;
  const key = prepareSecret(secret, name, algorithm);
  if (cache.size >= SECRET_CACHE_SIZE) {
    // Oldest first (Map keeps insertion order): a flood of distinct secrets cannot grow it.
    const [oldestSecret, oldestKey] = cache.entries().next().value as [string, HmacKey];
    cache.delete(oldestSecret);
    oldestKey.destroy();
  }
  cache.set(secret, key);
  return key;
}
