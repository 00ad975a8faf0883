/**
 * `MemoryRevocationStore` (exported by `authx-node`): the revocation model of revocation.ts in
 * one process's memory. Synchronous, so verification stays free of Promises. Every entry expires
 * with what it protects, and the whole store is capped. It is also the in-memory half of
 * `FileRevocationStore`, which journals the records this store exports.
 */
import { RevocationStoreFullError } from '../authx-errors.ts';
import { positiveInteger } from '../config/option-checks.ts';
import { assertBound, assertKey, assertTime, type RevocationCheck, type RevocationStore, type RevokeResult, type SubjectBound } from './revocation.ts';

/** Options of {@link MemoryRevocationStore}. */
export interface MemoryRevocationStoreOptions {
  /** Most unexpired entries (tokens, cut-offs, families, claims) kept at once; default 100000. */
  maxEntries?: number;
  /** Seconds between sweeps for expired entries, done on a write; default 60. */
  sweepInterval?: number;
  /** The clock in milliseconds; default `Date.now`. */
  clock?: () => number;
}

/**
 * One unit of state, as journaled by `FileRevocationStore`: a revoked `jti` (with its subject
 * when a bound counted it), a subject cut-off, a revoked family, a claim. Times as in the store.
 */
export type StateRecord =
  | readonly ['j', jti: string, expiresAt: number, subject: string | null]
  | readonly ['s', subject: string, cutoffMs: number, expiresAt: number]
  | readonly ['f', fid: string, expiresAt: number, subject: string | null]
  | readonly ['c', key: string, value: string, expiresAt: number];

/** Default cap of {@link MemoryRevocationStore}. */
export const DEFAULT_MAX_REVOKED_ENTRIES = 100_000;

const OPTION_NAMES = new Set(['maxEntries', 'sweepInterval', 'clock']);

interface Cutoff {
  cutoffMs: number;
  expiresAt: number;
}

/**
 * In-memory revocation store of one process. Lookups drop what they find expired; writes sweep
 * everything expired at most once per `sweepInterval` (and when the cap is reached). No timer,
 * so the store never keeps a process alive. When the cap is reached by live entries, a write
 * throws {@link RevocationStoreFullError} (503) rather than forgetting a revocation.
 */
export class MemoryRevocationStore implements RevocationStore {
  readonly #tokens = new Map<string, number>();
  readonly #cutoffs = new Map<string, Cutoff>();
  readonly #families = new Map<string, number>();
  readonly #claims = new Map<string, { value: string; expiresAt: number }>();
  /** Expiries of each subject's individual revocations made under a bound. */
  readonly #counted = new Map<string, number[]>();
  /** The subject each counted `jti` belongs to, so an export keeps the bound across a restart. */
  readonly #owners = new Map<string, string>();
  readonly #maxEntries: number;
  readonly #sweepInterval: number;
  readonly #clock: () => number;
  #nextSweep = 0;
  #lastSweep = Number.NEGATIVE_INFINITY;

  /**
   * @example const store = new MemoryRevocationStore({ maxEntries: 10_000 })
   * @throws {RangeError} When `maxEntries` or `sweepInterval` is not a positive integer.
   * @throws {TypeError} When `clock` is not a function or an option name is unknown.
   */
  constructor(options: MemoryRevocationStoreOptions = {}) {
    for (const name of Object.keys(options)) if (!OPTION_NAMES.has(name)) throw new TypeError(`unknown MemoryRevocationStore option "${name}"`);
    const { clock = Date.now } = options;
    this.#maxEntries = positiveInteger(options.maxEntries, DEFAULT_MAX_REVOKED_ENTRIES, 'maxEntries');
    this.#sweepInterval = positiveInteger(options.sweepInterval, 60, 'sweepInterval (seconds)');
    if (typeof clock !== 'function') throw new TypeError('clock must be a function returning milliseconds');
    this.#clock = clock;
  }

  /** Number of entries held, expired ones not yet swept included. */
  get size(): number {
    return this.#tokens.size + this.#cutoffs.size + this.#families.size + this.#claims.size;
  }

