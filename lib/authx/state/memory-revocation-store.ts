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

/**
 * The kinds of entry, as the entry table stores them: a revoked token, a revoked family, a
 * family's rotation mark, a retirement claim, a session record.
 */
type Kind = 0 | 1 | 2 | 3 | 4;
const TOKEN = 0;
const FAMILY = 1;
const MARK = 2;
const CLAIM = 3;
const SESSION = 4;

/** What a session entry holds besides its times: the metadata of its login. */
interface SessionMeta {
  readonly createdAt: number;
  readonly userAgent: string | null;
  readonly network: string | null;
}

/** A claim's value or a session's metadata: the only entries that hold more than their times. */
type Extra = string | SessionMeta;

interface Cutoff {
  cutoffMs: number;
  expiresAt: number;
}

/**
 * A subject's share: how many entries it holds, the first of them (the others are linked through
 * the entry table, so a fold walks exactly the subject's entries) and its longest cut-off life.
 */
interface Share {
  readonly subject: string;
  /** First slot of the subject's list; -1 when it holds none. */
  head: number;
  count: number;
  cutoffExpiresAt: number;
}

/** Slots the entry table starts with; it doubles when full. */
const FIRST_SLOTS = 256;
/** The kind of a free slot. */
const FREE = 255;

/**
 * In-memory revocation store of one process. Lookups drop what they find expired; writes sweep
 * everything expired at most once per `sweepInterval`. No timer, so the store never keeps a
 * process alive. A write that would take a subject past its share folds that subject's entries
 * into a cut-off; a write into a full store folds the subject holding most entries. Only when
 * that frees nothing does a write throw {@link RevocationStoreFullError} (503).
 *
 * Entries live in one table of parallel arrays, a slot per entry (kind, expiry and covered
 * instant as raw numbers, the links of the subject's list, the key and the share), found by kind
 * and key through a hash table of slots: a million entries cost less than 60 % of the memory of
 * an object per entry, a `Map` per kind and a `Set` per share, and replay in about 60 % of the
 * time (docs/performance.md, "DATA_DIR at a million revocations").
 */
