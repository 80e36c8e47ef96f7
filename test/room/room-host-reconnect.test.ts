import { expect } from 'chai';
import { Slot } from '../../src/gen/mini/matcher/v1/matcher.js';
import { RefusedReason, RoomEventKind } from '../../src/gen/mini/room/v1/packets.js';
import { EndReason } from '../../src/gen/mini/room/v1/registry.js';
import { RoomPhase, SlotStatus } from '../../src/gen/mini/room/v1/world.js';
import { alicePeer, bobPeer, HostHarness, LEFT, RIGHT, rules } from './host-fixture.js';

const { OPPONENT_RECONNECTING, OPPONENT_RECONNECTED, GAME_ENDED } = {
  OPPONENT_RECONNECTING: RoomEventKind.ROOM_EVENT_KIND_OPPONENT_RECONNECTING,
  OPPONENT_RECONNECTED: RoomEventKind.ROOM_EVENT_KIND_OPPONENT_RECONNECTED,
  GAME_ENDED: RoomEventKind.ROOM_EVENT_KIND_GAME_ENDED,
};
const newAlicePeer = { address: '10.0.0.1', port: 4001 };

/** A host with alice and bob playing for 20 ticks. */
function playing(): HostHarness {
  const h = new HostHarness();
  h.room();
  h.seat(LEFT);
  h.seat(RIGHT);
  h.ticks(20);
  return h;
}

describe('room host: silence, reconnection and departures (pure, no sockets)', () => {
  it('holds the game for a player silent past the timeout, tells the opponent, and lets them back with a new connection', async () => {
    const h = playing();
    h.talking.delete(1);
    const reports = h.ticks(70);
    const away = h.eventsTo(bobPeer);
    expect(away.map((e) => [e.kind, e.slot])).to.deep.equal([[OPPONENT_RECONNECTING, Slot.SLOT_LEFT]]);
    const paused = h.snapshotsTo(bobPeer).at(-1)!;
    expect(paused.phase).to.equal(RoomPhase.ROOM_PHASE_PAUSED);
    expect(paused.left!.status).to.equal(SlotStatus.SLOT_STATUS_RECONNECTING);
    expect(h.host.load().players).to.equal(1);
    // Last heard just before tick 20 (at 19 × 17 ms); noticed on the first tick more than the timeout
    // later, before that tick's step, so the event carries the tick before it.
    expect((away[0]!.tick + 1 - 19) * 17).to.be.within(rules.silenceTimeoutMs, rules.silenceTimeoutMs + 2 * 17);
    expect(h.host.receive({ kind: 'keepalive', body: { connectionId: 1 } }, alicePeer, h.nowMs), 'the old connection is gone').to.equal('unknown_connection');
    expect(reports.flatMap((r) => r.ended)).to.deep.equal([]);

    const back = h.seat(LEFT, { peer: newAlicePeer, nonce: 'n-alice-2' });
    expect(back).to.include({ resumed: true, connectionId: 3 });
    expect(h.eventsTo(bobPeer).at(-1)).to.include({ kind: OPPONENT_RECONNECTED, slot: Slot.SLOT_LEFT, tick: back.tick });
    expect((await h.stats.read()).reconnect_success_total).to.equal(1);
    h.ticks(rules.sim.resumeCountdownTicks + 1);
    expect(h.snapshotsTo(newAlicePeer).at(-1)!.phase).to.equal(RoomPhase.ROOM_PHASE_PLAYING);
  });

  it('lets a player take their seat back from a new address before the timeout notices (a fast reconnect)', () => {
    const h = playing();
    const before = h.snapshotsTo(bobPeer).at(-1)!;
    const back = h.seat(LEFT, { peer: newAlicePeer, nonce: 'n-alice-2' });
    expect(back).to.include({ resumed: true, tick: before.tick });
    expect(h.eventsTo(bobPeer).map((e) => e.kind)).to.deep.equal([OPPONENT_RECONNECTING, OPPONENT_RECONNECTED]);
    expect(h.host.receive({ kind: 'keepalive', body: { connectionId: 1 } }, alicePeer, h.nowMs)).to.equal('unknown_connection');
    h.talking.delete(1);
    h.ticks(1);
    const after = h.snapshotsTo(newAlicePeer)[0]!;
    expect(after.left).to.deep.equal(before.left);
    expect(after.right!.score).to.equal(before.right!.score);
  });

  it('never lets an older token take a seat back from a newer one (a replayed token)', () => {
    const h = playing();
    const mallory = { address: '10.0.0.66', port: 6666 };
    // Mallory holds alice's first token; alice comes back with a newer one; the old one must not win again.
    h.seat(LEFT, { peer: mallory, nonce: 'n-alice-old', issuedAtMs: 1 });
    h.seat(LEFT, { peer: newAlicePeer, nonce: 'n-alice-new', issuedAtMs: 2 });
    const replay = h.host.seat('room-1', {
      slot: LEFT,
      playerId: 'alice',
      opponentId: 'bob',
      peer: mallory,
      nonce: 'n-alice-old',
      issuedAtMs: 1,
      nowMs: h.nowMs,
    });
    expect(replay).to.deep.equal({ refuse: RefusedReason.REFUSED_REASON_SEAT_TAKEN, drop: 'seat_taken' });
    h.ticks(1);
    expect(h.snapshotsTo(newAlicePeer)).to.have.length.greaterThan(0);
  });

  it('ends the game by forfeit when the grace runs out, reports it once, and forgets the room after the linger', async () => {
    const h = playing();
    h.talking.delete(1);
    const reports = h.ticks(70 + rules.sim.reconnectGraceTicks + rules.lingerTicks);
    const ended = reports.flatMap((r) => r.ended);
    expect(ended).to.have.length(1);
    expect(ended[0]!.result).to.deep.include({ reason: EndReason.END_REASON_FORFEIT, winnerId: 'bob' });
    expect(reports.find((r) => r.ended.length > 0)!.checkpoints[0]!.phase, 'final checkpoint').to.equal(RoomPhase.ROOM_PHASE_ENDED);
    expect(await h.stats.read()).to.include({ reconnect_failed_total: 1, games_ended_total: 1 });
    expect(h.eventsTo(bobPeer).filter((e) => e.kind === GAME_ENDED).length).to.be.at.least(1);
    expect(h.host.has('room-1')).to.equal(false);
    expect(h.host.isOver('room-1')).to.equal(true);
    expect(h.host.load()).to.deep.equal({ activeRooms: 0, players: 0 });
  });

  it('ends the game at once when a player disconnects: the seat is not held', async () => {
    const h = playing();
    expect(h.host.receive({ kind: 'disconnect', body: { connectionId: 1 } }, alicePeer, h.nowMs)).to.equal(undefined);
    expect(h.eventsTo(bobPeer).map((e) => e.kind)).to.deep.equal([GAME_ENDED]);
    const [next] = h.ticks(1);
    const scores = [{ playerId: 'alice', score: 0 }, { playerId: 'bob', score: 0 }];
    expect(next!.ended).to.deep.equal([{ roomId: 'room-1', result: { reason: EndReason.END_REASON_FORFEIT, winnerId: 'bob', scores, ticks: 20 } }]);
    expect(await h.stats.read()).to.include({ reconnect_failed_total: 0, games_ended_total: 1 });
  });
});
