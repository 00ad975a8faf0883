/**
 * Loads the JSON test vectors in test/fixtures without import attributes (Node 20 lacks them).
 */
import { readFileSync } from 'node:fs';

/**
 * Reads and parses `test/fixtures/<name>`.
 *
 * @example const vectors = loadFixture<{ tests: unknown[] }>("rfc4231-hmac-sha256.json")
 * @throws {Error} When the file is missing or not JSON.
 */
export function loadFixture<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as T;
}

/**
 * Hex to bytes, for the vector files.
 *
 * @example hex("0b0b") // Uint8Array [11, 11]
 * @throws Never.
 */
export function hex(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'hex'));
}
