import { expect } from 'chai';
import { loadGatewayConfig } from '../../src/shared/config/gateway.js';
import { ConfigError } from '../../src/shared/config/env.js';

const argv = ['node', 'gateway'];

describe('gateway config: time-outs, caps and rate limits', () => {
  it('has finite defaults an internet-facing gateway can run with', () => {
    const config = loadGatewayConfig(argv, {});
    expect(config.http).to.deep.equal({
      requestTimeoutMs: 10000,
      headersTimeoutMs: 5000,
      keepAliveTimeoutMs: 10000,
      socketIdleTimeoutMs: 60000,
      maxConnections: 10000,
      maxConnectionsPerIp: 256,
      trustProxy: undefined,
    });
    expect(config.rateLimits).to.deep.equal({ windowMs: 10000, loginsPerWindow: 200, watchOpensPerWindow: 200 });
    expect(config).to.include({ watchChannels: 8, maxClosingWatches: 5000 });
  });

  it('takes every limit from GATEWAY_* variables', () => {
    const config = loadGatewayConfig(argv, {
      GATEWAY_REQUEST_TIMEOUT_MS: '3000',
      GATEWAY_HEADERS_TIMEOUT_MS: '2000',
      GATEWAY_MAX_CONNECTIONS_PER_IP: '0',
      GATEWAY_TRUST_PROXY: '10.0.0.0/8,127.0.0.1',
      GATEWAY_LOGIN_RATE_MAX: '0',
    });
    expect(config.http).to.include({ requestTimeoutMs: 3000, headersTimeoutMs: 2000, maxConnectionsPerIp: 0, trustProxy: '10.0.0.0/8,127.0.0.1' });
    expect(config.rateLimits.loginsPerWindow).to.equal(0);
  });

  it('refuses settings that contradict each other, naming the variable', () => {
    const bad: [Record<string, string>, RegExp][] = [
      [{ GATEWAY_HEADERS_TIMEOUT_MS: '20000' }, /GATEWAY_HEADERS_TIMEOUT_MS/],
      [{ GATEWAY_SOCKET_IDLE_TIMEOUT_MS: '15000' }, /GATEWAY_SOCKET_IDLE_TIMEOUT_MS/],
      [{ GATEWAY_TRUST_PROXY: 'every proxy' }, /GATEWAY_TRUST_PROXY/],
      [{ GATEWAY_MAX_CONNECTIONS: '0' }, /GATEWAY_MAX_CONNECTIONS/],
    ];
    for (const [env, message] of bad) expect(() => loadGatewayConfig(argv, env), JSON.stringify(env)).to.throw(ConfigError, message);
  });
});
