import { expect } from 'chai';
import { Slot } from '../../src/gen/mini/matcher/v1/matcher.js';
import { ClientError } from '../../src/client/errors.js';
import { MatchmakingClient } from '../../src/client/matchmaking.js';
import { bearer } from '../support/grpc-clients.js';
import { MatcherFixture } from '../support/matcher-fixture.js';
import { eventually } from '../support/wait.js';
import { newDeviceId } from '../../src/client/device-id.js';
import { Keys } from '../../src/shared/redis/keys.js';

/** The default region's keys. */
const dk = new Keys('').region('default');

const device = newDeviceId;
// Room server leases that outlive the tests, so no heartbeats are needed.
const matcherEnv = { ROOM_SERVER_LEASE_TTL_MS: '600000' };

describe('MatchmakingClient against a real Matcher (real Redis, real gRPC)', () => {
  let fx: MatcherFixture;
  const clients: MatchmakingClient[] = [];
  const client = (options = {}) => clients[clients.push(new MatchmakingClient(fx.matcher.address, options)) - 1]!;
  before(async () => {
    fx = await MatcherFixture.start(matcherEnv);
    await fx.roomServer('127.0.0.1:7777', 10);
  });
  afterEach(() => clients.splice(0).forEach((c) => c.close()));
  after(async () => fx.stop());

  it('pairs two players with close MMR: each gets the other as opponent, in one room', async () => {
    const [a, b] = [client(), client()];
    const [sa, sb] = await Promise.all([a.login(device()), b.login(device())]);
    const [ma, mb] = await Promise.all([a.findMatch(1000), b.findMatch(1150)]);
    expect(ma.opponentId).to.equal(sb.playerId);
    expect(mb.opponentId).to.equal(sa.playerId);
    expect(ma.roomId).to.equal(mb.roomId);
    expect(ma.roomAddr).to.equal('127.0.0.1:7777');
    expect([ma.slot, mb.slot].sort()).to.deep.equal([Slot.SLOT_LEFT, Slot.SLOT_RIGHT]);
    expect(ma.connectToken).to.not.equal(mb.connectToken);
    const again = await a.getAssignment();
    expect(again?.roomId).to.equal(ma.roomId);
    expect(again?.connectToken, 'a fresh token each time').to.not.equal(ma.connectToken);
  });

  it('answers typed errors without retrying: not logged in, bad MMR, revoked token; NOT_FOUND is undefined', async () => {
    const c = client();
    const kindOf = (promise: Promise<unknown>) => promise.then(() => 'succeeded', (e: unknown) => (e instanceof ClientError ? e.kind : e));
    expect(await kindOf(c.enqueue(1000))).to.equal('not_logged_in');
    const session = await c.login(device());
    expect(await kindOf(c.enqueue(-5))).to.equal('invalid_argument');
    expect(await c.getAssignment()).to.equal(undefined);
    expect(await c.dequeue()).to.deep.include({ removed: false });
    await fx.clients.revokeSession({}, bearer(session.token));
    expect(await kindOf(c.enqueue(1000))).to.equal('unauthenticated');
  });

  it('gives up the ticket when findMatch is aborted', async () => {
    const c = client();
    const session = await c.login(device());
    const abort = new AbortController();
    const finding = c.findMatch(77_000, abort.signal).catch((e: unknown) => e);
    const redis = fx.redis.client();
    await eventually('queued', async () => (await redis.zscore(dk.queue(), session.playerId)) !== null);
    abort.abort();
    expect(await finding).to.be.instanceOf(ClientError).with.property('kind', 'aborted');
    expect(await redis.zscore(dk.queue(), session.playerId)).to.equal(null);
    redis.disconnect();
  });

  it('backs off while Redis is down and gets the assignment once it is back, without a restart', async () => {
    const retries: unknown[] = [];
    const [a, b] = [client({ onRetry: (err: unknown) => retries.push(err) }), client()];
    await Promise.all([a.login(device()), b.login(device())]);
    await fx.redis.kill();
    const finding = Promise.all([a.findMatch(2000), b.findMatch(2100)]);
    await eventually('a retried after UNAVAILABLE', () => retries.length >= 2);
    await fx.redis.restart();
    const [ma, mb] = await finding;
    expect(ma.roomId).to.equal(mb.roomId);
    expect((retries[0] as { code: number }).code).to.equal(14); // UNAVAILABLE
  });
});
