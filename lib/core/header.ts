/**
 * The JOSE header of a JWS (RFC 7515 section 4): parsing and the checks that must pass before
 * the signature is even computed. Internal to the core; `JwtHeader` is exported by
 * `authx-node/core`.
 */
import { ALGORITHMS, isAlgorithm, type Algorithm } from './algorithms.ts';
import { decodeBase64urlText, encodeBase64urlText } from './base64url.ts';
import { AlgorithmNotAllowedError, MalformedTokenError, UnsupportedTokenError } from './errors.ts';
import { normalizeTyp } from './claims.ts';
import { parseJsonObject } from './json-segment.ts';

/** A verified JOSE header: `alg` is one of the supported algorithms. */
export interface JwtHeader {
  alg: Algorithm;
  typ?: string;
  kid?: string;
  [parameter: string]: unknown;
}

/** The default algorithm: what this library signs and accepts unless told otherwise. */
export const ALGORITHM = 'HS256';

/** The header this library writes when no `kid` is given (HS256). */
export const STANDARD_HEADER: Readonly<JwtHeader> = Object.freeze({ alg: ALGORITHM, typ: 'JWT' });

/**
 * `STANDARD_HEADER` encoded once. A token whose first segment equals it needs no decoding or
 * parsing at all (a string comparison instead of base64url + UTF-8 + JSON.parse per verify).
 */
export const STANDARD_HEADER_SEGMENT: string = encodeBase64urlText(JSON.stringify(STANDARD_HEADER));

/**
 * `{"alg":...,"typ":"JWT"}` encoded once per algorithm, both ways: the segment this library
 * writes for each algorithm, and the header a token with exactly that segment has. Such a
 * token's header needs no decoding or parsing on verify, whatever its algorithm (a Map lookup
 * instead of base64url + UTF-8 + JSON.parse).
 */
const PLAIN_HEADER_SEGMENTS = new Map<Algorithm, string>();
const PLAIN_HEADERS = new Map<string, Readonly<JwtHeader>>();
for (const alg of ALGORITHMS) {
  const header = Object.freeze({ alg, typ: 'JWT' });
  const segment = encodeBase64urlText(JSON.stringify(header));
  PLAIN_HEADER_SEGMENTS.set(alg, segment);
  PLAIN_HEADERS.set(segment, header);
}

/**
 * Encodes the header for a new token, with an optional key id.
 *
 * @example encodeHeader("2026-11") // base64url of {"alg":"HS256","typ":"JWT","kid":"2026-11"}
 * @throws {TypeError} When `kid` is given but is not a non-empty string.
 */
export function encodeHeader(kid?: string, alg: Algorithm = ALGORITHM): string {
  if (kid === undefined) {
    if (alg === ALGORITHM) return STANDARD_HEADER_SEGMENT;
    const segment = PLAIN_HEADER_SEGMENTS.get(alg);
    if (segment === undefined) throw new TypeError(`unsupported algorithm: ${String(alg)}`);
    return segment;
  }
  if (typeof kid !== 'string' || kid === '') throw new TypeError('kid must be a non-empty string');
  return encodeBase64urlText(JSON.stringify({ alg, typ: 'JWT', kid }));
}

/**
 * Decodes a header segment strictly and parses it to an object, without checking `alg`.
 *
 * @example decodeHeaderSegment("eyJhbGciOiJIUzI1NiJ9")
 * @throws {MalformedTokenError} When the segment is not canonical base64url of a UTF-8 JSON object.
 */
export function decodeHeaderSegment(segment: string): Record<string, unknown> {
  if (segment === STANDARD_HEADER_SEGMENT) return { ...STANDARD_HEADER };
  let text: string;
  try {
    text = decodeBase64urlText(segment);
  } catch (cause) {
    throw new MalformedTokenError('Token header is not valid base64url', { cause });
  }
  return parseJsonObject(text, 'header');
}

/**
 * Parses and checks a header segment: `alg` must be one of the supported algorithms, spelled
 * exactly (`none` never is; which of them a verifier accepts is decided by its configuration and
 * its keys, never by the token), and no extension is understood, so `crit`, `b64` and a nested token
 * (`cty: JWT`) are refused (RFC 7515 sections 4.1.10-4.1.11, RFC 7797, RFC 8725 section 3.1).
 *
 * @example parseHeader(STANDARD_HEADER_SEGMENT) // { alg: "HS256", typ: "JWT" }
 * @throws {MalformedTokenError} When the segment is not a JSON object or `typ`/`kid` are not strings.
 * @throws {AlgorithmNotAllowedError} When `alg` is not a supported algorithm (`none` included).
 * @throws {UnsupportedTokenError} When `crit`, `b64` or `cty: JWT` is present.
 */
export function parseHeader(segment: string): JwtHeader {
  if (segment === STANDARD_HEADER_SEGMENT) return { ...STANDARD_HEADER };
  const plain = PLAIN_HEADERS.get(segment);
  if (plain !== undefined) return { ...plain };
  const header = decodeHeaderSegment(segment);
  if (!isAlgorithm(header.alg)) throw new AlgorithmNotAllowedError('Token algorithm is not allowed');
  if (Object.hasOwn(header, 'crit')) throw new UnsupportedTokenError('Token header "crit" is not supported');
  if (Object.hasOwn(header, 'b64')) throw new UnsupportedTokenError('Token header "b64" is not supported');
  const { cty, typ, kid } = header;
  // RFC 7515 section 4.1.10: "application/jwt" and "JWT" name the same type, case-insensitively.
  if (cty !== undefined && (typeof cty !== 'string' || normalizeTyp(cty.trim()) === 'jwt')) {
    throw new UnsupportedTokenError('Nested tokens (cty: JWT) are not supported');
  }
  if (typ !== undefined && typeof typ !== 'string') throw new MalformedTokenError('Token header "typ" must be a string');
  if (kid !== undefined && typeof kid !== 'string') throw new MalformedTokenError('Token header "kid" must be a string');
  return header as JwtHeader;
}
