/**
 * Public API. This file only re-exports; each concern lives in its own file.
 */
export { encodeBase64url, decodeBase64url, encodeBase64urlText, decodeBase64urlText } from './base64url.ts';
export { hmacSha256, prepareHmacKey, HmacSha256Key, BLOCK_SIZE, HASH_SIZE, IPAD, OPAD } from './hmac.ts';
export { timingSafeEqualBytes, timingSafeEqualText } from './constant-time.ts';
export { prepareSecret, MIN_SECRET_BYTES, type SecretInput } from './secret.ts';
export { durationToSeconds, type Duration } from './duration.ts';
export { compileVerifyOptions, DEFAULT_MAX_TOKEN_LENGTH, MAX_CLOCK_TOLERANCE, type JwtPayload, type VerifyOptions, type CompiledVerifyOptions } from './claims.ts';
export { ALGORITHM, STANDARD_HEADER, type JwtHeader } from './header.ts';
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
// AuthX layer
export { AuthX, type NodeHandler, type HandleErrorsOptions } from './authx.ts';
export { resolveConfig, TOKEN_LOCATIONS, type AuthXConfig, type ResolvedAuthXConfig, type TokenLocation, type SameSitePolicy } from './config.ts';
export { RESERVED_CLAIMS, type CreateTokenOptions, type TokenPairOptions, type TokenPair } from './tokens.ts';
export { toTokenPayload, type TokenPayload, type VerifyTokenOptions } from './token-verifier.ts';
export { type RequestToken, type TokenType, type GetTokenOptions, type AnyRequest } from './request-token.ts';
export { parseAuthorizationHeader } from './authorization-header.ts';
export { parseCookieHeader, getCookie } from './cookie-header.ts';
export { type SetCookieOptions } from './cookies.ts';
export { checkCsrf, createCsrfValue } from './csrf.ts';
export { MemoryRevocationStore, DEFAULT_MAX_REVOKED_ENTRIES, type RevocationStore, type MemoryRevocationStoreOptions } from './revocation.ts';
export { hasScopes, scopeCovers, isScopeToken, type ScopeMatch } from './scopes.ts';
export { errorToHttp, errorHeaders, wwwAuthenticateFor, type HttpErrorAnswer } from './http-errors.ts';
export {
  MissingTokenError,
  InvalidAuthorizationHeaderError,
  RevokedTokenError,
  WrongTokenTypeError,
  AccessTokenRequiredError,
  RefreshTokenRequiredError,
  FreshTokenRequiredError,
  CSRFError,
  InsufficientScopeError,
  RevocationStoreFullError,
  type AuthorizationHeaderProblem,
  type CsrfProblem,
} from './authx-errors.ts';
export { readJsonBody, DEFAULT_BODY_LIMIT, type ReadJsonBodyOptions } from './body.ts';
export { BodyError, BodyTooLargeError, BodyContentTypeError, InvalidJsonBodyError, EmptyBodyError, BodyAbortedError, type InvalidJsonBodyErrorOptions } from './body-errors.ts';
export { describeJsonSyntaxError, type JsonSyntaxErrorDescription } from './json-syntax-error.ts';
export { hashPassword, verifyPassword, parsePasswordHash, formatPasswordHash, createDummyPasswordHash, isBelowOwaspMinimum, DEFAULT_SCRYPT_PARAMETERS, MAX_SCRYPT_MEMORY_BYTES, MAX_SCRYPT_WORK, SALT_BYTES, HASH_BYTES, type ScryptParameters, type ParsedPasswordHash, type HashPasswordOptions } from './password.ts';
export { LoginThrottle, type LoginThrottleOptions, type ThrottleDecision } from './login-throttle.ts';
export { RevocationQuota, type RevocationQuotaOptions } from './revocation-quota.ts';
export { addressThrottleKey } from './address-key.ts';
