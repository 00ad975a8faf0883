/**
 * Room `lib/`: the package entries: `lib/index.ts` re-exports the AuthX layer and the core. May
 * import: `lib/core/`, `lib/authx/`, `lib/authx/config/`, `lib/authx/tokens/`, `lib/authx/http/`,
 * `lib/authx/state/`, `lib/authx/keys/`.
 *
 * The package's root entry, `authx-node`: the AuthX layer and the JWT core. This file only
 * re-exports; each concern lives in its own file. The core alone is `authx-node/core`.
 * @module
 */
export * from './core/index.ts';
export { createRemoteJWKSet, RemoteJWKSet, verifyJwtAsync, type RemoteJWKSetOptions } from './authx/keys/remote-jwks.ts';
export { AuthX, type NodeHandler, type HandleErrorsOptions, type RevokeTokenOptions } from './authx/authx.ts';
export { ImplicitRefresh, type ImplicitRefreshOptions } from './authx/http/implicit-refresh.ts';
export { TOKEN_LOCATIONS, type AuthXConfig, type ResolvedAuthXConfig, type TokenLocation, type SameSitePolicy } from './authx/config/config.ts';
export { RESERVED_CLAIMS, type CreateTokenOptions, type CreateTokenArgs, type RequiredClaimKeys, type TokenPairOptions, type TokenPair } from './authx/tokens/tokens.ts';
export { type TokenPayload, type BaseTokenPayload, type VerifyTokenOptions } from './authx/tokens/token-verifier.ts';
export { type RequestToken, type TokenType, type GetTokenOptions, type AnyRequest } from './authx/http/request-token.ts';
export { parseAuthorizationHeader } from './authx/http/authorization-header.ts';
export { parseCookieHeader, getCookie } from './authx/http/cookie-header.ts';
export { type SetCookieOptions } from './authx/http/cookies.ts';
export { checkCsrf, createCsrfValue } from './authx/http/csrf.ts';
export { DEFAULT_MAX_SESSIONS, type SessionInfo, type SessionMetadata } from './authx/tokens/sessions.ts';
export { MemoryRevocationStore, DEFAULT_MAX_REVOKED_ENTRIES, parseStateRecord, type MemoryRevocationStoreOptions, type StateRecord, type Transaction } from './authx/state/memory-revocation-store.ts';
export {
  DEFAULT_MAX_ENTRIES_PER_SUBJECT,
  type RevocationStore,
  type RevocationCheck,
  type Owner,
  type Retirement,
  type RetireResult,
  type RevokeResult,
  type SessionRecord,
} from './authx/state/revocation.ts';
export { DEFAULT_REUSE_GRACE_SECONDS, retirementKey, type RotateOptions, type RotatedTokens } from './authx/tokens/rotation.ts';
export {
  FileRevocationStore,
  DirectoryInUseError,
  JournalError,
  type FileRevocationStoreOptions,
  type FileRevocationStoreStats,
  type JournalDamage,
  type JournalReport,
  type JournalRepair,
} from './authx/state/file-revocation-store.ts';
export { RedisRevocationStore, type RedisRevocationStoreOptions } from './authx/state/redis-revocation-store.ts';
export { redisCommand, RedisUnavailableError, type RedisCommand, type RedisClientLike } from './authx/state/redis-client.ts';
export { RedisTracking, type RedisTrackingOptions } from './authx/state/redis-tracking.ts';
export { hasScopes, scopeCovers, isScopeToken, type ScopeMatch } from './authx/tokens/scopes.ts';
export { errorToHttp, errorHeaders, wwwAuthenticateFor, type HttpErrorAnswer, type DetailErrorBody, type AuthXErrorBody, type ErrorBodyShape, type ErrorToHttpOptions } from './authx/http/http-errors.ts';
export {
  MissingTokenError,
  InvalidAuthorizationHeaderError,
  RevokedTokenError,
  RefreshTokenReusedError,
  WrongTokenTypeError,
  AccessTokenRequiredError,
  RefreshTokenRequiredError,
  FreshTokenRequiredError,
  CSRFError,
  InsufficientScopeError,
  RevocationStoreFullError,
  StateUnavailableError,
  StateUntrustedError,
  KeySetUnavailableError,
  type AuthorizationHeaderProblem,
  type CsrfProblem,
} from './authx/authx-errors.ts';
export { readJsonBody, DEFAULT_BODY_LIMIT, type ReadJsonBodyOptions } from './authx/http/body.ts';
export { BodyError, BodyTooLargeError, BodyContentTypeError, InvalidJsonBodyError, EmptyBodyError, BodyAbortedError, type InvalidJsonBodyErrorOptions } from './authx/http/body-errors.ts';
