/**
 * Password hashing with scrypt from `node:crypto`, in a self-describing string:
 *
 *     scrypt$N=131072,r=8,p=1$<salt, base64url>$<hash, base64url>
 *
 * The parameters travel with the hash, so they can be raised later without breaking old hashes.
 * Hashing runs on libuv's thread pool (the async `scrypt`), never on the event loop. Parameters
 * read back from a stored string are bounded, so a hostile or mistaken users file cannot make
 * one verification allocate gigabytes or run for minutes.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { decodeBase64url, encodeBase64url } from '../../lib/core/base64url.ts';

/** scrypt cost parameters. */
export interface ScryptParameters {
  /** CPU/memory cost, a power of two. */
  N: number;
  /** Block size. */
  r: number;
  /** Parallelism. */
  p: number;
}

/**
 * OWASP Password Storage Cheat Sheet minimum for scrypt: N=2^17, r=8, p=1 (128 MiB, about half a
 * second on one core of a 2020s server).
 */
export const DEFAULT_SCRYPT_PARAMETERS: Readonly<ScryptParameters> = Object.freeze({ N: 2 ** 17, r: 8, p: 1 });

/** Bytes of random salt in new hashes (NIST SP 800-132 asks for at least 16). */
export const SALT_BYTES = 16;
/** Bytes of derived key in new hashes. */
export const HASH_BYTES = 32;

/** Most memory (128*N*r bytes) one verification may use: twice the default cost. */
export const MAX_SCRYPT_MEMORY_BYTES: number = 256 * 1024 * 1024;
/** Most work (N * r * p) one verification may do: 16 times the default. */
export const MAX_SCRYPT_WORK: number = 16 * 2 ** 17 * 8;

const FORMAT = /^scrypt\$N=([1-9]\d{0,9}),r=([1-9]\d{0,3}),p=([1-9]\d{0,3})\$([A-Za-z0-9_-]{22,88})\$([A-Za-z0-9_-]{22,88})$/;

/** A parsed password hash; see {@link parsePasswordHash}. */
export interface ParsedPasswordHash {
  parameters: ScryptParameters;
  salt: Uint8Array;
  hash: Uint8Array;
}

/** Options of {@link hashPassword}. */
export interface HashPasswordOptions {
  /**
   * Cost parameters; default {@link DEFAULT_SCRYPT_PARAMETERS}. Lower them only in tests:
   * anything below the default is weaker than OWASP's minimum.
   */
  parameters?: ScryptParameters;
}

/**
 * Hashes a password with a fresh random salt.
 *
 * @param password The password, hashed as its UTF-8 bytes (no Unicode normalisation).
 * @param options See {@link HashPasswordOptions}.
 * @returns The self-describing hash string.
 * @example
 * const stored = await hashPassword('correct horse battery staple')
 * // 'scrypt$N=131072,r=8,p=1$...$...'
 * @throws {TypeError} When `password` is not a string.
 * @throws {RangeError} When `options.parameters` are out of the bounds verification accepts.
 */
export async function hashPassword(password: string, options?: HashPasswordOptions): Promise<string> {
  if (typeof password !== 'string') throw new TypeError('password must be a string');
  const parameters = options?.parameters ?? DEFAULT_SCRYPT_PARAMETERS;
  assertScryptParameters(parameters, 'options.parameters');
  const salt = randomBytes(SALT_BYTES);
  const hash = await deriveKey(password, salt, HASH_BYTES, parameters);
  return formatPasswordHash({ parameters, salt, hash });
}

/**
 * Checks a password against a stored hash, comparing in constant time. A malformed or
 * out-of-bounds stored hash throws rather than returning `false`, so configuration mistakes are
 * seen instead of looking like wrong passwords; check stored hashes at start-up with
 * {@link parsePasswordHash}.
 *
 * @param password The password offered by the client.
 * @param stored A string made by {@link hashPassword} (or `npm run hash-password`).
 * @returns Whether the password matches.
 * @example
 * if (await verifyPassword(body.password, user.passwordHash)) { ... }
 * @throws {TypeError} When `password` is not a string or `stored` is not a valid hash string.
 * @throws {RangeError} When its parameters exceed {@link MAX_SCRYPT_MEMORY_BYTES} or {@link MAX_SCRYPT_WORK}.
 */
export async function verifyPassword(password: string, stored: string | ParsedPasswordHash): Promise<boolean> {
  if (typeof password !== 'string') throw new TypeError('password must be a string');
  const parsed = typeof stored === 'string' ? parsePasswordHash(stored) : stored;
  const candidate = await deriveKey(password, parsed.salt, parsed.hash.length, parsed.parameters);
  // Lengths are equal by construction: the candidate is derived at the stored hash's length.
  return timingSafeEqual(candidate, parsed.hash);
}

