/**
 * `MemoryRevocationStore` (exported by `authx-node`): the revocation model of revocation.ts in
 * one process's memory. Synchronous, so verification stays free of Promises. Every entry expires
 * with what it protects; every entry counts in its subject's share, and a full share (or a full
 * store) is folded into a subject cut-off instead of refusing the write. It is also the in-memory
 * half of `FileRevocationStore`, which journals the records a transaction of this store reports
 * and undoes the transactions whose records could not be made durable.
 */
import { RevocationStoreFullError } from '../authx-errors.ts';
import { positiveInteger } from '../config/option-checks.ts';
import {
  assertKey,
  assertOwner,
  assertRetirement,
  assertSession,
  assertTime,
  DEFAULT_MAX_ENTRIES_PER_SUBJECT,
  foldCutoffMs,
  type Owner,
  type Retirement,
  type RetireResult,
  type RevocationCheck,
  type RevocationStore,
  type RevokeResult,
  type SessionRecord,
} from './revocation.ts';

/** Options of {@link MemoryRevocationStore}. */
export interface MemoryRevocationStoreOptions {
  /** Most unexpired entries of every kind kept at once; default 100000. */
  maxEntries?: number;
  /** Most unexpired entries of one subject (tokens, families, marks, claims); default 1000. */
  maxEntriesPerSubject?: number;
  /** Seconds between sweeps for expired entries, done on a write; default 60. */
  sweepInterval?: number;
  /** The clock in milliseconds; default `Date.now`. */
  clock?: () => number;
}

/**
 * One change of state, as `FileRevocationStore` journals it; replayed in order by
 * {@link MemoryRevocationStore.applyRecord}, records rebuild the same state. Times as in the
 * contract: expiries in seconds, instants in milliseconds. `subject` is `null` only in records
 * written before entries had owners (counted in no share).
 * - `j`/`f`: a revoked token / family; `s`: a subject cut-off;
 * - `x`: a fold: the subject's cut-off moves up to `cutoffMs` and every entry of the subject it covers is dropped;
 * - `m`/`c`: a family's rotation mark / a retirement claim (as exported by a compaction);
 * - `r`: a rotation's retirement: claim and mark (and the session's last use) in one record;
 * - `n`: a session record (dropped with its family by `f`).
 */
export type StateRecord =
  | readonly ['j', jti: string, expiresAt: number, subject: string | null, coversMs: number]
  | readonly ['f', fid: string, expiresAt: number, subject: string | null, coversMs: number]
  | readonly ['s', subject: string, cutoffMs: number, expiresAt: number]
  | readonly ['x', subject: string, cutoffMs: number, expiresAt: number]
  | readonly ['m', fid: string, markMs: number, expiresAt: number, subject: string | null]
  | readonly ['c', key: string, value: string, expiresAt: number, subject: string | null, coversMs: number]
  | readonly ['r', key: string, value: string, expiresAt: number, subject: string, coversMs: number, fid: string | null, retiredMs: number, markExpiresAt: number, sessionUsedMs?: number, sessionExpiresAt?: number]
  | readonly ['n', id: string, subject: string, createdAt: number, lastUsedAt: number, expiresAt: number, userAgent: string | null, network: string | null];

/** What {@link MemoryRevocationStore.transact} reports about one operation. */
export interface Transaction<T> {
  /** What the operation returned. */
  readonly value: T;
  /** The records that replay exactly the changes it made (empty when it changed nothing). */
  readonly records: readonly StateRecord[];
  /** Restores the state as it was before the operation; undo later transactions first. */
  undo(): void;
}

/** Default cap of {@link MemoryRevocationStore}. */
export const DEFAULT_MAX_REVOKED_ENTRIES = 100_000;

const OPTION_NAMES = new Set(['maxEntries', 'maxEntriesPerSubject', 'sweepInterval', 'clock']);

/** An entry that belongs to a subject: expiry (s), owner, newest issue instant refused (ms). */
interface Owned {
  /** Which map holds it, and under which key: a subject's share refers to its entries themselves. */
  readonly kind: Kind;
  readonly key: string;
  expiresAt: number;
  subject: string | null;
  coversMs: number;
}

interface Claim extends Owned {
  value: string;
}

/** What a caller gives {@link MemoryRevocationStore}'s `#put`: the entry without its kind and key. */
type Fields = Omit<Owned, 'kind' | 'key'> & { value?: string; createdAt?: number; userAgent?: string | null; network?: string | null };

