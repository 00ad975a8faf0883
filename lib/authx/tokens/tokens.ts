/**
 * Room `lib/authx/tokens/`: issuing and verifying access and refresh tokens: claims, `jti`s,
 * scopes, refresh rotation. May import: `lib/core/`, `lib/authx/`, `lib/authx/config/`,
 * `lib/authx/http/`, `lib/authx/state/`.
 *
 * Creating access and refresh tokens. Everything that does not change per token (the key, the
 * encoded header, lifetimes, issuer, audience) is prepared once; a token then costs one
 * `JSON.stringify`, one base64url encoding and one HMAC.
 */
import { encodeBase64urlText } from '../../core/base64url.ts';
import { checkStringOrStrings } from '../../core/claims.ts';
import type { ResolvedAuthXConfig } from '../config/config.ts';
import { createCsrfValue } from '../http/csrf.ts';
import { durationToSeconds, type Duration } from '../../core/duration.ts';
import { encodeHeader, STANDARD_HEADER } from '../../core/header.ts';
import type { Algorithm } from '../../core/algorithms.ts';
import type { JwtKey } from '../../core/keys.ts';
import { signEncoded } from '../../core/jwt.ts';
import type { Keyring } from '../../core/keyring.ts';
import { assertScopeList } from './scopes.ts';
import { createTokenId } from './token-id.ts';
import type { TokenType } from '../http/request-token.ts';

/** Options of `createAccessToken` / `createRefreshToken`; `C` is the application's claim type (see `AuthX<Claims>`). */
export interface CreateTokenOptions<C extends object = Record<string, unknown>> {
  /** Marks an access token as fresh (issued by a login, not by a refresh). Default `false`. */
  fresh?: boolean;
  /** Lifetime of this token instead of the configured one: seconds or `"15m"`. */
  expiresIn?: Duration;
  /** Extra claims. A name the library sets itself (`sub`, `exp`, `type`, ...) is refused. */
  data?: Readonly<C>;
  /** `aud` of this token instead of the configured audience. */
  audience?: string | readonly string[];
  /** Written as the `scopes` claim. */
  scopes?: readonly string[];
  /** Extra JOSE header parameters; `alg`, `typ`, `kid`, `crit`, `b64`, `cty` and friends are refused. */
  headers?: Readonly<Record<string, unknown>>;
}

/** Options of `createTokenPair`: `expiresIn` sets the access token's lifetime, `refreshExpiresIn` the refresh token's. */
export interface TokenPairOptions<C extends object = Record<string, unknown>> extends CreateTokenOptions<C> {
  /** Lifetime of the refresh token instead of the configured one. */
  refreshExpiresIn?: Duration;
}

/** The keys of the claim type `C` that are not optional. */
export type RequiredClaimKeys<C> = { [K in keyof C]-?: {} extends Pick<C, K> ? never : K }[keyof C];

/**
 * The options argument of `createAccessToken`, `createRefreshToken` and `createTokenPair`: optional
 * while the application's claims `C` are all optional, and required with its `data` once `C` has a
 * required key, so a token can never lack a claim its type promises.
 */
export type CreateTokenArgs<C extends object, O> = [RequiredClaimKeys<C>] extends [never] ? [options?: O] : [options: O & { data: Readonly<C> }];

/** What `createTokenPair` returns, in the shape OAuth 2.0 clients expect. */
export interface TokenPair {
  access_token: string;
  refresh_token: string;
  token_type: 'bearer';
}

/** Claims the library writes itself; `data` may not set them. */
export const RESERVED_CLAIMS: ReadonlySet<string> = new Set([
  'sub', 'iat', 'exp', 'nbf', 'jti', 'iss', 'aud', 'type', 'fresh', 'csrf', 'scopes', '__proto__',
]);

/**
 * Identity fields a caller inside the library may fix instead of letting `create` choose them:
 * refresh token rotation re-issues a successor with the `jti` and `iat` it recorded, so racing
 * requests all hand out the same successor, and puts every token of a login in one family.
 */
export interface TokenIdentity {
  /** The `jti` to write instead of a fresh one. */
  jti?: string;
  /** The instant (ms) the token counts as issued at, instead of the clock's now. */
  issuedAtMs?: number;
  /** The family id written as the `fid` claim. */
  fid?: string;
}

const RESERVED_HEADERS: ReadonlySet<string> = new Set([
  'alg', 'typ', 'kid', 'crit', 'b64', 'cty', 'enc', 'zip', 'jku', 'jwk', 'x5u', 'x5c', 'x5t', 'x5t#S256', '__proto__',
]);

/**
 * Signs AuthX tokens for one configuration and keyring.
 */
