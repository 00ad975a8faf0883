/**
 * Defect #5 of issue #10 over real HTTP: a "logged out everywhere" cut-off is kept at the
 * millisecond, so within one second a token issued just before it is refused and a login
 * completing just after it gets a working token (with whole seconds, one of the two was wrong).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryRevocationStore } from '../../../lib/index.ts';
import { call, tokensFor, withTestServer } from '../server-helpers.ts';

test('same second: a token issued 1 ms before a logout-everywhere is refused; a login 1 ms after it works', async () => {
  await withTestServer(
    async ({ url, clock }) => {
      const bearer = (token: string): RequestInit => ({ headers: { authorization: `Bearer ${token}` } });
      const logout = (token: string): Promise<{ status: number }> => call(`${url}/logout`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
      clock.advance(500); // mid-second: everything below happens within one wall-clock second
      const first = await tokensFor(url);
      clock.advance(1);
      const justBefore = await tokensFor(url);
      clock.advance(1);
      assert.equal((await logout(first.access)).status, 200); // two sessions and this revocation fill the share of 3
      assert.equal((await logout(justBefore.refresh)).status, 200); // over it: every user1 token up to now
      clock.advance(1);
      const justAfter = await tokensFor(url);
      assert.equal((await call(`${url}/protected`, bearer(justBefore.access))).status, 401, 'issued 2 ms before the cut-off');
      assert.equal((await call(`${url}/protected`, bearer(justAfter.access))).status, 200, 'issued 1 ms after the cut-off, same second');
      assert.equal((await call(`${url}/refresh`, { method: 'POST', headers: { authorization: `Bearer ${justAfter.refresh}` } })).status, 200);
    },
    (clock) => ({ revocationStore: new MemoryRevocationStore({ clock: clock.now, maxEntriesPerSubject: 3 }) }),
  );
});
