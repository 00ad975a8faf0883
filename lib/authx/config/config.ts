/**
 * Room `lib/authx/config/`: AuthX's options, their checks, and the HTTP grammar rules option
 * values obey (token, cookie name and attribute). May import: `lib/core/`, `lib/authx/state/`.
 *
 * AuthX configuration: camelCase options with AuthX's defaults, validated once at construction.
 * A bad value is a programming mistake, so it throws `TypeError`/`RangeError` naming the option;
 * nothing here is re-checked per request.
 */
import type { Duration } from '../../core/duration.ts';
import { Keyring } from '../../core/keyring.ts';
import { prepareSecret as prepareSecretFor } from '../../core/secret.ts';
import { assertAlgorithm, isHmacAlgorithm, type Algorithm } from '../../core/algorithms.ts';
import type { KeyInput } from '../../core/keys.ts';
import { HmacKey } from '../../core/hmac.ts';
import { AsymmetricKey } from '../../core/asymmetric-key.ts';
import type { RevocationStore } from '../state/revocation.ts';
import { assertKnownOptions } from '../../core/option-names.ts';
import { AUTHX_CONFIG_NAMES, AUTHX_OTHER_LIBRARY_NAMES, AUTHX_PYTHON_NAMES } from './config-names.ts';
import { assertCookieAttribute, assertPrefixRules } from './cookie-rules.ts';
import { checkClockTolerance, checkMaxTokenLength, DEFAULT_MAX_TOKEN_LENGTH } from '../../core/claims.ts';
import { isHttpToken } from './http-token.ts';
import {
  booleanOption, cookieMaxAge, cookieName, cookiePath, csrfMethodList, httpToken, lifetime, nonEmpty, optionalAudience,
  optionalString, positiveInteger,
} from './option-checks.ts';

/** Where a token may be found in a request. */
export type TokenLocation = 'headers' | 'cookies' | 'query' | 'json';
/** The `SameSite` cookie attribute. */
export type SameSitePolicy = 'lax' | 'strict' | 'none';

/** Python AuthX's settings and other libraries' names, each with the option to use instead. */
const CONFIG_ALIASES: Readonly<Record<string, string>> = Object.freeze({ ...AUTHX_PYTHON_NAMES, ...AUTHX_OTHER_LIBRARY_NAMES });

/** Every location, in AuthX's spelling. */
export const TOKEN_LOCATIONS: readonly TokenLocation[] = Object.freeze(['headers', 'cookies', 'query', 'json']);

