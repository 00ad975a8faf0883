// A revocation store on SQL (node:sqlite, Node 22.13+): the example of docs/state.md, which
// shows this file verbatim; test/authx/state/sqlite-revocation-store.test.ts runs the
// conformance suite of authx-node/testing against it. Synchronous, so verifyTokenSync works.
import { DEFAULT_MAX_ENTRIES_PER_SUBJECT, type Owner, type Retirement, type RetireResult, type RevocationCheck, type RevocationStore, type RevokeResult, type SessionRecord } from '../../../lib/index.ts';

/** The part of node:sqlite this store uses (typed here: @types/node 20 does not know the module). */
interface Database {
  exec(sql: string): void;
  prepare(sql: string): { run(...values: unknown[]): unknown; get(...values: unknown[]): Record<string, unknown> | undefined; all(...values: unknown[]): Record<string, unknown>[] };
}

export class SqliteRevocationStore implements RevocationStore {
  readonly #db: Database;
  readonly #share: number;

  constructor(path = ':memory:', options: { maxEntriesPerSubject?: number } = {}) {
    const sqlite = process.getBuiltinModule('node:sqlite') as { DatabaseSync: new (path: string) => Database } | undefined;
    if (sqlite === undefined) throw new Error('SqliteRevocationStore needs node:sqlite (Node 22.13 or later)');
    this.#db = new sqlite.DatabaseSync(path);
    this.#share = options.maxEntriesPerSubject ?? DEFAULT_MAX_ENTRIES_PER_SUBJECT;
    this.#db.exec(`
      CREATE TABLE IF NOT EXISTS entries (kind TEXT, id TEXT, subject TEXT, covers INTEGER, expires INTEGER, value TEXT, PRIMARY KEY (kind, id));
      CREATE INDEX IF NOT EXISTS entries_subject ON entries (subject);
      CREATE TABLE IF NOT EXISTS cutoffs (subject TEXT PRIMARY KEY, cutoff INTEGER, expires INTEGER);`);
  }

  isRevoked(check: RevocationCheck): boolean {
    const now = nowSeconds();
    const hit = this.#db.prepare(`SELECT 1 FROM entries WHERE expires > ? AND ((kind = 'j' AND id = ?) OR (kind = 'f' AND id = ?))
      UNION ALL SELECT 1 FROM cutoffs WHERE subject = ? AND expires > ? AND cutoff >= ? LIMIT 1`)
      .get(now, check.jti, check.fid ?? null, check.sub, now, check.issuedAtMs);
    return hit !== undefined;
  }

  revoke(jti: string, expiresAt: number, owner: Owner): RevokeResult {
    check(jti, expiresAt, owner);
    return this.#atomically(() => this.#owned('j', jti, expiresAt, owner));
  }

  revokeFamily(fid: string, expiresAt: number, owner: Owner): RevokeResult {
    check(fid, expiresAt, owner);
    if (expiresAt <= nowSeconds()) return 'token'; // revokes nothing, so drops nothing either
    return this.#atomically(() => {
      this.#db.prepare(`DELETE FROM entries WHERE kind IN ('m', 'n') AND id = ?`).run(fid); // the mark is of no use now, the session has ended
      return this.#owned('f', fid, expiresAt, owner);
    });
  }

  revokeSubject(subject: string, cutoffMs: number, expiresAt: number): void {
    if (typeof subject !== 'string' || subject === '' || !Number.isFinite(cutoffMs) || !Number.isFinite(expiresAt)) throw new TypeError('invalid revokeSubject arguments');
    if (expiresAt <= nowSeconds()) return;
    this.#atomically(() => this.#cutoff(subject, cutoffMs, expiresAt));
  }

  retire(r: Retirement): RetireResult {
    if (typeof r?.key !== 'string' || r.key === '' || typeof r.value !== 'string' || !Number.isFinite(r.expiresAt)) throw new TypeError('invalid retirement');
    if (r.family !== undefined && (typeof r.family.fid !== 'string' || r.family.fid === '' || !Number.isFinite(r.family.retiredMs))) throw new TypeError('invalid retirement family');
    check(r.key, r.expiresAt, r.owner);
    return this.#atomically((): RetireResult => {
      if (r.token !== undefined && this.isRevoked(r.token)) return { outcome: 'revoked' }; // logged out since verified
      const now = nowSeconds();
      const mark = r.family === undefined ? undefined : this.#live('m', r.family.fid, now);
      const claim = this.#live('c', r.key, now);
      if (claim !== undefined) return { outcome: 'taken', value: String(claim.value), markMs: Number(mark?.covers ?? 0) };
      if (r.family !== undefined && mark !== undefined && Number(mark.covers) >= r.family.retiredMs) return { outcome: 'retired' };
      if (r.family !== undefined && this.#live('f', r.family.fid, now) !== undefined) return { outcome: 'retired' }; // logged out meanwhile
      this.#admit(r.owner, 2, now);
      if (r.expiresAt > now) this.#put('c', r.key, r.owner.subject, r.owner.coversMs, r.expiresAt, r.value);
      if (r.family !== undefined) {
        this.#put('m', r.family.fid, r.owner.subject, Math.max(r.family.retiredMs, Number(mark?.covers ?? 0)), Math.max(r.family.expiresAt, Number(mark?.expires ?? 0)), null);
        if (r.session !== undefined) {
          this.#db.prepare(`UPDATE entries SET covers = MAX(covers, ?), expires = MAX(expires, ?) WHERE kind = 'n' AND id = ? AND expires > ?`)
            .run(r.session.lastUsedAt, r.session.expiresAt, r.family.fid, now);
        }
      }
      return { outcome: 'claimed' };
    });
  }

  recordSession(session: SessionRecord): number {
    check(session?.id, session?.expiresAt, { subject: session?.subject, coversMs: session?.lastUsedAt, cutoffExpiresAt: session?.expiresAt });
    this.#atomically(() => {
      const now = nowSeconds();
      if (session.expiresAt <= now) return;
      const known = this.#live('n', session.id, now);
      const owner = { subject: session.subject, coversMs: session.lastUsedAt, cutoffExpiresAt: session.expiresAt, keepFromMs: session.createdAt };
      if (known === undefined && this.#admit(owner, 1, now)) {
        const cutoff = this.#db.prepare('SELECT cutoff FROM cutoffs WHERE subject = ?').get(session.subject);
        if (cutoff !== undefined && session.lastUsedAt <= Number(cutoff.cutoff)) return;
      }
      const meta = JSON.stringify([session.createdAt, session.userAgent, session.network]);
      this.#put('n', session.id, session.subject, session.lastUsedAt, session.expiresAt, meta);
    });
    return this.listSessions(session.subject).length;
  }

  listSessions(subject: string): SessionRecord[] {
    const rows = this.#db.prepare(`SELECT id, covers, expires, value FROM entries WHERE kind = 'n' AND subject = ? AND expires > ?`).all(subject, nowSeconds());
    return rows.map((row) => {
      const [createdAt, userAgent, network] = JSON.parse(String(row.value)) as [number, string | null, string | null];
      return { id: String(row.id), subject, createdAt, lastUsedAt: Number(row.covers), expiresAt: Number(row.expires), userAgent, network };
    });
  }

  #owned(kind: 'j' | 'f', id: string, expiresAt: number, owner: Owner): RevokeResult {
    const now = nowSeconds();
    if (expiresAt <= now) return 'token';
    const folded = this.#live(kind, id, now) === undefined && this.#admit(owner, 1, now);
    const cutoff = this.#db.prepare('SELECT cutoff FROM cutoffs WHERE subject = ?').get(owner.subject);
    if (folded && cutoff !== undefined && owner.coversMs <= Number(cutoff.cutoff)) return 'subject';
    const known = this.#live(kind, id, now);
    this.#put(kind, id, owner.subject, Math.max(owner.coversMs, Number(known?.covers ?? 0)), Math.max(expiresAt, Number(known?.expires ?? 0)), null);
    return folded ? 'subject' : 'token';
  }

  /** Past the subject's share: a cut-off now, and every entry of the subject it covers dropped. */
  #admit(owner: Owner, adds: number, now: number): boolean {
    this.#db.prepare('DELETE FROM entries WHERE subject = ? AND expires <= ?').run(owner.subject, now);
    const { n } = this.#db.prepare('SELECT COUNT(*) AS n FROM entries WHERE subject = ?').get(owner.subject) as { n: number };
    if (Number(n) + adds <= this.#share) return false;
    // Now, but never at or past the tokens this write issues (a login's pair, a successor); the
    // cut-off lives as long as the longest entry it replaces.
    const cutoffMs = owner.keepFromMs === undefined ? Date.now() : Math.min(Date.now(), owner.keepFromMs - 1);
    const { longest } = this.#db.prepare('SELECT MAX(expires) AS longest FROM entries WHERE subject = ?').get(owner.subject) as { longest: number | null };
    this.#cutoff(owner.subject, cutoffMs, Math.max(owner.cutoffExpiresAt, Number(longest ?? 0)));
    this.#db.prepare('DELETE FROM entries WHERE subject = ? AND covers <= ?').run(owner.subject, cutoffMs);
    return true;
  }

  #cutoff(subject: string, cutoffMs: number, expiresAt: number): void {
    this.#db.prepare(`INSERT INTO cutoffs (subject, cutoff, expires) VALUES (?, ?, ?)
      ON CONFLICT (subject) DO UPDATE SET cutoff = MAX(cutoff, excluded.cutoff), expires = MAX(expires, excluded.expires)`).run(subject, cutoffMs, expiresAt);
  }

  #put(kind: string, id: string, subject: string, covers: number, expires: number, value: string | null): void {
    this.#db.prepare('INSERT OR REPLACE INTO entries (kind, id, subject, covers, expires, value) VALUES (?, ?, ?, ?, ?, ?)').run(kind, id, subject, covers, expires, value);
  }

  #live(kind: string, id: string, now: number): Record<string, unknown> | undefined {
    return this.#db.prepare('SELECT covers, expires, value FROM entries WHERE kind = ? AND id = ? AND expires > ?').get(kind, id, now);
  }

  /** One write transaction: atomic across every process sharing the database file. */
  #atomically<T>(fn: () => T): T {
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      const result = fn();
      this.#db.exec('COMMIT');
      return result;
    } catch (error) {
      this.#db.exec('ROLLBACK');
      throw error;
    }
  }
}

function check(id: string, expiresAt: number, owner: Owner): void {
  if (typeof id !== 'string' || id === '' || !Number.isFinite(expiresAt)) throw new TypeError('invalid id or expiresAt');
  if (typeof owner !== 'object' || owner === null || typeof owner.subject !== 'string' || owner.subject === '' || !Number.isFinite(owner.coversMs)) throw new TypeError('invalid owner');
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