interface SessionEntry extends Owned {
  createdAt: number;
  userAgent: string | null;
  network: string | null;
}

interface Cutoff {
  cutoffMs: number;
  expiresAt: number;
}

/** A subject's share: its entries (the objects the maps hold, no second key) and its longest cut-off life. */
interface Share {
  refs: Set<Owned>;
  cutoffExpiresAt: number;
}

type Kind = 'j' | 'f' | 'm' | 'c' | 'n';

/**
 * In-memory revocation store of one process. Lookups drop what they find expired; writes sweep
 * everything expired at most once per `sweepInterval`. No timer, so the store never keeps a
 * process alive. A write that would take a subject past its share folds that subject's entries
 * into a cut-off; a write into a full store folds the subject holding most entries. Only when
 * that frees nothing does a write throw {@link RevocationStoreFullError} (503).
 */
export class MemoryRevocationStore implements RevocationStore {
  readonly #tokens = new Map<string, Owned>();
  readonly #families = new Map<string, Owned>();
  readonly #marks = new Map<string, Owned>();
  readonly #claims = new Map<string, Claim>();
  readonly #sessions = new Map<string, SessionEntry>();
  readonly #cutoffs = new Map<string, Cutoff>();
  readonly #shares = new Map<string, Share>();
  readonly #maxEntries: number;
  readonly #maxPerSubject: number;
  readonly #sweepInterval: number;
  readonly #clock: () => number;
  #nextSweep = 0;
  #lastSweep = Number.NEGATIVE_INFINITY;
  /** While a transaction runs: how to undo each change, and the records that replay it. */
  #undo: (() => void)[] | null = null;
  #records: StateRecord[] | null = null;
  /** Replaying: no share or cap applies (the journal's own folds are replayed as records). */
  #replaying = false;

  /**
   * @example const store = new MemoryRevocationStore({ maxEntries: 10_000 })
   * @throws {RangeError} When `maxEntries`, `maxEntriesPerSubject` or `sweepInterval` is not a positive integer.
   * @throws {TypeError} When `clock` is not a function or an option name is unknown.
   */
  constructor(options: MemoryRevocationStoreOptions = {}) {
    for (const name of Object.keys(options)) if (!OPTION_NAMES.has(name)) throw new TypeError(`unknown MemoryRevocationStore option "${name}"`);
    const { clock = Date.now } = options;
    this.#maxEntries = positiveInteger(options.maxEntries, DEFAULT_MAX_REVOKED_ENTRIES, 'maxEntries');
    this.#maxPerSubject = positiveInteger(options.maxEntriesPerSubject, DEFAULT_MAX_ENTRIES_PER_SUBJECT, 'maxEntriesPerSubject');
    this.#sweepInterval = positiveInteger(options.sweepInterval, 60, 'sweepInterval (seconds)');
    if (typeof clock !== 'function') throw new TypeError('clock must be a function returning milliseconds');
    this.#clock = clock;
  }

  /** Number of entries held, expired ones not yet swept included. */
  get size(): number {
    return this.#tokens.size + this.#families.size + this.#marks.size + this.#claims.size + this.#sessions.size + this.#cutoffs.size;
  }

  /** The most entries this store holds (`maxEntries`). */
  get capacity(): number {
    return this.#maxEntries;
  }

