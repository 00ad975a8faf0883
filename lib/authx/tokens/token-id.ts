/**
 * Token ids (`jti`) that carry their issue millisecond: UUIDv7 (RFC 9562 section 5.7), made and
 * read here for the AuthX layer (internal; not exported). The millisecond lets a subject cut-off
 * ("logged out everywhere at T") tell a token issued just before T from one issued just after it
 * in the same second, which `iat` (whole seconds) cannot.
 */
import { randomUUID } from 'node:crypto';

const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/**
 * A fresh UUIDv7 for the instant `nowMs`: the 48-bit millisecond, then 74 random bits (from
 * `randomUUID`, which batches its entropy; the id is unique, not secret: it sits in a signed token).
 *
 * @example createTokenId(Date.now()) // "019ad5b2-4c00-7a3e-9f1c-..."
 * @throws Never for a finite non-negative `nowMs` below 2^48.
 */
export function createTokenId(nowMs: number): string {
  const ms = Math.max(0, Math.floor(nowMs)).toString(16).padStart(12, '0').slice(-12);
  // randomUUID: xxxxxxxx-xxxx-4xxx-Vxxx-xxxxxxxxxxxx; keep its random tail from the version nibble on.
  return `${ms.slice(0, 8)}-${ms.slice(8)}-7${randomUUID().slice(15)}`;
}

/**
 * The issue instant of a token in milliseconds: the UUIDv7 time of its `jti` when that time lies
 * within its `iat` second (so tokens this library made), else the first millisecond of the `iat`
 * second, which makes a cut-off inside that second refuse the token (the safe side).
 *
 * @example issuedAtMs(payload.jti, payload.iat)
 * @throws Never.
 */
export function issuedAtMs(jti: string, iat: number): number {
  const start = iat * 1000;
  if (!V7.test(jti)) return start;
  // The 48-bit millisecond: the first group (8 hex digits) and the second (4), read without a
  // match array, as this runs on every verification.
  const ms = Number.parseInt(jti.slice(0, 8) + jti.slice(9, 13), 16);
  return ms >= start && ms < start + 1000 ? ms : start;
}
