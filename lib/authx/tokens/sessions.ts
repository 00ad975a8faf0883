/**
 * Sessions: the refresh token families of a user as the user sees them ("where you are signed
 * in"). `AuthX#createSession` starts a family and records it in the revocation store with the
 * client's metadata; every rotation moves its last use up in the same store write that retires
 * the old token; ending a session revokes its family, so its access and refresh tokens are
 * refused at once, on every instance sharing the store. Records hold ids, times and the
 * metadata given: never a token. Exported by `authx-node` through `AuthX`.
 */
import type { RevocationStore, SessionRecord } from '../state/revocation.ts';

/** Options of `AuthX#createSession` beyond those of `createTokenPair`. */
export interface SessionMetadata {
  /** The client's `User-Agent`: control characters are removed and it is cut to 256 characters. */
  userAgent?: string | undefined;
  /** A coarse network hint, such as the /24 or /48 of the client's address (at most 64 characters). */
  network?: string | undefined;
  /** Most sessions one user keeps; past it the oldest are ended first. Default 100. */
  maxSessions?: number | undefined;
}

/** One session as `AuthX#listSessions` answers it. Times in seconds since the epoch. */
export interface SessionInfo {
  /** The session's id: its family id, the `fid` claim of its tokens. */
  id: string;
  /** When it was started (login). */
  createdAt: number;
  /** When its tokens were last issued (login or the last refresh). */
  lastUsedAt: number;
  /** When its newest refresh token expires. */
  expiresAt: number;
  /** The `User-Agent` recorded, or `null`. */
  userAgent: string | null;
  /** The network hint recorded, or `null`. */
  network: string | null;
}

/** Default of {@link SessionMetadata.maxSessions}. */
export const DEFAULT_MAX_SESSIONS = 100;

/** Option names of `createSession` that are not `createTokenPair`'s. */
export const SESSION_OPTION_NAMES: readonly string[] = ['userAgent', 'network', 'maxSessions'];

/**
 * A `User-Agent` as it may be kept and shown: no control characters, at most 256 characters.
 *
 * @example cleanUserAgent("curl/8.5\r\n") // "curl/8.5"
 * @throws {TypeError} When it is neither a string nor undefined.
 */
export function cleanUserAgent(value: unknown): string | null {
  if (value === undefined) return null;
  if (typeof value !== 'string') throw new TypeError('userAgent must be a string');
  const clean = value.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, '').trim().slice(0, 256);
  return clean === '' ? null : clean;
}

/**
 * A network hint as it may be kept: a non-empty string of at most 64 printable characters.
 *
 * @example cleanNetwork("192.0.2.0/24")
 * @throws {TypeError} When it is none of that.
 */
export function cleanNetwork(value: unknown): string | null {
  if (value === undefined) return null;
  if (typeof value !== 'string' || value === '' || value.length > 64 || !/^[\x21-\x7e]+$/.test(value)) throw new TypeError('network must be a short string such as "192.0.2.0/24"');
  return value;
}

/**
 * The most sessions a user keeps, checked.
 *
 * @example maxSessionsOf(undefined) // 100
 * @throws {RangeError} When it is not a positive integer.
 */
export function maxSessionsOf(value: unknown): number {
  if (value === undefined) return DEFAULT_MAX_SESSIONS;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) throw new RangeError('maxSessions must be a positive integer');
  return value;
}

/**
 * The subject's sessions from the store, newest first, in seconds.
 *
 * @example await listSessions(store, "user1")
 * @throws What the store throws (`StateUnavailableError`: 503).
 */
export async function listSessions(store: RevocationStore, subject: string): Promise<SessionInfo[]> {
  const records = await store.listSessions(subject);
  return [...records]
    .filter((r: SessionRecord) => r.subject === subject)
    .sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? -1 : 1))
    .map((r) => ({
      id: r.id,
      createdAt: Math.floor(r.createdAt / 1000),
      lastUsedAt: Math.floor(r.lastUsedAt / 1000),
      expiresAt: r.expiresAt,
      userAgent: r.userAgent,
      network: r.network,
    }));
}
