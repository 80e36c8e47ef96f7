import { expect } from 'chai';
import { Cluster, Redis } from 'ioredis';
import { pino } from 'pino';
import { RedisCluster } from '../../scripts/lib/redis-cluster.js';
import { ConfigError, parseEnv } from '../../src/shared/config/env.js';
import { redisConfigOf, redisEnv } from '../../src/shared/config/redis.js';
import { awaitRedisAtStart, closeRedis, createRedis, type RedisClientOptions, type RedisConnection } from '../../src/shared/redis/client.js';
import { freePort } from '../support/ports.js';
import { RedisServer } from '../support/redis-server.js';
import { Stack } from '../support/stack.js';
import { eventually } from '../support/wait.js';

const password = 'cluster-test-pw';
const log = pino({ level: 'silent' });
const timing = { commandTimeoutMs: 1000, maxReconnectDelayMs: 1000 };
/** Sets both keys to the value and returns the second one read back: a script that touches two keys. */
const setPairLua = "redis.call('SET', KEYS[1], ARGV[1]); redis.call('SET', KEYS[2], ARGV[1]); return redis.call('GET', KEYS[2])";

type WithSetPair = { clusterTestSetPair(first: string, second: string, value: string): Promise<string> };

describe('a Redis connection to a Redis Cluster (three masters with a replica each, real redis-server processes)', function () {
  this.timeout(60000);
  const stack = new Stack();
  let cluster: RedisCluster;
  /** The connection options a service has, read from the environment the cluster gives. */
  let options: RedisClientOptions;
  let redis: RedisConnection;

  /** A connection that the stack closes at the end. */
  const connect = (overrides: Partial<RedisClientOptions> = {}): RedisConnection => {
    const connection = createRedis({ ...options, ...overrides }, log);
    stack.add({ stop: () => closeRedis(connection) });
    return connection;
  };
  /** A plain connection to one node, which answers only for the slots that node serves. */
  const nodeClient = (port: number): Redis => {
    const client = new Redis(port, '127.0.0.1', { password, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => {}); // its node may be killed later: the checks see the failures
    stack.add({ stop: () => client.disconnect() });
    return client;
  };
  /** Keys, each served by another master. */
  const keysOnEveryMaster = async (): Promise<Map<number, string>> => {
    const byMaster = new Map<number, string>();
    for (let i = 0; byMaster.size < 3; i++) {
      const key = `cluster-test-${i}`;
      const master = await cluster.masterOf(key);
      if (!byMaster.has(master)) byMaster.set(master, key);
    }
    return byMaster;
  };

  before(async function () {
    this.timeout(30000);
    cluster = stack.add(await RedisCluster.start({ password }));
    options = { ...redisConfigOf(parseEnv(redisEnv, cluster.env())), ...timing, connectionName: 'cluster-client-test' };
    redis = connect();
    expect(await awaitRedisAtStart(redis, 10000), 'ready at start').to.equal(true);
  });
  after(async () => stack.stop());

  it('is a Cluster connection when REDIS_CLUSTER_NODES is set, logging in with the password of REDIS_URL', async () => {
    expect(redis).to.be.instanceOf(Cluster);
    await redis.set('cluster-test-hello', 'world');
    expect(await redis.get('cluster-test-hello')).to.equal('world');
  });

  it('writes each key on the master of its slot', async () => {
    const byMaster = await keysOnEveryMaster();
    for (const [master, key] of byMaster) await redis.set(key, `on ${master}`);
    for (const [master, key] of byMaster) {
      expect(await nodeClient(master).get(key), `${key} on its master ${master}`).to.equal(`on ${master}`);
      const other = [...byMaster.keys()].find((port) => port !== master)!;
      const elsewhere = await nodeClient(other).get(key).then(() => undefined, (err: Error) => err.message);
      expect(elsewhere, `${key} asked of another master`).to.match(/^MOVED /);
    }
  });

  it('runs a script whose keys share a slot (hash tag), and refuses one whose keys do not (CROSSSLOT)', async () => {
    redis.defineCommand('clusterTestSetPair', { numberOfKeys: 2, lua: setPairLua });
    const scripted = redis as unknown as WithSetPair;
    expect(await scripted.clusterTestSetPair('{cluster-test-pair}:a', '{cluster-test-pair}:b', 'both')).to.equal('both');
    const [[master, first], [, second]] = [...(await keysOnEveryMaster())] as [[number, string], [number, string]];
    // Auto-pipelining checks the slots before sending; the node would answer CROSSSLOT.
    const refusal = await scripted.clusterTestSetPair(first, second, 'split').then(() => undefined, (err: Error) => err.message);
    expect(refusal).to.equal('All the keys in a pipeline command should belong to the same slot');
    const nodeRefusal = await nodeClient(master).eval(setPairLua, 2, first, second, 'split').then(() => undefined, (err: Error) => err.message);
    expect(nodeRefusal).to.match(/^CROSSSLOT /);
  });

  it('rejects commands at once while no node answers (no offline queue)', async () => {
    const nowhere = connect({ clusterNodes: [{ host: '127.0.0.1', port: await freePort() }] });
    const startedAt = performance.now();
    // INFO bypasses auto-pipelining, which holds a command until the first slot map or connect failure.
    const refusals = await Promise.all([nowhere.info('server'), nowhere.get('cluster-test-nowhere')].map((reply) => reply.then(() => 'answered', () => 'rejected')));
    expect(refusals).to.deep.equal(['rejected', 'rejected']);
    expect(performance.now() - startedAt, 'rejected without waiting').to.be.below(500);
  });

  it('stops a service at start on a wrong password (naming REDIS_URL) or a node not in cluster mode (naming REDIS_CLUSTER_NODES)', async () => {
    const wrongPassword = connect({ url: 'redis://:not-the-password@127.0.0.1' });
    const refusal = await awaitRedisAtStart(wrongPassword, 10000).then(() => undefined, (err: unknown) => err);
    expect(refusal).to.be.instanceOf(ConfigError).with.property('message').that.matches(/^REDIS_URL: Redis refused the credentials/);
    await closeRedis(wrongPassword);
    await eventually('the refused connection closed for good', () => wrongPassword.status === 'end');

    const single = stack.add(await RedisServer.start());
    const notCluster = connect({ url: undefined, clusterNodes: [{ host: '127.0.0.1', port: single.port }] });
    const notClusterRefusal = await awaitRedisAtStart(notCluster, 10000).then(() => undefined, (err: unknown) => err);
    expect(notClusterRefusal).to.be.instanceOf(ConfigError).with.property('message').that.matches(/^REDIS_CLUSTER_NODES: /);
  });

  /**
   * Loses the master of a key (its shard still has a replica) by `lose`, and expects the same
   * connection to write and read the key on the promoted replica within a few seconds.
   */
  const expectFailoverFollowed = async (lose: (port: number) => Promise<void>, keyPrefix: string): Promise<void> => {
    let key = '';
    let lost: number | undefined;
    for (let i = 0; lost === undefined; i++) {
      key = `${keyPrefix}-${i}`;
      const port = await cluster.masterOf(key);
      if ((await cluster.masters()).some((m) => m.port === port && m.replicas.length > 0)) lost = port;
    }
    await redis.set(key, 'before');
    await lose(lost);
    // While the master is lost, a write must settle (fail, or succeed once promoted) within a bound, never hang.
    const startedAt = performance.now();
    await redis.set(key, 'during').catch(() => {});
    expect(performance.now() - startedAt, 'a write to the lost master settles').to.be.below(3 * timing.commandTimeoutMs);
    const promoted = await cluster.untilFailedOver(lost);
    const write = async (): Promise<boolean> => {
      await redis.set(key, 'after');
      return (await redis.get(key)) === 'after';
    };
    await eventually(`a write and read of ${key} after the promotion of ${promoted}`, write, 5000, 50);
    expect(await cluster.masterOf(key)).to.equal(promoted);
    expect(await nodeClient(promoted).get(key), 'written on the promoted replica').to.equal('after');
  };

  it('writes a key again by itself once the replica of its SIGKILLed master is promoted', async () => {
    await expectFailoverFollowed((port) => cluster.killMaster(port), 'cluster-test-killed');
  });

  it('writes a key again by itself once the replica of its hanging (SIGSTOPped) master is promoted', async () => {
    await expectFailoverFollowed((port) => cluster.freezeMaster(port), 'cluster-test-frozen');
  });
});
