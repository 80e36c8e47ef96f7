import { status } from '@grpc/grpc-js';
import { expect } from 'chai';
import { Slot } from '../../src/gen/mini/matcher/v1/matcher.js';
import { RoomEventKind } from '../../src/gen/mini/room/v1/packets.js';
import { EndReason } from '../../src/gen/mini/room/v1/registry.js';
import { RoomPhase } from '../../src/gen/mini/room/v1/world.js';
import { expectStatus } from '../support/matcher-fixture.js';
import { RoomFixture } from '../support/room-fixture.js';
import { policies } from '../support/udp-player.js';
import { eventually } from '../support/wait.js';
import { Keys } from '../../src/shared/redis/keys.js';

/** The default region's keys. */
const dk = new Keys('').region('default');

describe('room server: matched games over UDP (real Redis, Matcher and room server processes)', function () {
  this.timeout(30000);
  let fx: RoomFixture;
  before(async () => (fx = await RoomFixture.start({ ROOM_SCORE_LIMIT: '2', ROOM_ABANDON_TIMEOUT_SEC: '2' })));
  after(async () => fx.stop());

  /** Waits until the Matcher has recorded the room's end and the server's load is back to no rooms. */
  async function expectRoomFreed(roomId: string, playerIds: string[]): Promise<Record<string, string>> {
    const redis = fx.redis.client();
    try {
      await eventually('room_map deleted', async () => (await redis.exists(...playerIds.map((id) => dk.roomMap(id)))) === 0);
      expect(await redis.hget(dk.roomInfo(roomId), 'status')).to.equal('ended');
      expect(await redis.sismember(dk.roomServerRooms(fx.roomAddr), roomId)).to.equal(0);
      const entries = await redis.xrange(dk.roomResults(), '-', '+');
      const entry = entries.map(([, fields]) => fields).find((fields) => fields.includes(roomId));
      expect(entry, 'result recorded').to.not.equal(undefined);
      const record: Record<string, string> = {};
      for (let i = 0; i + 1 < entry!.length; i += 2) record[entry![i]!] = entry![i + 1]!;
      return record;
    } finally {
      redis.disconnect();
    }
  }

  it('plays a matched game to the score limit, reports the result and frees the room', async () => {
    const { left, right, roomId } = await fx.matchPair();
    const a = await fx.connect(left, policies.track);
    const b = await fx.connect(right, policies.dodge);
    expect(a.welcome).to.include({ roomId, slot: Slot.SLOT_LEFT, resumed: false, ticksPerSecond: 60 });
    expect(b.welcome).to.include({ roomId, slot: Slot.SLOT_RIGHT, resumed: false });
    expect(a.welcome.connectionId).to.not.equal(b.welcome.connectionId);
    await eventually('the room to show as playing', async () => {
      const redis = fx.redis.client();
      const info = await redis.hmget(dk.roomInfo(roomId), 'status', 'player_count').finally(() => redis.disconnect());
      return info[0] === 'playing' && info[1] === '2';
    });

    const ended = await a.event(RoomEventKind.ROOM_EVENT_KIND_GAME_ENDED, 25000);
    expect(ended.result).to.deep.include({ reason: EndReason.END_REASON_SCORE_LIMIT, winnerId: left.id });
    expect(ended.result!.scores).to.deep.equal([{ playerId: left.id, score: 2 }, { playerId: right.id, score: 0 }]);
    expect((await b.event(RoomEventKind.ROOM_EVENT_KIND_GAME_ENDED)).result).to.deep.equal(ended.result);
    const final = await a.nextSnapshot('the final snapshot', (s) => s.phase === RoomPhase.ROOM_PHASE_ENDED);
    expect([final.left!.score, final.right!.score]).to.deep.equal([2, 0]);
    expect(a.snapshots.some((s) => s.lastInputSeq > 0 && s.left!.y !== 300_000), 'inputs moved the paddle').to.equal(true);

    const record = await expectRoomFreed(roomId, [left.id, right.id]);
    expect(record).to.include({ reason: 'END_REASON_SCORE_LIMIT', winner_id: left.id });
    const redis = fx.redis.client();
    try {
      expect(await redis.zscore(dk.roomServerLoad(), fx.roomAddr)).to.equal('0');
      await eventually('a heartbeat with no active rooms', async () => (await redis.hget(dk.roomServer(fx.roomAddr), 'active_rooms')) === '0');
    } finally {
      redis.disconnect();
    }
    await expectStatus(fx.clients.getAssignment({}, left.auth), status.NOT_FOUND);
    a.close();
    b.close();
  });

  it('seed §11.2: A goes silent at tick 50, reconnects with a fresh token at ~55, and the game goes on', async () => {
    const { left, right } = await fx.matchPair();
    // A moves up for ten inputs and then holds, so a reset paddle would show.
    let moves = 0;
    const a = await fx.connect(left, () => (moves++ < 10 ? -1 : 0));
    const b = await fx.connect(right, policies.still);
    const reconnectsBefore = (await fx.waitStats('a stats line', () => true)).reconnect_success_total;

    const at50 = await a.nextSnapshot('tick 50', (s) => s.tick >= 50);
    const oldPort = a.socket.localPort;
    a.silence();
    await b.nextSnapshot('tick 55', (s) => s.tick >= 55);
    const a2 = await fx.connect(left, policies.still);
    expect(a2.welcome).to.include({ slot: Slot.SLOT_LEFT, resumed: true });
    expect(a2.welcome.tick).to.be.at.least(55);
    expect(a2.socket.localPort).to.not.equal(oldPort);

    const back = await b.event(RoomEventKind.ROOM_EVENT_KIND_OPPONENT_RECONNECTED);
    expect(back).to.include({ slot: Slot.SLOT_LEFT, tick: a2.welcome.tick });
    const first = await a2.nextSnapshot('a snapshot after the reconnect', () => true);
    expect(first.left).to.deep.include({ playerId: left.id, y: at50.left!.y, score: at50.left!.score });
    expect(first.right!.score).to.equal(at50.right!.score);
    expect(at50.left!.y, 'A had moved').to.be.below(300_000);
    await b.nextSnapshot('play going on', (s) => s.phase === RoomPhase.ROOM_PHASE_PLAYING && s.tick > a2.welcome.tick + 30);
    await fx.waitStats('reconnect counted', (stats) => stats.reconnect_success_total > reconnectsBefore);
    await a2.leave();
    const forfeit = await b.event(RoomEventKind.ROOM_EVENT_KIND_GAME_ENDED);
    expect(forfeit.result).to.deep.include({ reason: EndReason.END_REASON_FORFEIT, winnerId: right.id });
    b.close();
  });

  it('holds the game for a player silent past the timeout and lets them back in with score and paddle intact', async () => {
    const { left, right } = await fx.matchPair();
    const a = await fx.connect(left, policies.dodge);
    const b = await fx.connect(right, policies.track);
    const scored = await b.nextSnapshot('a point for B', (s) => s.right!.score === 1, 15000);
    const tick = scored.tick;
    b.silence();
    const away = await a.event(RoomEventKind.ROOM_EVENT_KIND_OPPONENT_RECONNECTING);
    expect(away.slot).to.equal(Slot.SLOT_RIGHT);
    expect(away.tick - tick, 'noticed after about the 1 s timeout').to.be.within(50, 90);
    const paused = await a.nextSnapshot('a paused game', (s) => s.phase === RoomPhase.ROOM_PHASE_PAUSED);
    const held = await a.nextSnapshot('ten ticks later', (s) => s.tick >= paused.tick + 10);
    expect(held.ball).to.deep.equal(paused.ball);
    expect(held.right).to.deep.include({ score: 1, y: paused.right!.y });

    const b2 = await fx.connect(right, policies.track);
    expect(b2.welcome).to.include({ slot: Slot.SLOT_RIGHT, resumed: true });
    await a.event(RoomEventKind.ROOM_EVENT_KIND_OPPONENT_RECONNECTED);
    const resumed = await b2.nextSnapshot('play resumed', (s) => s.phase === RoomPhase.ROOM_PHASE_PLAYING);
    expect(resumed.right).to.deep.include({ playerId: right.id, score: 1, y: paused.right!.y });
    expect(resumed.left!.score).to.equal(scored.left!.score);
    await a.leave();
    b2.close();
  });

  it('ends a room nobody connects to as abandoned and frees its slot', async () => {
    const { left, right, roomId } = await fx.matchPair();
    const record = await expectRoomFreed(roomId, [left.id, right.id]);
    expect(record).to.include({ reason: 'END_REASON_ABANDONED', winner_id: '' });
  });
});