  /**
   * Whether a token is revoked (by `jti`, subject cut-off or family). A bare string asks about a `jti` only.
   *
   * @example store.isRevoked({ jti, sub, issuedAtMs, fid: undefined })
   * @throws Never.
   */
  isRevoked(check: RevocationCheck | string): boolean {
    const now = this.#now();
    if (typeof check === 'string') return this.#live(this.#tokens, check, now);
    if (this.#live(this.#tokens, check.jti, now)) return true;
    if (check.fid !== undefined && this.#live(this.#families, check.fid, now)) return true;
    const cutoff = this.#cutoffs.get(check.sub);
    if (cutoff === undefined) return false;
    if (cutoff.expiresAt <= now) {
      this.#cutoffs.delete(check.sub);
      return false;
    }
    return check.issuedAtMs <= cutoff.cutoffMs;
  }

  /**
   * @example store.revoke(payload.jti, payload.exp)
   * @throws {TypeError} When an argument is invalid.
   * @throws {RevocationStoreFullError} When `maxEntries` live entries are already held.
   */
  revoke(jti: string, expiresAt: number, bound?: SubjectBound): RevokeResult {
    assertKey(jti, 'jti');
    assertTime(expiresAt, 'expiresAt');
    return this.#bounded(this.#tokens, jti, expiresAt, bound);
  }

  /**
   * @example store.revokeSubject("user1", Date.now(), nowSeconds + 20 * 86400)
   * @throws {TypeError} When an argument is invalid.
   * @throws {RevocationStoreFullError} When full.
   */
  revokeSubject(subject: string, cutoffMs: number, expiresAt: number): void {
    assertKey(subject, 'subject');
    assertTime(cutoffMs, 'cutoffMs');
    assertTime(expiresAt, 'expiresAt');
    const now = this.#now();
    if (expiresAt <= now) return;
    this.#makeRoom(now, this.#cutoffs, subject);
    const known = this.#cutoffs.get(subject);
    // Never backwards: a late or replayed older cut-off must not revive tokens a newer one revoked.
    this.#cutoffs.set(subject, {
      cutoffMs: Math.max(cutoffMs, known?.cutoffMs ?? cutoffMs),
      expiresAt: Math.max(expiresAt, known?.expiresAt ?? expiresAt),
    });
  }

  /**
   * @example store.revokeFamily(payload.fid, payload.exp)
   * @throws {TypeError} When an argument is invalid.
   * @throws {RevocationStoreFullError} When full.
   */
  revokeFamily(fid: string, expiresAt: number, bound?: SubjectBound): RevokeResult {
    assertKey(fid, 'fid');
    assertTime(expiresAt, 'expiresAt');
    return this.#bounded(this.#families, fid, expiresAt, bound);
  }

  /**
   * @example store.claim(`rt:${payload.jti}`, successorJti, payload.exp) // null: this caller won
   * @throws {TypeError} When an argument is invalid.
   * @throws {RevocationStoreFullError} When full.
   */
  claim(key: string, value: string, expiresAt: number): string | null {
    assertKey(key, 'key');
    if (typeof value !== 'string') throw new TypeError('value must be a string');
    assertTime(expiresAt, 'expiresAt');
    const now = this.#now();
    const known = this.#claims.get(key);
    if (known !== undefined && known.expiresAt > now) return known.value;
    if (expiresAt <= now) return null; // nothing to hold: the claim protects nothing any more
    this.#makeRoom(now, this.#claims, key);
    this.#claims.set(key, { value, expiresAt });
    return null;
  }