export class TokenFactory {
  readonly #config: ResolvedAuthXConfig;
  readonly #key: JwtKey;
  readonly #alg: Algorithm;
  readonly #kid: string | undefined;
  readonly #header: string;
  readonly #csrf: boolean;
  readonly #clock: () => number;

  /**
   * @example new TokenFactory(config, keyring, Date.now)
   * @throws Never.
   */
  constructor(config: ResolvedAuthXConfig, keyring: Keyring, clock: () => number) {
    this.#config = config;
    this.#key = keyring.signingKey;
    this.#alg = keyring.signingAlgorithm;
    this.#kid = keyring.signingKid;
    this.#header = encodeHeader(keyring.signingKid, keyring.signingAlgorithm);
    this.#csrf = config.cookieCsrfProtect && config.tokenLocation.includes('cookies');
    this.#clock = clock;
  }

  /**
   * Creates a signed token of the given kind for `subject`.
   *
   * @param identity Fixed `jti`, issue instant and family (rotation); by default all are new.
   * @example factory.create("user1", "access", { fresh: true })
   * @throws {TypeError} When `subject` is not a non-empty string or an option is invalid
   *   (including a `data` claim or header parameter the library sets itself).
   * @throws {RangeError} When `expiresIn` is negative, NaN or infinite.
   */
  create(subject: string, type: TokenType, options?: CreateTokenOptions, expiresIn?: Duration, identity?: TokenIdentity): string {
    if (typeof subject !== 'string' || subject === '') throw new TypeError('subject must be a non-empty string');
    const nowMs = identity?.issuedAtMs ?? this.#clock();
    if (!Number.isFinite(nowMs)) throw new TypeError('the clock returned a time that is not a finite number');
    const iat = Math.floor(nowMs / 1000);
    const lifetime = expiresIn ?? options?.expiresIn;
    const seconds = lifetime === undefined
      ? (type === 'access' ? this.#config.accessTokenExpires : this.#config.refreshTokenExpires)
      : durationToSeconds(lifetime, 'expiresIn');
    // Same rule as the configured lifetimes: a token that is expired when it is born is a mistake.
    if (seconds < 1) throw new RangeError('expiresIn must be at least 1 second');
    const claims: Record<string, unknown> = { sub: subject, iat, exp: iat + seconds, jti: identity?.jti ?? createTokenId(nowMs), type };
    if (identity?.fid !== undefined) claims.fid = identity.fid;
    if (type === 'access') {
      const fresh = options?.fresh ?? false;
      if (typeof fresh !== 'boolean') throw new TypeError('fresh must be a boolean');
      claims.fresh = fresh;
    } else if (options?.fresh !== undefined) {
      throw new TypeError('fresh applies to access tokens only');
    }
    if (this.#csrf) claims.csrf = createCsrfValue();
    if (this.#config.issuer !== undefined) claims.iss = this.#config.issuer;
    const audience = options?.audience ?? this.#config.audience;
    if (audience !== undefined) claims.aud = checkStringOrStrings(audience, 'audience');
    if (options?.scopes !== undefined) {
      assertScopeList(options.scopes, 'scopes');
      claims.scopes = [...options.scopes];
    }
    if (options?.data !== undefined) addData(claims, options.data as Readonly<Record<string, unknown>>);
    const header = options?.headers === undefined ? this.#header : this.#customHeader(options.headers);
    return signEncoded(header, encodeBase64urlText(JSON.stringify(claims)), this.#key, this.#alg);
  }

  #customHeader(extra: Readonly<Record<string, unknown>>): string {
    if (typeof extra !== 'object' || extra === null || Array.isArray(extra)) throw new TypeError('headers must be a plain object');
    const header: Record<string, unknown> = { ...STANDARD_HEADER, alg: this.#alg };
    if (this.#kid !== undefined) header.kid = this.#kid;
    for (const name of Object.keys(extra)) {
      if (RESERVED_HEADERS.has(name) || name === 'toJSON') throw new TypeError(`headers may not set "${name}"; the library sets or refuses it`);
      header[name] = extra[name];
    }
    return encodeBase64urlText(JSON.stringify(header));
  }
}

function addData(claims: Record<string, unknown>, data: Readonly<Record<string, unknown>>): void {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new TypeError('data must be a plain object');
  for (const name of Object.keys(data)) {
    if (RESERVED_CLAIMS.has(name)) throw new TypeError(`data may not set the claim "${name}"; it is set by the library or an option`);
    // A toJSON method would replace the whole claim set when it is serialized.
    if (name === 'toJSON') throw new TypeError('data may not have a "toJSON" member');
    claims[name] = data[name];
  }
}
