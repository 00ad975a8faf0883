/**
 * Builds tokens byte by byte for the tests, signed with an independent HMAC (`createHmac`), so a
 * rejection can only come from the property under test, never from a bad signature.
 */
import { createHmac } from 'node:crypto';

/** A 32-byte test secret. */
export const SECRET = 'test-secret-0123456789-abcdefghijklmnop';
/** 2026-01-01T00:00:00Z in seconds. */
export const NOW = 1767225600;
/** A fixed clock at {@link NOW}. */
export const NOW_DATE: Date = new Date(NOW * 1000);

/**
 * base64url of raw text, with Buffer (the test's own independent codec).
 *
 * @throws Never.
 */
export function b64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}

/**
 * Signs `header.payload` segments (already encoded) with createHmac.
 *
 * @throws Never.
 */
export function signSegments(header: string, payload: string, secret: string | Uint8Array = SECRET): string {
  const input = `${header}.${payload}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

/**
 * Signs raw header and payload JSON text (kept byte for byte).
 *
 * @throws Never.
 */
export function signRaw(headerJson: string, payloadJson: string, secret: string | Uint8Array = SECRET): string {
  return signSegments(b64(headerJson), b64(payloadJson), secret);
}

/**
 * Signs a header object and payload object.
 *
 * @throws Never.
 */
export function signWith(header: unknown, payload: unknown, secret: string | Uint8Array = SECRET): string {
  return signRaw(JSON.stringify(header), JSON.stringify(payload), secret);
}

/**
 * A token with the standard header and the given payload.
 *
 * @throws Never.
 */
export function tokenFor(payload: unknown, secret: string | Uint8Array = SECRET): string {
  return signWith({ alg: 'HS256', typ: 'JWT' }, payload, secret);
}

/**
 * Independent HS256 verifier (RFC 7515 section 5.2 by the letter, with createHmac and Buffer),
 * standing in for "any standard verifier".
 *
 * @throws {Error} When the signature does not match.
 */
export function referenceVerify(token: string, secret: string | Uint8Array): { header: unknown; payload: unknown } {
  const [h, p, s] = token.split('.');
  const expected = createHmac('sha256', secret).update(`${h}.${p}`).digest('base64url');
  if (expected !== s) throw new Error('reference verifier: bad signature');
  return { header: JSON.parse(Buffer.from(h!, 'base64url').toString('utf8')), payload: JSON.parse(Buffer.from(p!, 'base64url').toString('utf8')) };
}