  /**
   * Every live entry as records (for a journal's compaction).
   *
   * @example for (const record of store.exportRecords()) write(record)
   * @throws Never.
   */
  exportRecords(): StateRecord[] {
    const now = this.#now();
    const records: StateRecord[] = [];
    for (const [jti, exp] of this.#tokens) if (exp > now) records.push(['j', jti, exp, this.#owners.get(`j:${jti}`) ?? null]);
    for (const [sub, c] of this.#cutoffs) if (c.expiresAt > now) records.push(['s', sub, c.cutoffMs, c.expiresAt]);
    for (const [fid, exp] of this.#families) if (exp > now) records.push(['f', fid, exp, this.#owners.get(`f:${fid}`) ?? null]);
    for (const [key, c] of this.#claims) if (c.expiresAt > now) records.push(['c', key, c.value, c.expiresAt]);
    return records;
  }

  /**
   * Restores one exported record (replaying a journal). An expired record is ignored.
   *
   * @example store.applyRecord(['f', fid, exp])
   * @throws {TypeError} When the record is malformed.
   * @throws {RevocationStoreFullError} When full.
   */
  applyRecord(record: StateRecord): void {
    if (!Array.isArray(record)) throw new TypeError('a state record must be an array');
    switch (record[0]) {
      case 'j':
      case 'f': {
        const subject = record[3];
        // A huge limit records the subject's share without ever converting it to a cut-off.
        const bound = subject === null || subject === undefined ? undefined : { subject, limit: Number.MAX_SAFE_INTEGER, cutoffMs: 0, cutoffExpiresAt: 0 };
        this.#bounded(record[0] === 'j' ? this.#tokens : this.#families, record[1], record[2], bound);
        return;
      }
      case 's':
        return this.revokeSubject(record[1], record[2], record[3]);
      case 'c':
        this.claim(record[1], record[2], record[3]);
        return;
      default:
        throw new TypeError('unknown state record');
    }
  }

  /**
   * Drops every expired entry now.
   *
   * @example store.sweep()
   * @throws Never.
   */
  sweep(): void {
    this.#sweep(this.#now());
  }

  /** Stores `key` in `map` (jtis or families) until `expiresAt`, counted against `bound` if given. */
  #bounded(map: Map<string, number>, key: string, expiresAt: number, bound: SubjectBound | undefined): RevokeResult {
    if (bound !== undefined) assertBound(bound);
    const now = this.#now();
    if (bound !== undefined) {
      const expiries = (this.#counted.get(bound.subject) ?? []).filter((exp) => exp > now);
      this.#counted.set(bound.subject, expiries);
      if (expiries.length >= bound.limit && !map.has(key)) {
        this.revokeSubject(bound.subject, bound.cutoffMs, bound.cutoffExpiresAt);
        return 'subject';
      }
    }
    if (expiresAt <= now) return 'token'; // already dead: nothing to remember
    this.#makeRoom(now, map, key);
    const known = map.get(key);
    if (known === undefined || known < expiresAt) map.set(key, expiresAt);
    if (bound !== undefined && known === undefined) {
      const expiries = this.#counted.get(bound.subject); // a sweep may have dropped an empty list
      if (expiries === undefined) this.#counted.set(bound.subject, [expiresAt]);
      else expiries.push(expiresAt);
      this.#owners.set(`${map === this.#families ? 'f' : 'j'}:${key}`, bound.subject);
    }
    return 'token';
  }

  #live(map: Map<string, number>, key: string, now: number): boolean {
    const expiresAt = map.get(key);
    if (expiresAt === undefined) return false;
    if (expiresAt > now) return true;
    map.delete(key);
    return false;
  }

  #makeRoom(now: number, map: Map<string, unknown>, key: string): void {
    // When full, sweep at once to make room, but at most once a second: a store full of live
    // entries would otherwise rescan every entry on every refused call.
    const full = this.size >= this.#maxEntries && !map.has(key);
    if (now >= this.#nextSweep || (full && now > this.#lastSweep)) this.#sweep(now);
    if (!map.has(key) && this.size >= this.#maxEntries) throw new RevocationStoreFullError(this.#maxEntries);
  }

  #sweep(now: number): void {
    for (const [jti, exp] of this.#tokens) {
      if (exp <= now) {
        this.#tokens.delete(jti);
        this.#owners.delete(`j:${jti}`);
      }
    }
    for (const [sub, c] of this.#cutoffs) if (c.expiresAt <= now) this.#cutoffs.delete(sub);
    for (const [fid, exp] of this.#families) {
      if (exp <= now) {
        this.#families.delete(fid);
        this.#owners.delete(`f:${fid}`);
      }
    }
    for (const [key, c] of this.#claims) if (c.expiresAt <= now) this.#claims.delete(key);
    for (const [sub, expiries] of this.#counted) {
      const live = expiries.filter((exp) => exp > now);
      if (live.length === 0) this.#counted.delete(sub);
      else this.#counted.set(sub, live);
    }
    this.#lastSweep = now;
    this.#nextSweep = now + this.#sweepInterval;
  }

  #now(): number {
    return Math.floor(this.#clock() / 1000);
  }
}
