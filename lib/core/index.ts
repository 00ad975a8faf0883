/**
 * The JWT core, exported as `authx-node/core`: base64url (RFC 4648 section 5), HMAC (RFC 2104)
 * over `node:crypto`'s hashes, and compact JWS/JWT signing and verification (RFC 7515, 7519)
 * with the registered claims. Files under `lib/core/` import only each other and `node:crypto`.
 * @module
 */
export { encodeBase64url, decodeBase64url, encodeBase64urlText, decodeBase64urlText } from './base64url.ts';
export { hmacSha256, prepareHmacKey, HmacSha256Key } from './hmac.ts';
export { timingSafeEqualBytes, timingSafeEqualText } from './constant-time.ts';
export { prepareSecret, MIN_SECRET_BYTES, type SecretInput } from './secret.ts';
export { durationToSeconds, type Duration } from './duration.ts';
export { DEFAULT_MAX_TOKEN_LENGTH, MAX_CLOCK_TOLERANCE, type JwtPayload, type VerifyOptions } from './claims.ts';
export { type JwtHeader } from './header.ts';
export { Keyring, type KeyringOptions } from './keyring.ts';
export { signJwt, verifyJwt, verifyJwtComplete, decodeJwt, type SignOptions, type VerifiedJwt, type DecodedJwt } from './jwt.ts';
export {
  AuthError,
  JWTDecodeError,
  MalformedTokenError,
  TokenTooLongError,
  AlgorithmNotAllowedError,
  UnsupportedTokenError,
  UnknownKeyError,
  SignatureInvalidError,
  ClaimInvalidError,
  TokenExpiredError,
  TokenNotYetValidError,
  Base64urlError,
  type AuthErrorOptions,
  type ClaimErrorOptions,
} from './errors.ts';
