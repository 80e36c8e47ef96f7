import { expect } from 'chai';
import { RoomPhase, WorldState } from '../../../src/gen/mini/room/v1/world.js';
import { decodeWorld, encodeWorld, MalformedCheckpointError } from '../../../src/room/sim/checkpoint.js';
import { dropAndReturn, run, startedWorld } from './sim-fixture.js';

describe('room sim: checkpoint', () => {
  it('round-trips a world exactly, owner and epoch included', () => {
    const world = { ...run(startedWorld(), 200).state, owner: 'room-server-a', epoch: 3 };
    expect(decodeWorld(encodeWorld(world))).to.deep.equal(world);
  });

  // The host checkpoints every 5 ticks, but a restore must be exact from any tick, paused or not.
  const cases: { name: string; n: number; m: number; phase: RoomPhase }[] = [
    { name: 'during the serve delay, off the 5-tick grid', n: 7, m: 300, phase: RoomPhase.ROOM_PHASE_PLAYING },
    { name: 'mid-rally', n: 123, m: 1_000, phase: RoomPhase.ROOM_PHASE_PLAYING },
    { name: 'while paused (seed scenario: dropped at 50, back at 55)', n: 52, m: 400, phase: RoomPhase.ROOM_PHASE_PLAYING },
    { name: 'on the tick the player is back', n: 55, m: 400, phase: RoomPhase.ROOM_PHASE_PLAYING },
    { name: 'in the serve delay after a point, continued to the end of the game', n: 1_171, m: 4_000, phase: RoomPhase.ROOM_PHASE_ENDED },
    { name: 'late in the game', n: 2_501, m: 800, phase: RoomPhase.ROOM_PHASE_PLAYING },
  ];
  for (const c of cases) {
    it(`checkpoint, restore, continue equals an uninterrupted run: ${c.name}`, () => {
      const first = run(startedWorld(), c.n, undefined, dropAndReturn).state;
      const restored = decodeWorld(encodeWorld(first));
      expect(restored.phase).to.not.equal(RoomPhase.ROOM_PHASE_ENDED);
      const continued = run(restored, c.m, undefined, dropAndReturn);
      const uninterrupted = run(startedWorld(), c.n + c.m, undefined, dropAndReturn);
      expect(continued.state.phase).to.equal(c.phase);
      expect(encodeWorld(continued.state)).to.deep.equal(encodeWorld(uninterrupted.state));
    });
  }

  it('restores a paused world as paused', () => {
    const paused = decodeWorld(encodeWorld(run(startedWorld(), 52, undefined, dropAndReturn).state));
    expect(paused.phase).to.equal(RoomPhase.ROOM_PHASE_PAUSED);
    expect(paused.pausedAtTick).to.equal(50);
    expect(paused.left.disconnectedAtTick).to.equal(50);
  });

  it('refuses bytes that are not a complete world', () => {
    expect(() => decodeWorld(Uint8Array.of(0xff, 0xff, 0xff))).to.throw(MalformedCheckpointError);
    const noBall = WorldState.encode({ ...startedWorld(), ball: undefined }).finish();
    expect(() => decodeWorld(noBall)).to.throw(MalformedCheckpointError, /room-1/);
  });
});