/** Options of `new AuthX(config)`. Only `secretKey` (or `keys`) is required. */
export interface AuthXConfig {
  /**
   * The signing key (`JWT_SECRET_KEY`): an HMAC secret of at least the hash size (32 bytes for
   * HS256), or a private key (`KeyObject`, JWK, or `importKey(pem)`). Required unless `keys` is given.
   */
  secretKey?: KeyInput;
  /** Older keys that still verify but no longer sign (rotation without `kid`): secrets, or public keys. */
  previousSecretKeys?: readonly KeyInput[];
  /** Named keys for rotation with `kid`; `currentKeyId` picks the signing one. */
  keys?: ReadonlyMap<string, KeyInput>;
  /** The `kid` of the signing key in `keys`. */
  currentKeyId?: string;
  /**
   * The algorithm tokens are signed with and the only one accepted (`JWT_ALGORITHM`). Default
   * HS256 for a secret, the key's own for a private key (EdDSA, ES256/384/512, RS256).
   */
  algorithm?: Algorithm;
  /** Where tokens are searched, in this order. Default `["headers"]`. */
  tokenLocation?: readonly TokenLocation[];
  /** Header holding the token. Default `Authorization`. */
  headerName?: string;
  /** Scheme before the token, matched case-insensitively; `""` means the whole value is the token. Default `Bearer`. */
  headerType?: string;
  /** Query parameter holding the token. Default `token`. */
  queryStringName?: string;
  /** JSON body key of an access token. Default `access_token`. */
  jsonKey?: string;
  /** JSON body key of a refresh token. Default `refresh_token`. */
  refreshJsonKey?: string;
  /** Largest JSON body read when searching the `json` location, in bytes. Default 16384. */
  jsonBodyLimit?: number;
  /** Access token lifetime: seconds or `"15m"`. Default 900. */
  accessTokenExpires?: Duration;
  /** Refresh token lifetime. Default 20 days. */
  refreshTokenExpires?: Duration;
  /** Leeway in seconds for `exp`, `nbf`, `iat`; 0 to 300. Default 0. */
  clockTolerance?: number;
  /** Written as `iss` into new tokens and required on verification. */
  issuer?: string;
  /** Written as `aud` into new tokens; verification requires one of them. */
  audience?: string | readonly string[];
  /** Longest token accepted, in characters. Default 8192. */
  maxTokenLength?: number;
  /** Default `access_token_cookie`. */
  accessCookieName?: string;
  /** Default `refresh_token_cookie`. */
  refreshCookieName?: string;
  /** Default `/`. */
  accessCookiePath?: string;
  /** Default `/`. */
  refreshCookiePath?: string;
  /** `Domain` attribute; default none (host-only cookie). */
  cookieDomain?: string;
  /** `Max-Age` in seconds, at most 400 days (browsers cap it there); default none (a session cookie). */
  cookieMaxAge?: number;
  /** Default `lax`. `none` requires `cookieSecure`. */
  cookieSameSite?: SameSitePolicy;
  /** Default `true`. */
  cookieSecure?: boolean;
  /** Token cookies only (the CSRF cookie is always script-readable). Default `true`. */
  cookieHttpOnly?: boolean;
  /** Double-submit CSRF protection for cookie tokens. Default `true`. */
  cookieCsrfProtect?: boolean;
  /** Whether `set*Cookies` also sets the script-readable CSRF cookie. Default `true`. */
  csrfInCookies?: boolean;
  /** Methods that need the CSRF header. Default POST, PUT, PATCH, DELETE. */
  csrfMethods?: readonly string[];
  /** Default `csrf_access_token`. */
  accessCsrfCookieName?: string;
  /** Default `csrf_refresh_token`. */
  refreshCsrfCookieName?: string;
  /** Default `/`. */
  accessCsrfCookiePath?: string;
  /** Default `/`. */
  refreshCsrfCookiePath?: string;
  /** Default `X-CSRF-TOKEN`. */
  accessCsrfHeaderName?: string;
  /** Default `X-CSRF-TOKEN`. */
  refreshCsrfHeaderName?: string;
  /** Where revoked `jti`s live. Default: a bounded `MemoryRevocationStore` per AuthX instance. */
  revocationStore?: RevocationStore;
  /** The clock in milliseconds since the epoch, for tests and replays. Default `Date.now`. */
  clock?: () => number;
}

/** The validated configuration. Secrets are deliberately absent, so logging it leaks nothing. */
export interface ResolvedAuthXConfig {
  readonly algorithm: Algorithm;
  readonly currentKeyId: string | undefined;
  readonly tokenLocation: readonly TokenLocation[];
  readonly headerName: string;
  readonly headerType: string;
  readonly queryStringName: string;
  readonly jsonKey: string;
  readonly refreshJsonKey: string;
  readonly jsonBodyLimit: number;
  /** Seconds. */
  readonly accessTokenExpires: number;
  /** Seconds. */
  readonly refreshTokenExpires: number;
  readonly clockTolerance: number;
  readonly issuer: string | undefined;
  readonly audience: string | readonly string[] | undefined;
  readonly maxTokenLength: number;
  readonly accessCookieName: string;
  readonly refreshCookieName: string;
  readonly accessCookiePath: string;
  readonly refreshCookiePath: string;
  readonly cookieDomain: string | undefined;
  readonly cookieMaxAge: number | undefined;
  readonly cookieSameSite: SameSitePolicy;
  readonly cookieSecure: boolean;
  readonly cookieHttpOnly: boolean;
  readonly cookieCsrfProtect: boolean;
  readonly csrfInCookies: boolean;
  /** Upper-cased. */
  readonly csrfMethods: readonly string[];
  readonly accessCsrfCookieName: string;
  readonly refreshCsrfCookieName: string;
  readonly accessCsrfCookiePath: string;
  readonly refreshCsrfCookiePath: string;
  readonly accessCsrfHeaderName: string;
  readonly refreshCsrfHeaderName: string;
}

/** A resolved configuration and the keyring built from its secrets. */
export interface ResolvedSetup {
  readonly config: ResolvedAuthXConfig;
  readonly keyring: Keyring;
}

/**
 * Validates an AuthX configuration and applies AuthX's defaults.
 *
 * @example const { config, keyring } = resolveConfig({ secretKey: process.env.JWT_SECRET_KEY })
 * @throws {TypeError} When an option has the wrong type or a forbidden value; the message names it.
 * @throws {RangeError} When a number is out of range or a secret is shorter than 32 bytes.
 */
