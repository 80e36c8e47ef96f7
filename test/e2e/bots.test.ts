import { expect } from 'chai';
import { once } from 'node:events';
import { EndReason } from '../../src/gen/mini/room/v1/registry.js';
import { Bot } from '../../src/client/bot.js';
import type { Reconnected } from '../../src/client/game-events.js';
import { RoomFixture } from '../support/room-fixture.js';
import { deviceIdOf } from '../support/device-id.js';
import { Keys } from '../../src/shared/redis/keys.js';

/** The default region's keys. */
const dk = new Keys('').region('default');

/**
 * A bot that follows the ball, and one that barely moves, so games end quickly. Who wins depends on
 * input timing on a loaded machine (a late input makes the follower miss), so the tests check the
 * result both sides agree on, not which bot it names.
 */
const follower = (label: string, mmr: number) => ({ deviceId: deviceIdOf(label), mmr });
const sleeper = (label: string, mmr: number) => ({ deviceId: deviceIdOf(label), mmr, deadZoneUnits: 10_000_000 });

describe('whole system: library bots play through the Matcher and a room server (real processes)', function () {
  this.timeout(60000);
  let fx: RoomFixture;
  before(async () => (fx = await RoomFixture.start({ ROOM_SCORE_LIMIT: '2' })));
  after(async () => fx.stop());

  const playerIds = (...deviceIds: string[]) =>
    Promise.all(deviceIds.map(async (deviceId) => (await fx.clients.authenticateDevice({ deviceId: deviceIdOf(deviceId) })).playerId));

  it('plays a game from matchmaking to the final score, then frees the room', async () => {
    const followerBot = new Bot(fx.matcher.address, follower('e2e-follower', 3100));
    const sleeperBot = new Bot(fx.matcher.address, sleeper('e2e-sleeper', 3100));
    const [one, two] = await Promise.all([followerBot.run(), sleeperBot.run()]);
    const ids = await playerIds('e2e-follower', 'e2e-sleeper');
    expect(one.reason).to.equal('game_ended');
    expect(two.result, 'both players see the same result').to.deep.equal(one.result);
    expect(one.result?.reason).to.equal(EndReason.END_REASON_SCORE_LIMIT);
    const scores = new Map((one.result?.scores ?? []).map((s) => [s.playerId, s.score]));
    expect([...scores.keys()]).to.have.members(ids);
    const winnerId = one.result!.winnerId;
    expect(ids).to.include(winnerId);
    expect(scores.get(winnerId)).to.equal(2);
    expect(scores.get(ids.find((id) => id !== winnerId)!)).to.be.below(2);
    const redis = fx.redis.client();
    expect(await redis.keys(dk.roomMap('*'))).to.deep.equal([]);
    redis.disconnect();
  });

  it('a bot whose link dies mid-game comes back into the same game and finishes it', async () => {
    const dropper = new Bot(fx.matcher.address, { ...follower('e2e-dropper', 4200), drop: { atTick: 50, afterMs: 100 } });
    const other = new Bot(fx.matcher.address, sleeper('e2e-other', 4200));
    const rooms = new Set<string>();
    dropper.game.on('connected', (welcome) => rooms.add(welcome.roomId));
    const reconnected = once(dropper.game, 'reconnected') as Promise<[Reconnected]>;
    const opponentBack = once(other.game, 'opponentReconnected');
    const [over, otherOver] = await Promise.all([dropper.run(), other.run()]);
    const [back] = await reconnected;
    await opponentBack;
    expect(back.welcome.resumed).to.equal(true);
    expect(rooms.size, 'the same room before and after the drop').to.equal(1);
    expect(over.reason).to.equal('game_ended');
    expect(otherOver.result, 'both players see the same result').to.deep.equal(over.result);
    expect(over.result?.reason).to.equal(EndReason.END_REASON_SCORE_LIMIT);
    expect(await playerIds('e2e-dropper', 'e2e-other')).to.include(over.result?.winnerId);
  });
});