  /**
   * Whether a token is revoked (by `jti`, family or subject cut-off).
   *
   * @example store.isRevoked({ jti, sub, issuedAtMs, fid: undefined })
   * @throws Never.
   */
  isRevoked(check: RevocationCheck): boolean {
    const now = this.#now();
    if (this.#live(this.#tokens, check.jti, now) !== undefined) return true;
    if (check.fid !== undefined && this.#live(this.#families, check.fid, now) !== undefined) return true;
    const cutoff = this.#cutoffs.get(check.sub);
    if (cutoff === undefined) return false;
    if (cutoff.expiresAt <= now) {
      if (this.#undo === null) this.#cutoffs.delete(check.sub);
      return false;
    }
    return check.issuedAtMs <= cutoff.cutoffMs;
  }

  /**
   * @example store.revoke(payload.jti, payload.exp, { subject: payload.sub, coversMs, cutoffExpiresAt })
   * @throws {TypeError} When an argument is invalid.
   * @throws {RevocationStoreFullError} When the store is full and folding frees nothing.
   */
  revoke(jti: string, expiresAt: number, owner: Owner): RevokeResult {
    assertKey(jti, 'jti');
    assertTime(expiresAt, 'expiresAt');
    assertOwner(owner);
    return this.#atomic(() => this.#ownedEntry('j', jti, expiresAt, owner));
  }

  /**
   * @example store.revokeFamily(payload.fid, familyEnd, owner)
   * @throws {TypeError} When an argument is invalid.
   * @throws {RevocationStoreFullError} When the store is full and folding frees nothing.
   */
  revokeFamily(fid: string, expiresAt: number, owner: Owner): RevokeResult {
    assertKey(fid, 'fid');
    assertTime(expiresAt, 'expiresAt');
    assertOwner(owner);
    // An end already past revokes nothing, so it must not drop the mark or the session either.
    if (expiresAt <= this.#now()) return 'token';
    return this.#atomic(() => {
      const result = this.#ownedEntry('f', fid, expiresAt, owner);
      // A revoked family refuses every token the mark retired and more: the mark is of no use
      // now, and the session it was has ended.
      this.#drop('m', fid);
      this.#drop('n', fid);
      return result;
    });
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
    this.#atomic(() => {
      if (!this.#cutoffs.has(subject)) this.#makeRoom(now);
      this.#record(['s', subject, cutoffMs, expiresAt]);
      this.#raiseCutoff(subject, cutoffMs, expiresAt);
    });
  }

  /**
   * The rotation's claim and mark in one step (see `RevocationStore#retire`).
   *
   * @example store.retire({ key: retirementKey(jti), value, expiresAt, family: { fid, retiredMs, expiresAt }, owner })
   * @throws {TypeError} When an argument is invalid.
   * @throws {RevocationStoreFullError} When the store is full and folding frees nothing.
   */
  retire(retirement: Retirement): RetireResult {
    assertRetirement(retirement);
    return this.#atomic(() => this.#retire(retirement));
  }

  #retire(retirement: Retirement): RetireResult {
    const { key, value, expiresAt, family, owner } = retirement;
    // Revoked since its verification (a logout racing the rotation): no successor, nothing written.
    if (retirement.token !== undefined && this.isRevoked(retirement.token)) return { outcome: 'revoked' };
    const now = this.#now();
    const mark = family === undefined ? undefined : this.#live(this.#marks, family.fid, now);
    const known = this.#live(this.#claims, key, now);
    if (known !== undefined) return { outcome: 'taken', value: known.value, markMs: mark?.coversMs ?? 0 };
    if (family !== undefined && mark !== undefined && mark.coversMs >= family.retiredMs) return { outcome: 'retired' };
    // A family revoked meanwhile (a logout racing the rotation) never gets a successor.
    if (family !== undefined && this.#live(this.#families, family.fid, now) !== undefined) return { outcome: 'retired' };
    const adds = (expiresAt > now ? 1 : 0) + (family !== undefined && mark === undefined && family.expiresAt > now ? 1 : 0);
    this.#admit(owner, adds, now);
    const session = retirement.session;
    this.#record(['r', key, value, expiresAt, owner.subject, owner.coversMs, family?.fid ?? null, family?.retiredMs ?? 0, family?.expiresAt ?? 0, session?.lastUsedAt ?? 0, session?.expiresAt ?? 0]);
    this.#applyRetirement(key, value, expiresAt, owner.subject, owner.coversMs, family, now);
    if (family !== undefined && session !== undefined) this.#touchSession(family.fid, session.lastUsedAt, session.expiresAt, now);
    return { outcome: 'claimed' };
  }

  /**
   * Creates or replaces a session record, counted in its subject's share.
   *
   * @example store.recordSession({ id: fid, subject, createdAt, lastUsedAt: createdAt, expiresAt, userAgent: null, network: null })
   * @throws {TypeError} When the record is invalid.
   * @throws {RevocationStoreFullError} When the store is full and folding frees nothing.
   */
  recordSession(session: SessionRecord): number {
    assertSession(session);
    this.#atomic(() => this.#recordSession(session));
    return this.listSessions(session.subject).length;
  }

  #recordSession(session: SessionRecord): void {
    const now = this.#now();
    if (session.expiresAt <= now) return;
    const known = this.#live(this.#sessions, session.id, now);
    const owner = { subject: session.subject, coversMs: session.lastUsedAt, cutoffExpiresAt: session.expiresAt, keepFromMs: session.createdAt };
    const folded = known === undefined ? this.#admit(owner, 1, now) : false;
    const cutoff = this.#cutoffs.get(session.subject);
    if (folded && cutoff !== undefined && session.lastUsedAt <= cutoff.cutoffMs) return;
    this.#record(['n', session.id, session.subject, session.createdAt, session.lastUsedAt, session.expiresAt, session.userAgent, session.network]);
    this.#putSession(session, now);
  }

