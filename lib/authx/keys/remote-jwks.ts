/**
 * Room `lib/authx/keys/`: keys from elsewhere: a remote JWK Set fetched, cached and bounded. May
 * import: `lib/core/`, `lib/authx/`.
 *
 * A remote JSON Web Key Set (RFC 7517 section 5) fetched from a URL, for verifiers that hold
 * only the issuer's published public keys: a bounded fetch (timeout, size cap, no redirects),
 * caching by `Cache-Control: max-age` (RFC 9111 section 5.2.2.1) between a floor and a ceiling,
 * a cooldown so a flood of unknown `kid`s cannot become a flood of fetches, and a bound on how
 * long an expired set may stand in while the issuer cannot be reached. `https:` only, except
 * loopback addresses. Exported by `authx-node` (not the core: it uses `fetch`).
 */
import type { VerifyOptions } from '../../core/claims.ts';
import type { Algorithm } from '../../core/algorithms.ts';
import type { AsymmetricKey } from '../../core/asymmetric-key.ts';
import { DEFAULT_MAX_TOKEN_LENGTH } from '../../core/claims.ts';
import { MalformedTokenError, TokenTooLongError } from '../../core/errors.ts';
import { KeySetUnavailableError } from '../authx-errors.ts';
import { decodeHeaderSegment } from '../../core/header.ts';
import { LocalJWKSet, type JwkSetDocument } from '../../core/jwks.ts';
import { verifyJwtComplete, type VerifiedJwt, type VerifyKeyInput } from '../../core/jwt.ts';
import type { KeySet } from '../../core/keys.ts';
import { assertKnownOptions } from '../../core/option-names.ts';

/** Options of {@link createRemoteJWKSet}. */
export interface RemoteJWKSetOptions {
  /** Abort a fetch after this many milliseconds; default 5000. */
  timeoutMs?: number;
  /** Largest accepted response body in bytes; default 65536. */
  maxBytes?: number;
  /** Shortest time a fetched set is kept, whatever `Cache-Control` says; default 60 s. */
  minCacheSeconds?: number;
  /** Longest time a fetched set is kept, whatever `Cache-Control` says; default 86400 s. */
  maxCacheSeconds?: number;
  /** Least time between two fetches caused by an unknown `kid`; default 30 s. */
  cooldownSeconds?: number;
  /**
   * How long after it expired a set is still used while every fetch fails (the issuer is down
   * or cannot be reached); default 3600 s; 0 uses no expired set at all. Past it, verification
   * fails with `ERR_JWKS_UNAVAILABLE` (503) rather than trust keys the issuer may have retired.
   */
  maxStaleSeconds?: number;
  /**
   * The clock in milliseconds, for tests; default a monotonic one (`performance.now()` from the
   * process's start), so a wall clock set back cannot keep an expired set in use.
   */
  clock?: () => number;
}

const OPTION_NAMES: readonly string[] = ['timeoutMs', 'maxBytes', 'minCacheSeconds', 'maxCacheSeconds', 'cooldownSeconds', 'maxStaleSeconds', 'clock'];

/**
 * A key set kept in step with a URL. Use it with {@link verifyJwtAsync}, which fetches when
 * needed; `verifyJwt` can use it synchronously once it has been loaded (an expired set is then
 * refreshed in the background, so a synchronous caller is not held to `maxStaleSeconds` for good).
 */
export class RemoteJWKSet implements KeySet {
  /** The JWK Set URL. */
  readonly url: URL;
  readonly #timeoutMs: number;
  readonly #maxBytes: number;
  readonly #minCacheMs: number;
  readonly #maxCacheMs: number;
  readonly #cooldownMs: number;
  readonly #maxStaleMs: number;
  readonly #clock: () => number;
  #set: LocalJWKSet | undefined;
  #expiresAt = 0;
  #lastFetchAt = Number.NEGATIVE_INFINITY;
  #inFlight: Promise<void> | undefined;
  /** Fetches made so far (for monitoring and tests). */
  fetches = 0;

