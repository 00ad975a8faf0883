/**
 * The server's Redis settings from the environment (server/process/redis-state.ts): REDIS_URL,
 * REDIS_CLUSTER or REDIS_SENTINEL (with REDIS_SENTINEL_NAME; only one of them),
 * REDIS_MIN_REPLICAS, REDIS_TRACKING; bad values refused by name, never echoing a URL.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { readRedisSettings } from '../../../server/process/redis-state.ts';

describe('the server\'s Redis settings', () => {
  test('REDIS_CLUSTER seeds, REDIS_MIN_REPLICAS and REDIS_TRACKING', () => {
    assert.equal(readRedisSettings({}), undefined);
    assert.deepEqual(readRedisSettings({ REDIS_URL: 'redis://h:1' }), { variable: 'REDIS_URL', urls: ['redis://h:1'], minReplicas: 0, tracking: true });
    assert.deepEqual(readRedisSettings({ REDIS_CLUSTER: 'redis://a:1, redis://b:2', REDIS_MIN_REPLICAS: '1', REDIS_TRACKING: 'off' }), {
      variable: 'REDIS_CLUSTER', urls: ['redis://a:1', 'redis://b:2'], minReplicas: 1, tracking: false,
    });
  });

  test('REDIS_SENTINEL: the Sentinels, the master\'s name, no tracking', () => {
    assert.deepEqual(readRedisSettings({ REDIS_SENTINEL: 'redis://a:26379,redis://b:26380', REDIS_SENTINEL_NAME: 'mymaster', REDIS_MIN_REPLICAS: '1' }), {
      variable: 'REDIS_SENTINEL', urls: ['redis://a:26379', 'redis://b:26380'], masterName: 'mymaster', minReplicas: 1, tracking: false,
    });
    assert.equal(readRedisSettings({ REDIS_SENTINEL: 'redis://a:26379', REDIS_SENTINEL_NAME: 'm', REDIS_TRACKING: 'off' })?.tracking, false);
  });

  test('bad values are refused by name, never echoing a URL (it may hold a password)', () => {
    const refused = (env: Record<string, string>, pattern: RegExp): void => {
      assert.throws(() => readRedisSettings(env), (error: Error) => {
        assert.match(error.message, pattern);
        assert.doesNotMatch(error.message, /hunter2|secret-master/);
        return true;
      });
    };
    refused({ REDIS_URL: 'redis://:hunter2@a:1', REDIS_CLUSTER: 'redis://:hunter2@b:1' }, /REDIS_URL and REDIS_CLUSTER are both set/);
    refused({ REDIS_CLUSTER: 'redis://:hunter2@a:1,http://x' }, /REDIS_CLUSTER must be a comma-separated list of redis:\/\/ or rediss:\/\/ URLs/);
    refused({ REDIS_URL: 'redis://:hunter2@a:1', REDIS_MIN_REPLICAS: 'two' }, /REDIS_MIN_REPLICAS must be an integer from 0 to 99/);
    refused({ REDIS_URL: 'redis://:hunter2@a:1', REDIS_TRACKING: 'yes' }, /REDIS_TRACKING must be on or off/);
    refused({ REDIS_URL: 'redis://:hunter2@a:1:2:3' }, /^REDIS_URL must be a redis:\/\/ or rediss:\/\/ URL$/);
    refused({ REDIS_CLUSTER: 'rediss://:hunter2@a:1,redis://:hunter2@b:1' }, /^REDIS_CLUSTER must use one scheme for every node: all redis:\/\/ or all rediss:\/\/$/);
    refused({ REDIS_URL: 'redis://:hunter2%zz@a:1' }, /^REDIS_URL must be a redis:\/\/ or rediss:\/\/ URL$/);
    refused({ REDIS_CLUSTER: 'redis://us%e0er:hunter2@a:1' }, /^REDIS_CLUSTER must be a comma-separated list/);
  });

  test('REDIS_SENTINEL is exclusive, needs REDIS_SENTINEL_NAME, takes redis:// Sentinels and no tracking', () => {
    const refused = (env: Record<string, string>, pattern: RegExp): void => {
      assert.throws(() => readRedisSettings(env), (error: Error) => {
        assert.match(error.message, pattern);
        assert.doesNotMatch(error.message, /hunter2|secret-master|sentinel-host/);
        return true;
      });
    };
    const sentinel = { REDIS_SENTINEL: 'redis://:hunter2@sentinel-host:26379', REDIS_SENTINEL_NAME: 'secret-master' };
    refused({ ...sentinel, REDIS_URL: 'redis://:hunter2@a:1' }, /^REDIS_URL and REDIS_SENTINEL are both set: set only one/);
    refused({ ...sentinel, REDIS_CLUSTER: 'redis://:hunter2@a:1' }, /^REDIS_CLUSTER and REDIS_SENTINEL are both set/);
    refused({ ...sentinel, REDIS_URL: 'redis://a:1', REDIS_CLUSTER: 'redis://:hunter2@a:1' }, /^REDIS_URL, REDIS_CLUSTER and REDIS_SENTINEL are all set/);
    refused({ REDIS_SENTINEL: sentinel.REDIS_SENTINEL }, /^REDIS_SENTINEL_NAME must be set with REDIS_SENTINEL/);
    refused({ REDIS_SENTINEL_NAME: 'secret-master' }, /^REDIS_SENTINEL_NAME is set without REDIS_SENTINEL/);
    refused({ REDIS_URL: 'redis://:hunter2@a:1', REDIS_SENTINEL_NAME: 'secret-master' }, /^REDIS_SENTINEL_NAME is set without REDIS_SENTINEL/);
    refused({ ...sentinel, REDIS_SENTINEL_NAME: 'secret master' }, /^REDIS_SENTINEL_NAME must be at most 128 printable ASCII characters, without spaces$/);
    refused({ ...sentinel, REDIS_SENTINEL: 'rediss://:hunter2@sentinel-host:26379' }, /^REDIS_SENTINEL must be a comma-separated list of redis:\/\/host:port URLs of Sentinels/);
    refused({ ...sentinel, REDIS_SENTINEL: 'redis://:hunter2@sentinel-host:26379/0' }, /^REDIS_SENTINEL must be a comma-separated list/);
    refused({ ...sentinel, REDIS_SENTINEL: ' , ' }, /^REDIS_SENTINEL must name at least one Sentinel$/);
    refused({ ...sentinel, REDIS_TRACKING: 'on' }, /^REDIS_TRACKING=on is not supported with REDIS_SENTINEL/);
  });
});
