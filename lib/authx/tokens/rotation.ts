/**
 * Refresh token rotation with reuse detection (RFC 9700 section 4.14.2), the engine behind
 * `AuthX#rotateRefreshToken`, `AuthX#revokeFamily` and `AuthX#isFamilyRevoked` (exported by
 * `authx-node` through `AuthX`).
 *
 * Every login starts a family (`fid`). Rotating a refresh token retires it with one atomic store
 * write (`RevocationStore#retire`) that holds two things:
 * - a short claim `rt:<jti>` -> `"<successor jti> <successor issue ms> <fid>"` that makes racing
 *   rotations of one token agree on one successor, across every instance sharing the store. It
 *   lives through the grace period only;
 * - the family's rotation mark: "every refresh token of this family issued at or before this
 *   millisecond is retired". It only moves forward and expires with the family's newest refresh
 *   token, so a family costs one mark however often it rotates.
 * Written together, a claim never exists without its mark: a retry whose first answer was lost
 * (the claim stored, the reply not received) gets the same successor, and once the claim lapses
 * the mark alone refuses the retired token. A retired token presented again within
 * `reuseGraceSeconds`, while its successor is unused (the mark has not passed it), gets that same
 * successor again (same `jti`, `iat`, `exp`): a client's retry is not punished and the family never
 * forks. Any other presentation is theft: the family is revoked and
 * {@link RefreshTokenReusedError} thrown. Records hold ids and times, never a token.
 */
import { createHash, randomUUID } from 'node:crypto';
import { assertKnownOptions } from '../../core/option-names.ts';
import { RefreshTokenReusedError, RevokedTokenError } from '../authx-errors.ts';
import type { ResolvedAuthXConfig } from '../config/config.ts';
import type { RequestToken } from '../http/request-token.ts';
import type { RevocationStore } from '../state/revocation.ts';
import { createTokenId, issuedAtMs } from './token-id.ts';
import { RESERVED_CLAIMS, type TokenFactory, type TokenPair } from './tokens.ts';
import { revocationCheck, type TokenPayload, type TokenVerifier } from './token-verifier.ts';

/** Options of `AuthX#rotateRefreshToken`. */
export interface RotateOptions {
  /**
   * Seconds after a rotation during which presenting the retired token again returns the same
   * successor (as long as that successor has not been used itself); 0 turns the grace off, so
   * every second presentation is theft. Integer 0 to 60; default 10.
   */
  reuseGraceSeconds?: number;
}

/** What a rotation answers: the OAuth 2.0 token response plus what a server may want to log. */
export interface RotatedTokens extends TokenPair {
  /** The family of all three tokens. */
  familyId: string;
  /** The tokens' `sub`. */
  subject: string;
  /** `true` when this repeats the successor handed out by an earlier rotation (race rule). */
  repeated: boolean;
}

/** Default of {@link RotateOptions.reuseGraceSeconds}. */
export const DEFAULT_REUSE_GRACE_SECONDS = 10;

const ROTATE_OPTION_NAMES: readonly string[] = ['reuseGraceSeconds'];

/** A retirement record: the one successor of a retired refresh token. */
interface Successor {
  jti: string;
  issuedAtMs: number;
  fid: string;
}

/**
 * Rotation for one AuthX instance: the instance's token factory, verifier, store and clock.
 */
export class RefreshRotation {
  readonly #factory: TokenFactory;
  readonly #verifier: TokenVerifier;
  readonly #store: RevocationStore;
  readonly #config: ResolvedAuthXConfig;
  readonly #clock: () => number;

  /**
   * @example new RefreshRotation(factory, verifier, store, config, Date.now)
   * @throws Never.
   */
  constructor(factory: TokenFactory, verifier: TokenVerifier, store: RevocationStore, config: ResolvedAuthXConfig, clock: () => number) {
    this.#factory = factory;
    this.#verifier = verifier;
    this.#store = store;
    this.#config = config;
    this.#clock = clock;
  }