  /**
   * Use {@link createRemoteJWKSet}.
   * @throws {TypeError | RangeError} As {@link createRemoteJWKSet}.
   */
  constructor(url: string | URL, options: RemoteJWKSetOptions = {}) {
    if (typeof options !== 'object' || options === null) throw new TypeError('createRemoteJWKSet options must be an object');
    assertKnownOptions(options, OPTION_NAMES, 'createRemoteJWKSet options');
    this.url = checkedUrl(url);
    this.#timeoutMs = positive(options.timeoutMs, 5000, 'timeoutMs');
    this.#maxBytes = positive(options.maxBytes, 64 * 1024, 'maxBytes');
    this.#minCacheMs = positive(options.minCacheSeconds, 60, 'minCacheSeconds') * 1000;
    this.#maxCacheMs = positive(options.maxCacheSeconds, 86_400, 'maxCacheSeconds') * 1000;
    if (this.#maxCacheMs < this.#minCacheMs) throw new RangeError('maxCacheSeconds must be at least minCacheSeconds');
    this.#cooldownMs = positive(options.cooldownSeconds, 30, 'cooldownSeconds') * 1000;
    this.#maxStaleMs = nonNegative(options.maxStaleSeconds, 3600, 'maxStaleSeconds') * 1000;
    if (options.clock !== undefined && typeof options.clock !== 'function') throw new TypeError('clock must be a function returning milliseconds');
    this.#clock = options.clock ?? monotonicMs;
  }

  /**
   * The keys for a token, from the set fetched last.
   *
   * @example set.candidates(header.kid, header.alg)
   * @throws {KeySetUnavailableError} `ERR_JWKS_UNAVAILABLE` (503) when no set is loaded yet, or
   *   the last one expired more than `maxStaleSeconds` ago.
   * @throws {UnknownKeyError} `ERR_JWT_KEY_UNKNOWN` when no key matches.
   */
  candidates(kid: string | undefined, alg: Algorithm): readonly AsymmetricKey[] {
    const now = this.#clock();
    // A synchronous caller (`verifyJwt`) never awaits `ready()`: an expired set is refreshed in
    // the background (within the same cooldown), so such a caller is not left with it for good.
    if (now >= this.#expiresAt && this.#inFlight === undefined) this.ready().catch(ignore);
    const set = this.#usableSet(now);
    if (set === undefined) throw new KeySetUnavailableError(this.#restOfCooldown(now));
    return set.candidates(kid, alg);
  }

  /**
   * Makes sure the set is loaded and fresh, and fetches again for an unknown `kid`, unless a
   * fetch started within the cooldown. Concurrent callers share one fetch. A failed fetch keeps
   * the previous set, for `maxStaleSeconds` after it expired (stale keys keep verifying for a
   * while rather than every token failing at once).
   *
   * @example await set.ready(header.kid)
   * @throws {KeySetUnavailableError} `ERR_JWKS_UNAVAILABLE` (503, `Retry-After`: the rest of the
   *   cooldown; the fetch error as `cause`) when no set could ever be fetched, or the last one
   *   expired more than `maxStaleSeconds` ago and cannot be fetched again.
   */
  async ready(kid?: string): Promise<void> {
    if (this.#inFlight === undefined) {
      const now = this.#clock();
      const wanted = this.#set === undefined || now >= this.#expiresAt || (kid !== undefined && !this.#set.has(kid));
      // The cooldown holds for every reason, failures included, so no token pattern can make
      // this verifier fetch more than once per cooldown.
      if (!wanted || now - this.#lastFetchAt < this.#cooldownMs) {
        if (this.#usableSet(now) === undefined) throw new KeySetUnavailableError(this.#restOfCooldown(now));
        return;
      }
      this.#inFlight = this.#load().finally(() => {
        this.#inFlight = undefined;
      });
    }
    try {
      await this.#inFlight;
    } catch (cause) {
      if (this.#usableSet(this.#clock()) === undefined) throw new KeySetUnavailableError(this.#cooldownMs / 1000, { cause });
    }
  }

  /** The set fetched last, unless it expired more than `maxStaleSeconds` before `now`. */
  #usableSet(now: number): LocalJWKSet | undefined {
    return now < this.#expiresAt + this.#maxStaleMs ? this.#set : undefined;
  }

  /** Seconds until the cooldown lets the next fetch start (at least 1, at most the cooldown, for `Retry-After`). */
  #restOfCooldown(now: number): number {
    return Math.min(this.#cooldownMs, Math.max(1000, this.#cooldownMs - (now - this.#lastFetchAt))) / 1000;
  }

  async #load(): Promise<void> {
    this.#lastFetchAt = this.#clock();
    this.fetches++;
    const response = await fetch(this.url, {
      redirect: 'error',
      signal: AbortSignal.timeout(this.#timeoutMs),
      headers: { accept: 'application/jwk-set+json, application/json' },
    });
    if (response.status !== 200) {
      await response.body?.cancel();
      throw new Error(`JWK Set fetch answered ${response.status}`);
    }
    const text = await readCapped(response, this.#maxBytes);
    let document: unknown;
    try {
      document = JSON.parse(text);
    } catch {
      // JSON.parse's message quotes the text: no remote content travels on in the error's cause.
      throw new Error('JWK Set is not JSON');
    }
    const set = new LocalJWKSet(document as JwkSetDocument);
    const maxAge = maxAgeSeconds(response.headers.get('cache-control'));
    const ttl = Math.min(this.#maxCacheMs, Math.max(this.#minCacheMs, (maxAge ?? 0) * 1000));
    this.#set = set;
    this.#expiresAt = this.#clock() + ttl;
  }
}

/**
 * A remote JWK Set for {@link verifyJwtAsync}. Nothing is fetched until the first verification.
 *
 * @example const keys = createRemoteJWKSet("https://issuer.example/.well-known/jwks.json")
 * @throws {TypeError} When the URL is not `https:` (or `http:` to a loopback address) or an
 *   option is unknown or of the wrong type.
 * @throws {RangeError} When a number is out of range.
 */
export function createRemoteJWKSet(url: string | URL, options?: RemoteJWKSetOptions): RemoteJWKSet {
  return new RemoteJWKSet(url, options);
}

/**
 * Verifies a JWT like `verifyJwtComplete`, first bringing a remote key set up to date for the
 * token's `kid`. Other keys are used as they are.
 *
 * @example const { payload } = await verifyJwtAsync(token, remoteKeys, { audience: "api" })
 * @throws {JWTDecodeError} (or a subclass) when the token is not acceptable.
 */
export async function verifyJwtAsync(token: string, keys: VerifyKeyInput | RemoteJWKSet, options?: VerifyOptions): Promise<VerifiedJwt> {
  if (keys instanceof RemoteJWKSet) await keys.ready(peekKid(token, options?.maxTokenLength ?? DEFAULT_MAX_TOKEN_LENGTH));
  return verifyJwtComplete(token, keys, options);
}

/** The header's `kid`, read only to pick keys; the full checks happen in the verify. */
function peekKid(token: string, maxTokenLength: number): string | undefined {
  if (typeof token !== 'string') throw new MalformedTokenError('Token must be a string');
  if (token.length > maxTokenLength) throw new TokenTooLongError('Token is longer than the allowed maximum');
  const dot = token.indexOf('.');
  if (dot <= 0) throw new MalformedTokenError('Token must have three segments');
  const { kid } = decodeHeaderSegment(token.slice(0, dot));
  return typeof kid === 'string' ? kid : undefined;
}

/** Reads a body, refusing it as soon as it passes `maxBytes`. */
async function readCapped(response: Response, maxBytes: number): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? '0');
  if (declared > maxBytes) {
    await response.body?.cancel();
    throw new Error('JWK Set is larger than maxBytes');
  }
  if (response.body === null) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.length;
    if (size > maxBytes) throw new Error('JWK Set is larger than maxBytes');
    chunks.push(chunk);
  }
  return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks));
}

