import { credentials, Metadata, status } from '@grpc/grpc-js';
import { SessionsClient } from '../../src/gen/mini/session/v1/session.js';
import { promiseUnary } from '../../src/shared/grpc/client.js';
import { expect } from 'chai';
import { expectStatus, MatcherFixture } from '../support/matcher-fixture.js';
import { sampleValue, scrapeMetrics, type Sample } from '../support/prom-text.js';
import { startMatcher } from '../support/service-process.js';
import { eventually } from '../support/wait.js';
import { deviceIdOf } from '../support/device-id.js';

/** Players time out after 1 s; far-apart MMRs never pair (the window stays at 200). */
const env = { MATCH_MAX_WAIT_SEC: '1', MATCH_WINDOW_GROWTH_PER_SEC: '0', ROOM_SERVER_LEASE_TTL_MS: '600000' };

describe('Matcher metrics tell the truth', function () {
  this.timeout(30000);
  let fixture: MatcherFixture;

  before(async () => {
    fixture = await MatcherFixture.start(env);
    await fixture.roomServer('127.0.0.1:7000', 100);
  });
  after(() => fixture.stop());

  const scrape = (): Promise<Sample[]> => scrapeMetrics(fixture.matcher.metricsPort);

  it('after n matches and m time-outs the counters are n and m, with one latency per matched player', async () => {
    const matches = 3;
    const timeouts = 2;
    for (let i = 0; i < matches; i++) {
      for (const player of [await fixture.player(), await fixture.player()]) {
        await fixture.clients.enqueue({ mmr: 10000 + i * 1000 }, player.auth);
      }
    }
    for (let i = 0; i < timeouts; i++) await fixture.clients.enqueue({ mmr: 50000 + i * 1000 }, (await fixture.player()).auth);
    await expectStatus(fixture.clients.enqueue({ mmr: 1000 }, new Metadata()), status.UNAUTHENTICATED);

    const samples = await eventually('the matches and time-outs to be counted', async () => {
      const s = await scrape();
      return sampleValue(s, 'match_success_total') === matches && sampleValue(s, 'match_timeout_total') === timeouts ? s : undefined;
    });
    expect(sampleValue(samples, 'match_latency_seconds_count')).to.equal(2 * matches);
    expect(sampleValue(samples, 'match_queue_size')).to.equal(0);
    expect(sampleValue(samples, 'room_servers_live')).to.equal(1);
    const enqueue = { grpc_method: 'mini.matcher.v1.Matcher/Enqueue' };
    expect(sampleValue(samples, 'grpc_server_handled_total', { ...enqueue, grpc_code: 'OK' })).to.equal(2 * matches + timeouts);
    expect(sampleValue(samples, 'grpc_server_handled_total', { ...enqueue, grpc_code: 'UNAUTHENTICATED' })).to.equal(1);
    expect(sampleValue(samples, 'grpc_server_handling_seconds_count', enqueue)).to.equal(2 * matches + timeouts + 1);
    expect(sampleValue(samples, 'process_cpu_seconds_total')).to.be.greaterThan(0);
  });

  it('every replica reports the queue size in Redis, not its own count', async () => {
    const replica = await startMatcher(fixture.redis.url, env);
    try {
      const player = await fixture.player();
      await fixture.clients.enqueue({ mmr: 90000 }, player.auth);
      expect(sampleValue(await scrape(), 'match_queue_size')).to.equal(1);
      expect(sampleValue(await scrapeMetrics(replica.metricsPort), 'match_queue_size')).to.equal(1);
    } finally {
      await replica.stop();
    }
  });

  it('counts Redis errors and reports the queue size as unknown while Redis is down', async () => {
    await fixture.redis.kill();
    try {
      await expectStatus(fixture.clients.authenticateDevice({ deviceId: deviceIdOf('during-outage') }), status.UNAVAILABLE);
      const samples = await eventually('Redis errors to be counted', async () => {
        const s = await scrape();
        return (sampleValue(s, 'redis_errors_total', { connection: 'matcher' }) ?? 0) > 0 ? s : undefined;
      });
      expect(Number.isNaN(sampleValue(samples, 'match_queue_size'))).to.equal(true);
      expect(sampleValue(samples, 'grpc_server_handled_total', { grpc_code: 'UNAVAILABLE' })).to.be.at.least(1);
    } finally {
      await fixture.redis.restart();
    }
  });

  it('counts a call whose deadline passed before the handler answered as DEADLINE_EXCEEDED', async () => {
    const sessions = new SessionsClient(fixture.matcher.address, credentials.createInsecure());
    const impatientLogin = promiseUnary(sessions, sessions.authenticateDevice, 200);
    await eventually('the Matcher to reach Redis', () => fixture.clients.authenticateDevice({ deviceId: deviceIdOf('warm') }).then(() => true, () => false));
    const redisPid = fixture.redis.pid!;
    process.kill(redisPid, 'SIGSTOP'); // Redis hangs: the handler waits for its command timeout (1 s)
    try {
      await expectStatus(impatientLogin({ deviceId: deviceIdOf('impatient') }), status.DEADLINE_EXCEEDED);
    } finally {
      process.kill(redisPid, 'SIGCONT');
      sessions.close();
    }
    const login = { grpc_method: 'mini.session.v1.Sessions/AuthenticateDevice' };
    await eventually('the expired call to be counted', async () => {
      const samples = await scrape();
      return sampleValue(samples, 'grpc_server_handled_total', { ...login, grpc_code: 'DEADLINE_EXCEEDED' }) === 1;
    });
  });
});
