import { expect } from 'chai';
import { ConfigError, parseEnv } from '../../src/shared/config/env.js';
import { describeRedis, redisConfigOf, redisEnv, type RedisConfig } from '../../src/shared/config/redis.js';

/** The Redis part of a service's config from these variables, as every service reads it. */
const configOf = (env: Record<string, string>): RedisConfig => redisConfigOf(parseEnv(redisEnv, env));
/** Values that are not a host:port list. */
const badEndpointLists = [
  '',
  'sentinel-1',
  'sentinel-1:',
  ':26379',
  'sentinel-1:0',
  'sentinel-1:70000',
  'sentinel-1:123456',
  'sentinel-1:26379,',
  'sentinel-1:26379,,sentinel-2:26379',
  'sentinel-1:26379;sentinel-2:26379',
  'sentinel 1:26379',
  'redis://sentinel-1:26379',
  '::1:26379',
  '[::1]',
  '[1]:26379',
  '[:::::]:26379',
  '[sentinel-1]:26379',
  'sentinel-1:26379:1',
  '-:26379',
  '..:26379',
];

describe('Redis config: REDIS_URL, REDIS_SENTINELS, REDIS_CLUSTER_NODES and the replica acknowledgement', () => {
  it('without variables: the single Redis on loopback, no replica acknowledgement', () => {
    expect(configOf({})).to.deep.include({ url: 'redis://127.0.0.1:6379', sentinels: [], clusterNodes: [], sentinelMaster: 'mymaster', minReplicasAck: 0 });
  });

  it('reads a cluster node list like a Sentinel list, refuses a malformed one naming REDIS_CLUSTER_NODES, and waits for one replica by default', () => {
    const config = configOf({ REDIS_CLUSTER_NODES: 'node-1:7000, 10.0.0.2:7001,[::1]:7002' });
    expect(config).to.deep.include({
      clusterNodes: [
        { host: 'node-1', port: 7000 },
        { host: '10.0.0.2', port: 7001 },
        { host: '::1', port: 7002 },
      ],
      sentinels: [],
      url: undefined,
      minReplicasAck: 1,
    });
    expect(configOf({ REDIS_CLUSTER_NODES: 'node-1:7000', REDIS_MIN_REPLICAS_ACK: '0' }).minReplicasAck).to.equal(0);
    for (const list of badEndpointLists) {
      expect(() => configOf({ REDIS_CLUSTER_NODES: list }), JSON.stringify(list)).to.throw(ConfigError, /REDIS_CLUSTER_NODES: /);
    }
  });

  it('refuses cluster nodes together with Sentinels, and a db other than 0 in REDIS_URL under a cluster', () => {
    expect(() => configOf({ REDIS_CLUSTER_NODES: 'node-1:7000', REDIS_SENTINELS: 'sentinel-1:26379' })).to.throw(ConfigError, /REDIS_CLUSTER_NODES and REDIS_SENTINELS/);
    expect(() => configOf({ REDIS_CLUSTER_NODES: 'node-1:7000', REDIS_URL: 'redis://:secret-pw@ignored/2' }))
      .to.throw(ConfigError, /REDIS_URL: a Redis Cluster has only db 0/)
      .with.property('message')
      .that.does.not.include('secret-pw');
    for (const url of ['redis://:pw@ignored', 'redis://:pw@ignored/', 'rediss://app:pw@ignored/0']) {
      expect(configOf({ REDIS_CLUSTER_NODES: 'node-1:7000', REDIS_URL: url }).url, url).to.equal(url);
    }
  });

  it('reads a Sentinel list of names, IPv4 and bracketed IPv6 addresses', () => {
    const config = configOf({ REDIS_SENTINELS: 'sentinel-1:26379, 10.0.0.2:26380,[::1]:26381,[fe80::1]:1' });
    expect(config.sentinels).to.deep.equal([
      { host: 'sentinel-1', port: 26379 },
      { host: '10.0.0.2', port: 26380 },
      { host: '::1', port: 26381 },
      { host: 'fe80::1', port: 1 },
    ]);
    expect(config.url, 'REDIS_URL is optional under Sentinel').to.equal(undefined);
  });

  it('refuses a malformed Sentinel list, naming REDIS_SENTINELS', () => {
    for (const list of badEndpointLists) {
      expect(() => configOf({ REDIS_SENTINELS: list }), JSON.stringify(list)).to.throw(ConfigError, /REDIS_SENTINELS/);
    }
  });

  it('waits for one replica by default under Sentinel, for none with a single Redis, and takes REDIS_MIN_REPLICAS_ACK over both', () => {
    const sentinels = { REDIS_SENTINELS: '127.0.0.1:26379' };
    expect(configOf(sentinels).minReplicasAck).to.equal(1);
    expect(configOf({ ...sentinels, REDIS_MIN_REPLICAS_ACK: '0' }).minReplicasAck).to.equal(0);
    expect(configOf({ ...sentinels, REDIS_MIN_REPLICAS_ACK: '2' }).minReplicasAck).to.equal(2);
    expect(configOf({ REDIS_URL: 'redis://10.0.0.1:6379' }).minReplicasAck).to.equal(0);
    expect(configOf({ REDIS_URL: 'redis://10.0.0.1:6379', REDIS_MIN_REPLICAS_ACK: '1' }).minReplicasAck).to.equal(1);
    for (const bad of ['-1', '17', '1.5', 'one']) {
      expect(() => configOf({ REDIS_MIN_REPLICAS_ACK: bad }), bad).to.throw(ConfigError, /REDIS_MIN_REPLICAS_ACK/);
    }
  });

  it('refuses a replica acknowledgement time-out that is not below the command time-out, but only when it waits', () => {
    const tooLong = { REDIS_COMMAND_TIMEOUT_MS: '1000', REDIS_REPLICA_ACK_TIMEOUT_MS: '1000' };
    expect(() => configOf({ REDIS_SENTINELS: '127.0.0.1:26379', ...tooLong })).to.throw(ConfigError, /REDIS_REPLICA_ACK_TIMEOUT_MS.*REDIS_COMMAND_TIMEOUT_MS/);
    expect(() => configOf({ REDIS_MIN_REPLICAS_ACK: '1', ...tooLong })).to.throw(ConfigError, /REDIS_REPLICA_ACK_TIMEOUT_MS/);
    expect(configOf({ REDIS_SENTINELS: '127.0.0.1:26379', REDIS_MIN_REPLICAS_ACK: '0', ...tooLong }).replicaAckTimeoutMs).to.equal(1000);
    expect(configOf({ REDIS_SENTINELS: '127.0.0.1:26379', REDIS_COMMAND_TIMEOUT_MS: '1000', REDIS_REPLICA_ACK_TIMEOUT_MS: '999' }).replicaAckTimeoutMs).to.equal(999);
  });

  it('refuses a malformed REDIS_URL or Sentinel master name, naming the variable and never echoing the URL', () => {
    const badUrls = [
      '127.0.0.1:6379',
      'http://127.0.0.1:6379',
      'redis://:secret-pw@127.0.0.1:99999',
      'redis://:secret-pw@[::1:6379',
      'redis://:secret-pw@/0',
      'redis://:secret-pw@127.0.0.1:6379/db',
      'redis://:secret#pw@127.0.0.1:6379',
    ];
    for (const url of badUrls) {
      expect(() => configOf({ REDIS_URL: url }), url)
        .to.throw(ConfigError, /REDIS_URL/)
        .with.property('message')
        .that.does.not.include('secret-pw');
    }
    for (const name of ['', 'my master', 'a'.repeat(65)]) {
      expect(() => configOf({ REDIS_SENTINELS: '127.0.0.1:26379', REDIS_SENTINEL_MASTER: name }), name).to.throw(ConfigError, /REDIS_SENTINEL_MASTER/);
    }
    expect(() => configOf({ REDIS_SENTINELS: '127.0.0.1:26379', REDIS_SENTINEL_PASSWORD: '' })).to.throw(ConfigError, /REDIS_SENTINEL_PASSWORD/);
  });

  it('takes users, passwords, a db and TLS from REDIS_URL', () => {
    for (const url of ['redis://:pw@10.0.0.1:6379', 'redis://app:p%40ss%3Aw%2Frd@redis.internal:6380/2', 'rediss://app:pw@redis.internal', 'redis://[::1]:6379']) {
      expect(configOf({ REDIS_URL: url }).url, url).to.equal(url);
    }
  });

  it('describes where it points without a password, single, under Sentinel or a cluster, with TLS marked', () => {
    const password = 'very-secret-pw';
    const cases: [Record<string, string>, string][] = [
      [{}, 'redis://127.0.0.1:6379'],
      [{ REDIS_URL: `redis://:${password}@10.0.0.1:6379` }, 'redis://10.0.0.1:6379'],
      [{ REDIS_URL: `redis://app:${password}@redis.internal:6380/2` }, 'redis://redis.internal:6380/2'],
      [{ REDIS_URL: `rediss://app:${password}@redis.internal` }, 'rediss://redis.internal (TLS)'],
      [{ REDIS_URL: `redis://app:${password}@[::1]:6379` }, 'redis://[::1]:6379'],
      [
        { REDIS_SENTINELS: 's1:26379,[::1]:26380', REDIS_SENTINEL_MASTER: 'game', REDIS_SENTINEL_PASSWORD: password, REDIS_URL: `rediss://:${password}@ignored` },
        'sentinel game via s1:26379,[::1]:26380 (TLS)',
      ],
      [{ REDIS_SENTINELS: 's1:26379', REDIS_SENTINEL_PASSWORD: password }, 'sentinel mymaster via s1:26379'],
      [{ REDIS_CLUSTER_NODES: 'node-1:7000,[::1]:7001', REDIS_URL: `rediss://app:${password}@ignored` }, 'cluster via node-1:7000,[::1]:7001 (TLS)'],
      [{ REDIS_CLUSTER_NODES: 'node-1:7000', REDIS_URL: `redis://:${password}@ignored` }, 'cluster via node-1:7000'],
    ];
    for (const [env, expected] of cases) {
      const description = describeRedis(configOf(env));
      expect(description, JSON.stringify(env)).to.equal(expected);
      expect(description).to.not.include(password);
    }
  });
});
