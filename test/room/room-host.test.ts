import { expect } from 'chai';
import { RefusedReason, RoomEventKind } from '../../src/gen/mini/room/v1/packets.js';
import { EndReason } from '../../src/gen/mini/room/v1/registry.js';
import { RoomPhase, SlotStatus } from '../../src/gen/mini/room/v1/world.js';
import { createWorld } from '../../src/room/sim/world.js';
import { alicePeer, bobPeer, HostHarness, LEFT, RIGHT, rules } from './host-fixture.js';

describe('room host: seats, inputs and packets (pure, no sockets)', () => {
  it('seats both players from their tokens and sends each a snapshot every tick', () => {
    const h = new HostHarness();
    h.room();
    const alice = h.seat(LEFT);
    expect(alice).to.deep.equal({ roomId: 'room-1', slot: LEFT, connectionId: 1, tick: 0, ticksPerSecond: 60, resumed: false, lastInputSeq: 0 });
    const bob = h.seat(RIGHT);
    expect(bob).to.include({ slot: RIGHT, connectionId: 2, resumed: false });
    expect(h.host.load()).to.deep.equal({ activeRooms: 1, players: 2 });
    h.ticks(3);
    expect(h.snapshotsTo(alicePeer).map((s) => s.tick)).to.deep.equal([1, 2, 3]);
    expect(h.snapshotsTo(bobPeer).at(-1)).to.deep.include({ tick: 3, phase: RoomPhase.ROOM_PHASE_PLAYING });
  });

  it('answers a repeated connect (same address and token) with the same Welcome and nothing else', () => {
    const h = new HostHarness();
    h.room();
    const first = h.seat(LEFT);
    h.seat(RIGHT);
    const sentBefore = h.sent.length;
    expect(h.seat(LEFT)).to.deep.equal(first);
    expect(h.sent.length).to.equal(sentBefore);
  });

  it('refuses a token whose seat or opponent disagrees with the room, and any connect once the game is over', () => {
    const h = new HostHarness();
    h.room();
    h.seat(LEFT);
    const base = { slot: LEFT, playerId: 'mallory', opponentId: 'bob', peer: { address: '10.0.0.9', port: 1 }, nonce: 'n-x', issuedAtMs: 0, nowMs: 0 } as const;
    expect(h.host.seat('room-1', base)).to.deep.equal({ refuse: RefusedReason.REFUSED_REASON_SEAT_TAKEN, drop: 'seat_taken' });
    expect(h.host.seat('room-1', { ...base, slot: RIGHT, playerId: 'carol', opponentId: 'alice' })).to.include({ drop: 'seat_taken' });
    h.seat(RIGHT);
    h.host.receive({ kind: 'disconnect', body: { connectionId: 1 } }, alicePeer, 0);
    expect(h.host.seat('room-1', { ...base, playerId: 'alice', nonce: 'n-new' })).to.deep.equal({ refuse: RefusedReason.REFUSED_REASON_ROOM_GONE, drop: 'room_gone' });
  });

  it('applies one input a tick, only to the sender’s own paddle, ignoring repeats', () => {
    const h = new HostHarness();
    h.room();
    const alice = h.seat(LEFT);
    h.seat(RIGHT);
    const up = (seq: number) => ({ seq, direction: -1 });
    // Each batch repeats the inputs before it, as clients send them.
    h.host.receive({ kind: 'inputs', body: { connectionId: alice.connectionId, inputs: [up(1), up(2)] } }, alicePeer, h.nowMs);
    h.host.receive({ kind: 'inputs', body: { connectionId: alice.connectionId, inputs: [up(1), up(2), up(3)] } }, alicePeer, h.nowMs);
    h.ticks(4);
    const moved = h.snapshotsTo(alicePeer).map((s) => [s.left!.y, s.right!.y, s.lastInputSeq]);
    expect(moved).to.deep.equal([
      [290_000, 300_000, 1],
      [280_000, 300_000, 2],
      [270_000, 300_000, 3],
      [270_000, 300_000, 3],
    ]);
    expect(h.snapshotsTo(bobPeer).at(-1)!.lastInputSeq).to.equal(0);
  });

  it('drops packets with an unknown id, from the wrong address, for the other paddle, or with bad inputs, changing nothing', () => {
    const h = new HostHarness();
    h.room();
    const alice = h.seat(LEFT);
    const bob = h.seat(RIGHT);
    const down = [{ seq: 1, direction: 1 }];
    const stranger = { address: '10.0.0.66', port: 6666 };
    expect(h.host.receive({ kind: 'inputs', body: { connectionId: 999, inputs: down } }, alicePeer, 0)).to.equal('unknown_connection');
    expect(h.host.receive({ kind: 'inputs', body: { connectionId: alice.connectionId, inputs: down } }, stranger, 0)).to.equal('wrong_address');
    expect(h.host.receive({ kind: 'inputs', body: { connectionId: bob.connectionId, inputs: down } }, alicePeer, 0)).to.equal('other_paddle');
    expect(h.host.receive({ kind: 'disconnect', body: { connectionId: bob.connectionId } }, alicePeer, 0)).to.equal('other_paddle');
    for (const bad of [[{ seq: 1, direction: 2 }], [{ seq: 0, direction: 1 }], Array.from({ length: 65 }, (_, i) => ({ seq: i + 1, direction: 1 }))]) {
      expect(h.host.receive({ kind: 'inputs', body: { connectionId: alice.connectionId, inputs: bad } }, alicePeer, 0)).to.equal('bad_input');
    }
    h.ticks(3);
    const last = h.snapshotsTo(bobPeer).at(-1)!;
    expect([last.left!.y, last.right!.y, last.phase]).to.deep.equal([300_000, 300_000, RoomPhase.ROOM_PHASE_PLAYING]);
  });

  it('answers a keepalive with a keepalive', () => {
    const h = new HostHarness();
    h.room();
    const alice = h.seat(LEFT);
    h.keepalive(alice.connectionId, alicePeer);
    expect(h.sent.at(-1)).to.deep.equal({ peer: alicePeer, packet: { keepalive: { connectionId: alice.connectionId } } });
  });

  it('marks checkpoints due every interval and reports info changes once', () => {
    const h = new HostHarness();
    h.room();
    h.seat(LEFT);
    const [first] = h.ticks(1);
    expect(first!.infos).to.deep.equal([{ roomId: 'room-1', view: { status: 'waiting', playerCount: 1, placementEpoch: 0 } }]);
    h.seat(RIGHT);
    const reports = h.ticks(10);
    expect(reports[0]!.infos).to.deep.equal([{ roomId: 'room-1', view: { status: 'playing', playerCount: 2, placementEpoch: 0 } }]);
    expect(reports.slice(1).every((r) => r.infos.length === 0)).to.equal(true);
    expect(reports.map((r) => r.checkpoints.map((w) => w.tick))).to.deep.equal([[], [], [], [5], [], [], [], [], [10], []]);
    expect(reports[3]!.checkpoints[0]).to.include({ owner: 'owner-1', epoch: 1 });
  });

  it('abandons a room still waiting for its players after the timeout', () => {
    const h = new HostHarness();
    h.room();
    h.seat(LEFT);
    const reports = h.ticks(rules.abandonTicks + 1);
    const ended = reports.flatMap((r) => r.ended);
    const result = { reason: EndReason.END_REASON_ABANDONED, winnerId: '', scores: [{ playerId: 'alice', score: 0 }], ticks: rules.abandonTicks };
    expect(ended).to.deep.equal([{ roomId: 'room-1', result }]);
    expect(h.host.isOver('room-1')).to.equal(true);
  });

  it('takes over a room restored from another owner’s checkpoint with the next epoch, holding it for both players', () => {
    const h = new HostHarness('owner-2');
    const previous = new HostHarness('owner-1');
    previous.room(createWorld('room-1', rules.sim, 7));
    previous.seat(LEFT);
    previous.seat(RIGHT);
    previous.ticks(20);
    const world = previous.host.liveWorlds()[0]!;

    h.room(world);
    const restored = h.host.liveWorlds()[0]!;
    expect(restored).to.include({ owner: 'owner-2', epoch: world.epoch + 1, phase: RoomPhase.ROOM_PHASE_PAUSED, tick: 20 });
    expect([restored.left.status, restored.right.status]).to.deep.equal([SlotStatus.SLOT_STATUS_RECONNECTING, SlotStatus.SLOT_STATUS_RECONNECTING]);
    expect(h.seat(LEFT)).to.include({ resumed: true, tick: 20 });
    h.seat(RIGHT);
    expect(h.eventsTo(alicePeer).map((e) => e.kind)).to.deep.equal([RoomEventKind.ROOM_EVENT_KIND_OPPONENT_RECONNECTED]);
    expect(h.host.liveWorlds()[0]!.phase).to.equal(RoomPhase.ROOM_PHASE_PLAYING);
  });
});
