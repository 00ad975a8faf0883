/**
 * Comparisons whose running time does not depend on where two secrets first differ.
 */
import { timingSafeEqual } from 'node:crypto';

/**
 * Compares two byte strings in constant time. Lengths are compared first (a length is not secret
 * for a MAC), so unequal lengths return `false` at once.
 *
 * @example timingSafeEqualBytes(tagA, tagB)
 * @throws Never.
 */
export function timingSafeEqualBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Compares two strings in constant time for a given length, by UTF-16 code units. Meant for
 * ASCII values such as base64url MACs and CSRF tokens; unequal lengths return `false` at once.
 *
 * @example timingSafeEqualText(expectedSignature, receivedSignature)
 * @throws Never.
 */
export function timingSafeEqualText(a: string, b: string): boolean {
  const length = a.length;
  if (length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < length; i++) difference |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return difference === 0;
}
