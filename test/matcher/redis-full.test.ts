import { expect } from 'chai';
import { status } from '@grpc/grpc-js';
import type { Redis } from 'ioredis';
import { TicketStatus, type WatchAssignmentResponse } from '../../src/gen/mini/matcher/v1/matcher.js';
import { deviceIdOf } from '../support/device-id.js';
import { GatewayFixture } from '../support/gateway-fixture.js';
import { bearer, registryAuth } from '../support/grpc-clients.js';
import { expectStatus } from '../support/matcher-fixture.js';
import { eventually } from '../support/wait.js';

/** Redis at maxmemory with noeviction: it refuses every write, answers every read. */
async function fill(redis: Redis): Promise<void> {
  await redis.config('SET', 'maxmemory-policy', 'noeviction');
  const used = /used_memory:(\d+)/.exec(await redis.info('memory'))![1]!;
  await redis.config('SET', 'maxmemory', String(Number(used) - 1024 * 1024 > 0 ? Number(used) - 1024 * 1024 : 1));
}

describe('Redis out of memory (real Redis at maxmemory, real Matcher and gateway)', function () {
  this.timeout(30000);
  let fx: GatewayFixture;
  let redis: Redis;
  before(async () => {
    fx = await GatewayFixture.start();
    redis = fx.redis.client();
  });
  after(async () => {
    await redis.config('SET', 'maxmemory', '0');
    redis.disconnect();
    await fx.stop();
  });

  it('reads answer, writes answer UNAVAILABLE / 503 with Retry-After, logs stay quiet, and all recovers when memory frees', async () => {
    const serverId = await fx.roomServer('127.0.0.1:7999', 10);
    const [a, b, c] = await Promise.all(['full-a', 'full-b', 'full-c'].map((label) => fx.grpc.authenticateDevice({ deviceId: deviceIdOf(label) })));
    for (const p of [a!, b!]) await fx.grpc.enqueue({ mmr: 3300 }, bearer(p.token));
    const assigned = await eventually('assigned', async () => (await fx.grpc.getAssignment({}, bearer(a!.token)).catch(() => undefined))?.assignment);
    const warningsBefore = fx.matcher.output.filter((line) => line.includes('storage unavailable')).length;

    await fill(redis);
    // Reads: the assignment (with a fresh token), the watch's first status, the session check.
    expect((await fx.grpc.getAssignment({}, bearer(a!.token))).assignment).to.include({ roomId: assigned.roomId });
    const watch = fx.grpc.matcher.watchAssignment({}, bearer(b!.token));
    const first = await new Promise<WatchAssignmentResponse>((resolve, reject) => {
      watch.once('data', resolve);
      watch.once('error', reject);
    });
    expect(first.status).to.equal(TicketStatus.TICKET_STATUS_ASSIGNED);
    watch.cancel();
    const rest = await fx.call('GET', '/match/status', { token: a!.token });
    expect(rest.status).to.equal(200);

    // Heartbeats still land: a full Redis must not make healthy room servers look lost.
    expect(await fx.grpc.heartbeat({ serverId, activeRooms: 1, players: 2, tickRate: 60, tickDurationP99Ms: 1 }, registryAuth())).to.deep.equal({ assignedRooms: 1 });

    // Writes: UNAVAILABLE over gRPC, 503 with Retry-After over REST; the caller should retry later.
    for (let i = 0; i < 20; i++) await expectStatus(fx.grpc.enqueue({ mmr: 1000 }, bearer(c!.token)), status.UNAVAILABLE);
    await expectStatus(fx.grpc.authenticateDevice({ deviceId: deviceIdOf('full-new') }), status.UNAVAILABLE);
    for (let i = 0; i < 10; i++) await fx.call('POST', '/match/enqueue', { token: c!.token, json: { mmr: 1000 } });
    const refused = await fx.call('POST', '/match/enqueue', { token: c!.token, json: { mmr: 1000 } });
    expect(refused.status).to.equal(503);
    expect(fx.gateway.output.filter((line) => line.includes('upstream unavailable')), 'the gateway says so once, not per request').to.have.length(1);
    expect(refused.headers.get('retry-after')).to.equal('1');
    expect(refused.body).to.include({ code: 'UNAVAILABLE' });
    const warnings = fx.matcher.output.filter((line) => line.includes('storage unavailable')).length - warningsBefore;
    expect(warnings, 'one warning per method per 5 s, not one per call').to.be.at.most(2);

    await redis.config('SET', 'maxmemory', '0');
    expect((await fx.grpc.enqueue({ mmr: 1000 }, bearer(c!.token))).created, 'writes work again').to.equal(true);
    expect((await fx.call('POST', '/session', { json: { device_id: deviceIdOf('full-new') } })).status).to.equal(200);
  });
});