export class MemoryRevocationStore implements RevocationStore {
  /**
   * Kind and key to slot: an open-addressing hash table (linear probing) of `slot + 1`, 0 for an
   * empty cell and -1 for a deleted one, at most half full. Cheaper than a `Map` per kind in both
   * memory and replay time (docs/performance.md); the hash is seeded per store.
   */
  #index = new Int32Array(FIRST_SLOTS * 2);
  #deletedCells = 0;
  readonly #seed = crypto.getRandomValues(new Int32Array(1))[0]!;
  /** Entries held, by kind. */
  readonly #counts = [0, 0, 0, 0, 0];
  readonly #cutoffs = new Map<string, Cutoff>();
  readonly #shares = new Map<string, Share>();
  // The entry table: slot -> kind, expiry (s), newest instant covered (ms), the next and previous
  // slot of its subject's list (the next free slot for a free one), key, share, extra.
  #kindOf = new Uint8Array(FIRST_SLOTS);
  #hashOf = new Int32Array(FIRST_SLOTS);
  #expiresAt = new Float64Array(FIRST_SLOTS);
  #coversMs = new Float64Array(FIRST_SLOTS);
  #next = new Int32Array(FIRST_SLOTS);
  #prev = new Int32Array(FIRST_SLOTS);
  readonly #keyOf: (string | undefined)[] = [];
  readonly #shareOf: (Share | null)[] = [];
  readonly #extras = new Map<number, Extra>();
  /** Slots handed out so far; freed ones are reused first (a chain through `#next`). */
  #used = 0;
  #free = -1;
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
    let size = this.#cutoffs.size;
    for (const count of this.#counts) size += count;
    return size;
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
    if (this.#live(TOKEN, check.jti, now) >= 0) return true;
    if (check.fid !== undefined && this.#live(FAMILY, check.fid, now) >= 0) return true;
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
    return this.#atomic(() => this.#ownedEntry(TOKEN, jti, expiresAt, owner));
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
      const result = this.#ownedEntry(FAMILY, fid, expiresAt, owner);
      // A revoked family refuses every token the mark retired and more: the mark is of no use
      // now, and the session it was has ended.
      this.#drop(MARK, fid);
      this.#drop(SESSION, fid);
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
    const mark = family === undefined ? -1 : this.#live(MARK, family.fid, now);
    const known = this.#live(CLAIM, key, now);
    if (known >= 0) return { outcome: 'taken', value: this.#extras.get(known) as string, markMs: mark >= 0 ? this.#coversMs[mark]! : 0 };
    if (family !== undefined && mark >= 0 && this.#coversMs[mark]! >= family.retiredMs) return { outcome: 'retired' };
    // A family revoked meanwhile (a logout racing the rotation) never gets a successor.
    if (family !== undefined && this.#live(FAMILY, family.fid, now) >= 0) return { outcome: 'retired' };
    const adds = (expiresAt > now ? 1 : 0) + (family !== undefined && mark < 0 && family.expiresAt > now ? 1 : 0);
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
    const known = this.#live(SESSION, session.id, now);
    const owner = { subject: session.subject, coversMs: session.lastUsedAt, cutoffExpiresAt: session.expiresAt, keepFromMs: session.createdAt };
    const folded = known < 0 ? this.#admit(owner, 1, now) : false;
    const cutoff = this.#cutoffs.get(session.subject);
    if (folded && cutoff !== undefined && session.lastUsedAt <= cutoff.cutoffMs) return;
    this.#record(['n', session.id, session.subject, session.createdAt, session.lastUsedAt, session.expiresAt, session.userAgent, session.network]);
    this.#putSession(session);
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
    for (let slot = share.head; slot >= 0; slot = this.#next[slot]!) {
      if (this.#kindOf[slot] !== SESSION || this.#expiresAt[slot]! <= now) continue;
      const meta = this.#extras.get(slot) as SessionMeta;
      found.push({ id: this.#keyOf[slot]!, subject, createdAt: meta.createdAt, lastUsedAt: this.#coversMs[slot]!, expiresAt: this.#expiresAt[slot]!, userAgent: meta.userAgent, network: meta.network });
    }
    return found;
  }

  #putSession(session: SessionRecord): void {
    const meta: SessionMeta = { createdAt: session.createdAt, userAgent: session.userAgent, network: session.network };
    this.#put(SESSION, session.id, session.expiresAt, session.subject, session.lastUsedAt, meta, 0);
  }

  #touchSession(fid: string, lastUsedAt: number, expiresAt: number, now: number): void {
    const known = this.#live(SESSION, fid, now);
    if (known < 0) return;
    const subject = this.#shareOf[known]?.subject ?? null;
    this.#put(SESSION, fid, Math.max(this.#expiresAt[known]!, expiresAt), subject, Math.max(this.#coversMs[known]!, lastUsedAt), this.#extras.get(known), now);
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
    const expiresAt = this.#expiresAt;
    const coversMs = this.#coversMs;
    const subjectOf = (slot: number): string | null => this.#shareOf[slot]?.subject ?? null;
    for (const [sub, c] of this.#cutoffs) if (c.expiresAt > now) records.push(['s', sub, c.cutoffMs, c.expiresAt]);
    // Kind by kind, in this order: a family revocation replays before marks and sessions it would drop.
    for (const kind of [TOKEN, FAMILY, MARK, CLAIM, SESSION] as const) {
      for (let s = 0; s < this.#used; s++) {
        if (this.#kindOf[s] !== kind || expiresAt[s]! <= now) continue;
        const key = this.#keyOf[s]!;
        const subject = subjectOf(s);
        if (kind === TOKEN || kind === FAMILY) records.push([kind === TOKEN ? 'j' : 'f', key, expiresAt[s]!, subject, coversMs[s]!]);
        else if (kind === MARK) records.push(['m', key, coversMs[s]!, expiresAt[s]!, subject]);
        else if (kind === CLAIM) records.push(['c', key, this.#extras.get(s) as string, expiresAt[s]!, subject, coversMs[s]!]);
        else if (subject !== null) {
          const meta = this.#extras.get(s) as SessionMeta;
          records.push(['n', key, subject, meta.createdAt, coversMs[s]!, expiresAt[s]!, meta.userAgent, meta.network]);
        }
      }
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
    this.applyRecords([record]);
  }

  /**
   * Replays the records of one journal line, as {@link applyRecord} does each, but checks all of
   * them before applying any: a line is applied whole or not at all.
   *
   * @example store.applyRecords(JSON.parse(json))
   * @throws {TypeError} When a record is malformed (nothing of the line is applied then).
   */
  applyRecords(records: readonly unknown[]): void {
    this.replayer()(records);
  }

  /**
   * A replay of many lines (a journal's at open): a function that applies one line's records as
   * {@link applyRecords} does, with the clock read once, now. An entry that expires while the
   * replay runs is kept until the next sweep (lookups check expiry), never dropped early.
   *
   * @example const replay = store.replayer(); for (const line of lines) replay(line)
   * @throws Never (the function it answers throws as {@link applyRecords}).
   */
  replayer(): (records: readonly unknown[]) => void {
    const now = this.#now();
    return (records) => {
      if (!Array.isArray(records)) throw new TypeError('a journal line must be an array of state records');
      const first = records.length === 1 ? parseStateRecord(records[0]) : undefined;
      const valid = first === undefined ? records.map(parseStateRecord) : [first];
      if (valid.includes(null)) throw new TypeError('unknown or malformed state record');
      this.#replaying = true;
      try {
        for (const record of valid) this.#replay(record!, now);
      } finally {
        this.#replaying = false;
      }
    };
  }

  #replay(valid: StateRecord, now: number): void {
    switch (valid[0]) {
      case 'j':
      case 'f': {
        if (valid[2] <= now) return; // dead when written or since: it changed nothing then either
        // As the live path: the later expiry and the higher instant win, whatever the order.
        const kind = valid[0] === 'j' ? TOKEN : FAMILY;
        const hash = this.#hash(kind, valid[1]);
        const known = this.#find(kind, valid[1], hash);
        if (known === undefined && this.#undo === null) {
          // The common case, a key not seen before: one hash, one probe, one insertion.
          this.#add(kind, valid[1], valid[2], valid[3], valid[4], hash);
          if (kind === FAMILY) {
            this.#drop(MARK, valid[1]);
            this.#drop(SESSION, valid[1]);
          }
          return;
        }
        const expiresAt = known === undefined ? valid[2] : Math.max(valid[2], this.#expiresAt[known]!);
        const coversMs = known === undefined ? valid[4] : Math.max(valid[4], this.#coversMs[known]!);
        this.#put(kind, valid[1], expiresAt, valid[3], coversMs, undefined, 0);
        if (kind === FAMILY) {
          this.#drop(MARK, valid[1]);
          this.#drop(SESSION, valid[1]);
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
        const known = this.#find(MARK, valid[1]);
        const expiresAt = known === undefined ? valid[3] : Math.max(valid[3], this.#expiresAt[known]!);
        const coversMs = known === undefined ? valid[2] : Math.max(valid[2], this.#coversMs[known]!);
        this.#put(MARK, valid[1], expiresAt, valid[4], coversMs, undefined, 0);
        return;
      }
      case 'c':
        if (valid[3] > now) this.#put(CLAIM, valid[1], valid[3], valid[4], valid[5], valid[2], 0);
        return;
      case 'r': {
        const family = valid[6] === null ? undefined : { fid: valid[6], retiredMs: valid[7], expiresAt: valid[8] };
        this.#applyRetirement(valid[1], valid[2], valid[3], valid[4], valid[5], family, now);
        if (family !== undefined && (valid[9] ?? 0) > 0) this.#touchSession(family.fid, valid[9] ?? 0, valid[10] ?? 0, now);
        return;
      }
      case 'n': {
        if (valid[5] <= now) return;
        const known = this.#find(SESSION, valid[1]);
        this.#putSession({
          id: valid[1], subject: valid[2], createdAt: valid[3], lastUsedAt: known === undefined ? valid[4] : Math.max(valid[4], this.#coversMs[known]!),
          expiresAt: known === undefined ? valid[5] : Math.max(valid[5], this.#expiresAt[known]!), userAgent: valid[6], network: valid[7],
        });
        return;
      }
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
  #ownedEntry(kind: typeof TOKEN | typeof FAMILY, key: string, expiresAt: number, owner: Owner): RevokeResult {
    const now = this.#now();
    if (expiresAt <= now) return 'token'; // already dead: nothing to remember
    const known = this.#find(kind, key);
    // Its values as they were before a fold or a sweep could drop it: the higher ones win.
    const keptExpiry = known === undefined ? expiresAt : Math.max(expiresAt, this.#expiresAt[known]!);
    const keptCovers = known === undefined ? owner.coversMs : Math.max(owner.coversMs, this.#coversMs[known]!);
    const folded = known === undefined || this.#expiresAt[known]! <= now ? this.#admit(owner, 1, now) : false;
    const cutoff = this.#cutoffs.get(owner.subject);
    // Covered by the cut-off a fold just set: the entry itself adds nothing.
    if (folded && cutoff !== undefined && owner.coversMs <= cutoff.cutoffMs) return 'subject';
    this.#record([kind === TOKEN ? 'j' : 'f', key, expiresAt, owner.subject, owner.coversMs]);
    this.#put(kind, key, keptExpiry, owner.subject, keptCovers, undefined, now);
    return folded ? 'subject' : 'token';
  }

  #applyRetirement(key: string, value: string, expiresAt: number, subject: string | null, coversMs: number, family: { fid: string; retiredMs: number; expiresAt: number } | undefined, now: number): void {
    if (expiresAt > now) this.#put(CLAIM, key, expiresAt, subject, coversMs, value, now);
    if (family === undefined) return;
    const mark = this.#live(MARK, family.fid, now);
    const expires = mark < 0 ? family.expiresAt : Math.max(family.expiresAt, this.#expiresAt[mark]!);
    const covers = mark < 0 ? family.retiredMs : Math.max(family.retiredMs, this.#coversMs[mark]!);
    if (expires > now) this.#put(MARK, family.fid, expires, subject, covers, undefined, now);
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
    if (share !== undefined && share.count + adds > this.#maxPerSubject) {
      this.#purge(share, now);
      if (share.count + adds > this.#maxPerSubject) {
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
        if (share.count > most && !stuck.has(subject)) {
          heaviest = subject;
          most = share.count;
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
    if (share !== undefined) this.#dropWhere(share, this.#coversMs, cutoffMs);
  }

  /** Drops a subject's expired entries (before deciding that its share is full). */
  #purge(share: Share, now: number): void {
    this.#dropWhere(share, this.#expiresAt, now);
  }

  /** Drops every entry of `share` whose `values[slot]` is at most `limit` (undoable). */
  #dropWhere(share: Share, values: Float64Array, limit: number): void {
    const found: number[] = [];
    for (let slot = share.head; slot >= 0; slot = this.#next[slot]!) if (values[slot]! <= limit) found.push(slot);
    // Keys first: a drop frees its slot, which the next drop's undo could not tell apart.
    const keys = found.map((slot) => [this.#kindOf[slot] as Kind, this.#keyOf[slot]!] as const);
    for (const [kind, key] of keys) this.#drop(kind, key);
  }

  #raiseCutoff(subject: string, cutoffMs: number, expiresAt: number): void {
    const known = this.#cutoffs.get(subject);
    // Never backwards: a late or replayed older cut-off must not revive tokens a newer one revoked.
    this.#set(this.#cutoffs, subject, {
      cutoffMs: Math.max(cutoffMs, known?.cutoffMs ?? cutoffMs),
      expiresAt: Math.max(expiresAt, known?.expiresAt ?? expiresAt),
    });
  }

  /**
   * Stores an entry under `key` (new, or replacing the one there) and counts it in its subject's
   * share, whose cut-off life grows to cover it (undoable).
   */
  #put(kind: Kind, key: string, expiresAt: number, subject: string | null, coversMs: number, extra: Extra | undefined, now: number): void {
    const hash = this.#hash(kind, key);
    const known = this.#find(kind, key, hash);
    const share = subject === null ? null : (this.#shares.get(subject) ?? { subject, head: -1, count: 0, cutoffExpiresAt: 0 });
    if (known === undefined) {
      this.#insert(kind, key, share, expiresAt, coversMs, extra, hash);
      // A lookup outside the transaction (while its journal write is pending) may have dropped the
      // entry as expired by the time of the undo: then there is nothing left to take out.
      this.#undo?.push(() => {
        const slot = this.#find(kind, key, hash);
        if (slot !== undefined) this.#remove(slot);
      });
    } else {
      if (this.#undo !== null) {
        const before = [this.#shareOf[known]!, this.#expiresAt[known]!, this.#coversMs[known]!, this.#extras.get(known)] as const;
        // Dropped meanwhile (as above): the entry comes back as it was before the transaction.
        this.#undo.push(() => {
          const slot = this.#find(kind, key, hash);
          if (slot !== undefined) this.#rewrite(slot, ...before);
          else this.#insert(kind, key, ...before, hash);
        });
      }
      this.#rewrite(known, share, expiresAt, coversMs, extra);
    }
    if (share === null) return;
    const longest = Math.max(share.cutoffExpiresAt, expiresAt, now);
    if (longest !== share.cutoffExpiresAt) {
      const before = share.cutoffExpiresAt;
      share.cutoffExpiresAt = longest;
      this.#undo?.push(() => (share.cutoffExpiresAt = before));
    }
  }

  /** {@link #put} of a key its map does not hold, outside a transaction: no lookup, nothing to undo. */
  #add(kind: Kind, key: string, expiresAt: number, subject: string | null, coversMs: number, hash: number): void {
    if (subject === null) return this.#insert(kind, key, null, expiresAt, coversMs, undefined, hash);
    const share = this.#shares.get(subject) ?? { subject, head: -1, count: 0, cutoffExpiresAt: 0 };
    this.#insert(kind, key, share, expiresAt, coversMs, undefined, hash);
    if (expiresAt > share.cutoffExpiresAt) share.cutoffExpiresAt = expiresAt;
  }

  /** Removes the entry under `key` and its place in its share (undoable). */
  #drop(kind: Kind, key: string): void {
    const slot = this.#find(kind, key);
    if (slot === undefined) return;
    if (this.#undo !== null) {
      const before = [this.#shareOf[slot]!, this.#expiresAt[slot]!, this.#coversMs[slot]!, this.#extras.get(slot), this.#hashOf[slot]!] as const;
      this.#undo.push(() => this.#insert(kind, key, ...before));
    }
    this.#remove(slot);
  }

  /** A new slot for `key` (which the table must not hold), linked into `share`'s list (not undoable by itself). */
  #insert(kind: Kind, key: string, share: Share | null, expiresAt: number, coversMs: number, extra: Extra | undefined, hash: number): void {
    let slot = this.#free;
    if (slot >= 0) this.#free = this.#next[slot]!;
    else {
      if (this.#used === this.#kindOf.length) this.#grow();
      slot = this.#used++;
    }
    this.#kindOf[slot] = kind;
    this.#expiresAt[slot] = expiresAt;
    this.#coversMs[slot] = coversMs;
    this.#keyOf[slot] = key;
    this.#shareOf[slot] = null;
    if (extra !== undefined) this.#extras.set(slot, extra);
    if (share !== null) this.#link(slot, share);
    this.#hashOf[slot] = hash;
    this.#counts[kind]!++;
    const mask = this.#index.length - 1;
    let cell = hash & mask;
    while (this.#index[cell]! > 0) cell = (cell + 1) & mask;
    if (this.#index[cell] === -1) this.#deletedCells--;
    this.#index[cell] = slot + 1;
    if ((this.size + this.#deletedCells) * 2 > this.#index.length) this.#rehash();
  }

  /** Frees `slot` (not undoable by itself). */
  #remove(slot: number): void {
    const mask = this.#index.length - 1;
    let cell = this.#hashOf[slot]! & mask;
    while (this.#index[cell] !== slot + 1) cell = (cell + 1) & mask;
    this.#index[cell] = -1;
    this.#deletedCells++;
    this.#counts[this.#kindOf[slot]!]!--;
    this.#kindOf[slot] = FREE;
    this.#unlink(slot);
    this.#keyOf[slot] = undefined;
    this.#extras.delete(slot);
    this.#next[slot] = this.#free;
    this.#free = slot;
  }

  /** Sets a held slot's share and values (not undoable by itself). */
  #rewrite(slot: number, share: Share | null, expiresAt: number, coversMs: number, extra: Extra | undefined): void {
    if (this.#shareOf[slot] !== share) {
      this.#unlink(slot);
      if (share !== null) this.#link(slot, share);
    }
    this.#expiresAt[slot] = expiresAt;
    this.#coversMs[slot] = coversMs;
    if (extra === undefined) this.#extras.delete(slot);
    else this.#extras.set(slot, extra);
  }

  /** Puts `slot` first in `share`'s list; a share that held nothing is (again) the subject's. */
  #link(slot: number, share: Share): void {
    if (share.count === 0) this.#shares.set(share.subject, share);
    const head = share.head;
    this.#next[slot] = head;
    this.#prev[slot] = -1;
    if (head >= 0) this.#prev[head] = slot;
    share.head = slot;
    share.count++;
    this.#shareOf[slot] = share;
  }

  /** Takes `slot` out of its share's list; a share left empty is forgotten. */
  #unlink(slot: number): void {
    const share = this.#shareOf[slot];
    if (share === null || share === undefined) return;
    const prev = this.#prev[slot]!;
    const next = this.#next[slot]!;
    if (prev >= 0) this.#next[prev] = next;
    else share.head = next;
    if (next >= 0) this.#prev[next] = prev;
    this.#shareOf[slot] = null;
    if (--share.count === 0 && this.#shares.get(share.subject) === share) this.#shares.delete(share.subject);
  }

  /** The slot of the entry of `kind` under `key`, or `undefined`. */
  #find(kind: Kind, key: string, hash = this.#hash(kind, key)): number | undefined {
    const index = this.#index;
    const mask = index.length - 1;
    for (let cell = hash & mask; ; cell = (cell + 1) & mask) {
      const held = index[cell]!;
      if (held === 0) return undefined;
      const slot = held - 1;
      if (held > 0 && this.#hashOf[slot] === hash && this.#kindOf[slot] === kind && this.#keyOf[slot] === key) return slot;
    }
  }

  /** FNV-1a over the key's UTF-16 code units and the kind, seeded, then MurmurHash3's finalizer (linear probing wants every bit mixed). */
  #hash(kind: Kind, key: string): number {
    let h = this.#seed ^ 0x811c9dc5;
    for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
    h = Math.imul(h ^ kind, 0x01000193);
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    return h ^ (h >>> 16);
  }

  /** Rebuilds the hash table at twice the cells its entries need at most, so it stays at most half full, without deleted cells. */
  #rehash(): void {
    let cells = FIRST_SLOTS * 2;
    while (cells < this.size * 4) cells *= 2;
    const index = new Int32Array(cells);
    const mask = cells - 1;
    for (let slot = 0; slot < this.#used; slot++) {
      if (this.#kindOf[slot] === FREE) continue;
      let cell = this.#hashOf[slot]! & mask;
      while (index[cell] !== 0) cell = (cell + 1) & mask;
      index[cell] = slot + 1;
    }
    this.#index = index;
    this.#deletedCells = 0;
  }

  /** Doubles the entry table. */
  #grow(): void {
    const slots = this.#kindOf.length * 2;
    const grown = <A extends Uint8Array | Float64Array | Int32Array>(from: A, to: A): A => (to.set(from), to);
    this.#kindOf = grown(this.#kindOf, new Uint8Array(slots));
    this.#hashOf = grown(this.#hashOf, new Int32Array(slots));
    this.#expiresAt = grown(this.#expiresAt, new Float64Array(slots));
    this.#coversMs = grown(this.#coversMs, new Float64Array(slots));
    this.#next = grown(this.#next, new Int32Array(slots));
    this.#prev = grown(this.#prev, new Int32Array(slots));
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

  /** The slot of the entry under `key` if it has not expired, else -1; an expired one is dropped on the way. */
  #live(kind: Kind, key: string, now: number): number {
    const slot = this.#find(kind, key);
    if (slot === undefined) return -1;
    if (this.#expiresAt[slot]! > now) return slot;
    if (this.#undo === null) this.#remove(slot);
    return -1;
  }

  #sweep(now: number): void {
    for (let slot = 0; slot < this.#used; slot++) {
      const kind = this.#kindOf[slot]!;
      if (kind === FREE || this.#expiresAt[slot]! > now) continue;
      if (this.#undo === null) this.#remove(slot);
      else this.#drop(kind as Kind, this.#keyOf[slot]!);
    }
    for (const [sub, c] of this.#cutoffs) if (c.expiresAt <= now) this.#delete(this.#cutoffs, sub);
    this.#lastSweep = now;
    this.#nextSweep = now + this.#sweepInterval;
  }

  #now(): number {
    return Math.floor(this.#clock() / 1000);
  }
}

const isKey = (x: unknown): x is string => typeof x === 'string' && x !== '' && x.length <= 1024;
const isTime = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const isOwner = (x: unknown): x is string | null => x === null || isKey(x);
const isMeta = (x: unknown): x is string | null => x === null || (typeof x === 'string' && x.length <= 512);

/**
 * A decoded journal record checked against {@link StateRecord}: the record (the same array when
 * it has the current shape), or `null` when it is none. Records written before entries had
 * owners (`j`/`f` of 4 members, `c` of 4) are read with no owner and covering everything up to now.
 *
 * @example const record = parseStateRecord(JSON.parse(line))
 * @throws Never.
 */
export function parseStateRecord(value: unknown): StateRecord | null {
  if (!Array.isArray(value)) return null;
  const v = value as unknown[];
  const same = value as unknown as StateRecord;
  switch (v[0]) {
    case 'j':
    case 'f':
      if (v.length === 5 && isKey(v[1]) && isTime(v[2]) && isOwner(v[3]) && isTime(v[4])) return same;
      // Before owners: [kind, id, expiresAt, subject | null] (families also without the subject).
      if ((v.length === 4 || (v[0] === 'f' && v.length === 3)) && isKey(v[1]) && isTime(v[2]) && (v[3] === undefined || isOwner(v[3]))) {
        return [v[0], v[1], v[2], (v[3] as string | null | undefined) ?? null, Number.MAX_SAFE_INTEGER];
      }
      return null;
    case 's':
    case 'x':
      return v.length === 4 && isKey(v[1]) && isTime(v[2]) && isTime(v[3]) ? same : null;
    case 'm':
      return v.length === 5 && isKey(v[1]) && isTime(v[2]) && isTime(v[3]) && isOwner(v[4]) ? same : null;
    case 'c':
      if (v.length === 6 && isKey(v[1]) && typeof v[2] === 'string' && isTime(v[3]) && isOwner(v[4]) && isTime(v[5])) return same;
      if (v.length === 4 && isKey(v[1]) && typeof v[2] === 'string' && isTime(v[3])) return ['c', v[1], v[2], v[3], null, Number.MAX_SAFE_INTEGER];
      return null;
    case 'r':
      if (!(v.length === 9 || v.length === 11) || !isKey(v[1]) || typeof v[2] !== 'string' || !isTime(v[3]) || !isKey(v[4]) || !isTime(v[5]) || !(v[6] === null || isKey(v[6])) || !isTime(v[7]) || !isTime(v[8])) return null;
      return v.length === 9 || (isTime(v[9]) && isTime(v[10])) ? same : null;
    case 'n':
      return v.length === 8 && isKey(v[1]) && isKey(v[2]) && isTime(v[3]) && isTime(v[4]) && isTime(v[5]) && isMeta(v[6]) && isMeta(v[7]) ? same : null;
    default:
      return null;
  }
}
