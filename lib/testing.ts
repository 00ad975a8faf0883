/**
 * `authx-node/testing`: the revocation store contract (lib/authx/state/revocation.ts) as a
 * `node:test` suite that any `RevocationStore` can run. The library runs it against its memory,
 * file and Redis stores; docs/state.md runs it against a SQL store on `node:sqlite`.
 *
 * @example
 * import { describeRevocationStore } from 'authx-node/testing';
 * describeRevocationStore('my store', ({ maxEntriesPerSubject }) => new MyStore({ maxEntriesPerSubject }));
 * @module
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import type { Owner, RevocationCheck, RevocationStore, SessionRecord } from './authx/state/revocation.ts';

/** What the suite asks of a new store: fresh state (or keys no other test uses) and this share. */
export interface StoreFactoryOptions {
  /** The most live entries of one subject the store must keep before folding them into a cut-off. */
  readonly maxEntriesPerSubject: number;
}

/** Makes a store for one test; it may be shared between tests as long as keys do not collide. */
export type StoreFactory = (options: StoreFactoryOptions) => RevocationStore | Promise<RevocationStore>;

/**
 * Registers the contract's tests under `describe(name)`: semantics of each kind of entry,
 * expiry, cut-off monotonicity, the rotation's atomic claim and mark under concurrency (and a
 * lost answer), per-subject fairness, session records, and argument checks. Every key is random, so a shared
 * store (Redis) may serve every test.
 *
 * @example describeRevocationStore('MemoryRevocationStore', (o) => new MemoryRevocationStore(o))
 * @throws Never itself; the tests fail as `node:assert` does.
 */
