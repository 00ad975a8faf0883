/**
 * Throttle keys for client addresses. An IPv6 client usually controls a whole /64 (a home or a
 * cloud instance gets one), so counting each IPv6 address separately would let one client rotate
 * addresses past a per-address limit; the key is the /64 instead.
 */
import { isIPv4, isIPv6 } from 'node:net';

/**
 * The key a client address is counted under: an IPv4 address as it is (also when written as an
 * IPv4-mapped IPv6 address), an IPv6 address as its /64 prefix, anything else unchanged.
 *
 * @example addressThrottleKey("2001:db8:1:2:aaaa::1") // "2001:db8:1:2::/64"
 * @example addressThrottleKey("::ffff:192.0.2.7") // "192.0.2.7"
 * @throws Never.
 */
export function addressThrottleKey(address: string): string {
  const bare = address.split('%', 1)[0] ?? address; // drop an IPv6 zone id such as %eth0
  if (!isIPv6(bare)) return address;
  const groups = expandIPv6(bare);
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    const v4 = `${groups[6]! >> 8}.${groups[6]! & 0xff}.${groups[7]! >> 8}.${groups[7]! & 0xff}`;
    if (isIPv4(v4)) return v4;
  }
  return `${groups.slice(0, 4).map((g) => g.toString(16)).join(':')}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address (`::` and a dotted IPv4 tail expanded). */
function expandIPv6(address: string): number[] {
  const [head = '', tail] = address.split('::');
  const parse = (part: string): number[] =>
    part === ''
      ? []
      : part.split(':').flatMap((group) => {
          if (!group.includes('.')) return [Number.parseInt(group, 16)];
          const [a = 0, b = 0, c = 0, d = 0] = group.split('.').map(Number);
          return [(a << 8) | b, (c << 8) | d];
        });
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
}

/**
 * A coarse network hint for a session record, from an address or its throttle key: an IPv4
 * address's /24, an IPv6 address's /48; `undefined` for anything else. Never the address itself.
 *
 * @example networkHint("192.0.2.77") // "192.0.2.0/24"
 * @example networkHint("2001:db8:1:2::/64") // "2001:db8:1::/48"
 * @throws Never.
 */
export function networkHint(address: string): string | undefined {
  const key = addressThrottleKey(address);
  if (isIPv4(key)) return `${key.split('.').slice(0, 3).join('.')}.0/24`;
  const v6 = /^((?:[0-9a-f]{1,4}:){3})[0-9a-f]{1,4}::\/64$/.exec(key);
  return v6 === null ? undefined : `${v6[1]}:/48`;
}
