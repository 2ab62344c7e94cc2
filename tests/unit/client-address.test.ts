import { describe, expect, it } from 'vitest';
import { clientAddress } from '../../src/http/client-address.ts';

const direct = { TRUST_PROXY: false, TRUST_PROXY_HOPS: 1 };
const oneProxy = { TRUST_PROXY: true, TRUST_PROXY_HOPS: 1 };
const twoProxies = { TRUST_PROXY: true, TRUST_PROXY_HOPS: 2 };

describe('clientAddress', () => {
  it.each([
    // [what it shows, trust, socket peer, X-Forwarded-For, the address counted]
    ['without TRUST_PROXY the socket peer counts, whatever X-Forwarded-For claims', direct, '192.0.2.1', '203.0.113.7', '192.0.2.1'],
    ['without TRUST_PROXY and without a header, the socket peer', direct, '192.0.2.1', null, '192.0.2.1'],
    ['behind one proxy, the single entry it appended', oneProxy, '127.0.0.1', '203.0.113.7', '203.0.113.7'],
    [
      'behind one proxy, the rightmost entry, never what the client wrote to its left',
      oneProxy,
      '127.0.0.1',
      '198.51.100.99, 203.0.113.7',
      '203.0.113.7',
    ],
    [
      'behind one proxy, many client-written entries change nothing',
      oneProxy,
      '127.0.0.1',
      'junk-1, 10.0.0.1, 1.2.3.4, 203.0.113.7',
      '203.0.113.7',
    ],
    ['spaces around entries are trimmed', oneProxy, '127.0.0.1', '  1.1.1.1 ,   203.0.113.7  ', '203.0.113.7'],
    ['empty entries (stray commas) are skipped', oneProxy, '127.0.0.1', '1.1.1.1, 203.0.113.7, ,', '203.0.113.7'],
    [
      'behind two proxies, the second entry from the right (what the outer proxy saw)',
      twoProxies,
      '127.0.0.1',
      'forged, 203.0.113.7, 10.0.0.2',
      '203.0.113.7',
    ],
    [
      'behind two proxies, any number of forged entries to the left change nothing',
      twoProxies,
      '127.0.0.1',
      'a, b, c, 203.0.113.7, 10.0.0.2',
      '203.0.113.7',
    ],
    ['fewer entries than hops (the outer proxy was skipped): the first entry', twoProxies, '127.0.0.1', '203.0.113.7', '203.0.113.7'],
    ['an IPv6 entry counts as its /64', oneProxy, '::1', 'forged, 2001:db8::7', '2001:db8::/64'],
    [
      'an IPv6 peer counts as its /64, whatever its last 64 bits',
      direct,
      '2001:db8:aa:bb:1234:5678:9abc:def0',
      null,
      '2001:db8:aa:bb::/64',
    ],
    ['an IPv4-mapped peer (a dual-stack socket) counts as its IPv4 address', direct, '::ffff:192.0.2.1', null, '192.0.2.1'],
    ['with TRUST_PROXY and no header, the socket peer', oneProxy, '192.0.2.1', null, '192.0.2.1'],
    ['with TRUST_PROXY and an empty header, the socket peer', oneProxy, '192.0.2.1', '', '192.0.2.1'],
    ['with TRUST_PROXY and a header of only commas and spaces, the socket peer', oneProxy, '192.0.2.1', ' , ,', '192.0.2.1'],
    ['no socket address and nothing trusted: "unknown"', direct, undefined, '203.0.113.7', 'unknown'],
    ['an entry is cut to 64 characters (a key in memory stays small)', oneProxy, '127.0.0.1', `x, ${'a'.repeat(500)}`, 'a'.repeat(64)],
  ] as const)('%s', (_what, trust, socket, forwarded, expected) => {
    expect(clientAddress(trust, socket, forwarded)).toBe(expected);
  });

  it('one machine rotating through the addresses of its /64 is one client; the next /64 is another', () => {
    const keys = new Set<string>();
    for (let i = 0; i < 100; i++)
      keys.add(clientAddress(direct, `2001:db8:1:2:${i.toString(16)}::${((i * 7919) % 0xffff).toString(16)}`, null));
    expect([...keys]).toEqual(['2001:db8:1:2::/64']);
    expect(clientAddress(direct, '2001:db8:1:3::1', null)).toBe('2001:db8:1:3::/64');
  });

  it('rotating what the client writes to the left of the appended entry always yields the same address', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 100; i++) seen.add(clientAddress(oneProxy, '127.0.0.1', `10.${i}.0.1, junk-${i}, 203.0.113.7`));
    expect([...seen]).toEqual(['203.0.113.7']);
  });

  it('an entry that names its port (as some proxies write it) is one client whatever the port', () => {
    const seen = new Set<string>();
    for (let port = 50000; port < 50050; port++) seen.add(clientAddress(oneProxy, '127.0.0.1', `198.51.100.21:${port}`));
    expect([...seen]).toEqual(['198.51.100.21']);
    expect(clientAddress(oneProxy, '127.0.0.1', '[2001:db8::7]:443')).toBe('2001:db8::/64');
    expect(clientAddress(oneProxy, '127.0.0.1', '[2001:db8::7]')).toBe('2001:db8::/64');
    expect(clientAddress(oneProxy, '127.0.0.1', 'fe80::1%eth0')).toBe('fe80::/64');
    // An odd entry stays as written: only an address's own port goes.
    expect(clientAddress(oneProxy, '127.0.0.1', 'unknown')).toBe('unknown');
  });
});
