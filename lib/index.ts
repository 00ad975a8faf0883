/**
 * The package's root entry, `authx-node`: the AuthX layer and the JWT core. This file only
 * re-exports; each concern lives in its own file. The core alone is `authx-node/core`.
 * @module
 */
export * from './core/index.ts';
export { createRemoteJWKSet, RemoteJWKSet, verifyJwtAsync, type RemoteJWKSetOptions } from './authx/remote-jwks.ts';
export { AuthX, type NodeHandler, type HandleErrorsOptions, type RevokeTokenOptions } from './authx/authx.ts';
export { ImplicitRefresh, type ImplicitRefreshOptions } from './authx/implicit-refresh.ts';
export { TOKEN_LOCATIONS, type AuthXConfig, type ResolvedAuthXConfig, type TokenLocation, type SameSitePolicy } from './authx/config.ts';
export { RESERVED_CLAIMS, type CreateTokenOptions, type TokenPairOptions, type TokenPair } from './authx/tokens.ts';
export { type TokenPayload, type BaseTokenPayload, type VerifyTokenOptions } from './authx/token-verifier.ts';
export { type RequestToken, type TokenType, type GetTokenOptions, type AnyRequest } from './authx/request-token.ts';
export { parseAuthorizationHeader } from './authx/authorization-header.ts';
export { parseCookieHeader, getCookie } from './authx/cookie-header.ts';
export { type SetCookieOptions } from './authx/cookies.ts';
export { checkCsrf, createCsrfValue } from './authx/csrf.ts';
export { MemoryRevocationStore, DEFAULT_MAX_REVOKED_ENTRIES, type MemoryRevocationStoreOptions, type StateRecord } from './authx/memory-revocation-store.ts';
export { type RevocationStore, type RevocationCheck, type SubjectBound, type RevokeResult } from './authx/revocation.ts';
export { DEFAULT_REUSE_GRACE_SECONDS, retirementKey, rotationMarkKey, type RotateOptions, type RotatedTokens } from './authx/rotation.ts';
export { FileRevocationStore, DirectoryInUseError, type FileRevocationStoreOptions } from './authx/file-revocation-store.ts';
export { RedisRevocationStore, type RedisRevocationStoreOptions } from './authx/redis-revocation-store.ts';
export { redisCommand, type RedisCommand, type RedisClientLike } from './authx/redis-client.ts';
export { hasScopes, scopeCovers, isScopeToken, type ScopeMatch } from './authx/scopes.ts';
export { errorToHttp, errorHeaders, wwwAuthenticateFor, type HttpErrorAnswer } from './authx/http-errors.ts';
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
  KeySetUnavailableError,
  type AuthorizationHeaderProblem,
  type CsrfProblem,
} from './authx/authx-errors.ts';
export { readJsonBody, DEFAULT_BODY_LIMIT, type ReadJsonBodyOptions } from './authx/body.ts';
export { BodyError, BodyTooLargeError, BodyContentTypeError, InvalidJsonBodyError, EmptyBodyError, BodyAbortedError, type InvalidJsonBodyErrorOptions } from './authx/body-errors.ts';
