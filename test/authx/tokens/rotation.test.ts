/**
 * Refresh token rotation in the AuthX layer (lib/authx/tokens/rotation.ts): families, one successor per
 * retired token, reuse revokes the family, the race rule (grace re-issues the same successor
 * until that successor is used), and records that expire. Real MemoryRevocationStore, injected clock.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  MemoryRevocationStore, RefreshTokenRequiredError, RefreshTokenReusedError, RevokedTokenError, errorToHttp, retirementKey, StateUnavailableError,
  type AuthX, type Retirement, type RetireResult,
} from '../../../lib/index.ts';
import { inspect, makeAuth, START_MS, testClock, type TestClock } from '../authx-helpers.ts';

const DAY = 86_400;

function setup(options: { tolerance?: number } = {}): { auth: AuthX; clock: TestClock; store: MemoryRevocationStore } {
  const clock = testClock();
  const store = new MemoryRevocationStore({ clock });
  const auth = makeAuth({ clock, revocationStore: store, ...(options.tolerance === undefined ? {} : { clockTolerance: options.tolerance }) });
  return { auth, clock, store };
}

function claims(token: string): Record<string, unknown> {
  return inspect(token).payload;
}

async function refused(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  return assert.fail('expected a rejection');
}

describe('token families', () => {
  test('a token pair starts a family: both tokens carry one fid, the next pair another', () => {
    const { auth } = setup();
    const first = auth.createTokenPair('user1');
    const second = auth.createTokenPair('user1');
    const fid = claims(first.access_token).fid;
    assert.equal(typeof fid, 'string');
    assert.equal(claims(first.refresh_token).fid, fid);
    assert.notEqual(claims(second.refresh_token).fid, fid);
  });

  test('data.fid puts a pair into a family of the caller\'s choosing', () => {
    const { auth } = setup();
    const pair = auth.createTokenPair('user1', { data: { fid: 'family-1' } });
    assert.equal(claims(pair.access_token).fid, 'family-1');
    assert.equal(claims(pair.refresh_token).fid, 'family-1');
  });
});

describe('rotateRefreshToken', () => {
  test('answers a new access token and a new refresh token of the same family', async () => {
    const { auth } = setup();
    const login = auth.createTokenPair('user1');
    const rotated = await auth.rotateRefreshToken(login.refresh_token);
    assert.deepEqual(Object.keys(rotated).slice(0, 3), ['access_token', 'token_type', 'refresh_token']);
    assert.equal(rotated.token_type, 'bearer');
    assert.equal(rotated.repeated, false);
    assert.notEqual(rotated.refresh_token, login.refresh_token);
    const fid = claims(login.refresh_token).fid;
    assert.equal(rotated.familyId, fid);
    assert.equal(claims(rotated.refresh_token).fid, fid);
    assert.equal(claims(rotated.access_token).fid, fid);
    assert.equal(claims(rotated.access_token).fresh, false);
    assert.equal((await auth.verifyToken(rotated.access_token)).sub, 'user1');
    assert.equal((await auth.verifyToken(rotated.refresh_token, { type: 'refresh' })).sub, 'user1');
  });

  test('reuse after the grace period is theft: 401 ERR_REFRESH_TOKEN_REUSED, and the whole family is refused', async () => {
    const { auth, clock } = setup();
    const login = auth.createTokenPair('user1');
    const rotated = await auth.rotateRefreshToken(login.refresh_token);
    clock.now += 11_000;
    const error = await refused(auth.rotateRefreshToken(login.refresh_token));
    assert.ok(error instanceof RefreshTokenReusedError);
    assert.ok(error instanceof RevokedTokenError);
    assert.equal(error.code, 'ERR_REFRESH_TOKEN_REUSED');
    assert.equal(errorToHttp(error).status, 401);
    assert.equal(error.familyId, claims(login.refresh_token).fid);
    assert.equal(error.tokenId, claims(login.refresh_token).jti);
    assert.ok(!error.message.includes(login.refresh_token.slice(0, 20)));
    for (const token of [rotated.refresh_token, login.refresh_token]) {
      await assert.rejects(auth.verifyToken(token, { type: 'refresh' }), RevokedTokenError);
      await assert.rejects(auth.rotateRefreshToken(token), RevokedTokenError);
    }
    for (const token of [login.access_token, rotated.access_token]) await assert.rejects(auth.verifyToken(token), RevokedTokenError);
    const again = auth.createTokenPair('user1');
    assert.equal((await auth.verifyToken(again.access_token)).sub, 'user1');
    assert.equal((await auth.rotateRefreshToken(again.refresh_token)).subject, 'user1');
  });

  test('only the family is revoked: the same user\'s other session keeps working', async () => {
    const { auth, clock } = setup();
    const phone = auth.createTokenPair('user1');
    const laptop = auth.createTokenPair('user1');
    await auth.rotateRefreshToken(phone.refresh_token);
    clock.now += 60_000;
    await assert.rejects(auth.rotateRefreshToken(phone.refresh_token), RefreshTokenReusedError);
    assert.equal((await auth.verifyToken(laptop.access_token)).sub, 'user1');
    const next = await auth.rotateRefreshToken(laptop.refresh_token);
    assert.equal((await auth.verifyToken(next.access_token)).sub, 'user1');
  });

  test('within the grace period the retired token gets the same successor again, never a second one', async () => {
    const { auth, clock } = setup();
    const login = auth.createTokenPair('user1');
    const first = await auth.rotateRefreshToken(login.refresh_token);
    clock.now += 9_999;
    const retry = await auth.rotateRefreshToken(login.refresh_token);
    assert.equal(retry.repeated, true);
    assert.equal(retry.refresh_token, first.refresh_token); // same jti, iat, exp: the same token
    assert.notEqual(retry.access_token, first.access_token);
    assert.equal((await auth.verifyToken(retry.access_token)).fid, first.familyId);
    // The successor still rotates normally afterwards.
    const next = await auth.rotateRefreshToken(first.refresh_token);
    assert.equal(next.repeated, false);
  });

  test('the grace period ends: at exactly reuseGraceSeconds the retired token is theft', async () => {
    const { auth, clock } = setup();
    const login = auth.createTokenPair('user1');
    clock.now += 1_000;
    await auth.rotateRefreshToken(login.refresh_token, { reuseGraceSeconds: 3 });
    clock.now += 2_999;
    assert.equal((await auth.rotateRefreshToken(login.refresh_token, { reuseGraceSeconds: 3 })).repeated, true);
    clock.now += 1;
    await assert.rejects(auth.rotateRefreshToken(login.refresh_token, { reuseGraceSeconds: 3 }), RefreshTokenReusedError);
  });

  test('once the successor has been used, the retired token is theft even within the grace period', async () => {
    const { auth, clock } = setup();
    const login = auth.createTokenPair('user1');
    const first = await auth.rotateRefreshToken(login.refresh_token);
    const second = await auth.rotateRefreshToken(first.refresh_token);
    clock.now += 1_000;
    await assert.rejects(auth.rotateRefreshToken(login.refresh_token), RefreshTokenReusedError);
    await assert.rejects(auth.verifyToken(second.refresh_token, { type: 'refresh' }), RevokedTokenError);
  });

  test('reuseGraceSeconds 0: any second presentation is theft', async () => {
    const { auth } = setup();
    const login = auth.createTokenPair('user1');
    await auth.rotateRefreshToken(login.refresh_token, { reuseGraceSeconds: 0 });
    await assert.rejects(auth.rotateRefreshToken(login.refresh_token, { reuseGraceSeconds: 0 }), RefreshTokenReusedError);
  });

  test('twenty rotations of one token at once all answer the one successor', async () => {
    const { auth } = setup();
    const login = auth.createTokenPair('user1');
    const answers = await Promise.all(Array.from({ length: 20 }, () => auth.rotateRefreshToken(login.refresh_token)));
    assert.equal(new Set(answers.map((a) => a.refresh_token)).size, 1);
    assert.equal(answers.filter((a) => !a.repeated).length, 1);
  });

  test('an access token cannot be rotated', async () => {
    const { auth } = setup();
    await assert.rejects(auth.rotateRefreshToken(auth.createTokenPair('user1').access_token), RefreshTokenRequiredError);
  });

  test('the successor keeps scopes, audience, extra claims and the refresh lifetime of the presented token', async () => {
    const { auth, clock } = setup();
    const login = auth.createTokenPair('user1', { scopes: ['read'], audience: 'api', data: { role: 'admin' }, refreshExpiresIn: '2d' });
    clock.now += 5_000;
    const rotated = await auth.rotateRefreshToken(login.refresh_token);
    const refresh = claims(rotated.refresh_token);
    const access = claims(rotated.access_token);
    for (const payload of [refresh, access]) {
      assert.deepEqual(payload.scopes, ['read']);
      assert.equal(payload.aud, 'api');
      assert.equal(payload.role, 'admin');
    }
    assert.equal((refresh.exp as number) - (refresh.iat as number), 2 * DAY);
    assert.equal(refresh.iat, Math.floor(clock.now / 1000));
  });

  test('a refresh token without a family rotates into a new family, and its reuse revokes that family', async () => {
    const { auth, clock } = setup();
    const bare = auth.createRefreshToken('user1');
    assert.equal(claims(bare).fid, undefined);
    const rotated = await auth.rotateRefreshToken(bare);
    assert.equal(typeof claims(rotated.refresh_token).fid, 'string');
    clock.now += 60_000;
    const error = await refused(auth.rotateRefreshToken(bare));
    assert.ok(error instanceof RefreshTokenReusedError);
    assert.equal(error.familyId, rotated.familyId);
    await assert.rejects(auth.verifyToken(rotated.access_token), RevokedTokenError);
  });

  test('an unreadable retirement record counts as reuse (fails closed)', async () => {
    const { auth, store } = setup();
    const login = auth.createTokenPair('user1');
    const { jti, exp } = claims(login.refresh_token) as { jti: string; exp: number };
    store.retire({ key: retirementKey(jti), value: 'garbage', expiresAt: exp, owner: { subject: 'user1', coversMs: 0, cutoffExpiresAt: exp } });
    await assert.rejects(auth.rotateRefreshToken(login.refresh_token), RefreshTokenReusedError);
    await assert.rejects(auth.verifyToken(login.access_token), RevokedTokenError);
  });

  test('options: an unknown name is a TypeError, a grace outside 0..60 a RangeError', async () => {
    const { auth } = setup();
    const { refresh_token } = auth.createTokenPair('user1');
    await assert.rejects(auth.rotateRefreshToken(refresh_token, { graceSeconds: 5 } as never), /rotateRefreshToken options: unknown option "graceSeconds"/);
    await assert.rejects(auth.rotateRefreshToken(refresh_token, { reuseGraceSeconds: 61 }), RangeError);
    await assert.rejects(auth.rotateRefreshToken(refresh_token, { reuseGraceSeconds: 1.5 }), RangeError);
  });

});

describe('a logout racing a rotation', () => {
  // A logout that lands after the rotation verified the token and before its one store write: the
  // store's retire runs it first, as another process would have just then.
  class RacedStore extends MemoryRevocationStore {
    race: ((retirement: Retirement) => void) | undefined;
    override retire(retirement: Retirement): RetireResult {
      const race = this.race;
      this.race = undefined;
      race?.(retirement);
      return super.retire(retirement);
    }
  }
  const raced = () => {
    const clock = testClock();
    const store = new RacedStore({ clock });
    return { clock, store, auth: makeAuth({ clock, revocationStore: store }) };
  };

  for (const [what, land] of [
    ['log out everywhere (a subject cut-off)', (store: RacedStore, payload: Record<string, unknown>, nowMs: number) => store.revokeSubject(String(payload.sub), nowMs, Number(payload.exp) + 60)],
    ['the refresh token alone (its jti)', (store: RacedStore, payload: Record<string, unknown>) => store.revoke(String(payload.jti), Number(payload.exp), { subject: String(payload.sub), coversMs: Number(payload.iat) * 1000, cutoffExpiresAt: Number(payload.exp) })],
  ] as const) {
    test(`${what}: the rotation answers 401 revoked and hands out no successor`, async () => {
      const { auth, clock, store } = raced();
      const { refresh_token } = auth.createTokenPair('user1');
      clock.now += 1000;
      const payload = claims(refresh_token);
      store.race = () => land(store, payload, clock.now);
      const error = await refused(auth.rotateRefreshToken(refresh_token));
      assert.ok(error instanceof RevokedTokenError && !(error instanceof RefreshTokenReusedError), String(error));
      assert.equal(errorToHttp(error).status, 401);
      assert.equal(store.race, undefined, 'the logout landed');
      // Nothing was written for it: the token's claim is still free in the store.
      const free = { key: retirementKey(String(payload.jti)), value: 'probe', expiresAt: Number(payload.exp), owner: { subject: 'user1', coversMs: 0, cutoffExpiresAt: Number(payload.exp) } };
      assert.deepEqual(store.retire(free), { outcome: 'claimed' }, 'no claim was stored by the refused rotation');
    });
  }
});

describe('bounded state', () => {
  test('a claim lives through the grace period; a family revocation until the longest lifetime', async () => {
    const { auth, clock, store } = setup({ tolerance: 5 });
    const calls: unknown[][] = [];
    const retire = store.retire.bind(store);
    const revokeFamily = store.revokeFamily.bind(store);
    store.retire = (r) => (calls.push(['retire', r.key, r.value, r.expiresAt]), retire(r));
    store.revokeFamily = (fid, expiresAt, owner) => (calls.push(['revokeFamily', fid, expiresAt]), revokeFamily(fid, expiresAt, owner));
    const login = auth.createTokenPair('user1');
    const { jti, exp } = claims(login.refresh_token) as { jti: string; exp: number };
    await auth.rotateRefreshToken(login.refresh_token);
    clock.now += 30_000;
    await assert.rejects(auth.rotateRefreshToken(login.refresh_token), RefreshTokenReusedError);
    const now = Math.floor(clock.now / 1000);
    assert.deepEqual(calls[0]?.slice(0, 2), ['retire', `rt:${jti}`]);
    // Claims outlive the grace period (10 s) by 2 s; never the token itself.
    assert.equal(calls[0]?.[3], Math.min(exp + 5, Math.floor(START_MS / 1000) + 12));
    assert.deepEqual(calls.at(-1), ['revokeFamily', claims(login.refresh_token).fid, now + 20 * DAY + 5]);
  });

  test('a family costs one mark however often it rotates; claims lapse after the grace period', async () => {
    const { auth, clock, store } = setup();
    let { refresh_token } = auth.createTokenPair('user1');
    const before = store.size;
    for (let i = 0; i < 50; i++) {
      clock.now += 15 * 60_000;
      ({ refresh_token } = await auth.rotateRefreshToken(refresh_token));
    }
    // The newest claim (lives grace + 2 s) and the mark: the 49 earlier claims have lapsed.
    store.sweep();
    assert.equal(store.size - before, 2);
    clock.now += 12_000;
    store.sweep();
    assert.equal(store.size - before, 1);
  });

  test('an old token of the chain is still theft long after its claim has lapsed', async () => {
    const { auth, clock } = setup();
    const login = auth.createTokenPair('user1');
    let current = login.refresh_token;
    for (let i = 0; i < 3; i++) {
      clock.now += 60_000;
      current = (await auth.rotateRefreshToken(current)).refresh_token;
    }
    clock.now += 5 * DAY * 1000;
    await assert.rejects(auth.rotateRefreshToken(login.refresh_token), RefreshTokenReusedError);
    await assert.rejects(auth.verifyToken(current, { type: 'refresh' }), RevokedTokenError);
  });

  test('the mark expires with the newest refresh token of the family', async () => {
    const { auth, clock, store } = setup();
    const { refresh_token } = auth.createTokenPair('user1', { refreshExpiresIn: 60 });
    const before = store.size;
    await auth.rotateRefreshToken(refresh_token);
    clock.now += 61_000;
    store.sweep();
    assert.equal(store.size, before);
  });

  test('a user\'s logout-everywhere of a subject named like a mark does not move the mark', async () => {
    const { auth } = setup();
    const login = auth.createTokenPair('user1');
    const fid = String(claims(login.refresh_token).fid);
    await auth.revokeAllTokens(`rotated:${fid}`);
    await auth.revokeAllTokens(`\u0000rotated:${fid}`);
    assert.equal((await auth.rotateRefreshToken(login.refresh_token)).repeated, false);
  });

  test('a lost answer never forks the family: the retry repeats the successor, and after the grace the retired token is theft', async () => {
    const { auth, clock, store } = setup();
    const login = auth.createTokenPair('user1');
    // The store wrote claim and mark, but the answer never reached the caller.
    const retire = store.retire.bind(store);
    let lose = true;
    store.retire = (r) => {
      const found = retire(r);
      if (lose) {
        lose = false;
        throw new StateUnavailableError();
      }
      return found;
    };
    await assert.rejects(auth.rotateRefreshToken(login.refresh_token), StateUnavailableError);
    const retry = await auth.rotateRefreshToken(login.refresh_token);
    assert.equal(retry.repeated, true, 'the retry gets the successor the lost answer held');
    clock.now += 60_000; // claim lapsed
    await assert.rejects(auth.rotateRefreshToken(login.refresh_token), RefreshTokenReusedError);
    await assert.rejects(auth.verifyToken(retry.refresh_token, { type: 'refresh' }), RevokedTokenError, 'the whole family is revoked, no second chain');
  });

  test('every failure of the rotation\'s one store write leaves no fork: write failed, answer lost, family revoked meanwhile', async () => {
    for (const fault of ['write failed', 'answer lost'] as const) {
      const { auth, clock, store } = setup();
      const login = auth.createTokenPair('user1');
      const retire = store.retire.bind(store);
      let failing = true;
      store.retire = (r) => {
        if (!failing) return retire(r);
        failing = false;
        if (fault === 'answer lost') retire(r);
        throw new StateUnavailableError();
      };
      await assert.rejects(auth.rotateRefreshToken(login.refresh_token), StateUnavailableError, fault);
      const next = await auth.rotateRefreshToken(login.refresh_token);
      assert.equal(next.repeated, fault === 'answer lost', fault);
      clock.now += 60_000;
      await auth.rotateRefreshToken(next.refresh_token);
      clock.now += 60_000;
      await assert.rejects(auth.rotateRefreshToken(login.refresh_token), RefreshTokenReusedError, `${fault}: the retired token is theft after the grace`);
    }
    const { auth } = setup();
    const login = auth.createTokenPair('user1');
    const payload = await auth.verifyToken(login.refresh_token, { type: 'refresh' });
    await auth.revokeFamily(payload.fid!, 'user1');
    await assert.rejects(auth.rotateRefreshToken(login.refresh_token), RevokedTokenError, 'a revoked family never rotates');
  });

  test('retirementKey hashes an id that is long or has unusual characters', () => {
    assert.equal(retirementKey('abc'), 'rt:abc');
    assert.match(retirementKey('x'.repeat(200)), /^rt#[\w-]{43}$/);
    assert.match(retirementKey('a b'), /^rt#/);
  });
});

describe('revokeFamily', () => {
  test('refuses every token of the family and nothing else', async () => {
    const { auth } = setup();
    const one = auth.createTokenPair('user1');
    const other = auth.createTokenPair('user1');
    const rotated = await auth.rotateRefreshToken(one.refresh_token);
    await auth.revokeFamily(rotated.familyId, 'user1');
    for (const token of [one.access_token, rotated.access_token]) await assert.rejects(auth.verifyToken(token), RevokedTokenError);
    await assert.rejects(auth.rotateRefreshToken(rotated.refresh_token), RevokedTokenError);
    assert.equal((await auth.verifyToken(other.access_token)).sub, 'user1');
    assert.equal(await auth.isFamilyRevoked(rotated.familyId), true);
    assert.equal(await auth.isFamilyRevoked(rotated.familyId, 'user1'), true);
    assert.equal(await auth.isFamilyRevoked(other.access_token.length > 0 ? String(claims(other.access_token).fid) : ''), false);
  });

  test('a bad fid is a TypeError', async () => {
    const { auth } = setup();
    await assert.rejects(auth.revokeFamily('', 'user1'), TypeError);
    await assert.rejects(auth.revokeFamily('f', ''), TypeError);
    await assert.rejects(auth.isFamilyRevoked(42 as never), TypeError);
  });
});