  /**
   * Verifies a refresh token, retires it and answers its successor and a new access token.
   *
   * @example const { access_token, refresh_token } = await rotation.rotate(found)
   * @throws {RefreshTokenReusedError} When the token was already retired and the race rule does
   *   not cover this presentation; its family is revoked before the throw.
   * @throws {JWTDecodeError} Or a subclass, as verification of a refresh token.
   * @throws {TypeError} When an option is invalid.
   */
  async rotate(token: RequestToken | string, options?: RotateOptions): Promise<RotatedTokens> {
    const grace = graceSeconds(options);
    const payload = await this.#verifier.verify(token, { type: 'refresh' });
    const nowMs = this.#now();
    const issuedMs = issuedAtMs(payload.jti, payload.iat);
    // Strictly after the presented token, so the mark that retires it never retires its successor.
    const successorMs = Math.max(nowMs, issuedMs + 1);
    // A token without a family (createRefreshToken) rotates into one whose id its jti decides, so
    // a retry lands in the same family and its mark guards the first successor too.
    const familyId = payload.fid ?? derivedFamilyId(payload.jti);
    const candidate: Successor = { jti: createTokenId(successorMs), issuedAtMs: successorMs, fid: familyId };
    const tokenEnd = payload.exp + Math.ceil(this.#config.clockTolerance);
    // With a family, the claim only has to outlive the race; a token without one (made by
    // createRefreshToken) has no mark, so its claim is its retirement and lives as long as it does.
    const claimEnd = payload.fid === undefined ? tokenEnd : Math.min(tokenEnd, Math.floor(nowMs / 1000) + grace + 2);
    const lifetime = Math.max(1, payload.exp - payload.iat);
    const successorEnd = Math.floor(successorMs / 1000) + lifetime + Math.ceil(this.#config.clockTolerance);
    // keepFromMs: a fold this write causes must not refuse the successor it hands out.
    const owner = { subject: payload.sub, coversMs: issuedMs, cutoffExpiresAt: Math.max(successorEnd, this.familyExpiry(payload)), keepFromMs: successorMs };
    const family = { fid: familyId, retiredMs: issuedMs, expiresAt: successorEnd };
    // The session, if the family is one, is used now: its last use moves up in the same write.
    const session = { lastUsedAt: successorMs, expiresAt: successorEnd };
    // The token itself goes along: a logout that landed since its verification is seen in the
    // same atomic step as the claim, so it never gets a successor out.
    const retired = revocationCheck(payload);
    const found = await this.#store.retire({ key: retirementKey(payload.jti), value: encodeSuccessor(candidate), expiresAt: claimEnd, family, owner, session, token: retired });
    if (found?.outcome === 'revoked') throw new RevokedTokenError();
    if (found?.outcome === 'claimed') return this.#issue(payload, candidate, false);
    if (found?.outcome === 'taken') {
      const successor = decodeSuccessor(found.value);
      const markMs = typeof found.markMs === 'number' ? found.markMs : Number.POSITIVE_INFINITY;
      // A record this code cannot read counts as theft: failing open could fork the family.
      if (successor !== null && grace > 0 && nowMs - successor.issuedAtMs < grace * 1000 && markMs < successor.issuedAtMs) {
        return this.#issue(payload, successor, true);
      }
      return this.#theft(payload, familyId);
    }
    // 'retired' (the mark passed this token after its claim lapsed), or an answer this code
    // does not know: theft, never a second successor.
    return this.#theft(payload, familyId);
  }

  /**
   * Whether family `fid` is revoked. Asked through `isRevoked` with a probe only the family can
   * match: a `jti` never issued, and an instant no cut-off covers.
   *
   * @example await rotation.isFamilyRevoked(payload.fid)
   * @throws {TypeError} When `fid` is not a non-empty string.
   */
  async isFamilyRevoked(fid: string, subject?: string): Promise<boolean> {
    if (typeof fid !== 'string' || fid === '') throw new TypeError('fid must be a non-empty string');
    if (subject !== undefined && (typeof subject !== 'string' || subject === '')) throw new TypeError('subject must be a non-empty string');
    // No cut-off covers an instant before the epoch, and no jti is ever "probe:...": only the family can match.
    const probe = { jti: `probe:${randomUUID()}`, sub: subject ?? `\u0000probe:${randomUUID()}`, issuedAtMs: Number.MIN_SAFE_INTEGER, fid };
    return Boolean(await this.#store.isRevoked(probe));
  }

  /**
   * Seconds since the epoch until which a revocation of the family must be remembered: the
   * newest token of a family is issued now at the latest, so it dies within the longest lifetime.
   *
   * @example rotation.familyExpiry(payload)
   * @throws Never.
   */
  familyExpiry(payload: Pick<TokenPayload, 'iat' | 'exp'> | undefined): number {
    const presented = payload === undefined ? 0 : payload.exp - payload.iat;
    const longest = Math.max(presented, this.#config.refreshTokenExpires, this.#config.accessTokenExpires);
    return Math.floor(this.#now() / 1000) + longest + Math.ceil(this.#config.clockTolerance);
  }

  /** Mints the successor (fixed identity, so a repeat is the same token) and a new access token. */
  #issue(payload: TokenPayload, successor: Successor, repeated: boolean): RotatedTokens {
    const carried = carriedOptions(payload);
    const lifetime = Math.max(1, payload.exp - payload.iat);
    const refresh_token = this.#factory.create(payload.sub, 'refresh', carried, lifetime, successor);
    // Never issued before the successor: a fold this rotation caused stops just before it.
    const accessMs = Math.max(this.#now(), successor.issuedAtMs);
    const access_token = this.#factory.create(payload.sub, 'access', carried, undefined, { fid: successor.fid, issuedAtMs: accessMs, jti: createTokenId(accessMs) });
    return { access_token, token_type: 'bearer', refresh_token, familyId: successor.fid, subject: payload.sub, repeated };
  }

  async #theft(payload: TokenPayload, fid: string): Promise<never> {
    const expiresAt = this.familyExpiry(payload);
    const nowMs = this.#now();
    await this.#store.revokeFamily(fid, expiresAt, { subject: payload.sub, coversMs: nowMs, cutoffExpiresAt: expiresAt });
    throw new RefreshTokenReusedError(fid, payload.jti);
  }

  #now(): number {
    const nowMs = this.#clock();
    if (!Number.isFinite(nowMs)) throw new TypeError('the clock returned a time that is not a finite number');
    return nowMs;
  }
}

/**
 * The claim key that makes racing rotations of refresh token `jti` agree on one successor. Ids this library makes are short; a longer or odd
 * one (a token signed elsewhere with the same key) is hashed so no key exceeds a store's limit.
 *
 * @example retirementKey(payload.jti) // "rt:0190c2a4-..."
 * @throws Never.
 */
export function retirementKey(jti: string): string {
  if (jti.length <= 128 && /^[\x21-\x7e]+$/.test(jti)) return `rt:${jti}`;
  return `rt#${createHash('sha256').update(jti).digest('base64url')}`;
}

/** The family a token without `fid` rotates into: fixed by its `jti`, so every retry agrees. */
function derivedFamilyId(jti: string): string {
  return `r-${createHash('sha256').update(jti).digest('base64url')}`;
}

function encodeSuccessor(successor: Successor): string {
  return `${successor.jti} ${successor.issuedAtMs} ${successor.fid}`;
}

function decodeSuccessor(value: unknown): Successor | null {
  if (typeof value !== 'string') return null;
  const parts = value.split(' ');
  if (parts.length !== 3) return null;
  const [jti = '', ms = '', fid = ''] = parts;
  const issuedAtMs = Number(ms);
  if (jti === '' || fid === '' || !/^\d{1,16}$/.test(ms) || !Number.isSafeInteger(issuedAtMs)) return null;
  return { jti, issuedAtMs, fid };
}

/** The options that make the new tokens say what the login's tokens said: audience, scopes, extra claims. */
function carriedOptions(payload: TokenPayload): { audience?: string | string[]; scopes?: string[]; data?: Record<string, unknown> } {
  const carried: { audience?: string | string[]; scopes?: string[]; data?: Record<string, unknown> } = {};
  if (payload.aud !== undefined) carried.audience = payload.aud;
  if (payload.scopes !== undefined) carried.scopes = payload.scopes;
  const data: Record<string, unknown> = {};
  let any = false;
  for (const name of Object.keys(payload)) {
    if (RESERVED_CLAIMS.has(name) || name === 'fid' || name === 'toJSON') continue;
    data[name] = payload[name];
    any = true;
  }
  if (any) carried.data = data;
  return carried;
}

function graceSeconds(options: RotateOptions | undefined): number {
  assertKnownOptions(options, ROTATE_OPTION_NAMES, 'rotateRefreshToken options');
  const value = options?.reuseGraceSeconds ?? DEFAULT_REUSE_GRACE_SECONDS;
  if (!Number.isSafeInteger(value) || value < 0 || value > 60) throw new RangeError('reuseGraceSeconds must be an integer from 0 to 60');
  return value;
}