export function resolveConfig(input: AuthXConfig): ResolvedSetup {
  if (typeof input !== 'object' || input === null) throw new TypeError('AuthX config must be an object');
  assertKnownOptions(input, AUTHX_CONFIG_NAMES, 'AuthX config', CONFIG_ALIASES);
  const algorithm = input.algorithm === undefined ? undefined : assertAlgorithm(input.algorithm, 'algorithm');
  const keyring = buildKeyring(input, algorithm);
  if (keyring.signingKey instanceof AsymmetricKey && keyring.signingKey.privateKey === undefined) {
    throw new TypeError('the signing key is a public key; AuthX signs tokens, so give the private key (public keys go in previousSecretKeys)');
  }
  const tokenLocation = validateTokenLocations(input.tokenLocation ?? ['headers'], 'tokenLocation');
  const headerType = input.headerType ?? 'Bearer';
  if (typeof headerType !== 'string' || (headerType !== '' && !isHttpToken(headerType))) {
    throw new TypeError('headerType must be an HTTP token such as "Bearer", or "" for a bare token');
  }
  const cookieSecure = booleanOption(input.cookieSecure, true, 'cookieSecure');
  const cookieSameSite = input.cookieSameSite ?? 'lax';
  if (cookieSameSite !== 'lax' && cookieSameSite !== 'strict' && cookieSameSite !== 'none') {
    throw new TypeError('cookieSameSite must be "lax", "strict" or "none"');
  }
  if (cookieSameSite === 'none' && !cookieSecure) {
    throw new TypeError('cookieSameSite "none" requires cookieSecure: true (browsers drop such cookies otherwise)');
  }
  const cookieDomain = optionalString(input.cookieDomain, 'cookieDomain');
  if (cookieDomain !== undefined) assertCookieAttribute(cookieDomain, 'cookieDomain');
  const config: ResolvedAuthXConfig = {
    algorithm: keyring.signingAlgorithm,
    currentKeyId: keyring.signingKid,
    tokenLocation,
    headerName: httpToken(input.headerName, 'Authorization', 'headerName'),
    headerType,
    queryStringName: nonEmpty(input.queryStringName, 'token', 'queryStringName'),
    jsonKey: nonEmpty(input.jsonKey, 'access_token', 'jsonKey'),
    refreshJsonKey: nonEmpty(input.refreshJsonKey, 'refresh_token', 'refreshJsonKey'),
    jsonBodyLimit: positiveInteger(input.jsonBodyLimit, 16 * 1024, 'jsonBodyLimit'),
    accessTokenExpires: lifetime(input.accessTokenExpires, 900, 'accessTokenExpires'),
    refreshTokenExpires: lifetime(input.refreshTokenExpires, 20 * 86400, 'refreshTokenExpires'),
    clockTolerance: checkClockTolerance(input.clockTolerance ?? 0),
    issuer: optionalString(input.issuer, 'issuer'),
    audience: optionalAudience(input.audience),
    maxTokenLength: checkMaxTokenLength(input.maxTokenLength ?? DEFAULT_MAX_TOKEN_LENGTH),
    accessCookieName: cookieName(input.accessCookieName, 'access_token_cookie', 'accessCookieName'),
    refreshCookieName: cookieName(input.refreshCookieName, 'refresh_token_cookie', 'refreshCookieName'),
    accessCookiePath: cookiePath(input.accessCookiePath, 'accessCookiePath'),
    refreshCookiePath: cookiePath(input.refreshCookiePath, 'refreshCookiePath'),
    cookieDomain,
    cookieMaxAge: input.cookieMaxAge === undefined ? undefined : cookieMaxAge(input.cookieMaxAge, 'cookieMaxAge'),
    cookieSameSite,
    cookieSecure,
    cookieHttpOnly: booleanOption(input.cookieHttpOnly, true, 'cookieHttpOnly'),
    cookieCsrfProtect: booleanOption(input.cookieCsrfProtect, true, 'cookieCsrfProtect'),
    csrfInCookies: booleanOption(input.csrfInCookies, true, 'csrfInCookies'),
    csrfMethods: csrfMethodList(input.csrfMethods),
    accessCsrfCookieName: cookieName(input.accessCsrfCookieName, 'csrf_access_token', 'accessCsrfCookieName'),
    refreshCsrfCookieName: cookieName(input.refreshCsrfCookieName, 'csrf_refresh_token', 'refreshCsrfCookieName'),
    accessCsrfCookiePath: cookiePath(input.accessCsrfCookiePath, 'accessCsrfCookiePath'),
    refreshCsrfCookiePath: cookiePath(input.refreshCsrfCookiePath, 'refreshCsrfCookiePath'),
    accessCsrfHeaderName: httpToken(input.accessCsrfHeaderName, 'X-CSRF-TOKEN', 'accessCsrfHeaderName'),
    refreshCsrfHeaderName: httpToken(input.refreshCsrfHeaderName, 'X-CSRF-TOKEN', 'refreshCsrfHeaderName'),
  };
  assertPrefixRules(config.accessCookieName, config.accessCookiePath, config, 'accessCookieName');
  assertPrefixRules(config.refreshCookieName, config.refreshCookiePath, config, 'refreshCookieName');
  assertPrefixRules(config.accessCsrfCookieName, config.accessCsrfCookiePath, config, 'accessCsrfCookieName');
  assertPrefixRules(config.refreshCsrfCookieName, config.refreshCsrfCookiePath, config, 'refreshCsrfCookieName');
  return { config: Object.freeze(config), keyring };
}

