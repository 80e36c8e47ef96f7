import { expect } from 'chai';
import { RoomPhase } from '../../src/gen/mini/room/v1/world.js';
import { RoomFixture } from '../support/room-fixture.js';
import { policies } from '../support/udp-player.js';
import { eventually } from '../support/wait.js';
import { Keys } from '../../src/shared/redis/keys.js';

/** The default region's keys. */
const dk = new Keys('').region('default');

describe('room server: faults (real Redis, Matcher and room server processes)', function () {
  this.timeout(40000);
  let fx: RoomFixture;
  before(async () => (fx = await RoomFixture.start({ ROOM_SCORE_LIMIT: '100' })));
  after(async () => fx.stop());

  it('keeps simulating with Redis down, counts the skipped checkpoints, and resumes them when Redis returns', async () => {
    const { left, right, roomId } = await fx.matchPair();
    const a = await fx.connect(left, policies.track);
    const b = await fx.connect(right, policies.track);
    const first = await eventually('a checkpoint', () => fx.checkpoint(roomId));

    await fx.redis.kill();
    const killedAt = b.last!.tick;
    const later = await b.nextSnapshot('a second of play without Redis', (s) => s.tick >= killedAt + 60);
    expect(later.phase).to.equal(RoomPhase.ROOM_PHASE_PLAYING);
    await a.nextSnapshot('A still served', (s) => s.tick >= later.tick);
    await fx.waitStats('skipped checkpoints counted', (s) => s.checkpoints_skipped_total > 0);

    await fx.redis.restart();
    const resumed = await eventually('the checkpoint to advance again', async () => {
      const checkpoint = await fx.checkpoint(roomId).catch(() => undefined);
      return checkpoint && checkpoint.tick > later.tick ? checkpoint : undefined;
    });
    expect(resumed).to.include({ owner: first.owner, epoch: first.epoch });
    await a.leave();
    b.close();
  });

  it('restores a room from its checkpoint after a SIGKILL and restart on the same port; both players get back in', async () => {
    const { left, right, roomId } = await fx.matchPair();
    const a = await fx.connect(left, policies.dodge);
    const b = await fx.connect(right, policies.track);
    await b.nextSnapshot('a point for B', (s) => s.right!.score >= 1, 15000);
    await eventually('a checkpoint with that point', async () => ((await fx.checkpoint(roomId))?.right?.score ?? 0) >= 1);

    await fx.restartRoom();
    const saved = (await fx.checkpoint(roomId))!;
    a.silence();
    b.silence();
    const a2 = await fx.connect(left, policies.dodge);
    const b2 = await fx.connect(right, policies.track);
    for (const player of [a2, b2]) {
      expect(player.welcome).to.include({ roomId, resumed: true });
      expect(player.welcome.tick).to.be.at.least(saved.tick);
    }
    const back = await b2.nextSnapshot('both back and playing', (s) => s.phase === RoomPhase.ROOM_PHASE_PLAYING);
    expect(back.tick).to.be.at.least(saved.tick);
    expect([back.left!.score, back.right!.score]).to.deep.equal([saved.left!.score, saved.right!.score]);
    expect(back.left!.playerId).to.equal(left.id);

    // The stats line is logged periodically: the one in hand may predate the second reconnect.
    await fx.waitStats('the restore and both reconnects counted', (s) => s.checkpoint_restores_total === 1 && s.reconnect_success_total >= 2);
    const taken = await eventually('a checkpoint from the new server', async () => {
      const checkpoint = await fx.checkpoint(roomId);
      return checkpoint && checkpoint.owner !== saved.owner ? checkpoint : undefined;
    });
    expect(taken.epoch).to.equal(saved.epoch + 1);
    await a2.leave();
    b2.close();
  });

  it('registers again when the Matcher no longer knows its lease (NOT_FOUND), and heartbeats on the new one', async () => {
    const redis = fx.redis.client();
    try {
      const serverId = await redis.hget(dk.roomServer(fx.roomAddr), 'server_id');
      await redis.del(dk.roomServerLease(serverId!));
      const renewed = await eventually('a new lease', async () => {
        const current = await redis.hget(dk.roomServer(fx.roomAddr), 'server_id');
        return current !== null && current !== serverId ? current : undefined;
      });
      const beat = Number(await redis.hget(dk.roomServer(fx.roomAddr), 'heartbeat_at'));
      await eventually('a heartbeat on the new lease', async () => Number(await redis.hget(dk.roomServer(fx.roomAddr), 'heartbeat_at')) > beat);
      expect(await redis.get(dk.roomServerLease(renewed))).to.equal(fx.roomAddr);
    } finally {
      redis.disconnect();
    }
  });

  it('on SIGTERM drains, writes the final checkpoints and exits 0', async () => {
    const { left, right, roomId } = await fx.matchPair();
    const a = await fx.connect(left, policies.track);
    const b = await fx.connect(right, policies.track);
    await b.nextSnapshot('some play', (s) => s.tick >= 30);
    expect(await fx.room.stop()).to.equal(0);
    const final = (await fx.checkpoint(roomId))!;
    expect(final.tick).to.be.at.least(b.last!.tick);
    const redis = fx.redis.client();
    const status = await redis.hget(dk.roomServer(fx.roomAddr), 'status').finally(() => redis.disconnect());
    expect(status).to.equal('draining');
    expect(fx.room.output.some((line) => line.includes('final checkpoints written'))).to.equal(true);
    a.close();
    b.close();
  });
});
