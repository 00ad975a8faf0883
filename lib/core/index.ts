/**
 * Room `lib/core/`: the JWT core an auditor reads alone (docs/core.md gives the order). May
 * import: `node:crypto`.
 *
 * The JWT core, exported as `authx-node/core`: base64url (RFC 4648 section 5), HMAC (RFC 2104)
 * over `node:crypto`'s hashes, asymmetric keys (RFC 7518 section 3, RFC 8037), and compact
 * JWS/JWT signing and verification (RFC 7515, 7519) with the registered claims. Files under `lib/core/` import only each other and `node:crypto`.
 * @module
 */
export { encodeBase64url, decodeBase64url, encodeBase64urlText, decodeBase64urlText } from './base64url.ts';
export { hmacSha256, prepareHmacKey, HmacKey, HmacSha256Key, HMAC_SIZES, type HmacHash } from './hmac.ts';
export { ALGORITHMS, HMAC_MIN_KEY_BYTES, MIN_RSA_MODULUS_BITS, isAlgorithm, type Algorithm, type HmacAlgorithm } from './algorithms.ts';
export { importKey, AsymmetricKey, type ImportKeyOptions, type Jwk, type AsymmetricKeyInput } from './asymmetric-key.ts';
export { type JwtKey, type KeyInput, type KeySet } from './keys.ts';
export { exportPublicJwk, jwkThumbprint, type ExportJwkOptions } from './jwk.ts';
export { createLocalJWKSet, LocalJWKSet, type JwkSetDocument } from './jwks.ts';
export { timingSafeEqualBytes, timingSafeEqualText } from './constant-time.ts';
export { prepareSecret, MIN_SECRET_BYTES, type SecretInput } from './secret.ts';
export { durationToSeconds, type Duration } from './duration.ts';
export { DEFAULT_MAX_TOKEN_LENGTH, MAX_CLOCK_TOLERANCE, type JwtPayload, type VerifyOptions } from './claims.ts';
export { type JwtHeader } from './header.ts';
export { Keyring, type KeyringOptions } from './keyring.ts';
export { signJwt, verifyJwt, verifyJwtComplete, decodeJwt, type SignOptions, type VerifiedJwt, type DecodedJwt, type VerifyKeyInput } from './jwt.ts';
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
