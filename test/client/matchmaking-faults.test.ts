import { expect } from 'chai';
import { ClientError } from '../../src/client/errors.js';
import { MatchmakingClient } from '../../src/client/matchmaking.js';
import { connect, registryAuth } from '../support/grpc-clients.js';
import { MatcherFixture } from '../support/matcher-fixture.js';
import { freePort } from '../support/ports.js';
import { RedisServer } from '../support/redis-server.js';
import { startService, type ServiceProcess } from '../support/service-process.js';
import { eventually } from '../support/wait.js';
import { newDeviceId } from '../../src/client/device-id.js';
import { Keys } from '../../src/shared/redis/keys.js';

/** The default region's keys. */
const dk = new Keys('').region('default');

const device = newDeviceId;

describe('MatchmakingClient across a Matcher restart (real Redis, real Matcher processes)', () => {
  let redis: RedisServer;
  let port: number;
  let matcher: ServiceProcess | undefined;
  const startMatcherOnPort = async () => {
    const env = { REDIS_URL: redis.url, ROOM_SERVER_LEASE_TTL_MS: '600000' };
    matcher = await startService('src/matcher/main.ts', ['--port', String(port), '--host', '127.0.0.1'], env);
  };
  before(async () => {
    redis = await RedisServer.start();
    port = await freePort();
    await startMatcherOnPort();
  });
  after(async () => {
    await matcher?.stop();
    await redis.stop();
  });

  it('re-opens the assignment watch after the Matcher went away and came back', async () => {
    const address = `127.0.0.1:${port}`;
    const registry = connect(address);
    await registry.register({ addr: '127.0.0.1:7777', capacity: 10, checkpointTtlMs: 0 }, registryAuth());
    registry.close();
    const retries: unknown[] = [];
    const a = new MatchmakingClient(address, { onRetry: (err) => retries.push(err) });
    const b = new MatchmakingClient(address);
    const redisClient = redis.client();
    try {
      await a.login(device());
      const sb = await b.login(device());
      const finding = a.findMatch(3000);
      await eventually('a queued', async () => (await redisClient.zcard(dk.queue())) === 1);
      await matcher!.stop();
      await eventually('the watch saw the Matcher go', () => retries.length >= 1);
      await startMatcherOnPort();
      await b.findMatch(3050);
      expect((await finding).opponentId).to.equal(sb.playerId);
    } finally {
      redisClient.disconnect();
      a.close();
      b.close();
    }
  });
});

describe('MatchmakingClient when the Matcher gives up on the ticket', () => {
  let fx: MatcherFixture;
  before(async () => (fx = await MatcherFixture.start({ MATCH_MAX_WAIT_SEC: '1' })));
  after(async () => fx.stop());

  it('rejects findMatch with match_timed_out', async () => {
    const c = new MatchmakingClient(fx.matcher.address);
    await c.login(device());
    const err = await c.findMatch(4242).catch((e: unknown) => e);
    c.close();
    expect(err).to.be.instanceOf(ClientError).with.property('kind', 'match_timed_out');
  });
});