/** `max-age` of a Cache-Control value; `no-store`/`no-cache` count as 0 (the floor then applies). */
function maxAgeSeconds(header: string | null): number | undefined {
  if (header === null) return undefined;
  let result: number | undefined;
  for (const directive of header.toLowerCase().split(',')) {
    const [name, value] = directive.trim().split('=', 2);
    if (name === 'no-store' || name === 'no-cache') return 0;
    const seconds = value?.replace(/^"|"$/g, '');
    if (name === 'max-age' && seconds !== undefined && /^\d{1,10}$/.test(seconds)) result = Number(seconds);
  }
  return result;
}

function checkedUrl(input: string | URL): URL {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw new TypeError('the JWK Set URL is not a valid absolute URL');
  }
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:' && isLoopback(url.hostname)) return url;
  throw new TypeError('the JWK Set URL must be https: (http: only to a loopback address, for tests)');
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

function nonNegative(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number') throw new TypeError(`${name} must be a number`);
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`${name} must be a finite number, 0 or more`);
  return value;
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number') throw new TypeError(`${name} must be a number`);
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be a positive finite number`);
  return value;
}

/** Milliseconds that only move forward, whatever happens to the wall clock. */
function monotonicMs(): number {
  return performance.now();
}

function ignore(): void {
  // A background refresh that fails leaves the state as it was; the next verification says so.
}
