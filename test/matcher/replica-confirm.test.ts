import { expect } from 'chai';
import { status } from '@grpc/grpc-js';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import type { RedisHa } from '../../scripts/lib/redis-ha.js';
import { closeRedis, createRedis, waitForRedis } from '../../src/shared/redis/client.js';
import { isRedisUnavailable, ReplicaAckTimeout } from '../../src/shared/redis/errors.js';
import { ReplicaAcks } from '../../src/shared/redis/replica-ack.js';
import { bearer, connect, type Clients } from '../support/grpc-clients.js';
import { sampleValue, scrapeMetrics } from '../support/prom-text.js';
import { startRedisHa } from '../support/redis-sentinel.js';
import { startMatcher, type ServiceProcess } from '../support/service-process.js';
import { Stack } from '../support/stack.js';
import { eventually } from '../support/wait.js';
import { deviceIdOf } from '../support/device-id.js';

/** WAIT commands the server has run so far (INFO commandstats). */
async function waitCalls(redis: Redis): Promise<number> {
  const info = await redis.info('commandstats');
  return Number(/^cmdstat_wait:calls=(\d+)/m.exec(info)?.[1] ?? 0);
}

describe('acknowledged writes wait for replicas (real primary and two replicas)', function () {
  this.timeout(60000);
  const stack = new Stack();
  let ha: RedisHa;
  let primary: number;
  let replicas: number[];
  let check: Redis;

  before(async function () {
    this.timeout(30000);
    ha = stack.add(await startRedisHa());
    primary = await ha.primaryPort();
    replicas = ha.layout.dataPorts.filter((port) => port !== primary);
    check = new Redis(primary, '127.0.0.1', { maxRetriesPerRequest: 1 });
    stack.add({ stop: () => check.disconnect() });
  });
  after(async () => stack.stop());
  afterEach(() => replicas.forEach((port) => ha.freeze(port, false)));

  describe('ReplicaAcks', () => {
    let redis: Redis;
    before(async () => {
      redis = createRedis({ url: `redis://127.0.0.1:${primary}`, commandTimeoutMs: 2000, maxReconnectDelayMs: 100, connectionName: 'acks-test' }, pino({ level: 'silent' }));
      await waitForRedis(redis, 5000);
      stack.add({ stop: () => closeRedis(redis) });
    });

    it('groups confirmations: 200 callers at once share two WAITs', async () => {
      const acks = new ReplicaAcks(redis, 2, 500);
      const before = await waitCalls(check);
      await redis.set('acks-test', '1');
      await Promise.all(Array.from({ length: 200 }, () => acks.confirm()));
      // The first caller's WAIT, then one more for everyone who came while it ran.
      expect((await waitCalls(check)) - before).to.equal(2);
    });

    it('rejects with ReplicaAckTimeout when too few replicas confirm in time, and confirms again once they do', async () => {
      const acks = new ReplicaAcks(redis, 2, 200);
      ha.freeze(replicas[0]!, true);
      await redis.set('acks-test', '2');
      const refused = await acks.confirm().then(() => undefined, (err: unknown) => err);
      expect(refused).to.be.instanceOf(ReplicaAckTimeout);
      expect(String(refused)).to.include('1 of 2 replicas');
      ha.freeze(replicas[0]!, false);
      await eventually('both replicas confirm again', () => acks.confirm().then(() => true, () => false));
    });

    it('does not trust a WAIT that ioredis re-sent on a new connection: under Sentinel it may reach a server that never had the write', async () => {
      const acks = new ReplicaAcks(redis, 2, 1500);
      ha.freeze(replicas[0]!, true);
      await redis.set('acks-test', '3');
      const confirming = acks.confirm().then(() => 'confirmed', (err: unknown) => err);
      const id = await eventually('the WAIT blocked on the primary', async () => {
        const clients = (await check.client('LIST')) as string;
        return /^id=(\d+) .*name=acks-test .*cmd=wait/m.exec(clients)?.[1];
      });
      // The connection drops; ioredis reconnects and sends the WAIT again, where it would now succeed.
      await check.client('KILL', 'ID', id);
      ha.freeze(replicas[0]!, false);
      const outcome = await confirming;
      expect(outcome).to.be.instanceOf(ReplicaAckTimeout);
      expect(String(outcome)).to.include('connection was lost');
    });

    it('sends no WAIT when no replica is asked for', async () => {
      const acks = new ReplicaAcks(redis, 0, 200);
      const before = await waitCalls(check);
      await Promise.all(Array.from({ length: 10 }, () => acks.confirm()));
      expect(await waitCalls(check)).to.equal(before);
    });
  });

  describe('the Matcher with REDIS_MIN_REPLICAS_ACK=2', () => {
    let matcher: ServiceProcess;
    let grpc: Clients;
    before(async () => {
      const env = { REDIS_URL: `redis://127.0.0.1:${primary}`, REDIS_MIN_REPLICAS_ACK: '2', REDIS_REPLICA_ACK_TIMEOUT_MS: '200' };
      matcher = stack.add(await startMatcher(env.REDIS_URL, env));
      grpc = connect(matcher.address);
      stack.add({ stop: () => grpc.close() });
    });

    it('answers UNAVAILABLE instead of acknowledging a session or an enqueue that one replica does not hold', async () => {
      const session = await grpc.authenticateDevice({ deviceId: deviceIdOf('acks-early') });
      ha.freeze(replicas[1]!, true);
      const login = await grpc.authenticateDevice({ deviceId: deviceIdOf('acks-refused') }).catch((err: { code: number }) => err.code);
      expect(login, 'AuthenticateDevice').to.equal(status.UNAVAILABLE);
      const enqueue = await grpc.enqueue({ mmr: 1000 }, bearer(session.token)).catch((err: { code: number }) => err.code);
      expect(enqueue, 'Enqueue').to.equal(status.UNAVAILABLE);
      const metrics = await scrapeMetrics(matcher.metricsPort);
      expect(sampleValue(metrics, 'redis_replica_ack_duration_seconds_count', { result: 'timeout' }), 'timeouts counted').to.be.at.least(2);
      expect(sampleValue(metrics, 'redis_replica_acks_required'), 'the setting, for the alert to compare').to.equal(2);
      expect(sampleValue(metrics, 'redis_connected_replicas'), 'replicas connected (a frozen one stays connected)').to.equal(2);

      ha.freeze(replicas[1]!, false);
      // Safe to retry: the same calls succeed once both replicas confirm.
      await eventually('Enqueue acknowledged again', () => grpc.enqueue({ mmr: 1000 }, bearer(session.token)).catch(() => undefined));
      const again = await grpc.authenticateDevice({ deviceId: deviceIdOf('acks-refused') });
      expect(again.playerId).to.be.a('string');
    });
  });

  describe('a primary cut off from its replicas (deploy/redis/redis-ha.conf)', () => {
    it('refuses every write once no replica has acknowledged for min-replicas-max-lag, and takes them again after', async function () {
      this.timeout(30000);
      const configured = (await check.config('GET', 'min-replicas-max-lag')) as string[];
      const maxLagSec = Number(configured[1]);
      replicas.forEach((port) => ha.freeze(port, true));
      const refused = await eventually(
        'writes refused',
        () => check.set('stale-primary-test', '1').then(() => undefined, (err: Error) => err),
        (maxLagSec + 5) * 1000,
        100,
      );
      expect(refused.message).to.match(/^NOREPLICAS/);
      expect(isRedisUnavailable(refused), 'the services answer UNAVAILABLE for it').to.equal(true);
      replicas.forEach((port) => ha.freeze(port, false));
      await eventually('writes taken again', () => check.set('stale-primary-test', '2').then(() => true, () => false), 10000, 100);
    });
  });
});