/**
 * Validates a list of token locations (non-empty, known, no repeats).
 *
 * @example validateTokenLocations(["cookies", "headers"], "tokenLocation")
 * @throws {TypeError} When the list is empty, repeats a location or names an unknown one.
 */
export function validateTokenLocations(value: readonly TokenLocation[], name: string): readonly TokenLocation[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new TypeError(`${name} must be a non-empty array of "headers", "cookies", "query", "json"`);
  }
  for (const [i, location] of value.entries()) {
    if (!TOKEN_LOCATIONS.includes(location)) throw new TypeError(`${name}[${i}] must be one of "headers", "cookies", "query", "json"`);
    if (value.indexOf(location) !== i) throw new TypeError(`${name} lists "${location}" twice`);
  }
  return Object.freeze([...value]);
}

function buildKeyring(input: AuthXConfig, algorithm: Algorithm | undefined): Keyring {
  // Secrets are checked here under their option names, for the algorithm's minimum length;
  // asymmetric keys are imported by the Keyring, which also refuses mixing the two kinds.
  const hmac = algorithm !== undefined && isHmacAlgorithm(algorithm) ? algorithm : 'HS256';
  const prepareSecret = (key: KeyInput, name: string): KeyInput => {
    if (typeof key === 'string' || key instanceof Uint8Array) return prepareSecretFor(key, name, hmac);
    if (key instanceof HmacKey) return prepareSecretFor(key, name);
    return key;
  };
  if (input.keys !== undefined) {
    if (input.secretKey !== undefined || input.previousSecretKeys !== undefined) {
      throw new TypeError('give either keys (with currentKeyId) or secretKey (with previousSecretKeys), not both');
    }
    // The Keyring checks the Map and its kids. AuthX adds what is its own: secrets are prepared
    // here under their option names, and the signing kid is named currentKeyId.
    const named = input.keys instanceof Map
      ? new Map([...input.keys].map(([kid, key]) => [kid, prepareSecret(key, `keys.get(${JSON.stringify(kid)})`)]))
      : input.keys;
    if (named instanceof Map && named.size > 0 && (typeof input.currentKeyId !== 'string' || !named.has(input.currentKeyId))) {
      throw new TypeError('currentKeyId must be the kid of one of keys');
    }
    return new Keyring({ current: input.currentKeyId as string, keys: named, ...withAlgorithm(algorithm) });
  }
  if (input.currentKeyId !== undefined) throw new TypeError('currentKeyId needs keys');
  if (input.secretKey === undefined) {
    throw new TypeError('secretKey is required (at least 32 random bytes, e.g. from the environment variable JWT_SECRET_KEY)');
  }
  const current = prepareSecret(input.secretKey, 'secretKey');
  const previous = input.previousSecretKeys ?? [];
  if (!Array.isArray(previous)) throw new TypeError('previousSecretKeys must be an array of keys');
  return new Keyring({ current, previous: previous.map((s: KeyInput, i: number) => prepareSecret(s, `previousSecretKeys[${i}]`)), ...withAlgorithm(algorithm) });
}

function withAlgorithm(algorithm: Algorithm | undefined): { algorithm?: Algorithm } {
  return algorithm === undefined ? {} : { algorithm };
}
