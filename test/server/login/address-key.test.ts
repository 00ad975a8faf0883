import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addressThrottleKey } from '../../../server/login/address-key.ts';

test('IPv6 addresses of one /64 share a throttle key; other /64s do not', () => {
  const key = addressThrottleKey('2001:db8:1:2:aaaa:bbbb:cccc:dddd');
  assert.equal(key, '2001:db8:1:2::/64');
  for (const address of ['2001:db8:1:2::1', '2001:0db8:0001:0002:ffff::', '2001:db8:1:2::1%eth0']) {
    assert.equal(addressThrottleKey(address), key, address);
  }
  assert.notEqual(addressThrottleKey('2001:db8:1:3::1'), key);
  assert.equal(addressThrottleKey('::1'), '0:0:0:0::/64');
  assert.equal(addressThrottleKey('fe80::1:2:3:4'), 'fe80:0:0:0::/64');
});

test('IPv4 addresses, also IPv4-mapped ones, are keyed as themselves', () => {
  assert.equal(addressThrottleKey('192.0.2.7'), '192.0.2.7');
  assert.equal(addressThrottleKey('::ffff:192.0.2.7'), '192.0.2.7');
  assert.equal(addressThrottleKey('::ffff:c000:207'), '192.0.2.7');
  assert.notEqual(addressThrottleKey('192.0.2.8'), addressThrottleKey('192.0.2.7'));
});

test('anything that is not an IP address is left as it is', () => {
  for (const value of ['unknown', '', 'not:an:address', '1.2.3']) assert.equal(addressThrottleKey(value), value);
});
