/**
 * The server's Redis settings from the environment (server/process/redis-state.ts): REDIS_URL or
 * REDIS_CLUSTER (never both), REDIS_MIN_REPLICAS, REDIS_TRACKING; bad values refused by name,
 * never echoing a URL.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { readRedisSettings } from '../../../server/process/redis-state.ts';

describe('the server\'s Redis settings', () => {
  test('REDIS_CLUSTER seeds, REDIS_MIN_REPLICAS and REDIS_TRACKING', () => {
    assert.equal(readRedisSettings({}), undefined);
    assert.deepEqual(readRedisSettings({ REDIS_URL: 'redis://h:1' }), { urls: ['redis://h:1'], cluster: false, minReplicas: 0, tracking: true });
    assert.deepEqual(readRedisSettings({ REDIS_CLUSTER: 'redis://a:1, redis://b:2', REDIS_MIN_REPLICAS: '1', REDIS_TRACKING: 'off' }), {
      urls: ['redis://a:1', 'redis://b:2'], cluster: true, minReplicas: 1, tracking: false,
    });
  });

  test('bad values are refused by name, never echoing a URL (it may hold a password)', () => {
    const refused = (env: Record<string, string>, pattern: RegExp): void => {
      assert.throws(() => readRedisSettings(env), (error: Error) => {
        assert.match(error.message, pattern);
        assert.doesNotMatch(error.message, /hunter2/);
        return true;
      });
    };
    refused({ REDIS_URL: 'redis://:hunter2@a:1', REDIS_CLUSTER: 'redis://:hunter2@b:1' }, /REDIS_URL and REDIS_CLUSTER are both set/);
    refused({ REDIS_CLUSTER: 'redis://:hunter2@a:1,http://x' }, /REDIS_CLUSTER must be a comma-separated list of redis:\/\/ or rediss:\/\/ URLs/);
    refused({ REDIS_URL: 'redis://:hunter2@a:1', REDIS_MIN_REPLICAS: 'two' }, /REDIS_MIN_REPLICAS must be an integer from 0 to 99/);
    refused({ REDIS_URL: 'redis://:hunter2@a:1', REDIS_TRACKING: 'yes' }, /REDIS_TRACKING must be on or off/);
  });
});
