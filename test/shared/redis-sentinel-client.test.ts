import { expect } from 'chai';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import type { RedisHa } from '../../scripts/lib/redis-ha.js';
import { closeRedis, createRedis, waitForRedis } from '../../src/shared/redis/client.js';
import { startRedisHa } from '../support/redis-sentinel.js';
import { Stack } from '../support/stack.js';
import { eventually } from '../support/wait.js';

const failovers = 4;

describe('a Redis connection under Sentinel (real primary, two replicas, three Sentinels)', function () {
  this.timeout(120000);
  const stack = new Stack();
  let ha: RedisHa;
  let redis: Redis;

  before(async function () {
    this.timeout(30000);
    ha = stack.add(await startRedisHa());
    const sentinels = ha.layout.sentinelPorts.map((port) => ({ host: '127.0.0.1', port }));
    const options = { sentinels, sentinelMaster: ha.layout.masterName, commandTimeoutMs: 1000, maxReconnectDelayMs: 1000, connectionName: 'sentinel-client-test' };
    redis = createRedis(options, pino({ level: 'silent' }));
    await waitForRedis(redis, 10000);
    stack.add({ stop: () => closeRedis(redis) });
  });
  after(async () => stack.stop());

  it(`follows ${failovers} failovers in a row by itself, each to the new primary`, async () => {
    for (let round = 0; round < failovers; round++) {
      const old = await ha.killPrimary();
      const primary = await ha.untilFailedOver(old, 1);
      // ioredis gives a connection up when its failover detector interrupts a reconnect: it must come back anyway.
      await eventually(`a write after failover ${round + 1}`, () => redis.set('sentinel-client-test', String(round)).then(() => true, () => false), 15000, 50);
      const info = await redis.info('server');
      expect(Number(/^tcp_port:(\d+)/m.exec(info)?.[1]), `connected to the new primary after failover ${round + 1}`).to.equal(primary);
      await ha.restart(old);
      await ha.untilFailedOver(old, 2);
    }
  });
});
