import { expect } from 'chai';
import { Metadata, status } from '@grpc/grpc-js';
import { randomBytes } from 'node:crypto';
import { TicketStatus } from '../../src/gen/mini/matcher/v1/matcher.js';
import { bearer, registryAuth } from '../support/grpc-clients.js';
import { MatcherFixture, expectStatus } from '../support/matcher-fixture.js';

describe('Sessions and authentication (real Redis, real Matcher process)', () => {
  let fx: MatcherFixture;
  before(async () => (fx = await MatcherFixture.start()));
  after(async () => fx.stop());

  it('the same device id logs in as the same player, with a new 24 h session each time', async () => {
    const first = await fx.clients.authenticateDevice({ deviceId: 'phone-1' });
    const second = await fx.clients.authenticateDevice({ deviceId: 'phone-1' });
    const other = await fx.clients.authenticateDevice({ deviceId: 'phone-2' });
    expect(first.created).to.equal(true);
    expect(second).to.include({ playerId: first.playerId, created: false });
    expect(second.token).to.not.equal(first.token);
    expect(other.playerId).to.not.equal(first.playerId);
    const redis = fx.redis.client();
    expect(await redis.hget(`session:${first.token}`, 'player_id')).to.equal(first.playerId);
    expect(await redis.ttl(`session:${first.token}`)).to.be.within(86390, 86400);
    redis.disconnect();
  });

  it('refuses calls without a token, with a malformed one, or an unknown one', async () => {
    await expectStatus(fx.clients.enqueue({ mmr: 1000 }), status.UNAUTHENTICATED);
    const basic = new Metadata();
    basic.set('authorization', 'Basic dXNlcjpwYXNz');
    await expectStatus(fx.clients.enqueue({ mmr: 1000 }, basic), status.UNAUTHENTICATED);
    await expectStatus(fx.clients.enqueue({ mmr: 1000 }, bearer('garbage')), status.UNAUTHENTICATED);
    await expectStatus(fx.clients.getAssignment({}, bearer(randomBytes(32).toString('base64url'))), status.UNAUTHENTICATED);
  });

  it('refuses an expired token', async () => {
    const token = randomBytes(32).toString('base64url');
    const redis = fx.redis.client();
    await redis.hset(`session:${token}`, 'player_id', 'someone', 'expires', Date.now() - 1000);
    await expectStatus(fx.clients.enqueue({ mmr: 1000 }, bearer(token)), status.UNAUTHENTICATED);
    expect(await redis.zscore('match:queue', 'someone')).to.equal(null);
    redis.disconnect();
  });

  it('refuses a revoked token, and only that one', async () => {
    const a = await fx.clients.authenticateDevice({ deviceId: 'revoke-me' });
    const other = await fx.clients.authenticateDevice({ deviceId: 'revoke-me' });
    await fx.clients.revokeSession({}, bearer(a.token));
    await expectStatus(fx.clients.enqueue({ mmr: 1000 }, bearer(a.token)), status.UNAUTHENTICATED);
    await expectStatus(fx.clients.revokeSession({}, bearer(a.token)), status.UNAUTHENTICATED);
    expect(await fx.clients.dequeue({}, bearer(other.token))).to.include({ removed: false });
  });

  it("acts only as the token's player: another player's token sees that player, never the first", async () => {
    const a = await fx.clients.authenticateDevice({ deviceId: 'player-a' });
    const b = await fx.clients.authenticateDevice({ deviceId: 'player-b' });
    await fx.clients.enqueue({ mmr: 1234 }, bearer(a.token));
    expect(await fx.clients.dequeue({}, bearer(b.token))).to.deep.equal({
      removed: false,
      status: TicketStatus.TICKET_STATUS_NOT_QUEUED,
    });
    const mismatch = bearer(b.token);
    mismatch.set('x-expected-player-id', a.playerId);
    await expectStatus(fx.clients.dequeue({}, mismatch), status.PERMISSION_DENIED);
    expect(await fx.clients.dequeue({}, bearer(a.token))).to.include({ removed: true });
  });

  it('refuses registry calls without the registry key', async () => {
    await expectStatus(fx.clients.register({ addr: '127.0.0.1:7000', capacity: 10, checkpointTtlMs: 0 }), status.UNAUTHENTICATED);
    const player = await fx.clients.authenticateDevice({ deviceId: 'sneaky' });
    await expectStatus(fx.clients.register({ addr: '127.0.0.1:7000', capacity: 10, checkpointTtlMs: 0 }, bearer(player.token)), status.UNAUTHENTICATED);
    await fx.clients.register({ addr: '127.0.0.1:7000', capacity: 10, checkpointTtlMs: 0 }, registryAuth());
  });
});
