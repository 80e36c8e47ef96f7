import { expect } from 'chai';
import { once } from 'node:events';
import { EndReason } from '../../src/gen/mini/room/v1/registry.js';
import { Bot } from '../../src/client/bot.js';
import type { Reconnected } from '../../src/client/game-events.js';
import { RoomFixture } from '../support/room-fixture.js';

/** A bot that follows the ball, and one that barely moves: games end, and the follower wins. */
const follower = (deviceId: string, mmr: number) => ({ deviceId, mmr });
const sleeper = (deviceId: string, mmr: number) => ({ deviceId, mmr, deadZoneUnits: 10_000_000 });

describe('whole system: library bots play through the Matcher and a room server (real processes)', function () {
  this.timeout(60000);
  let fx: RoomFixture;
  before(async () => (fx = await RoomFixture.start({ ROOM_SCORE_LIMIT: '2' })));
  after(async () => fx.stop());

  it('plays a game from matchmaking to the final score, then frees the room', async () => {
    const winner = new Bot(fx.matcher.address, follower('e2e-follower', 3100));
    const loser = new Bot(fx.matcher.address, sleeper('e2e-sleeper', 3100));
    const [won, lost] = await Promise.all([winner.run(), loser.run()]);
    expect(won.reason).to.equal('game_ended');
    expect(won.result?.reason).to.equal(EndReason.END_REASON_SCORE_LIMIT);
    const winnerId = won.result?.winnerId;
    expect(winnerId).to.equal((await fx.clients.authenticateDevice({ deviceId: 'e2e-follower' })).playerId);
    expect(lost.result?.winnerId).to.equal(winnerId);
    const scores = Object.fromEntries((won.result?.scores ?? []).map((s) => [s.playerId, s.score]));
    expect(scores[winnerId!]).to.equal(2);
    const redis = fx.redis.client();
    expect(await redis.keys('room_map:*')).to.deep.equal([]);
    redis.disconnect();
  });

  it('a bot whose link dies mid-game comes back into the same game and finishes it', async () => {
    const dropper = new Bot(fx.matcher.address, { ...follower('e2e-dropper', 4200), drop: { atTick: 50, afterMs: 100 } });
    const other = new Bot(fx.matcher.address, sleeper('e2e-other', 4200));
    const rooms = new Set<string>();
    dropper.game.on('connected', (welcome) => rooms.add(welcome.roomId));
    const reconnected = once(dropper.game, 'reconnected') as Promise<[Reconnected]>;
    const opponentBack = once(other.game, 'opponentReconnected');
    const [over] = await Promise.all([dropper.run(), other.run()]);
    const [back] = await reconnected;
    await opponentBack;
    expect(back.welcome.resumed).to.equal(true);
    expect(rooms.size, 'the same room before and after the drop').to.equal(1);
    expect(over.reason).to.equal('game_ended');
    expect(over.result?.winnerId).to.equal((await fx.clients.authenticateDevice({ deviceId: 'e2e-dropper' })).playerId);
  });
});
