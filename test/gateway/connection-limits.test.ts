import { expect } from 'chai';
import { addressKey } from '../../src/gateway/connection-limits.js';

describe('addressKey: what one client is, for the per-address connection cap', () => {
  it('is the IPv4 address, also when mapped into IPv6, and the /64 of an IPv6 address', () => {
    const cases: [string, string][] = [
      ['127.0.0.1', '127.0.0.1'],
      ['::ffff:10.1.2.3', '10.1.2.3'],
      ['::1', '0:0:0:0::/64'],
      ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
      ['2001:db8:1:2::7', '2001:db8:1:2::/64'],
      ['2001:DB8:0001:0002:ffff::1', '2001:db8:1:2::/64'],
      ['2001:db8::1', '2001:db8:0:0::/64'],
      ['fe80::1%eth0', 'fe80:0:0:0::/64'],
      ['64:ff9b:1:2::192.0.2.1', '64:ff9b:1:2::/64'],
    ];
    for (const [address, key] of cases) expect(addressKey(address), address).to.equal(key);
  });
});
