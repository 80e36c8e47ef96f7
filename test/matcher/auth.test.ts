import { expect } from 'chai';
import { Metadata, status } from '@grpc/grpc-js';
import { randomBytes } from 'node:crypto';
import { TicketStatus } from '../../src/gen/mini/matcher/v1/matcher.js';
import { Keys } from '../../src/shared/redis/keys.js';
import { bearer, registryAuth } from '../support/grpc-clients.js';
import { MatcherFixture, expectStatus } from '../support/matcher-fixture.js';
import { deviceIdOf } from '../support/device-id.js';
import { eventually } from '../support/wait.js';

/** The default region's keys. */
const dk = new Keys('').region('default');

describe('Sessions and authentication (real Redis, real Matcher process)', () => {
  const keys = new Keys('');
  let fx: MatcherFixture;
  before(async () => (fx = await MatcherFixture.start()));
  after(async () => fx.stop());

  it('the same device id logs in as the same player, with a new 24 h session each time', async () => {
    const first = await fx.clients.authenticateDevice({ deviceId: deviceIdOf('phone-1') });
    const second = await fx.clients.authenticateDevice({ deviceId: deviceIdOf('phone-1') });
    const other = await fx.clients.authenticateDevice({ deviceId: deviceIdOf('phone-2') });
    expect(second.playerId).to.equal(first.playerId);
    expect([first.created, second.created, other.created], 'whether a device id existed is never told').to.deep.equal([false, false, false]);
    expect(second.token).to.not.equal(first.token);
    expect(other.playerId).to.not.equal(first.playerId);
    const redis = fx.redis.client();
    expect(first.token.startsWith(`${first.playerId}.`), 'a token names its player').to.equal(true);
    expect(Number(await redis.zscore(keys.playerSessions(first.playerId), first.token))).to.equal(Number(first.expiresAtMs));
    expect(await redis.ttl(keys.playerSessions(first.playerId))).to.be.within(86390, 86400);
    expect(await redis.ttl(`device:${deviceIdOf('phone-1')}`), 'a device id unused for 90 days is forgotten').to.be.within(90 * 86400 - 10, 90 * 86400);
    redis.disconnect();
  });

  it('keeps at most 16 sessions per player: logging in again and again ends the oldest, so Redis stays bounded', async () => {
    const logins = [];
    for (let i = 0; i < 20; i++) logins.push(await fx.clients.authenticateDevice({ deviceId: deviceIdOf('many-logins') }));
    const redis = fx.redis.client();
    expect(await redis.zcard(keys.playerSessions(logins[0]!.playerId))).to.equal(16);
    for (const old of logins.slice(0, 4)) await expectStatus(fx.clients.getAssignment({}, bearer(old.token)), status.UNAUTHENTICATED);
    await expectStatus(fx.clients.getAssignment({}, bearer(logins[4]!.token)), status.NOT_FOUND);
    redis.disconnect();
  });

  it('RevokeAllSessions ends every session of the player and their open watches at once, and no one else’s', async () => {
    const sessions = [];
    for (let i = 0; i < 3; i++) sessions.push(await fx.clients.authenticateDevice({ deviceId: deviceIdOf('stolen-device') }));
    const bystander = await fx.player();
    const watches = [sessions[0]!, sessions[2]!, { token: bystander.token }].map(({ token }) => {
      const call = fx.clients.matcher.watchAssignment({}, bearer(token));
      const events: unknown[] = [];
      const ended = new Promise<number>((resolve) => call.on('error', (err: { code: number }) => resolve(err.code)));
      call.on('data', (event: unknown) => events.push(event));
      return { call, events, ended };
    });
    await eventually('every watch answered its first status', () => watches.every((w) => w.events.length > 0));
    expect(await fx.clients.revokeAllSessions({}, bearer(sessions[1]!.token))).to.deep.equal({ revoked: 3 });
    expect(await watches[0]!.ended).to.equal(status.UNAUTHENTICATED);
    expect(await watches[1]!.ended).to.equal(status.UNAUTHENTICATED);
    for (const { token } of sessions) await expectStatus(fx.clients.enqueue({ mmr: 1000 }, bearer(token)), status.UNAUTHENTICATED);
    await expectStatus(fx.clients.revokeAllSessions({}, bearer(sessions[0]!.token)), status.UNAUTHENTICATED);
    // The bystander's watch is still open and working.
    const before = watches[2]!.events.length;
    await fx.clients.enqueue({ mmr: 1000 }, bystander.auth);
    await eventually('the bystander’s watch pushed QUEUED', () => watches[2]!.events.length > before);
    watches[2]!.call.cancel();
    expect(await watches[2]!.ended).to.equal(status.CANCELLED);
  });

  it('refuses calls without a token, with a malformed one, or an unknown one', async () => {
    await expectStatus(fx.clients.enqueue({ mmr: 1000 }), status.UNAUTHENTICATED);
    const basic = new Metadata();
    basic.set('authorization', 'Basic dXNlcjpwYXNz');
    await expectStatus(fx.clients.enqueue({ mmr: 1000 }, basic), status.UNAUTHENTICATED);
    await expectStatus(fx.clients.enqueue({ mmr: 1000 }, bearer('garbage')), status.UNAUTHENTICATED);
    await expectStatus(fx.clients.getAssignment({}, bearer(randomBytes(32).toString('base64url'))), status.UNAUTHENTICATED);
    const real = await fx.player();
    const forged = `${real.id}.${randomBytes(32).toString('base64url')}`;
    await expectStatus(fx.clients.getAssignment({}, bearer(forged)), status.UNAUTHENTICATED);
    await expectStatus(fx.clients.getAssignment({}, bearer(real.token)), status.NOT_FOUND);
  });

  it('refuses an expired token', async () => {
    const token = `someone.${randomBytes(32).toString('base64url')}`;
    const redis = fx.redis.client();
    await redis.zadd(keys.playerSessions('someone'), Date.now() - 1000, token);
    await expectStatus(fx.clients.enqueue({ mmr: 1000 }, bearer(token)), status.UNAUTHENTICATED);
    expect(await redis.zscore(dk.queue(), 'someone')).to.equal(null);
    redis.disconnect();
  });

  it('refuses a revoked token, and only that one', async () => {
    const a = await fx.clients.authenticateDevice({ deviceId: deviceIdOf('revoke-me') });
    const other = await fx.clients.authenticateDevice({ deviceId: deviceIdOf('revoke-me') });
    await fx.clients.revokeSession({}, bearer(a.token));
    await expectStatus(fx.clients.enqueue({ mmr: 1000 }, bearer(a.token)), status.UNAUTHENTICATED);
    await expectStatus(fx.clients.revokeSession({}, bearer(a.token)), status.UNAUTHENTICATED);
    expect(await fx.clients.dequeue({}, bearer(other.token))).to.include({ removed: false });
  });

  it("acts only as the token's player: another player's token sees that player, never the first", async () => {
    const a = await fx.clients.authenticateDevice({ deviceId: deviceIdOf('player-a') });
    const b = await fx.clients.authenticateDevice({ deviceId: deviceIdOf('player-b') });
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
    const player = await fx.clients.authenticateDevice({ deviceId: deviceIdOf('sneaky') });
    await expectStatus(fx.clients.register({ addr: '127.0.0.1:7000', capacity: 10, checkpointTtlMs: 0 }, bearer(player.token)), status.UNAUTHENTICATED);
    await fx.clients.register({ addr: '127.0.0.1:7000', capacity: 10, checkpointTtlMs: 0 }, registryAuth());
  });
});
