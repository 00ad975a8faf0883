/**
 * The Redis store's parts that need no Redis: hash slots and tags (lib/authx/state/redis-keys.ts),
 * the client adapter's errors (lib/authx/state/redis-client.ts), the tracking cache's rules
 * (lib/authx/state/redis-tracking.ts), the official Sentinel client's adapter. Against real
 * Redis: redis-faults.test.ts and the cluster and Sentinel process tests.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RedisRevocationStore, RedisTracking, RedisUnavailableError, StateUnavailableError, redisCommand } from '../../../lib/index.ts';
import { RedisKeys, keySlot, slotOf, slotTag, subjectTag } from '../../../lib/authx/state/redis-keys.ts';
import { redisLink } from '../../../lib/authx/state/redis-client.ts';

describe('hash slots and tags', () => {
  test('slotOf is CRC16/XMODEM mod 16384: the specification check value, and non-ASCII through UTF-8', () => {
    assert.equal(slotOf('123456789'), 0x31c3);
    assert.equal(slotOf(''), 0);
    // "é" is two UTF-8 bytes (c3 a9): not the same slot as the single byte e9.
    assert.notEqual(slotOf('é'), slotOf('\u00e9'.normalize('NFD')));
    assert.equal(slotOf('é'), slotOf(Buffer.from([0xc3, 0xa9]).toString('utf8')));
  });

  test('every slot has a tag that hashes to it', () => {
    for (const slot of [0, 1, 749, 8191, 16383]) assert.equal(slotOf(slotTag(slot)), slot);
  });

  test('a subject tag holds no brace, and two subjects never share a key', () => {
    const keys = new RedisKeys('authx:');
    assert.equal(subjectTag('alice'), 'alice');
    assert.equal(subjectTag('a{b}%'), 'a%7Bb%7D%25');
    const seen = new Set<string>();
    for (const subject of ['a', 'a}', 'a{', 'a%7D', '%', '%25', 'a}:s', '{a}']) {
      const { tag, cutoff, epoch } = keys.ofSubject(subject);
      assert.doesNotMatch(tag.slice('authx:{'.length, -1), /[{}]/, subject);
      assert.ok(!seen.has(cutoff), `${subject} shares ${cutoff}`);
      seen.add(cutoff);
      // The epoch record is in the subject's slot.
      assert.equal(slotOf(/\{([^}]*)\}/.exec(epoch)![1]!), slotOf(subjectTag(subject)));
    }
  });

  test('a prefix with a brace is refused (it would move every hash tag)', () => {
    assert.throws(() => new RedisKeys('auth{x}:'), /prefix must be a string without \{ or \}/);
    assert.throws(() => new RedisRevocationStore({ client: async () => null, prefix: 'a{' }), TypeError);
  });
});

test('keySlot hashes the first non-empty {tag}, else the whole key, as Redis Cluster does', () => {
  assert.equal(keySlot('authx:{alice}:s'), slotOf('alice'));
  assert.equal(keySlot('{user1000}.following'), keySlot('{user1000}.followers'));
  assert.equal(keySlot('foo{}{bar}'), slotOf('foo{}{bar}'), 'an empty tag: the whole key');
  assert.equal(keySlot('foo{{bar}}zap'), slotOf('{bar'));
  assert.equal(keySlot('123456789'), 12_739);
});

describe('the client adapter', () => {
  test('a failure keeps the reply\'s error code and drops the client\'s text (addresses)', async () => {
    const failing = (message: string) => redisCommand(async () => {
      throw new Error(message);
    }, 100);
    for (const [message, reason] of [
      ['connect ECONNREFUSED 127.0.0.1:6379', 'connection'],
      ['OOM command not allowed when used memory > \'maxmemory\'.', 'OOM'],
      ['NOSCRIPT No matching script. Please use EVAL.', 'NOSCRIPT'],
      ['MOVED 3999 127.0.0.1:7002', 'MOVED'],
      ['CROSSSLOT Keys in request don\'t hash to the same slot', 'CROSSSLOT'],
    ] as const) {
      const error = await failing(message)(['GET', 'k']).then(() => undefined, (e: unknown) => e);
      assert.ok(error instanceof RedisUnavailableError && error instanceof StateUnavailableError, message);
      assert.equal(error.reason, reason);
      assert.equal(error.status, 503);
      assert.doesNotMatch(error.message + JSON.stringify(error), /127\.0\.0\.1|6379|7002/);
    }
  });

  test('a command that does not answer fails at the deadline with reason timeout', async () => {
    const error = await redisCommand(() => new Promise(() => {}), 20)(['PING']).then(() => undefined, (e: unknown) => e);
    assert.ok(error instanceof RedisUnavailableError);
    assert.equal(error.reason, 'timeout');
  });

  test('a function client gets the routing key of each command', async () => {
    const seen: Array<[readonly string[], string | undefined]> = [];
    const send = redisCommand(async (args, key) => (seen.push([args, key]), 'OK'), 100);
    await send(['GET', 'authx:{a}:s'], 'authx:{a}:s');
    assert.deepEqual(seen, [[['GET', 'authx:{a}:s'], 'authx:{a}:s']]);
  });
});

describe('a write that waits for replicas on a cluster (official client)', () => {
  // A cluster client as createCluster() makes one: sendCommand(firstKey, readonly, args), its
  // primaries, their own clients, and its slot map, which a redirect followed through it updates.
  function fakeCluster(owner: { node: string }, stale: string) {
    const log: string[] = [];
    const node = (name: string) => ({
      sendCommand: async (args: string[]) => {
        log.push(`${name}: ${args[0]}`);
        if (args[0] === 'WAIT') return 1;
        if (name !== owner.node) throw new Error(`MOVED 3999 127.0.0.1:7002`);
        return 'OK';
      },
    });
    let known = stale;
    const slots = new Array(16_384).fill(undefined).map(() => ({ get master() { return known; } }));
    const cluster = {
      masters: ['a', 'b'],
      slots,
      nodeClient: (name: never) => node(name as string),
      sendCommand: async (_key: string | undefined, _readonly: boolean | undefined, args: string[]) => {
        log.push(`cluster: ${args[0]}`);
        known = owner.node; // it followed the MOVED and learned the new owner
        return 0;
      },
    };
    return { cluster, log };
  }

  test('the write and its WAIT go to the primary\'s own connection together; after a MOVED the map is renewed and the pair goes to the new owner, never WAIT alone to the old one', async () => {
    const owner = { node: 'a' };
    const { cluster, log } = fakeCluster(owner, 'a');
    const linked = redisLink(cluster as never, 200);
    assert.equal(await linked.sendReplicated(['SET', 'authx:{x}:k', '1'], 'authx:{x}:k', 1), 'OK');
    assert.deepEqual(log, ['a: SET', 'a: WAIT']);
    log.length = 0;
    owner.node = 'b'; // the slot moved; the client's map still says a
    assert.equal(await linked.sendReplicated(['SET', 'authx:{x}:k', '1'], 'authx:{x}:k', 1), 'OK');
    assert.deepEqual(log, ['a: SET', 'a: WAIT', 'cluster: EXISTS', 'b: SET', 'b: WAIT']);
  });

  test('a slot that keeps redirecting (a migration, ASK) is refused with 503, the write never acknowledged', async () => {
    const { cluster, log } = fakeCluster({ node: 'c' }, 'a');
    cluster.sendCommand = async (_key, _readonly, args) => (log.push(`cluster: ${args[0]}`), 0);
    const error = await redisLink(cluster as never, 200).sendReplicated(['SET', 'authx:{x}:k', '1'], 'authx:{x}:k', 1).then(() => undefined, (e: unknown) => e);
    assert.ok(error instanceof RedisUnavailableError);
    assert.equal(error.reason, 'MOVED');
    assert.deepEqual(log, ['a: SET', 'a: WAIT', 'cluster: EXISTS', 'a: SET', 'a: WAIT']);
  });
});

describe('the official client\'s Sentinel client (createSentinel)', () => {
  test('is told apart by its shape from createClient and createCluster, and refuses a tracking cache (its pool cannot be proven tracked)', async () => {
    const { createClient, createCluster, createSentinel } = await import('redis');
    const sentinel = createSentinel({ name: 'm', sentinelRootNodes: [{ host: '127.0.0.1', port: 1 }] }); // never connected
    assert.equal(redisLink(sentinel as never, 100).sentinel, true);
    assert.equal(redisLink(createClient() as never, 100).sentinel, false);
    assert.equal(redisLink(createCluster({ rootNodes: [{ url: 'redis://127.0.0.1:1' }] }) as never, 100).sentinel, false);
    assert.throws(() => new RedisRevocationStore({ client: sentinel as never, tracking: new RedisTracking() }), /^TypeError: tracking is not supported with a Sentinel client/);
    assert.doesNotThrow(() => new RedisRevocationStore({ client: sentinel as never }).close());
  });

  // sendCommand(isReadonly, args) to the master's pool, and pipelines (multi().addCommand().execAsPipeline()).
  function fakeSentinel(pipelineReplies: () => Promise<unknown[]>) {
    const log: string[] = [];
    const sentinel = {
      getMasterNode: () => ({ host: '127.0.0.1', port: 1 }),
      sendCommand: async (readonly: boolean | undefined, args: string[]) => (log.push(`send ${String(readonly)}: ${args.join(' ')}`), 'OK'),
      multi: () => {
        const queued: string[] = [];
        const pipeline = {
          addCommand: (readonly: boolean | undefined, args: string[]) => (queued.push(`${String(readonly)}: ${args.join(' ')}`), pipeline),
          execAsPipeline: () => (log.push(`pipeline [${queued.join(' | ')}]`), pipelineReplies()),
        };
        return pipeline;
      },
    };
    return { sentinel, log };
  }

  test('commands go to the master (never readonly); a write and its WAIT are one pipeline, so a retry after a failover sends both again, in order', async () => {
    const { sentinel, log } = fakeSentinel(async () => ['OK', 1]);
    const linked = redisLink(sentinel as never, 200);
    assert.equal(await linked.send(['MGET', 'a', 'b'], 'a'), 'OK');
    assert.equal(await linked.sendReplicated(['SET', 'k', '1'], 'k', 1), 'OK');
    const [primary] = await linked.primaries();
    await primary!(['CONFIG', 'GET', 'maxmemory-policy']);
    assert.deepEqual(log, ['send false: MGET a b', 'pipeline [false: SET k 1 | false: WAIT 1 200]', 'send false: CONFIG GET maxmemory-policy']);
  });

  test('too few replicas in time, or a pipeline refused (READONLY: a demoted master), is a 503, never acknowledged', async () => {
    const fewer = await redisLink(fakeSentinel(async () => ['OK', 0]).sentinel as never, 200).sendReplicated(['SET', 'k', '1'], 'k', 1).then(() => undefined, (e: unknown) => e);
    assert.ok(fewer instanceof RedisUnavailableError && fewer.reason === 'NOREPLICAS');
    const demoted = fakeSentinel(async () => { throw new Error('READONLY You can\'t write against a read only replica.'); });
    const refused = await redisLink(demoted.sentinel as never, 200).sendReplicated(['SET', 'k', '1'], 'k', 1).then(() => undefined, (e: unknown) => e);
    assert.ok(refused instanceof RedisUnavailableError && refused.reason === 'READONLY');
  });
});

describe('the tracking cache', () => {
  test('options are checked by name and range', () => {
    assert.throws(() => new RedisTracking({ maxStalenes: 5 } as never), /unknown RedisTracking option "maxStalenes"/);
    assert.throws(() => new RedisTracking({ maxStalenessMs: 1 }), RangeError);
    assert.throws(() => new RedisTracking({ maxEntries: 0 }), RangeError);
  });

  test('nothing answers before a heartbeat, nor once it is older than maxStalenessMs', async () => {
    const tracking = new RedisTracking({ maxStalenessMs: 20 });
    const read = tracking.reading(['k']);
    tracking.fill(read, ['v']);
    assert.equal(tracking.usable(), false, 'no heartbeat yet');
    tracking.proven(performance.now(), tracking.losses);
    assert.equal(tracking.usable(), true);
    assert.equal(tracking.peek('k'), 'v');
    await new Promise((resolve) => setTimeout(resolve, 30));
    assert.equal(tracking.usable(), false, 'the proof went stale');
  });

  test('a read invalidated (or a connection lost) before its reply is not cached; other keys do not spoil it', () => {
    const tracking = new RedisTracking();
    const spoiled = tracking.reading(['a', 'b']);
    const kept = tracking.reading(['c']);
    tracking.invalidate('b');
    tracking.fill(spoiled, ['1', '2']);
    tracking.fill(kept, [null]);
    assert.equal(tracking.peek('a'), undefined);
    assert.equal(tracking.peek('c'), null);
    const lost = tracking.reading(['d']);
    tracking.connectionLost();
    tracking.fill(lost, ['4']);
    assert.equal(tracking.peek('d'), undefined);
    assert.equal(tracking.peek('c'), undefined, 'a lost connection drops everything');
  });

  test('a heartbeat that saw a connection loss proves nothing', () => {
    const tracking = new RedisTracking();
    const losses = tracking.losses;
    const sentAt = performance.now();
    tracking.connectionLost();
    tracking.proven(sentAt, losses);
    assert.equal(tracking.usable(), false);
  });

  test('cacheFor forwards the client\'s invalidations, errors and closes', () => {
    class Base {
      readonly config: object | undefined;
      constructor(config?: object) {
        this.config = config;
      }
    }
    const tracking = new RedisTracking();
    const cache = tracking.cacheFor(Base) as unknown as { invalidate(key: unknown): void; onError(): void };
    tracking.fill(tracking.reading(['k', 'j']), ['1', '2']);
    cache.invalidate(Buffer.from('k'));
    assert.equal(tracking.peek('k'), undefined);
    assert.equal(tracking.peek('j'), '2');
    cache.onError();
    assert.equal(tracking.peek('j'), undefined);
  });
});