export function describeRevocationStore(name: string, make: StoreFactory): void {
  const id = (kind: string): string => `${kind}-${randomUUID()}`;
  const now = (): number => Date.now();
  const sec = (): number => Math.floor(now() / 1000);
  const check = (over: Partial<RevocationCheck>): RevocationCheck => ({
    jti: over.jti ?? id('j'), sub: over.sub ?? id('s'), issuedAtMs: over.issuedAtMs ?? now(), fid: over.fid,
  });
  const owner = (subject: string, coversMs = now()): Owner => ({ subject, coversMs, cutoffExpiresAt: sec() + 300 });
  const big = { maxEntriesPerSubject: 1000 };

  describe(`${name}: the revocation store contract`, () => {
    test('a revoked jti is revoked, another is not', async () => {
      const store = await make(big);
      const jti = id('j');
      const sub = id('s');
      assert.equal(await store.revoke(jti, sec() + 60, owner(sub)), 'token');
      assert.equal(await store.isRevoked(check({ jti, sub })), true);
      assert.equal(await store.isRevoked(check({ sub })), false);
    });

    test('an entry that has already expired revokes nothing', async () => {
      const store = await make(big);
      const jti = id('j');
      const fid = id('f');
      const sub = id('s');
      await store.revoke(jti, sec() - 1, owner(sub));
      await store.revokeFamily(fid, sec() - 1, owner(sub));
      await store.revokeSubject(sub, now(), sec() - 1);
      assert.equal(await store.isRevoked(check({ jti, sub, fid, issuedAtMs: now() - 1000 })), false);
    });

    test('a subject cut-off refuses up to its millisecond, and never moves backwards', async () => {
      const store = await make(big);
      const sub = id('s');
      const at = now();
      await store.revokeSubject(sub, at, sec() + 60);
      await store.revokeSubject(sub, at - 5000, sec() + 60);
      assert.equal(await store.isRevoked(check({ sub, issuedAtMs: at - 1 })), true);
      assert.equal(await store.isRevoked(check({ sub, issuedAtMs: at })), true);
      assert.equal(await store.isRevoked(check({ sub, issuedAtMs: at + 1 })), false);
      assert.equal(await store.isRevoked(check({ issuedAtMs: at - 1 })), false, 'another subject');
    });

    test('a revoked family refuses its tokens only', async () => {
      const store = await make(big);
      const fid = id('f');
      const sub = id('s');
      await store.revokeFamily(fid, sec() + 60, owner(sub));
      assert.equal(await store.isRevoked(check({ fid, sub })), true);
      assert.equal(await store.isRevoked(check({ fid: id('f'), sub })), false);
    });

    test('retire: of 20 concurrent retirements of one token exactly one claims, all others see its successor and the mark', async () => {
      const store = await make(big);
      const key = `rt:${id('j')}`;
      const fid = id('f');
      const sub = id('s');
      const retiredMs = now() - 10;
      const answers = await Promise.all(Array.from({ length: 20 }, (_, i) =>
        store.retire({ key, value: `v${i}`, expiresAt: sec() + 30, family: { fid, retiredMs, expiresAt: sec() + 300 }, owner: owner(sub, retiredMs) })));
      const winners = answers.flatMap((a, i) => (a.outcome === 'claimed' ? [i] : []));
      assert.equal(winners.length, 1);
      for (const a of answers) {
        if (a.outcome === 'claimed') continue;
        assert.deepEqual(a, { outcome: 'taken', value: `v${winners[0]}`, markMs: retiredMs });
      }
    });

    test('retire: a lost answer retried finds the claim with its mark; once the claim lapsed, the mark alone refuses', async () => {
      const store = await make(big);
      const fid = id('f');
      const sub = id('s');
      const retiredMs = now() - 10;
      const family = { fid, retiredMs, expiresAt: sec() + 300 };
      const key = `rt:${id('j')}`;
      assert.deepEqual(await store.retire({ key, value: 'next', expiresAt: sec() + 30, family, owner: owner(sub, retiredMs) }), { outcome: 'claimed' });
      // The caller never saw that answer and retries: the claim is there, and so is the mark.
      assert.deepEqual(await store.retire({ key, value: 'other', expiresAt: sec() + 30, family, owner: owner(sub, retiredMs) }), { outcome: 'taken', value: 'next', markMs: retiredMs });
      // A claim that is not kept (already expired) leaves the mark as the only record.
      const lapsed = `rt:${id('j')}`;
      assert.deepEqual(await store.retire({ key: lapsed, value: 'x', expiresAt: sec() - 1, family, owner: owner(sub, retiredMs) }), { outcome: 'retired' });
      assert.deepEqual(await store.retire({ key: lapsed, value: 'x', expiresAt: sec() - 1, family: { ...family, retiredMs: retiredMs - 1 }, owner: owner(sub, retiredMs) }), { outcome: 'retired' });
      // The successor (issued later) rotates normally and moves the mark up.
      const later = { ...family, retiredMs: retiredMs + 5 };
      assert.deepEqual(await store.retire({ key: `rt:${id('j')}`, value: 'n2', expiresAt: sec() + 30, family: later, owner: owner(sub, retiredMs + 5) }), { outcome: 'claimed' });
      const retry = await store.retire({ key: `rt:${id('j')}`, value: 'n3', expiresAt: sec() + 30, family: { ...family, retiredMs: retiredMs + 1 }, owner: owner(sub) });
      assert.deepEqual(retry, { outcome: 'retired' }, 'the mark never moves down');
    });

    test('retire: a token revoked since its verification (its jti, its family, its subject\'s cut-off) answers revoked and writes nothing', async () => {
      const store = await make(big);
      const sub = id('s');
      const issuedAtMs = now() - 10;
      const retiring = (jti: string, fid: string) => ({
        key: `rt:${jti}`, value: 'next', expiresAt: sec() + 30, family: { fid, retiredMs: issuedAtMs, expiresAt: sec() + 300 },
        owner: owner(sub, issuedAtMs), token: check({ jti, sub, fid, issuedAtMs }),
      });
      const byJti = { jti: id('j'), fid: id('f') };
      await store.revoke(byJti.jti, sec() + 60, owner(sub, issuedAtMs));
      assert.deepEqual(await store.retire(retiring(byJti.jti, byJti.fid)), { outcome: 'revoked' });
      const byFamily = { jti: id('j'), fid: id('f') };
      await store.revokeFamily(byFamily.fid, sec() + 60, owner(sub, issuedAtMs));
      assert.deepEqual(await store.retire(retiring(byFamily.jti, byFamily.fid)), { outcome: 'revoked' });
      // Nothing was written: the same token of a family nobody revoked still claims afterwards.
      const fresh = { jti: byJti.jti, fid: id('f') };
      assert.deepEqual(await store.retire({ ...retiring(fresh.jti, fresh.fid), token: undefined }), { outcome: 'claimed' }, 'no claim was left by the refused retirement');
      const other = id('s');
      const byCutoff = { jti: id('j'), fid: id('f') };
      await store.revokeSubject(sub, issuedAtMs, sec() + 60);
      assert.deepEqual(await store.retire(retiring(byCutoff.jti, byCutoff.fid)), { outcome: 'revoked' });
      assert.deepEqual(await store.retire({ ...retiring(byCutoff.jti, byCutoff.fid), token: check({ jti: byCutoff.jti, sub, fid: byCutoff.fid, issuedAtMs: issuedAtMs + 1 }), owner: owner(sub, issuedAtMs + 1) }), { outcome: 'claimed' }, 'issued after the cut-off');
      assert.deepEqual(await store.retire({ ...retiring(id('j'), id('f')), owner: owner(other, issuedAtMs), token: check({ sub: other, issuedAtMs }) }), { outcome: 'claimed' }, 'another subject');
      // A claim already there and the token revoked since: revoked comes first (no successor again).
      const claimed = { jti: id('j'), fid: id('f') };
      const later = { ...retiring(claimed.jti, claimed.fid), token: check({ jti: claimed.jti, sub, fid: claimed.fid, issuedAtMs: issuedAtMs + 5 }), owner: owner(sub, issuedAtMs + 5) };
      assert.deepEqual(await store.retire(later), { outcome: 'claimed' });
      await store.revoke(claimed.jti, sec() + 60, owner(sub, issuedAtMs + 5));
      assert.deepEqual(await store.retire(later), { outcome: 'revoked' }, 'a claim does not answer for a revoked token');
    });

    test('retire without a family keeps the claim alone', async () => {
      const store = await make(big);
      const key = `rt:${id('j')}`;
      const sub = id('s');
      assert.deepEqual(await store.retire({ key, value: 'a', expiresAt: sec() + 60, owner: owner(sub) }), { outcome: 'claimed' });
      assert.deepEqual(await store.retire({ key, value: 'b', expiresAt: sec() + 60, owner: owner(sub) }), { outcome: 'taken', value: 'a', markMs: 0 });
    });

    test('fairness: past its share a subject is folded into a cut-off that refuses all it had; other subjects keep theirs', async () => {
      const store = await make({ maxEntriesPerSubject: 3 });
      const heavy = id('s');
      const light = id('s');
      const lightJti = id('j');
      const lightFid = id('f');
      await store.revoke(lightJti, sec() + 60, owner(light));
      await store.retire({ key: `rt:${id('j')}`, value: 'v', expiresAt: sec() + 30, family: { fid: lightFid, retiredMs: now() - 1, expiresAt: sec() + 300 }, owner: owner(light) });
      const before = now() - 1;
      const revoked: string[] = [];
      const results: string[] = [];
      for (let i = 0; i < 3; i++) {
        const jti = id('j');
        revoked.push(jti);
        results.push(await store.revoke(jti, sec() + 60, owner(heavy, now() - 1)));
      }
      assert.deepEqual(results, ['token', 'token', 'token']);
      assert.equal(await store.isRevoked(check({ sub: heavy, issuedAtMs: before })), false, 'no cut-off yet');
      // Marks and claims count in the share too: this retirement takes the heavy subject past it.
      await store.retire({ key: `rt:${id('j')}`, value: 'v', expiresAt: sec() + 30, family: { fid: id('f'), retiredMs: now() - 1, expiresAt: sec() + 300 }, owner: owner(heavy, now() - 1) });
      assert.equal(await store.isRevoked(check({ sub: heavy, issuedAtMs: before })), true, 'the heavy subject was folded');
      for (const jti of revoked) assert.equal(await store.isRevoked(check({ jti, sub: heavy, issuedAtMs: before })), true, 'folding only ever refuses more');
      assert.equal(await store.isRevoked(check({ jti: lightJti, sub: light })), true, 'the light subject keeps its revocation');
      assert.equal(await store.isRevoked(check({ sub: light, issuedAtMs: before })), false, 'and pays nothing');
      assert.equal(await store.revoke(id('j'), sec() + 60, owner(heavy, now() - 1)), 'token', 'after a fold the share has room again');
    });

    test('an ordinary user with 100 sessions that each refresh keeps all of them', async () => {
      const store = await make(big);
      const sub = id('s');
      const start = now() - 100;
      for (let i = 0; i < 100; i++) {
        const found = await store.retire({ key: `rt:${id('j')}`, value: 'v', expiresAt: sec() + 30, family: { fid: id('f'), retiredMs: start, expiresAt: sec() + 300 }, owner: owner(sub, start) });
        assert.equal(found.outcome, 'claimed');
      }
      assert.equal(await store.isRevoked(check({ sub, issuedAtMs: start })), false);
    });

    test('a revoked family drops its mark but stays revoked', async () => {
      const store = await make(big);
      const sub = id('s');
      const fid = id('f');
      await store.retire({ key: `rt:${id('j')}`, value: 'v', expiresAt: sec() + 30, family: { fid, retiredMs: now() - 1, expiresAt: sec() + 300 }, owner: owner(sub) });
      await store.revokeFamily(fid, sec() + 300, owner(sub));
      assert.equal(await store.isRevoked(check({ fid, sub })), true);
    });

    const session = (subject: string, over: Partial<SessionRecord> = {}): SessionRecord => ({
      id: id('f'), subject, createdAt: now() - 1000, lastUsedAt: now() - 1000, expiresAt: sec() + 300, userAgent: 'curl/8', network: '192.0.2.0/24', ...over,
    });
    const sorted = (list: readonly SessionRecord[]): SessionRecord[] => [...list].sort((a, b) => a.id.localeCompare(b.id));

    test('sessions: recorded, listed per subject, replaced by id, and not kept once expired', async () => {
      const store = await make(big);
      const sub = id('s');
      const a = session(sub);
      const b = session(sub, { userAgent: null, network: null });
      const first = await store.recordSession(a);
      const second = await store.recordSession(b);
      // A store may answer the subject's live session count after the write.
      if (first !== undefined) assert.deepEqual([first, second], [1, 2]);
      await store.recordSession(session(id('s')));
      await store.recordSession(session(sub, { expiresAt: sec() - 1 }));
      assert.deepEqual(sorted(await store.listSessions(sub)), sorted([a, b]));
      const later = { ...a, lastUsedAt: a.lastUsedAt + 500, expiresAt: a.expiresAt + 60 };
      await store.recordSession(later);
      assert.deepEqual(sorted(await store.listSessions(sub)), sorted([later, b]));
      assert.deepEqual(await store.listSessions(id('s')), []);
    });

    test('sessions: a rotation moves the last use up in the same write; revoking the family ends the session', async () => {
      const store = await make(big);
      const sub = id('s');
      const a = session(sub);
      await store.recordSession(a);
      const used = a.lastUsedAt + 2000;
      await store.retire({ key: `rt:${id('j')}`, value: 'v', expiresAt: sec() + 30, family: { fid: a.id, retiredMs: a.lastUsedAt, expiresAt: sec() + 600 }, owner: owner(sub, a.lastUsedAt), session: { lastUsedAt: used, expiresAt: sec() + 600 } });
      assert.deepEqual(await store.listSessions(sub), [{ ...a, lastUsedAt: used, expiresAt: sec() + 600 }]);
      await store.revokeFamily(a.id, sec() + 600, owner(sub));
      assert.deepEqual(await store.listSessions(sub), []);
      assert.equal(await store.isRevoked(check({ sub, fid: a.id })), true);
    });

    test('sessions count in the share: past it they are folded with the rest, the subject\'s tokens refused', async () => {
      const store = await make({ maxEntriesPerSubject: 3 });
      const sub = id('s');
      const base = now() - 1000;
      for (let i = 0; i < 4; i++) await store.recordSession(session(sub, { createdAt: base + 10 * i, lastUsedAt: base + 10 * i }));
      assert.ok((await store.listSessions(sub)).length < 4);
      assert.equal(await store.isRevoked(check({ sub, issuedAtMs: base })), true, 'the older sessions\' tokens are refused');
      assert.equal(await store.isRevoked(check({ sub, issuedAtMs: base + 30 })), false, 'the login that folded keeps its own tokens');
    });

    test('a family revoked with an end already past changes nothing: its mark and session stay', async () => {
      const store = await make(big);
      const sub = id('s');
      const a = session(sub);
      await store.recordSession(a);
      const retiredMs = now() - 10;
      await store.retire({ key: `rt:${id('j')}`, value: 'v', expiresAt: sec() + 30, family: { fid: a.id, retiredMs, expiresAt: sec() + 300 }, owner: owner(sub, retiredMs) });
      await store.revokeFamily(a.id, sec() - 1, owner(sub));
      assert.equal(await store.isRevoked(check({ sub, fid: a.id })), false);
      assert.equal((await store.listSessions(sub)).length, 1, 'the session is still there');
      const again = await store.retire({ key: `rt:${id('j')}`, value: 'w', expiresAt: sec() - 1, family: { fid: a.id, retiredMs, expiresAt: sec() + 300 }, owner: owner(sub, retiredMs) });
      assert.deepEqual(again, { outcome: 'retired' }, 'the mark still refuses the retired token');
    });

    test('retire refuses a family revoked meanwhile: no successor for a logged-out session', async () => {
      const store = await make(big);
      const sub = id('s');
      const fid = id('f');
      await store.revokeFamily(fid, sec() + 300, owner(sub));
      const found = await store.retire({ key: `rt:${id('j')}`, value: 'v', expiresAt: sec() + 30, family: { fid, retiredMs: now() - 10, expiresAt: sec() + 300 }, owner: owner(sub) });
      assert.deepEqual(found, { outcome: 'retired' });
    });

    test('a fold stops before keepFromMs: the tokens the folding write hands out still work', async () => {
      const store = await make({ maxEntriesPerSubject: 2 });
      const sub = id('s');
      const t = now();
      for (let i = 0; i < 2; i++) await store.revoke(id('j'), sec() + 60, owner(sub, t - 50));
      await store.retire({ key: `rt:${id('j')}`, value: 'v', expiresAt: sec() + 30, family: { fid: id('f'), retiredMs: t - 50, expiresAt: sec() + 300 }, owner: { ...owner(sub, t - 50), keepFromMs: t - 20 } });
      assert.equal(await store.isRevoked(check({ sub, issuedAtMs: t - 50 })), true, 'folded');
      assert.equal(await store.isRevoked(check({ sub, issuedAtMs: t - 20 })), false, 'not at or after keepFromMs');
      assert.equal(await store.isRevoked(check({ sub, issuedAtMs: t + 60_000 })), false);
    });

    test('bad arguments are TypeErrors', async () => {
      const store = await make(big);
      const sub = id('s');
      await assert.rejects(async () => store.revoke('', sec() + 5, owner(sub)), TypeError);
      await assert.rejects(async () => store.revoke('j', sec() + 5, undefined as never), TypeError);
      await assert.rejects(async () => store.revokeFamily('f', Number.NaN, owner(sub)), TypeError);
      await assert.rejects(async () => store.revokeSubject(sub, Number.NaN, sec() + 5), TypeError);
      await assert.rejects(async () => store.retire({ key: 'k', value: 7 as never, expiresAt: sec() + 5, owner: owner(sub) }), TypeError);
      await assert.rejects(async () => store.retire({ key: 'k', value: 'v', expiresAt: sec() + 5, family: { fid: '', retiredMs: 1, expiresAt: 1 }, owner: owner(sub) }), TypeError);
      await assert.rejects(async () => store.recordSession({ ...session(sub), id: '' }), TypeError);
    });
  });
}