  /**
   * The subject's live sessions, in no particular order.
   *
   * @example store.listSessions("user1")
   * @throws Never.
   */
  listSessions(subject: string): SessionRecord[] {
    const now = this.#now();
    const share = this.#shares.get(subject);
    if (share === undefined) return [];
    const found: SessionRecord[] = [];
    for (const ref of share.refs) {
      if (ref.kind !== 'n' || ref.expiresAt <= now) continue;
      const e = ref as SessionEntry;
      found.push({ id: e.key, subject, createdAt: e.createdAt, lastUsedAt: e.coversMs, expiresAt: e.expiresAt, userAgent: e.userAgent, network: e.network });
    }
    return found;
  }

  #putSession(session: SessionRecord, now: number): void {
    const entry: Fields = {
      expiresAt: session.expiresAt, subject: session.subject, coversMs: session.lastUsedAt,
      createdAt: session.createdAt, userAgent: session.userAgent, network: session.network,
    };
    this.#put('n', session.id, entry, now);
  }

  #touchSession(fid: string, lastUsedAt: number, expiresAt: number, now: number): void {
    const known = this.#live(this.#sessions, fid, now);
    if (known === undefined) return;
    const entry: Fields = { ...known, coversMs: Math.max(known.coversMs, lastUsedAt), expiresAt: Math.max(known.expiresAt, expiresAt) };
    this.#put('n', fid, entry, now);
  }

  /**
   * Runs one operation of this store and reports the records that replay its changes and how to
   * undo them, for a journal that must make them durable (or take them back) before answering.
   *
   * @example const t = store.transact(() => store.revoke(jti, exp, owner)); await journal.append(t.records)
   * @throws What `fn` throws (its changes are undone first); a `TypeError` when transactions nest.
   */
  transact<T>(fn: () => T): Transaction<T> {
    if (this.#undo !== null) throw new TypeError('MemoryRevocationStore transactions do not nest');
    const undo: (() => void)[] = [];
    const records: StateRecord[] = [];
    this.#undo = undo;
    this.#records = records;
    let value: T;
    try {
      value = fn();
    } catch (error) {
      for (let i = undo.length - 1; i >= 0; i--) undo[i]!();
      throw error;
    } finally {
      this.#undo = null;
      this.#records = null;
    }
    return {
      value,
      records,
      undo: () => {
        for (let i = undo.length - 1; i >= 0; i--) undo[i]!();
        undo.length = 0;
      },
    };
  }

  /**
   * Every live entry as records (for a journal's compaction). Replaying them rebuilds the state.
   *
   * @example for (const record of store.exportRecords()) write(record)
   * @throws Never.
   */
  exportRecords(): StateRecord[] {
    const now = this.#now();
    const records: StateRecord[] = [];
    for (const [sub, c] of this.#cutoffs) if (c.expiresAt > now) records.push(['s', sub, c.cutoffMs, c.expiresAt]);
    for (const [jti, e] of this.#tokens) if (e.expiresAt > now) records.push(['j', jti, e.expiresAt, e.subject, e.coversMs]);
    for (const [fid, e] of this.#families) if (e.expiresAt > now) records.push(['f', fid, e.expiresAt, e.subject, e.coversMs]);
    for (const [fid, e] of this.#marks) if (e.expiresAt > now) records.push(['m', fid, e.coversMs, e.expiresAt, e.subject]);
    for (const [key, e] of this.#claims) if (e.expiresAt > now) records.push(['c', key, e.value, e.expiresAt, e.subject, e.coversMs]);
    for (const [id, e] of this.#sessions) {
      if (e.expiresAt > now && e.subject !== null) records.push(['n', id, e.subject, e.createdAt, e.coversMs, e.expiresAt, e.userAgent, e.network]);
    }
    return records;
  }

  /**
   * Replays one record (a journal's), with no share or cap applied: what was written once is
   * restored as it was. An expired record is ignored. Call {@link fitCapacity} after a replay.
   *
   * @example store.applyRecord(['s', 'user1', cutoffMs, expiresAt])
   * @throws {TypeError} When the record is malformed.
   */
  applyRecord(record: StateRecord): void {
    const valid = parseStateRecord(record);
    if (valid === null) throw new TypeError('unknown or malformed state record');
    const now = this.#now();
    this.#replaying = true;
    try {
      switch (valid[0]) {
        case 'j':
        case 'f': {
          if (valid[2] <= now) return; // dead when written or since: it changed nothing then either
          // As the live path: the later expiry and the higher instant win, whatever the order.
          const known = this.#map(valid[0]).get(valid[1]);
          this.#put(valid[0], valid[1], {
            expiresAt: Math.max(valid[2], known?.expiresAt ?? 0), subject: valid[3], coversMs: Math.max(valid[4], known?.coversMs ?? valid[4]),
          }, 0);
          if (valid[0] === 'f') {
            this.#drop('m', valid[1]);
            this.#drop('n', valid[1]);
          }
          return;
        }
        case 's':
          if (valid[3] > now) this.#raiseCutoff(valid[1], valid[2], valid[3]);
          return;
        case 'x':
          this.#fold(valid[1], valid[2], valid[3]);
          return;
        case 'm': {
          if (valid[3] <= now) return;
          const known = this.#marks.get(valid[1]);
          this.#put('m', valid[1], { expiresAt: Math.max(valid[3], known?.expiresAt ?? 0), subject: valid[4], coversMs: Math.max(valid[2], known?.coversMs ?? valid[2]) }, 0);
          return;
        }
        case 'c':
          if (valid[3] > now) this.#put('c', valid[1], claimEntry(valid[3], valid[4], valid[5], valid[2]), 0);
          return;
        case 'r': {
          const family = valid[6] === null ? undefined : { fid: valid[6], retiredMs: valid[7], expiresAt: valid[8] };
          this.#applyRetirement(valid[1], valid[2], valid[3], valid[4], valid[5], family, now);
          if (family !== undefined && (valid[9] ?? 0) > 0) this.#touchSession(family.fid, valid[9] ?? 0, valid[10] ?? 0, now);
          return;
        }
        case 'n': {
          if (valid[5] <= now) return;
          const known = this.#sessions.get(valid[1]);
          this.#putSession({
            id: valid[1], subject: valid[2], createdAt: valid[3], lastUsedAt: Math.max(valid[4], known?.coversMs ?? valid[4]),
            expiresAt: Math.max(valid[5], known?.expiresAt ?? 0), userAgent: valid[6], network: valid[7],
          }, 0);
          return;
        }
      }
    } finally {
      this.#replaying = false;
    }
  }

  /**
   * After a replay: folds the heaviest subjects until the store holds at most `maxEntries`
   * (folding only ever refuses more). Answers the number of subjects folded.
   *
   * @example const folded = store.fitCapacity()
   * @throws Never.
   */
  fitCapacity(): number {
    const now = this.#now();
    this.#sweep(now);
    let folded = 0;
    const stuck = new Set<string>();
    while (this.size > this.#maxEntries && this.#foldHeaviest(now, stuck)) folded++;
    return folded;
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

  /**
   * Runs one public write so that, when it throws, it has changed nothing (a fold it made on the
   * way included); inside {@link transact} the transaction already does that.
   */
  #atomic<T>(fn: () => T): T {
    if (this.#undo !== null) return fn();
    const undo: (() => void)[] = [];
    this.#undo = undo;
    try {
      return fn();
    } catch (error) {
      for (let i = undo.length - 1; i >= 0; i--) undo[i]!();
      throw error;
    } finally {
      this.#undo = null;
    }
  }

  /** A `j` or `f` entry with its owner: folded into the subject's cut-off when its share is full. */
  #ownedEntry(kind: 'j' | 'f', key: string, expiresAt: number, owner: Owner): RevokeResult {
    const now = this.#now();
    const map = this.#map(kind);
    if (expiresAt <= now) return 'token'; // already dead: nothing to remember
    const known = map.get(key);
    const folded = known === undefined || known.expiresAt <= now ? this.#admit(owner, 1, now) : false;
    const cutoff = this.#cutoffs.get(owner.subject);
    // Covered by the cut-off a fold just set: the entry itself adds nothing.
    if (folded && cutoff !== undefined && owner.coversMs <= cutoff.cutoffMs) return 'subject';
    this.#record([kind, key, expiresAt, owner.subject, owner.coversMs]);
    this.#put(kind, key, { expiresAt: Math.max(expiresAt, known?.expiresAt ?? 0), subject: owner.subject, coversMs: Math.max(owner.coversMs, known?.coversMs ?? owner.coversMs) }, now);
    return folded ? 'subject' : 'token';
  }

  #applyRetirement(key: string, value: string, expiresAt: number, subject: string | null, coversMs: number, family: { fid: string; retiredMs: number; expiresAt: number } | undefined, now: number): void {
    if (expiresAt > now) this.#put('c', key, claimEntry(expiresAt, subject, coversMs, value), now);
    if (family === undefined) return;
    const mark = this.#live(this.#marks, family.fid, now);
    const expires = Math.max(family.expiresAt, mark?.expiresAt ?? 0);
    if (expires > now) this.#put('m', family.fid, { expiresAt: expires, subject, coversMs: Math.max(family.retiredMs, mark?.coversMs ?? family.retiredMs) }, now);
  }

  /**
   * Makes room for `adds` new entries of `owner.subject`: past its share, its entries are folded
   * into a cut-off at this instant; in a full store, the heaviest subject is folded. Answers
   * whether the owner's own entries were folded.
   */
  #admit(owner: Owner, adds: number, now: number): boolean {
    if (this.#replaying || adds === 0) return false;
    const share = this.#shares.get(owner.subject);
    let folded = false;
    if (share !== undefined && share.refs.size + adds > this.#maxPerSubject) {
      this.#purge(owner.subject, share, now);
      if (share.refs.size + adds > this.#maxPerSubject) {
        const cutoffMs = foldCutoffMs(this.#clock(), owner);
        const expiresAt = Math.max(share.cutoffExpiresAt, owner.cutoffExpiresAt);
        this.#record(['x', owner.subject, cutoffMs, expiresAt]);
        this.#fold(owner.subject, cutoffMs, expiresAt);
        folded = true;
      }
    }
    this.#makeRoom(now, adds);
    return folded;
  }

  /** Frees room for `adds` entries in a full store by folding the heaviest subjects. */
  #makeRoom(now: number, adds = 1): void {
    if (this.#replaying) return;
    if (this.size + adds <= this.#maxEntries) {
      if (now >= this.#nextSweep) this.#sweep(now);
      return;
    }
    // Full: sweep (at most once a second, so a store full of live entries is not rescanned on
    // every call), then fold whoever holds the most, until there is room.
    if (now > this.#lastSweep) this.#sweep(now);
    const stuck = new Set<string>();
    while (this.size + adds > this.#maxEntries) {
      if (!this.#foldHeaviest(now, stuck)) throw new RevocationStoreFullError(this.#maxEntries);
    }
  }

  /** Folds the subject with the most entries (at least two, so a fold frees something). */
  #foldHeaviest(now: number, stuck: Set<string>): boolean {
    for (;;) {
      let heaviest: string | undefined;
      let most = 1;
      for (const [subject, share] of this.#shares) {
        if (share.refs.size > most && !stuck.has(subject)) {
          heaviest = subject;
          most = share.refs.size;
        }
      }
      if (heaviest === undefined) return false;
      if (this.#foldOne(heaviest, now)) return true;
      stuck.add(heaviest);
    }
  }

  /** Folds `heaviest` at the present instant; answers whether that freed anything. */
  #foldOne(heaviest: string, now: number): boolean {
    const share = this.#shares.get(heaviest)!;
    const cutoffMs = this.#clock();
    const expiresAt = Math.max(share.cutoffExpiresAt, now + 1);
    const before = this.size;
    this.#record(['x', heaviest, cutoffMs, expiresAt]);
    this.#fold(heaviest, cutoffMs, expiresAt);
    // Entries newer than the clock (another instance's, or a legacy record) cannot be folded:
    // report no progress rather than loop.
    return this.size < before;
  }

  /** Raises `subject`'s cut-off to `cutoffMs` and drops every entry of the subject it covers. */
  #fold(subject: string, cutoffMs: number, expiresAt: number): void {
    this.#raiseCutoff(subject, cutoffMs, expiresAt);
    const share = this.#shares.get(subject);
    if (share === undefined) return;
    for (const entry of [...share.refs]) if (entry.coversMs <= cutoffMs) this.#drop(entry.kind, entry.key);
  }

  #raiseCutoff(subject: string, cutoffMs: number, expiresAt: number): void {
    const known = this.#cutoffs.get(subject);
    // Never backwards: a late or replayed older cut-off must not revive tokens a newer one revoked.
    this.#set(this.#cutoffs, subject, {
      cutoffMs: Math.max(cutoffMs, known?.cutoffMs ?? cutoffMs),
      expiresAt: Math.max(expiresAt, known?.expiresAt ?? expiresAt),
    });
  }

  /** Stores an entry and indexes it in its subject's share (undoable). */
  #put(kind: Kind, key: string, fields: Fields, now: number): void {
    const entry = storedEntry(kind, key, fields);
    const map = this.#map(kind);
    const known = map.get(key);
    if (known !== undefined) this.#unindex(known);
    this.#set(map, key, entry);
    if (entry.subject === null) return;
    let share = this.#shares.get(entry.subject);
    if (share === undefined) {
      share = { refs: new Set(), cutoffExpiresAt: 0 };
      this.#set(this.#shares, entry.subject, share);
    }
    const refs = share.refs;
    refs.add(entry);
    this.#undo?.push(() => refs.delete(entry));
    const longest = Math.max(share.cutoffExpiresAt, entry.expiresAt, now);
    if (longest !== share.cutoffExpiresAt) {
      const before = share.cutoffExpiresAt;
      share.cutoffExpiresAt = longest;
      this.#undo?.push(() => (share.cutoffExpiresAt = before));
    }
  }

  /** Removes an entry and its reference (undoable). */
  #drop(kind: Kind, key: string): void {
    const map = this.#map(kind);
    const known = map.get(key);
    if (known === undefined) return;
    this.#delete(map, key);
    this.#unindex(known);
  }

  #unindex(entry: Owned): void {
    if (entry.subject === null) return;
    const share = this.#shares.get(entry.subject);
    if (share === undefined || !share.refs.delete(entry)) return;
    const refs = share.refs;
    this.#undo?.push(() => refs.add(entry));
    if (refs.size === 0) this.#delete(this.#shares, entry.subject);
  }

  #set<K, V>(map: Map<K, V>, key: K, value: V): void {
    if (this.#undo !== null) {
      const had = map.has(key);
      const before = map.get(key);
      this.#undo.push(() => (had ? map.set(key, before as V) : map.delete(key)));
    }
    map.set(key, value);
  }

  #delete<K, V>(map: Map<K, V>, key: K): void {
    if (this.#undo !== null && map.has(key)) {
      const before = map.get(key) as V;
      this.#undo.push(() => map.set(key, before));
    }
    map.delete(key);
  }

  #record(record: StateRecord): void {
    this.#records?.push(record);
  }

  #map(kind: Kind): Map<string, Owned> {
    switch (kind) {
      case 'j':
        return this.#tokens;
      case 'f':
        return this.#families;
      case 'm':
        return this.#marks;
      case 'c':
        return this.#claims;
      case 'n':
        return this.#sessions;
    }
  }

  /** The entry under `key` if it has not expired; an expired one is dropped on the way. */
  #live<E extends Owned>(map: Map<string, E>, key: string, now: number): E | undefined {
    const entry = map.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt > now) return entry;
    if (this.#undo === null) this.#dropExpired(map, key, entry);
    return undefined;
  }

  #dropExpired(map: Map<string, Owned>, key: string, entry: Owned): void {
    map.delete(key);
    if (entry.subject === null) return;
    const share = this.#shares.get(entry.subject);
    if (share === undefined) return;
    share.refs.delete(entry);
    if (share.refs.size === 0) this.#shares.delete(entry.subject);
  }

  /** Drops a subject's expired entries (before deciding that its share is full). */
  #purge(subject: string, share: Share, now: number): void {
    for (const entry of [...share.refs]) if (entry.expiresAt <= now) this.#drop(entry.kind, entry.key);
    void subject;
  }

  #sweep(now: number): void {
    for (const map of [this.#tokens, this.#families, this.#marks, this.#claims, this.#sessions] as Map<string, Owned>[]) {
      for (const [key, entry] of map) {
        if (entry.expiresAt > now) continue;
        if (this.#undo === null) this.#dropExpired(map, key, entry);
        else this.#drop(entry.kind, key);
      }
    }
    for (const [sub, c] of this.#cutoffs) if (c.expiresAt <= now) this.#delete(this.#cutoffs, sub);
    this.#lastSweep = now;
    this.#nextSweep = now + this.#sweepInterval;
  }

  #now(): number {
    return Math.floor(this.#clock() / 1000);
  }
}

function claimEntry(expiresAt: number, subject: string | null, coversMs: number, value: string): Fields {
  return { expiresAt, subject, coversMs, value };
}

/** The object a map holds: every field from the start (one shape per kind, nothing added later). */
function storedEntry(kind: Kind, key: string, f: Fields): Owned {
  if (kind === 'c') {
    const claim: Claim = { kind, key, expiresAt: f.expiresAt, subject: f.subject, coversMs: f.coversMs, value: f.value ?? '' };
    return claim;
  }
  if (kind === 'n') {
    const session: SessionEntry = { kind, key, expiresAt: f.expiresAt, subject: f.subject, coversMs: f.coversMs, createdAt: f.createdAt ?? 0, userAgent: f.userAgent ?? null, network: f.network ?? null };
    return session;
  }
  return { kind, key, expiresAt: f.expiresAt, subject: f.subject, coversMs: f.coversMs };
}

/**
 * A decoded journal record checked against {@link StateRecord}: the record, or `null` when it is
 * none. Records written before entries had owners (`j`/`f` of 4 members, `c` of 4) are read with
 * no owner and covering everything up to now.
 *
 * @example const record = parseStateRecord(JSON.parse(line))
 * @throws Never.
 */
export function parseStateRecord(value: unknown): StateRecord | null {
  if (!Array.isArray(value)) return null;
  const v = value as unknown[];
  const str = (x: unknown): x is string => typeof x === 'string' && x !== '' && x.length <= 1024;
  const num = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
  const owner = (x: unknown): x is string | null => x === null || str(x);
  switch (v[0]) {
    case 'j':
    case 'f':
      if (v.length === 5 && str(v[1]) && num(v[2]) && owner(v[3]) && num(v[4])) return [v[0], v[1], v[2], v[3], v[4]];
      // Before owners: [kind, id, expiresAt, subject | null] (families also without the subject).
      if ((v.length === 4 || (v[0] === 'f' && v.length === 3)) && str(v[1]) && num(v[2]) && (v[3] === undefined || owner(v[3]))) {
        return [v[0], v[1], v[2], (v[3] as string | null | undefined) ?? null, Number.MAX_SAFE_INTEGER];
      }
      return null;
    case 's':
    case 'x':
      return v.length === 4 && str(v[1]) && num(v[2]) && num(v[3]) ? [v[0], v[1], v[2], v[3]] : null;
    case 'm':
      return v.length === 5 && str(v[1]) && num(v[2]) && num(v[3]) && owner(v[4]) ? ['m', v[1], v[2], v[3], v[4]] : null;
    case 'c':
      if (v.length === 6 && str(v[1]) && typeof v[2] === 'string' && num(v[3]) && owner(v[4]) && num(v[5])) return ['c', v[1], v[2], v[3], v[4], v[5]];
      if (v.length === 4 && str(v[1]) && typeof v[2] === 'string' && num(v[3])) return ['c', v[1], v[2], v[3], null, Number.MAX_SAFE_INTEGER];
      return null;
    case 'r':
      if (!(v.length === 9 || v.length === 11) || !str(v[1]) || typeof v[2] !== 'string' || !num(v[3]) || !str(v[4]) || !num(v[5]) || !(v[6] === null || str(v[6])) || !num(v[7]) || !num(v[8])) return null;
      if (v.length === 9) return ['r', v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8]];
      return num(v[9]) && num(v[10]) ? ['r', v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10]] : null;
    case 'n': {
      const meta = (x: unknown): x is string | null => x === null || (typeof x === 'string' && x.length <= 512);
      return v.length === 8 && str(v[1]) && str(v[2]) && num(v[3]) && num(v[4]) && num(v[5]) && meta(v[6]) && meta(v[7])
        ? ['n', v[1], v[2], v[3], v[4], v[5], v[6], v[7]]
        : null;
    }
    default:
      return null;
  }
}
