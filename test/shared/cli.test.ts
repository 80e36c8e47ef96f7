import { expect } from 'chai';
import { InvalidArgumentError } from 'commander';
import { grpcTargetArg, hostPortArg } from '../../src/shared/config/cli.js';

describe('command-line address flags', () => {
  it('host:port takes a name or an address with a port, and nothing else', () => {
    for (const good of ['127.0.0.1:50051', 'matcher.internal:1', '[::1]:65535', '[::ffff:10.0.0.1]:1']) expect(hostPortArg(good)).to.equal(good);
    for (const bad of ['nohost', 'h:99999', 'h:', ':80', 'ipv4:127.0.0.1:1', 'a b:1', '[1]:80', '[:::::]:1']) {
      expect(() => hostPortArg(bad), bad).to.throw(InvalidArgumentError, /host:port/);
    }
  });

  it('a gRPC target is host:port or a list of replicas gRPC can resolve', () => {
    const good = [
      '127.0.0.1:50051',
      'matcher:50051',
      'ipv4:127.0.0.1:50051',
      'ipv4:10.0.0.1:50051,10.0.0.2:50052',
      'ipv6:[::1]:50051,[fe80::1]:50052',
      'dns:///matcher.internal:50051',
      'dns:matcher:50051',
    ];
    for (const target of good) expect(grpcTargetArg(target), target).to.equal(target);
    const bad = [
      'nohost',
      'ipv4:',
      'ipv4:matcher:50051',
      'ipv4:10.0.0.1:50051,',
      'ipv4:10.0.0.1:70000',
      'ipv4:300.1.1.1:50051',
      'ipv4:[::1]:50051',
      'ipv6:::1:50051',
      'ipv6:[1]:50051',
      'ipv6:[:::::]:1',
      'ipv6:10.0.0.1:50051',
      'dns://10.0.0.53/matcher.internal:50051',
      'dns://corp-dns/matcher:50051',
      'dns:///matcher',
      'unix:/tmp/matcher.sock',
      'http://matcher:50051',
    ];
    for (const target of bad) expect(() => grpcTargetArg(target), target).to.throw(InvalidArgumentError, /host:port, or a gRPC target/);
  });
});
