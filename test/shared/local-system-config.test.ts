import { expect } from 'chai';
import { loadLocalSystemConfig } from '../../src/shared/config/local-system.js';
import { ConfigError } from '../../src/shared/config/env.js';

describe('npm start: which Redis the local system runs on (loadLocalSystemConfig)', () => {
  const start = (env: NodeJS.ProcessEnv) => loadLocalSystemConfig(['node', 'start'], env);

  it('runs on the Redis Cluster REDIS_CLUSTER_NODES names, as every service will, rather than on a local Redis', () => {
    expect(start({ REDIS_CLUSTER_NODES: '127.0.0.1:7000,127.0.0.1:7001' }).redis).to.deep.equal({
      kind: 'external',
      variable: 'REDIS_CLUSTER_NODES',
      description: 'cluster via 127.0.0.1:7000,127.0.0.1:7001',
    });
  });

  it('runs on the Sentinels of REDIS_SENTINELS, and on one Redis otherwise', () => {
    expect(start({ REDIS_SENTINELS: '127.0.0.1:26379' }).redis).to.include({ kind: 'external', variable: 'REDIS_SENTINELS' });
    expect(start({ REDIS_URL: 'redis://127.0.0.1:6390' }).redis).to.deep.equal({ kind: 'single', url: 'redis://127.0.0.1:6390' });
  });

  it('refuses a malformed REDIS_CLUSTER_NODES, naming it', () => {
    expect(() => start({ REDIS_CLUSTER_NODES: 'nonsense' })).to.throw(ConfigError, 'REDIS_CLUSTER_NODES');
  });
});