/**
 * Parses and bounds-checks a stored hash string without hashing anything.
 *
 * @example parsePasswordHash(process.env.ADMIN_HASH ?? '')
 * @throws {TypeError} When the string is not `scrypt$N=..,r=..,p=..$<salt>$<hash>` with
 *   16-64 byte salt and hash in canonical base64url. The message never quotes the string.
 * @throws {RangeError} When the parameters are not a power-of-two `N`, or exceed the bounds.
 */
export function parsePasswordHash(stored: string): ParsedPasswordHash {
  const match = typeof stored === 'string' ? FORMAT.exec(stored) : null;
  if (match === null) {
    throw new TypeError('password hash must look like scrypt$N=<n>,r=<r>,p=<p>$<salt>$<hash>; make one with: npm run hash-password');
  }
  const [, n, r, p, salt64, hash64] = match as unknown as [string, string, string, string, string, string];
  const parameters: ScryptParameters = { N: Number(n), r: Number(r), p: Number(p) };
  assertScryptParameters(parameters, 'password hash');
  let salt: Uint8Array;
  let hash: Uint8Array;
  try {
    salt = decodeBase64url(salt64);
    hash = decodeBase64url(hash64);
  } catch {
    throw new TypeError('password hash has a salt or hash that is not canonical base64url');
  }
  if (salt.length < 16 || salt.length > 64 || hash.length < 16 || hash.length > 64) {
    throw new TypeError('password hash must have a salt and a hash of 16 to 64 bytes each');
  }
  return { parameters, salt, hash };
}

/**
 * Writes a parsed hash back as its string form.
 *
 * @example formatPasswordHash(parsePasswordHash(stored)) === stored
 * @throws Never for values made by {@link parsePasswordHash}.
 */
export function formatPasswordHash(parsed: ParsedPasswordHash): string {
  const { N, r, p } = parsed.parameters;
  return `scrypt$N=${N},r=${r},p=${p}$${encodeBase64url(parsed.salt)}$${encodeBase64url(parsed.hash)}`;
}

/**
 * A hash of no password at all (random salt, random "hash") with the given parameters.
 * Verifying against it costs exactly what verifying a real hash with those parameters costs and
 * never succeeds, which is what a login for an unknown user must do so that it cannot be told
 * apart from a wrong password by its timing.
 *
 * @example const dummy = createDummyPasswordHash()
 * @throws {RangeError} When `parameters` are out of bounds.
 */
export function createDummyPasswordHash(parameters: ScryptParameters = DEFAULT_SCRYPT_PARAMETERS): ParsedPasswordHash {
  assertScryptParameters(parameters, 'parameters');
  return { parameters: { ...parameters }, salt: randomBytes(SALT_BYTES), hash: randomBytes(HASH_BYTES) };
}

/**
 * Whether parameters are below OWASP's minimum (N=2^17, r=8, p=1, or an equivalent trade such
 * as N=2^16 with p=2). Such hashes still verify; callers may warn about them.
 *
 * @example if (isBelowOwaspMinimum(parsed.parameters)) console.warn('rehash this password')
 * @throws Never.
 */
export function isBelowOwaspMinimum(parameters: ScryptParameters): boolean {
  return parameters.r < 8 || parameters.N * parameters.r * parameters.p < DEFAULT_SCRYPT_PARAMETERS.N * 8;
}

function assertScryptParameters(parameters: ScryptParameters, name: string): void {
  const { N, r, p } = parameters;
  if (!Number.isSafeInteger(N) || N < 2 || (N & (N - 1)) !== 0) {
    throw new RangeError(`${name}: N must be a power of two of at least 2`);
  }
  if (!Number.isSafeInteger(r) || r < 1 || !Number.isSafeInteger(p) || p < 1) {
    throw new RangeError(`${name}: r and p must be positive integers`);
  }
  // The V array (128*N*r bytes) is what costs memory; the rest is a few KiB.
  if (128 * N * r > MAX_SCRYPT_MEMORY_BYTES) {
    throw new RangeError(`${name}: N=${N}, r=${r} needs more than ${MAX_SCRYPT_MEMORY_BYTES} bytes of memory`);
  }
  if (N * r * p > MAX_SCRYPT_WORK) {
    throw new RangeError(`${name}: N*r*p=${N * r * p} is above the limit of ${MAX_SCRYPT_WORK}`);
  }
}

/** OpenSSL's scrypt allocates 128*r*(N+2) bytes for V plus 128*r*p for B. */
function scryptMemoryBytes({ N, r, p }: ScryptParameters): number {
  return 128 * r * (N + 2) + 128 * r * p;
}

function deriveKey(password: string, salt: Uint8Array, length: number, parameters: ScryptParameters): Promise<Buffer> {
  // node's default maxmem (32 MiB) is below the OWASP cost, so it is raised to what is needed.
  const options: ScryptOptions = { ...parameters, maxmem: scryptMemoryBytes(parameters) + 1024 * 1024 };
  return new Promise((resolve, reject) => {
    scrypt(password, salt, length, options, (error, key) => (error ? reject(error) : resolve(key)));
  });
}
