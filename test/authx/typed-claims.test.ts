/**
 * Typed claims: `AuthX<Claims>` types `createAccessToken`'s `data` and `verifyToken`'s result,
 * requires `data` when the claims have required keys, and every adapter hands out the typed
 * payload. The type checks run in `npm run typecheck`
 * (a `@ts-expect-error` that stops erroring fails it); the values are checked at run time here.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Hono } from 'hono';
import { authenticate } from '../../lib/authx/adapters/fetch.ts';
import { expressAuth } from '../../lib/authx/adapters/express.ts';
import { fastifyAuth } from '../../lib/authx/adapters/fastify.ts';
import { honoAuth } from '../../lib/authx/adapters/hono.ts';
import { AuthX, type TokenPayload } from '../../lib/index.ts';
import { SECRET } from './authx-helpers.ts';

interface AppClaims {
  role: 'admin' | 'user';
  team: string;
}

const auth = new AuthX<AppClaims>({ secretKey: SECRET });

describe('typed claims', () => {
  test('verifyToken returns the application claim type without a cast', async () => {
    const token = auth.createAccessToken('user1', { data: { role: 'admin', team: 'blue' } });
    const payload = await auth.verifyToken(token);
    const role: 'admin' | 'user' = payload.role;
    const team: string = auth.verifyTokenSync(token).team;
    const sub: string = payload.sub;
    assert.deepEqual([role, team, sub], ['admin', 'blue', 'user1']);
  });

  test('data of the wrong type does not compile', () => {
    // @ts-expect-error "root" is not a role
    assert.throws(() => auth.createAccessToken('user1', { data: { role: 'root', team: 'x' }, expiresIn: -1 }), RangeError);
    // @ts-expect-error team must be a string
    assert.throws(() => auth.createTokenPair('user1', { data: { role: 'user', team: 1 }, expiresIn: -1 }), RangeError);
  });

  test('declared claims with required keys must be given: no data, no options or partial data do not compile', () => {
    // Each call runs (types are erased at run time), so each one is a real token without the claims.
    // @ts-expect-error no options: role and team are required
    assert.equal(typeof auth.createAccessToken('user1'), 'string');
    // @ts-expect-error options without data
    assert.equal(typeof auth.createAccessToken('user1', { fresh: true }), 'string');
    // @ts-expect-error data without team
    assert.equal(typeof auth.createAccessToken('user1', { data: { role: 'user' } }), 'string');
    // @ts-expect-error the refresh token carries the claims into every rotated pair
    assert.equal(typeof auth.createRefreshToken('user1'), 'string');
    // @ts-expect-error no options
    assert.equal(typeof auth.createTokenPair('user1').access_token, 'string');
    // @ts-expect-error options without data
    assert.equal(typeof auth.createTokenPair('user1', { refreshExpiresIn: '1d' }).refresh_token, 'string');
    // With the claims, every create call compiles.
    const data = { role: 'admin', team: 'blue' } as const;
    assert.equal(auth.verifyTokenSync(auth.createAccessToken('user1', { data })).team, 'blue');
    assert.equal(auth.verifyTokenSync(auth.createRefreshToken('user1', { data }), { type: 'refresh' }).role, 'admin');
    assert.equal(auth.verifyTokenSync(auth.createTokenPair('user1', { data, fresh: true }).access_token).team, 'blue');
  });

  test('claims that are all optional keep data optional', () => {
    const optional = new AuthX<{ role?: 'admin'; team?: string }>({ secretKey: SECRET });
    const payload = optional.verifyTokenSync(optional.createAccessToken('user1'));
    const role: 'admin' | undefined = payload.role;
    assert.equal(role, undefined);
    assert.equal(typeof optional.createTokenPair('user1').access_token, 'string');
  });

  test('without a type parameter, claims are unknown and data is any record', async () => {
    const plain = new AuthX({ secretKey: SECRET });
    const payload = await plain.verifyToken(plain.createAccessToken('user1', { data: { anything: 1 } }));
    const value: unknown = payload.anything;
    assert.equal(value, 1);
  });

  test('verifyToken<T>() names the claim type for one call', async () => {
    const plain = new AuthX({ secretKey: SECRET });
    const token = plain.createAccessToken('user1', { data: { tenant: 't1' } });
    const tenant: string = (await plain.verifyToken<{ tenant: string }>(token)).tenant;
    const again: string = plain.verifyTokenSync<{ tenant: string }>(token).tenant;
    assert.deepEqual([tenant, again], ['t1', 't1']);
  });

  test('the adapters hand out the typed payload', async () => {
    const fromFetch = await authenticate(auth, new Request('http://x/', {
      headers: { authorization: `Bearer ${auth.createAccessToken('user1', { data: { role: 'user', team: 'red' } })}` },
    }));
    const role: 'admin' | 'user' = fromFetch.role;
    assert.equal(role, 'user');
    // Types only: these functions are never called.
    const express = expressAuth(auth);
    const fastify = fastifyAuth(auth);
    const typed: Array<(r: never) => TokenPayload<AppClaims>> = [express.payload, fastify.payload];
    assert.equal(typed.length, 2);
    const hono = honoAuth(auth);
    const app = new Hono().get('/', hono.required(), (c) => c.text(c.get('authx').team));
    const response = await app.request('/', { headers: { authorization: `Bearer ${auth.createAccessToken('user1', { data: { role: 'user', team: 'green' } })}` } });
    assert.equal(await response.text(), 'green');
  });
});
